package gaps_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"alsbot/adapters/sqlite"
	"alsbot/adapters/userid"
	"alsbot/bot"
	"alsbot/bot/gaps"
	"alsbot/knowledge"
)

func shippedBot(t testing.TB) *bot.Bot {
	t.Helper()
	kb, err := knowledge.LoadShipped()
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(kb)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// memStore remembers what it is asked to record.
type memStore struct {
	got []gaps.Miss
	err error
}

func (s *memStore) Record(_ context.Context, m gaps.Miss) error {
	s.got = append(s.got, m)
	return s.err
}

func TestRecorderRecordsWhatTheBotCouldNotAnswer(t *testing.T) {
	b := shippedBot(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		q    bot.Question
		kind string // recorded kind, "" for nothing recorded
	}{
		{"an answer", bot.Question{Text: "ミューズ細胞の治験結果は？", Channel: "line", User: "U1"}, ""},
		{"a rule", bot.Question{Text: "息ができない、苦しい", Channel: "line", User: "U1"}, ""},
		{"the fallback", bot.Question{Text: "今日の天気は？", Channel: "line", User: "U1"}, gaps.KindFallback},
		{"a button pressed", bot.Question{Text: "x", Entry: "no-such-entry", Channel: "line", User: "U1"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &memStore{}
			r := gaps.NewRecorder(b, st, nil)
			want := b.Ask(ctx, tc.q)
			got := r.Ask(ctx, tc.q)
			if got.Kind != want.Kind || got.Text != want.Text || got.Entry != want.Entry {
				t.Errorf("the recorder changed the reply: %+v, want %+v", got, want)
			}
			if tc.kind == "" {
				if len(st.got) != 0 {
					t.Errorf("recorded %+v", st.got)
				}
				return
			}
			if len(st.got) != 1 {
				t.Fatalf("recorded %d misses", len(st.got))
			}
			m := st.got[0]
			if m.Kind != tc.kind || m.Question != tc.q.Text || m.Channel != tc.q.Channel || m.User != tc.q.User || m.Lang != want.Lang || m.Time.IsZero() {
				t.Errorf("recorded %+v", m)
			}
		})
	}
}

func TestRecorderRecordsTheChoicesOfAClarifyingReply(t *testing.T) {
	b := shippedBot(t)
	ctx := context.Background()
	// Find a clarifying reply among short, ambiguous questions rather than
	// hard-coding one the retrieval tuning may change.
	for _, q := range []string{"上清液", "ミューズ", "治験", "幹細胞", "iPS", "副作用", "効果", "臍帯", "歯髄"} {
		reply := b.Ask(ctx, bot.Question{Text: q})
		if reply.Kind != bot.KindClarify {
			continue
		}
		st := &memStore{}
		gaps.NewRecorder(b, st, nil).Ask(ctx, bot.Question{Text: q})
		if len(st.got) != 1 || st.got[0].Kind != gaps.KindClarify || len(st.got[0].Choices) != len(reply.Suggestions) {
			t.Fatalf("%q: recorded %+v for %+v", q, st.got, reply.Suggestions)
		}
		for i, s := range reply.Suggestions {
			if st.got[0].Choices[i] != s.Entry {
				t.Errorf("choice %d: %s, want %s", i, st.got[0].Choices[i], s.Entry)
			}
		}
		return
	}
	t.Skip("no clarifying reply among the probe questions")
}

func TestRecorderWithoutStoreRecordsNothing(t *testing.T) {
	r := gaps.NewRecorder(shippedBot(t), nil, nil)
	if got := r.Ask(context.Background(), bot.Question{Text: "今日の天気は？"}); got.Kind != bot.KindFallback {
		t.Errorf("reply %+v", got)
	}
}

func TestRecorderFailureIsLoggedWithoutTheQuestion(t *testing.T) {
	var logs bytes.Buffer
	st := &memStore{err: errors.New("disk full")}
	r := gaps.NewRecorder(shippedBot(t), st, slog.New(slog.NewTextHandler(&logs, nil)))
	const q = "今日の天気は？ 090-1234-5678"
	if got := r.Ask(context.Background(), bot.Question{Text: q, User: "U-secret", Channel: "line"}); got.Kind != bot.KindFallback {
		t.Errorf("reply %+v", got)
	}
	if !strings.Contains(logs.String(), "disk full") {
		t.Errorf("the failure was not logged: %s", logs.String())
	}
	for _, raw := range []string{"天気", "1234", "U-secret"} {
		if strings.Contains(logs.String(), raw) {
			t.Errorf("the log contains %q: %s", raw, logs.String())
		}
	}
}

// TestRecorderThroughTheStore is the whole path: the bot's fallback, the
// recorder, the SQLite store, and nothing raw read back.
func TestRecorderThroughTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.OpenMisses(ctx, filepath.Join(t.TempDir(), "m.db"), sqlite.MissOptions{Salt: "s", PurgeEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := gaps.NewRecorder(bot.NewLive(shippedBot(t)), st, nil)
	r.Ask(ctx, bot.Question{Text: "今日の天気は？ 連絡先 taro@example.com", User: "U123", Channel: "line"})
	got, err := st.Since(ctx, time.Time{})
	if err != nil || len(got) != 1 {
		t.Fatalf("%d misses, %v", len(got), err)
	}
	if got[0].Question != "今日の天気は? 連絡先 [email]" || got[0].User != userid.Hash("s", "U123") {
		t.Errorf("stored %+v", got[0])
	}
}

func TestGroupMisses(t *testing.T) {
	b := shippedBot(t)
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	var ms []gaps.Miss
	add := func(q, user string, ago time.Duration) {
		ms = append(ms, gaps.Miss{Question: q, User: user, Lang: bot.Language(q, "ja"), Kind: gaps.KindFallback, Time: now.Add(-ago)})
	}
	add("ミューズ細胞の治療費はいくらですか", "a", 5*time.Hour)
	add("ALSの食事で気をつけることは？", "b", 4*time.Hour)
	add("ミューズ細胞の治療費は保険がききますか", "c", 3*time.Hour)
	add("ミューズ細胞の治療費はいくら？", "a", 2*time.Hour)
	add("ALSの食事はどうすればいい？", "d", time.Hour)
	add("what is the weather today", "e", 0)

	groups := gaps.GroupMisses(ms, b, 0)
	if len(groups) != 3 {
		for _, g := range groups {
			t.Logf("%d %q", g.Count(), g.Example)
		}
		t.Fatalf("%d groups, want 3 (cost, diet, weather)", len(groups))
	}
	cost, diet, weather := groups[0], groups[1], groups[2]
	if cost.Count() != 3 || !strings.Contains(cost.Example, "治療費") || cost.Users != 2 || cost.Kinds[gaps.KindFallback] != 3 || cost.Langs["ja"] != 3 {
		t.Errorf("largest group: %+v", cost)
	}
	if _, ok := b.KB().Entry(cost.Closest); !ok || cost.Coverage <= 0 {
		t.Errorf("the cost questions came closest to %q (coverage %.2f), want an entry", cost.Closest, cost.Coverage)
	}
	if diet.Count() != 2 || !strings.Contains(diet.Example, "食事") || !diet.Last.Equal(now.Add(-time.Hour)) {
		t.Errorf("second group: %+v", diet)
	}
	if weather.Count() != 1 || weather.Example != "what is the weather today" {
		t.Errorf("third group: %+v", weather)
	}
}

func TestGroupMissesWithoutSearcher(t *testing.T) {
	gs := gaps.GroupMisses([]gaps.Miss{{Question: "a b c"}, {Question: "a b c"}}, nil, 0)
	if len(gs) != 1 || gs[0].Count() != 2 || gs[0].Closest != "" {
		t.Errorf("got %+v", gs)
	}
}

func TestGroupMissesKeepsTopicsApart(t *testing.T) {
	for _, tc := range []struct {
		name string
		qs   []string
		want int // groups
	}{
		{"a shared head word does not glue topics", []string{"ミューズ細胞の費用", "ミューズ細胞の副作用", "ミューズ細胞の治験に参加したい", "ミューズ細胞はどこで受けられる"}, 4},
		{"paraphrases join", []string{"ミューズ細胞の費用はいくら", "ミューズ細胞の費用を教えて", "Muse cell cost", "how much does the Muse cell treatment cost"}, 2},
		{"kana-only questions join", []string{"みゅーずさいぼうのひよう", "みゅーずさいぼうのひようはいくら"}, 1},
		{"masked numbers are no topic", []string{"[number]に電話して", "[number]の予約"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ms []gaps.Miss
			for _, q := range tc.qs {
				ms = append(ms, gaps.Miss{Question: sqlite.Mask(q)})
			}
			gs := gaps.GroupMisses(ms, nil, 0)
			if len(gs) != tc.want {
				for _, g := range gs {
					t.Logf("%d %q", g.Count(), g.Example)
				}
				t.Errorf("%d groups, want %d", len(gs), tc.want)
			}
		})
	}
}
