package line

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"alsbot/bot"
)

func TestCutLabel(t *testing.T) {
	family := "👨\u200d👩\u200d👧" // one emoji drawn from three, 8 UTF-16 units
	tests := []struct {
		in, want string
	}{
		{"ALSFRS-Rとは", "ALSFRS-Rとは"},
		{"  Muse細胞の\n投与方法 ", "Muse細胞の 投与方法"},
		{"ちょうど二十文字のラベルです、はいはいはい", "ちょうど二十文字のラベルです…"},
		{"乳歯歯髄幹細胞培養上清液を使った臨床研究の概要", "乳歯歯髄幹細胞培養上清液を使った…"},
		{"What the Muse cell trial found about safety", "What the Muse cell…"},
		{"Stem-cell conditioned medium (culture supernatant)", "Stem-cell…"},
		{"幹細胞治療（Muse細胞・iPS細胞）の研究の今", "幹細胞治療（Muse細胞・iPS細胞）…"},
		{strings.Repeat("あ", 18) + "😀😀", strings.Repeat("あ", 18) + "…"},
		{strings.Repeat("あ", 17) + "😀😀", strings.Repeat("あ", 17) + "😀…"},
		{strings.Repeat("あ", 14) + family + "です", strings.Repeat("あ", 14) + "…"},
		{strings.Repeat("あ", 11) + family + "です", strings.Repeat("あ", 11) + family + "…"},
		{"がぎぐげござじずぜぞだぢづでどばびぶべぼぱ", "がぎぐげござじずぜぞだぢづでどばびぶべ…"},
		{strings.Repeat("か\u3099", 12), strings.Repeat("か\u3099", 9) + "…"}, // か + combining dakuten stay together
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := cutLabel(tt.in, maxLabelUnits)
			if got != tt.want {
				t.Errorf("cutLabel(%q) = %q; want %q", tt.in, got, tt.want)
			}
			if units(got) > maxLabelUnits || !utf8.ValidString(got) {
				t.Errorf("%q: %d units or broken", got, units(got))
			}
		})
	}
}

func TestLayoutStaysWithinFiveMessages(t *testing.T) {
	src := []bot.Source{{Title: "岡山大学プレスリリース", Publisher: "岡山大学", Date: "2023-12-21", URL: "https://www.okayama-u.ac.jp/tp/release/release_id1173.html"}}
	para := strings.Repeat("とても長い説明の文です😀。", 100) // 1,300+ units
	paras := func(n int) string {
		var ps []string
		for range n {
			ps = append(ps, para)
		}
		return strings.Join(ps, "\n\n")
	}
	tests := []struct {
		name      string
		reply     bot.Reply
		messages  int
		truncated bool
	}{
		{"short answer, sources, notice", bot.Reply{Text: "答え", Sources: src, Notice: "注意"}, 3, false},
		{"no sources, no notice", bot.Reply{Text: "答え"}, 1, false},
		{"fallback text only", bot.Reply{Kind: bot.KindFallback, Text: "お答えできません"}, 1, false},
		{"answer needing 4 messages shares the last with sources and notice", bot.Reply{Text: paras(13), Sources: src, Notice: "注意"}, 5, false},
		{"answer beyond LINE's reach is cut, sources and notice kept", bot.Reply{Text: paras(30), Sources: src, Notice: "注意"}, 5, true},
		{"answer beyond reach, nothing else", bot.Reply{Text: paras(30)}, 5, true},
		{"empty", bot.Reply{}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := layout(tt.reply)
			if len(got) != tt.messages {
				t.Fatalf("%d messages; want %d", len(got), tt.messages)
			}
			all := strings.Join(got, "\n\n")
			for i, m := range got {
				if units(m) > maxTextUnits || m == "" || !utf8.ValidString(m) || strings.ContainsRune(m, utf8.RuneError) {
					t.Errorf("message %d: %d units, valid %v", i, units(m), utf8.ValidString(m))
				}
			}
			if tt.reply.Notice != "" && !strings.HasSuffix(all, tt.reply.Notice) {
				t.Error("the notice is not last")
			}
			if len(tt.reply.Sources) > 0 && !strings.Contains(all, src[0].URL) {
				t.Error("the source link is missing")
			}
			if cut := strings.Contains(all, "\n…"); cut != tt.truncated {
				t.Errorf("truncation mark: %v; want %v", cut, tt.truncated)
			}
			if !tt.truncated && !strings.Contains(all, tt.reply.Text) {
				t.Error("the answer text was changed")
			}
		})
	}
}

