package slack

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"alsbot/bot"
)

// FuzzEvents sends signed bodies of any shape to /slack/events: the
// handler must answer with a status Slack understands, never panic, and
// never queue a message the bot must not answer.
func FuzzEvents(f *testing.F) {
	own := dmEvent("D1", "1.2", "What is ALS?")
	own["user"] = testBotUser
	sub := dmEvent("D1", "1.3", "x")
	sub["subtype"] = "message_changed"
	for _, seed := range []string{
		`{"token":"t","challenge":"abc","type":"url_verification"}`,
		callback("Ev1", mentionEvent("C1", "1.1", "<@UBOT> What were the Muse trial results?")),
		callback("Ev2", dmEvent("D1", "1.2", "Muse細胞とは")),
		callback("Ev3", own),
		callback("Ev4", sub),
		`{"type":"event_callback","event_id":"Ev5","event":{"type":"app_mention","blocks":[{"type":"rich_text","elements":"x"}],"user":"U1","channel":"C1","ts":"1"}}`,
		`{"type":"event_callback","event":null}`,
		`{"type":"app_rate_limited","minute_rate_limited":1}`,
		`{"type":`, ``, `[]`, `"x"`,
	} {
		f.Add([]byte(seed))
	}
	fake := newFakeSlack(f)
	a := newHTTPAdapter(f, fake, stubAsker{fn: func(bot.Question) bot.Reply { return bot.Reply{Kind: bot.KindSilent} }}, Config{})
	f.Fuzz(func(t *testing.T, body []byte) {
		if ev, err := parseEvent(body, testBotUser); err == nil && ev.in != nil {
			in := ev.in
			if in.user == testBotUser || in.user == "" || in.channel == "" || in.ts == "" {
				t.Errorf("queued a message it must ignore: %+v", in)
			}
			if in.source != fromMention && in.source != fromDM {
				t.Errorf("an event became a %s", in.source)
			}
			if in.source == fromMention && in.threadTS == "" {
				t.Error("a mention with no thread to answer in")
			}
		}
		w := serve(t, a, signed("/slack/events", string(body)))
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusServiceUnavailable:
		default:
			t.Errorf("status %d", w.Code)
		}
	})
}

// FuzzPlainText reads any message text: the bot's own mention never
// reaches the bot, and valid text stays valid.
func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"<@UBOT> hi", "<@UBOT|bot> <#C1|x> <!here> <https://a.b|c> &amp;&lt;&gt;", "<<@UBOT>>", "<@U<@UBOT>BOT>", "ミューズ <@UBOT>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := plainText(s, testBotUser)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Errorf("plainText(%q) = %q is not valid UTF-8", s, got)
		}
		// Slack escapes what people type, so only an escape can spell
		// the mention out again.
		if strings.Contains(got, "<@UBOT>") && !strings.Contains(s, "&") {
			t.Errorf("plainText(%q) = %q keeps the bot's mention", s, got)
		}
		if got != strings.TrimSpace(got) {
			t.Errorf("plainText(%q) = %q has spaces around it", s, got)
		}
	})
}
