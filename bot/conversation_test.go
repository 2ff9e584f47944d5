package bot_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"alsbot/bot"
	"alsbot/bot/convcheck"
)

// script is one conversation of testdata/conversations.yaml.
type script struct {
	Name    string `yaml:"name"`
	Channel string `yaml:"channel"`
	Turns   []struct {
		Q    string   `yaml:"q"`
		Want string   `yaml:"want"`
		Also []string `yaml:"also"`
		Pick int      `yaml:"pick"`
	} `yaml:"turns"`
}

// TestConversations plays the conversation scripts (several turns each,
// LINE and Slack, Japanese and English) and holds the bot to the expected
// reply of every turn: follow-ups in the topic of the answer before,
// choices picked by number or words, rules mid-conversation.
func TestConversations(t *testing.T) {
	data, err := os.ReadFile("../testdata/conversations.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var scripts []script
	if err := yaml.Unmarshal(data, &scripts); err != nil {
		t.Fatal(err)
	}
	if len(scripts) < 40 {
		t.Fatalf("%d conversation scripts, want at least 40", len(scripts))
	}
	b := shippedBot(t)
	ctx := context.Background()
	turns, turnsRight, scriptsRight := 0, 0, 0
	var misses []string
	for _, s := range scripts {
		key := s.Channel + ":" + s.Name
		var last bot.Reply
		ok := true
		for i, turn := range s.Turns {
			r := b.Ask(ctx, bot.Question{Text: turn.Q, Channel: s.Channel, Conversation: key, Lang: "ja"})
			got := outcome(r)
			want := turn.Want
			if turn.Pick > 0 && want == "" && turn.Pick <= len(last.Suggestions) {
				want = last.Suggestions[turn.Pick-1].Entry
			}
			right := got == want || slices.Contains(turn.Also, got) ||
				want == "not-answer" && r.Kind != bot.KindAnswer
			turns++
			if right {
				turnsRight++
			} else {
				ok = false
				misses = append(misses, fmt.Sprintf("%s turn %d %q: want %s, got %s", s.Name, i+1, turn.Q, want, got))
			}
			last = r
		}
		if ok {
			scriptsRight++
		}
	}
	rate := float64(turnsRight) / float64(turns)
	t.Logf("conversations: %d/%d scripts right, %d/%d turns = %.1f%%", scriptsRight, len(scripts), turnsRight, turns, 100*rate)
	if rate < 0.9 {
		t.Errorf("conversation turns %.1f%% right, want at least 90%%:\n  %s", 100*rate, strings.Join(misses, "\n  "))
	} else if len(misses) > 0 {
		t.Logf("misses:\n  %s", strings.Join(misses, "\n  "))
	}
}

// TestFollowUpInContext checks the behaviour patients rely on, turn by
// turn: a bare follow-up is refused without context and answered in the
// topic of the answer before it.
func TestFollowUpInContext(t *testing.T) {
	b := shippedBot(t)
	ctx := context.Background()
	alone := b.Ask(ctx, bot.Question{Text: "副作用は？", Conversation: "line:alone"})
	if alone.Kind == bot.KindAnswer {
		t.Errorf("a bare 副作用は？ with no context was answered with %s; want a choice or a fallback", alone.Entry)
	}
	for _, tc := range []struct{ first, firstWant, follow, want string }{
		{"ミューズ細胞の治験の結果は？", "muse-trial-efficacy", "副作用は？", "muse-trial-safety"},
		{"培養上清液とは？", "cm-what", "腫瘍のリスクは？", "cm-tumor-risk"},
		{"Muse trial results", "muse-trial-efficacy", "and how was it given?", "muse-how-given"},
	} {
		key := "test:" + tc.first
		r := b.Ask(ctx, bot.Question{Text: tc.first, Conversation: key})
		if r.Entry != tc.firstWant {
			t.Fatalf("%q: got %s %s, want %s", tc.first, r.Kind, r.Entry, tc.firstWant)
		}
		r = b.Ask(ctx, bot.Question{Text: tc.follow, Conversation: key})
		if r.Kind != bot.KindAnswer || r.Entry != tc.want {
			t.Errorf("after %q, %q: got %s %s, want %s", tc.first, tc.follow, r.Kind, r.Entry, tc.want)
		}
	}
}

// TestNoticeOncePerDay: the disclaimer comes with the first answer of a
// conversation, not with every message, again a day later, and in each
// language the first time that language appears.
func TestNoticeOncePerDay(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	b := shippedBot(t, bot.WithClock(func() time.Time { return now }),
		bot.WithConversations(bot.NewMemoryConversations(48*time.Hour)))
	ctx := context.Background()
	ask := func(text string) bot.Reply {
		return b.Ask(ctx, bot.Question{Text: text, Conversation: "line:U1"})
	}
	if r := ask("ミューズ細胞とは？"); r.Kind != bot.KindAnswer || r.Notice == "" {
		t.Fatalf("first answer: kind %s, notice %q; want an answer with the notice", r.Kind, r.Notice)
	}
	if r := ask("治験の結果は？"); r.Kind != bot.KindAnswer || r.Notice != "" {
		t.Fatalf("second answer: kind %s, notice %q; want an answer without the notice", r.Kind, r.Notice)
	}
	en := ask("what is conditioned medium?")
	if en.Lang != "en" || en.Notice == "" || en.Notice == ask("iPS細胞とは？").Notice {
		t.Fatalf("the first English answer of a Japanese conversation: lang %s, notice %q; want the English disclaimer", en.Lang, en.Notice)
	}
	if r := ask("what are iPS cells?"); r.Notice != "" {
		t.Fatalf("the second English answer repeats the notice %q", r.Notice)
	}
	now = now.Add(25 * time.Hour)
	if r := ask("培養上清液とは？"); r.Notice == "" {
		t.Fatal("a day later the notice was not shown again")
	}
	if r := b.Ask(ctx, bot.Question{Text: "ミューズ細胞とは？", Conversation: "line:U2"}); r.Notice == "" {
		t.Fatal("another user's first answer lacks the notice")
	}
}

// TestSuggestionsSkipWhatWasSeen: no reply of a conversation suggests an
// entry it has already answered, however the user goes from one to the
// next, and an answer still offers three ways on while any are unread.
func TestSuggestionsSkipWhatWasSeen(t *testing.T) {
	b := shippedBot(t)
	ctx := context.Background()
	const conv = "line:U3"
	var read []string
	r := b.Ask(ctx, bot.Question{Text: "ミューズ細胞とは？", Conversation: conv})
	for turn := 0; turn < 12 && r.Kind == bot.KindAnswer; turn++ {
		read = append(read, r.Entry)
		for _, s := range r.Suggestions {
			if slices.Contains(read, s.Entry) {
				t.Errorf("turn %d, after reading %v: %s is suggested again", turn, read, s.Entry)
			}
		}
		if len(r.Suggestions) < 3 {
			t.Errorf("turn %d: %d suggestions, want 3", turn, len(r.Suggestions))
		}
		if len(r.Suggestions) == 0 {
			break
		}
		next := r.Suggestions[turn%len(r.Suggestions)]
		r = b.Ask(ctx, bot.Question{Entry: next.Entry, Text: next.Question, Conversation: conv})
	}
	if len(read) < 12 {
		t.Fatalf("the walk stopped after %d answers: %+v", len(read), r)
	}
	menu := b.Ask(ctx, bot.Question{Text: "量子コンピューターの仕組みは？", Conversation: conv})
	for _, s := range menu.Suggestions {
		if slices.Contains(read, s.Entry) {
			t.Errorf("the fallback's topics offer %s, already read", s.Entry)
		}
	}
}

// TestAboutTheBot: "about this bot" says it is a program, cites every
// source, gives the month of the latest review and the clinic's name.
func TestAboutTheBot(t *testing.T) {
	b := shippedBot(t)
	for _, lang := range []string{"ja", "en"} {
		r := b.Ask(context.Background(), bot.Question{Kind: bot.AskAbout, Lang: lang})
		if r.Lang != lang || r.Reviewed == "" || !strings.Contains(r.Text, r.Reviewed) || strings.Contains(r.Text, "{") {
			t.Errorf("%s: reviewed %q, text %q; want the review month in the text, every placeholder filled", lang, r.Reviewed, r.Text)
		}
		if len(r.Sources) != len(b.KB().Sources) {
			t.Errorf("%s: %d sources cited, want all %d", lang, len(r.Sources), len(b.KB().Sources))
		}
		if r.Clinic == nil || r.Clinic.Name == "" {
			t.Errorf("%s: no clinic name in %+v", lang, r.Clinic)
		} else if b.KB().Clinic.Placeholder && (r.Clinic.Phone != "" || len(r.Calls) != 0) {
			t.Errorf("%s: the placeholder profile gives a phone: %+v", lang, r.Clinic)
		}
	}
}

// TestChoiceByNumber: a clarifying choice can be answered with its number.
func TestChoiceByNumber(t *testing.T) {
	b := shippedBot(t)
	ctx := context.Background()
	var r bot.Reply
	for _, q := range []string{"治験", "iPS細胞", "副作用", "trial"} {
		r = b.Ask(ctx, bot.Question{Text: q, Conversation: "line:U4"})
		if r.Kind == bot.KindClarify {
			break
		}
	}
	if r.Kind != bot.KindClarify {
		t.Skip("no vague question here gets a choice; nothing to pick")
	}
	want := r.Suggestions[1].Entry
	got := b.Ask(ctx, bot.Question{Text: "２", Conversation: "line:U4"})
	if got.Kind != bot.KindAnswer || got.Entry != want {
		t.Fatalf("picking ２ got %s %s, want the second choice %s", got.Kind, got.Entry, want)
	}
}

// TestRuleByKind: a rich-menu button asks for a rule's reply by id: the
// emergency guidance, urgent, with 119 to dial; an unknown id gets the
// topic menu rather than nothing.
func TestRuleByKind(t *testing.T) {
	b := shippedBot(t)
	r := b.Ask(context.Background(), bot.Question{Kind: bot.AskRule, Rule: "emergency", Lang: "ja"})
	if r.Rule != "emergency" || !r.Urgent || len(r.Calls) == 0 || r.Calls[0].Number != "119" {
		t.Errorf("the emergency button: rule %q, urgent %v, calls %+v", r.Rule, r.Urgent, r.Calls)
	}
	if !b.Screen(bot.Question{Kind: bot.AskRule, Rule: "emergency"}).Urgent {
		t.Error("the emergency button is not screened as urgent: a rate limit could hold it back")
	}
	if r := b.Ask(context.Background(), bot.Question{Kind: bot.AskRule, Rule: "no-such-rule"}); r.Rule != "menu" || len(r.Suggestions) == 0 {
		t.Errorf("an unknown rule: %s %q, %d suggestions; want the topic menu", r.Kind, r.Rule, len(r.Suggestions))
	}
}

// TestUpToDateGivesTheReviewDate: "is this up to date?" is answered with
// the month of the newest review, the same the about reply gives.
func TestUpToDateGivesTheReviewDate(t *testing.T) {
	b := shippedBot(t)
	month := b.Ask(context.Background(), bot.Question{Kind: bot.AskAbout}).Reviewed
	for _, q := range []string{"この情報は最新ですか", "is this up to date?"} {
		r := ask(b, q)
		if r.Kind != bot.KindAnswer || month == "" || !strings.Contains(r.Text, month) || strings.Contains(r.Text, "{reviewed}") {
			t.Errorf("%q: %s %s, text without the review month %q: %q", q, r.Kind, r.Entry, month, r.Text)
		}
	}
}

func TestMemoryConversationsConform(t *testing.T) {
	convcheck.Run(t, 300*time.Millisecond, func(*testing.T) bot.Conversations { return bot.NewMemoryConversations(300 * time.Millisecond) })
}

// TestUpToDateAfterAnAnswer: "is this up to date?" after an answer about
// the Muse trial is about the bot's sources, not a point the Muse trial's
// sources are silent on.
func TestUpToDateAfterAnAnswer(t *testing.T) {
	b := shippedBot(t)
	ctx := context.Background()
	b.Ask(ctx, bot.Question{Text: "ミューズ細胞の治験の結果は？", Conversation: "line:U9"})
	if r := b.Ask(ctx, bot.Question{Text: "is this up to date?", Conversation: "line:U9"}); r.Entry != "about-sources" {
		t.Errorf("after a Muse answer, 'is this up to date?' gets %s %s (%s)", r.Kind, r.Entry, r.Reason)
	}
}