func TestQuickReplies(t *testing.T) {
	var many []bot.Suggestion
	for i := range 20 {
		many = append(many, bot.Suggestion{Label: fmt.Sprintf("話題%d", i), Question: fmt.Sprintf("話題%dについて", i), Entry: fmt.Sprintf("topic-%d", i)})
	}
	long := strings.Repeat("長い質問", 100)
	tests := []struct {
		name string
		in   []bot.Suggestion
		want []sentAction
	}{
		{"at most 13", many, nil},
		{"no entry: a message button", []bot.Suggestion{{Label: "ALSとは", Question: "ALSってどんな病気？"}},
			[]sentAction{{Type: "message", Label: "ALSとは", Text: "ALSってどんな病気？"}}},
		{"entry: a postback showing the question", []bot.Suggestion{{Label: "ALSとは", Question: "ALSってどんな病気？", Entry: "als-what"}},
			[]sentAction{{Type: "postback", Label: "ALSとは", Data: "entry=als-what&lang=ja", DisplayText: "ALSってどんな病気？"}}},
		{"no label: the question, cut", []bot.Suggestion{{Question: "幹細胞培養上清液の治療は安全なのでしょうか", Entry: "cm-safety"}},
			[]sentAction{{Type: "postback", Label: "幹細胞培養上清液の治療は…", Data: "entry=cm-safety&lang=ja", DisplayText: "幹細胞培養上清液の治療は安全なのでしょうか"}}},
		{"long question cut to 300", []bot.Suggestion{{Label: "長い", Question: long}}, nil},
		{"empty suggestion skipped", []bot.Suggestion{{}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := render(bot.Reply{Kind: bot.KindAnswer, Lang: "ja", Text: "答え", Suggestions: tt.in})
			var got []sentAction
			if qr := msgs[len(msgs)-1].(*messaging_api.TextMessage).QuickReply; qr != nil {
				var m sentMessage
				if err := jsonRoundTrip(msgs[len(msgs)-1], &m); err != nil {
					t.Fatal(err)
				}
				got = m.quick()
			}
			switch tt.name {
			case "at most 13":
				if len(got) != maxQuickReply || got[12].Label != "話題12" {
					t.Errorf("%d quick replies; want the first 13", len(got))
				}
			case "long question cut to 300":
				if len(got) != 1 || units(got[0].Text) > maxActionText || !strings.HasSuffix(got[0].Text, "…") {
					t.Errorf("got %+v", got)
				}
			default:
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("got  %+v\nwant %+v", got, tt.want)
				}
			}
		})
	}
}

func TestSilentRendersNothing(t *testing.T) {
	if msgs := render(bot.Reply{Kind: bot.KindSilent, Text: "x"}); msgs != nil {
		t.Errorf("silent reply rendered %d messages", len(msgs))
	}
}

// An answer's sources end with the month it was last reviewed.
func TestSourcesShowTheReviewMonth(t *testing.T) {
	r := bot.Reply{Kind: bot.KindAnswer, Lang: "ja", Text: "答え", Reviewed: "2026-11",
		Sources: []bot.Source{{Title: "岡山大学のプレスリリース", Date: "2023-12-21"}}}
	if got := sourcesText(r); !strings.HasSuffix(got, "（この回答の確認：2026年11月）") {
		t.Errorf("ja sources %q", got)
	}
	r.Lang = "en"
	if got := sourcesText(r); !strings.HasSuffix(got, "(answer reviewed 2026-11)") {
		t.Errorf("en sources %q", got)
	}
}
