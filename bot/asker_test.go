package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"alsbot/bot"
)

// Emergencies and crises are urgent, in any script; questions, small talk
// and a treatment decision are not, and nor are buttons and stickers.
func TestUrgent(t *testing.T) {
	b := shippedBot(t)
	for _, tt := range []struct {
		q      bot.Question
		urgent bool
	}{
		{bot.Question{Text: "息ができない"}, true},
		{bot.Question{Text: "iki ga dekinai"}, true},
		{bot.Question{Text: "my father can't breathe"}, true},
		{bot.Question{Text: "死にたい"}, true},
		{bot.Question{Text: "ミューズ細胞とは？"}, false},
		{bot.Question{Text: "こんにちは"}, false},
		{bot.Question{Text: "リルゾールをやめてもいいですか"}, false},
		{bot.Question{Text: "息ができない", Kind: bot.AskTextOnly}, false},
		{bot.Question{Text: "", Entry: "muse-what"}, false},
	} {
		if got := b.Urgent(tt.q); got != tt.urgent {
			t.Errorf("Urgent(%+v) = %v, want %v", tt.q, got, tt.urgent)
		}
	}
}

// The stages of a chain see a question in order, the first outermost, and
// SafetyFirst marks an emergency for every stage after it.
func TestChainAndSafetyFirst(t *testing.T) {
	b := shippedBot(t)
	var seen []string
	stage := func(name string) bot.Middleware {
		return func(next bot.Asker) bot.Asker {
			return bot.AskerFunc(func(ctx context.Context, q bot.Question) bot.Reply {
				mark := ""
				if q.Urgent {
					mark = "!"
				}
				seen = append(seen, name+mark)
				return next.Ask(ctx, q)
			})
		}
	}
	a := bot.Chain(b, stage("outer"), bot.SafetyFirst(b), stage("inner"))
	r := a.Ask(context.Background(), bot.Question{Text: "父が息をしていない"})
	if r.Rule != "emergency" {
		t.Errorf("reply %s %s, want the emergency rule", r.Kind, r.Rule)
	}
	a.Ask(context.Background(), bot.Question{Text: "ミューズ細胞とは？"})
	if got, want := fmt.Sprint(seen), "[outer inner! outer inner]"; got != want {
		t.Errorf("stages saw %s, want %s", got, want)
	}
}

// FuzzAsk: whatever is typed, the bot replies in Japanese or English with
// something to read, and a message it finds urgent gets an urgent rule's
// reply first.
func FuzzAsk(f *testing.F) {
	for _, s := range []string{"息ができない", "英語でお願いします。iPS細胞とは？", "in English please", "ミューズの治験の副作用", "STR03の費用は？保険きく？",
		"ありがとう！助かる😊", "iki ga dekinai", "ｲｷｶﾞﾃﾞｷﾅｲ", "日本語で", "英語で日本語で", "☀️👨‍👩‍👧", "2",
		"多系統萎縮症にもミューズ細胞は使える？", "lou gerhig's disease", "筋委縮性側策硬化症",
		"乳歯の上清液の研究って何人参加してるの？", "人での試験って大きい規模でやっとるん？", "How many patients will the next Muse trial have?", "ﾑｽｺｶﾞ ﾋｷﾂｹｦ ｵｺｼﾃﾙ",
		"倒れて意識がない。ALSの症状ですか", "0.47から0.25ってなんの数字？", "1..2.3.", "ミューズ細胞はいつ国に承認される？", "。。？！\n"} {
		f.Add(s)
	}
	b := mustShippedBot()
	urgent := map[string]bool{}
	for _, r := range b.KB().Rules {
		urgent[r.ID] = r.Urgent
	}
	f.Fuzz(func(t *testing.T, text string) {
		q := bot.Question{Text: text, Conversation: "fuzz"}
		r := b.Ask(context.Background(), q)
		if r.Lang != "ja" && r.Lang != "en" {
			t.Fatalf("%q: reply language %q", text, r.Lang)
		}
		if r.Kind != bot.KindSilent && strings.TrimSpace(r.Text) == "" {
			t.Fatalf("%q: %s reply with no text", text, r.Kind)
		}
		if b.Urgent(q) && (r.Kind != bot.KindRule || !urgent[r.Rule]) {
			t.Fatalf("%q is urgent but got %s %s", text, r.Kind, r.Rule)
		}
	})
}
