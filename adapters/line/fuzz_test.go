package line

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"alsbot/bot"
)

// webhookSeeds are bodies LINE sends, for the fuzzers to start from.
func webhookSeeds() []string {
	grp := groupSource("Cgroup", "Umember")
	mention := obj{"type": "text", "id": "1", "text": "😀@ALSボット ALSは治りますか", "quoteToken": "q",
		"mention": obj{"mentionees": []obj{{"type": "user", "index": 2, "length": 7, "isSelf": true}, {"type": "all", "index": 0, "length": 1}}}}
	return []string{
		`{"events":[]}`,
		webhookBody(textEvent("01F1", userSource(patientID), "ミューズ細胞の治験の結果は？")),
		webhookBody(event("message", "01F2", grp, obj{"message": mention})),
		webhookBody(postbackEvent("01F3", roomSource("Rroom", "Umember"), "entry=muse-what&lang=en")),
		webhookBody(event("follow", "01F4", userSource(patientID), obj{"follow": obj{"isUnblocked": true}})),
		webhookBody(event("message", "01F5", userSource(patientID), obj{"message": obj{"type": "sticker", "id": "1", "packageId": "1", "stickerId": "1"}})),
		webhookBody(event("beacon", "01F6", userSource(patientID), obj{"beacon": obj{"hwid": "d41d8cd98f", "type": "enter"}})),
	}
}

// FuzzWebhook sends signed bodies through the handler, then decodes,
// classifies
// and renders whatever it queued: nothing may panic, a body is either
// accepted or refused with 400 or 413, and what the bot would be asked is
// well-formed.
func FuzzWebhook(f *testing.F) {
	for _, s := range webhookSeeds() {
		f.Add([]byte(s))
	}
	h, err := newHandler(realBot(f), Config{ChannelSecret: testSecret, ChannelToken: testToken, Queue: 1,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	queued := make(chan job, 64)
	h.startWith(func(j job) { queued <- j })
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/line/webhook", bytes.NewReader(body))
		req.Header.Set("X-Line-Signature", sign(testSecret, body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest:
		case http.StatusRequestEntityTooLarge:
			if len(body) <= MaxBody {
				t.Fatalf("413 for %d bytes", len(body))
			}
		default:
			t.Fatalf("status %d", rec.Code)
		}
		var j job
		select {
		case j = <-queued:
		case <-time.After(50 * time.Millisecond):
			return
		}
		for _, raw := range j.events {
			ev, err := webhook.UnmarshalEvent(raw)
			if err != nil {
				continue
			}
			in, ok := classify(j.destination, ev)
			if !ok {
				continue
			}
			if in.to == "" || in.q.Channel != Channel || !strings.HasPrefix(in.q.Conversation, "line:") || in.act == 0 {
				t.Fatalf("classified %+v", in)
			}
			if utf8.Valid(body) && !utf8.ValidString(in.q.Text) {
				t.Fatalf("question text %q is not UTF-8", in.q.Text)
			}
			checkRendered(t, render(bot.Reply{Kind: bot.KindAnswer, Lang: in.q.Lang, Text: in.q.Text, Notice: in.q.Text,
				Suggestions: []bot.Suggestion{{Label: in.q.Text, Question: in.q.Text, Entry: in.q.Entry}}}))
		}
	})
}

// FuzzRender renders arbitrary text: LINE's limits always hold and
// nothing is lost unless the answer is beyond what five messages carry.
func FuzzRender(f *testing.F) {
	f.Add("短い答え", "ラベル")
	f.Add(strings.Repeat("段落です😀。\n\n", 900), "幹細胞治療（Muse細胞・iPS細胞）の研究の今")
	f.Add(strings.Repeat("🇯🇵👨\u200d👩\u200d👧か\u3099", 2000), strings.Repeat("😀", 30))
	f.Fuzz(func(t *testing.T, text, label string) {
		if !utf8.ValidString(text) || !utf8.ValidString(label) {
			return
		}
		msgs := render(bot.Reply{Kind: bot.KindAnswer, Lang: "ja", Text: text,
			Suggestions: []bot.Suggestion{{Label: label, Question: label, Entry: "e"}}})
		checkRendered(t, msgs)
		if l := cutLabel(label, maxLabelUnits); units(l) > maxLabelUnits || !utf8.ValidString(l) {
			t.Fatalf("label %q", l)
		}
		if trimmed := strings.TrimSpace(text); trimmed != "" && units(trimmed) <= 2*maxTextUnits {
			var got []string
			for _, m := range msgs {
				got = append(got, m.(*messaging_api.TextMessage).Text)
			}
			if strings.ReplaceAll(strings.Join(got, ""), "\n", "") != strings.ReplaceAll(trimmed, "\n", "") {
				t.Fatalf("split lost or changed text: %q", got)
			}
		}
	})
}

func checkRendered(t *testing.T, msgs []messaging_api.MessageInterface) {
	t.Helper()
	if len(msgs) > maxMessages {
		t.Fatalf("%d messages", len(msgs))
	}
	for i, m := range msgs {
		tm := m.(*messaging_api.TextMessage)
		if units(tm.Text) > maxTextUnits || tm.Text == "" {
			t.Fatalf("message %d: %d units", i, units(tm.Text))
		}
		if tm.QuickReply != nil {
			if len(tm.QuickReply.Items) > maxQuickReply {
				t.Fatalf("%d quick replies", len(tm.QuickReply.Items))
			}
			for _, it := range tm.QuickReply.Items {
				var a sentAction
				if err := jsonRoundTrip(it.Action, &a); err != nil {
					t.Fatal(err)
				}
				if a.Label == "" || units(a.Label) > maxLabelUnits || units(a.DisplayText) > maxActionText ||
					units(a.Text) > maxActionText || len(a.Data) > maxActionText {
					t.Fatalf("quick reply %+v", a)
				}
			}
		}
	}
}
