package line

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"alsbot/adapters/userid"
	"alsbot/bot"
)

func TestNewRefusesMissingCredentials(t *testing.T) {
	b := realBot(t)
	tests := []struct {
		name string
		cfg  Config
		want []string // in the error
	}{
		{"no secret", Config{ChannelToken: "t"}, []string{"LINE_CHANNEL_SECRET"}},
		{"no token", Config{ChannelSecret: "s"}, []string{"LINE_CHANNEL_ACCESS_TOKEN"}},
		{"neither", Config{}, []string{"LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"}},
		{"bad API base", Config{ChannelSecret: "s", ChannelToken: "t", APIBase: "api.line.me"}, []string{"LINE_API_BASE"}},
		{"negative workers", Config{ChannelSecret: "s", ChannelToken: "t", Workers: -1}, []string{"negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(b, tt.cfg)
			if err == nil {
				h.Close(context.Background())
				t.Fatal("New succeeded; want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
		})
	}
	if _, err := New(bot.NewLive(b), Config{ChannelSecret: "s", ChannelToken: "t"}); err != nil {
		t.Errorf("New with a live bot: %v", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"LINE_CHANNEL_SECRET": "sec", "LINE_CHANNEL_ACCESS_TOKEN": "tok",
		"LINE_API_BASE": "http://127.0.0.1:9", "LINE_WORKERS": "4", "LINE_QUEUE": "x",
	}
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "LINE_QUEUE") {
		t.Errorf("bad LINE_QUEUE: err = %v", err)
	}
	if cfg.ChannelSecret != "sec" || cfg.ChannelToken != "tok" || cfg.APIBase != "http://127.0.0.1:9" || cfg.Workers != 4 {
		t.Errorf("ConfigFromEnv = %+v", cfg)
	}
}

func TestWebhookRejectsUnsignedOversizedAndMalformed(t *testing.T) {
	const secretText = "秘密の相談です"
	valid := webhookBody(textEvent("01REJ", userSource(patientID), secretText))
	huge := webhookBody(textEvent("01BIG", userSource(patientID), strings.Repeat("あ", MaxBody/3+10)))
	tests := []struct {
		name   string
		method string
		body   string
		sig    string // "" signs correctly, "-" sends none
		length int64  // ContentLength to declare; 0 for the real one
		status int
		reason string
	}{
		{"tampered body", "POST", strings.Replace(valid, "秘密", "公開", 1), sign(testSecret, []byte(valid)), 0, 400, "signature"},
		{"missing signature", "POST", valid, "-", 0, 400, "signature"},
		{"other channel's secret", "POST", valid, sign("another-secret", []byte(valid)), 0, 400, "signature"},
		{"signature not base64", "POST", valid, "%%%", 0, 400, "signature"},
		{"oversized", "POST", huge, "", 0, 413, "too-large"},
		{"oversized, length not declared", "POST", huge, "", -1, 413, "too-large"},
		{"GET", "GET", "", "", 0, 405, "method"},
		{"signed but not JSON", "POST", `{"events": [` + secretText, "", 0, 400, "bad-body"},
		{"signed but events not a list", "POST", `{"events": 5}`, "", 0, 400, "bad-body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t)
			req := httptest.NewRequest(tt.method, "/line/webhook", strings.NewReader(tt.body))
			if tt.length != 0 {
				req.ContentLength = tt.length
			}
			switch tt.sig {
			case "":
				req.Header.Set("X-Line-Signature", sign(testSecret, []byte(tt.body)))
			case "-":
			default:
				req.Header.Set("X-Line-Signature", tt.sig)
			}
			rec := httptest.NewRecorder()
			hs.h.ServeHTTP(rec, req)
			hs.finish(t)
			if rec.Code != tt.status {
				t.Errorf("status %d; want %d", rec.Code, tt.status)
			}
			if calls := hs.line.Calls(); len(calls) != 0 {
				t.Errorf("LINE API called for a rejected webhook:%s", describe(calls))
			}
			if q := hs.asker.questions(); len(q) != 0 {
				t.Errorf("bot asked %d questions", len(q))
			}
			if got, _ := hs.obs.counts(); got[tt.reason] != 1 || len(got) != 1 {
				t.Errorf("observer told %v; want %s once", got, tt.reason)
			}
			logs := hs.logs.String()
			if !strings.Contains(logs, `"reason":"`+tt.reason+`"`) {
				t.Errorf("rejection not logged with its reason:\n%s", logs)
			}
			if strings.Contains(logs, "秘密") || strings.Contains(logs, "公開") || strings.Contains(logs, patientID) {
				t.Errorf("log carries the body:\n%s", logs)
			}
		})
	}
}

// When the answer takes a while, the patient sees the loading animation
// first, and the answer after it, never the other way round.
func TestSlowAnswerShowsLoadingAnimationFirst(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.LoadingAfter = 20 * time.Millisecond })
	hs.asker.reply = func(q bot.Question) (bot.Reply, bool) {
		time.Sleep(100 * time.Millisecond)
		return bot.Reply{}, false
	}
	if rec := hs.post(t, webhookBody(textEvent("01HSLOW", userSource(patientID), "ミューズ細胞とは？"))); rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	hs.finish(t)
	calls := hs.line.Calls()
	if len(calls) != 2 || calls[0].Path != pathLoading || calls[1].Path != pathReply {
		t.Fatalf("want the loading animation, then one reply; LINE got:%s", describe(calls))
	}
	if l := calls[0].Req; l.ChatID != patientID || l.LoadingSeconds < 5 || l.LoadingSeconds > 60 || l.LoadingSeconds%5 != 0 {
		t.Errorf("loading animation request %+v", l)
	}
	if !strings.Contains(hs.logs.String(), `"loading":true`) {
		t.Errorf("the log does not say the animation was shown:\n%s", hs.logs.String())
	}
}

// An event that already waited its turn past LoadingAfter (a busy queue)
// gets the animation before the bot is even asked.
func TestQueuedEventShowsLoadingAnimation(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.LoadingAfter = time.Nanosecond })
	hs.post(t, webhookBody(textEvent("01HQUEUED", userSource(patientID), "ALSとは？")))
	hs.finish(t)
	calls := hs.line.Calls()
	if len(calls) != 2 || calls[0].Path != pathLoading || calls[1].Path != pathReply {
		t.Fatalf("want the loading animation, then one reply; LINE got:%s", describe(calls))
	}
}

// A LINE API slow to take the animation call still has it before the
// answer: the reply waits for the animation call that has started.
func TestLoadingAnimationCallFinishesBeforeReply(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.LoadingAfter = time.Millisecond })
	hs.asker.reply = func(q bot.Question) (bot.Reply, bool) {
		time.Sleep(10 * time.Millisecond)
		return bot.Reply{}, false
	}
	var mu sync.Mutex
	returned := map[string]bool{} // user → their animation call has returned
	var early []string
	hs.line.onCall(func(c apiCall) {
		switch c.Path {
		case pathLoading:
			time.Sleep(30 * time.Millisecond)
			mu.Lock()
			returned[c.Req.ChatID] = true
			mu.Unlock()
		case pathReply:
			user := "U" + strings.TrimPrefix(c.Req.ReplyToken, "rt-01HORDER")
			mu.Lock()
			if !returned[user] {
				early = append(early, user)
			}
			mu.Unlock()
		}
	})
	for i := range 5 {
		id := fmt.Sprintf("%032d", i)
		hs.post(t, webhookBody(textEvent("01HORDER"+id, userSource("U"+id), "ALSとは？")))
	}
	hs.finish(t)
	if calls := hs.line.Calls(); len(calls) != 10 {
		t.Errorf("want 5 animations and 5 replies; LINE got:%s", describe(calls))
	}
	if len(early) > 0 {
		t.Errorf("replies sent before their loading animation call returned: %v", early)
	}
}

func TestVerifyButtonGets200(t *testing.T) {
	hs := newHarness(t)
	for _, body := range []string{`{"events":[]}`, webhookBody()} {
		if rec := hs.post(t, body); rec.Code != http.StatusOK {
			t.Errorf("%s: status %d; want 200", body, rec.Code)
		}
	}
	hs.finish(t)
	if calls := hs.line.Calls(); len(calls) != 0 {
		t.Errorf("LINE API called:%s", describe(calls))
	}
}

// A patient asks about the Muse trial's results in Japanese: the reply is
// the answer, its sources (the Okayama University press release, with its
// link), the disclaimer, and follow-up questions as quick replies.
func TestTextAnswerCitesSourcesWithQuickReplies(t *testing.T) {
	hs := newHarness(t)
	const q = "ミューズ細胞の治験の結果は？"
	want := realBot(t).Ask(context.Background(), bot.Question{Text: q, Lang: "ja"})
	if want.Kind != bot.KindAnswer || want.Entry != "muse-trial-efficacy" {
		t.Fatalf("the shipped bot answers %q with %s %q; this test expects the Muse efficacy entry", q, want.Kind, want.Entry)
	}
	if rec := hs.post(t, webhookBody(textEvent("01HTEXT", userSource(patientID), q))); rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	hs.finish(t)

	// The answer is ready at once: no loading animation delays it.
	calls := hs.line.Calls()
	if len(calls) != 1 || calls[0].Path != pathReply {
		t.Fatalf("want one reply and nothing else; LINE got:%s", describe(calls))
	}
	reply := calls[0]
	if reply.Auth != "Bearer "+testToken {
		t.Errorf("Authorization %q", reply.Auth)
	}
	if reply.Req.ReplyToken != "rt-01HTEXT" {
		t.Errorf("reply token %q", reply.Req.ReplyToken)
	}
	msgs := reply.Req.Messages
	if len(msgs) != 3 {
		t.Fatalf("%d messages; want answer, sources, notice: %s", len(msgs), reply.Body)
	}
	for i, m := range msgs {
		if m.Type != "text" || units(m.Text) > maxTextUnits {
			t.Errorf("message %d: type %q, %d units", i, m.Type, units(m.Text))
		}
		if i < 2 && m.QuickReply != nil {
			t.Errorf("message %d has quick replies; only the last should", i)
		}
	}
	if msgs[0].Text != want.Text {
		t.Errorf("answer text\n got %q\nwant %q", msgs[0].Text, want.Text)
	}
	for _, s := range []string{"出典", "岡山大学", "Muse細胞治療の探索的試験", "https://www.okayama-u.ac.jp/tp/release/release_id1173.html"} {
		if !strings.Contains(msgs[1].Text, s) {
			t.Errorf("sources message lacks %q:\n%s", s, msgs[1].Text)
		}
	}
	if msgs[2].Text != want.Notice || want.Notice == "" {
		t.Errorf("notice %q; want %q", msgs[2].Text, want.Notice)
	}
	quick := msgs[2].quick()
	if len(quick) == 0 || len(quick) != len(want.Suggestions) {
		t.Fatalf("%d quick replies; want %d", len(quick), len(want.Suggestions))
	}
	for i, a := range quick {
		s := want.Suggestions[i]
		if a.Type != "postback" || a.Data != "entry="+s.Entry+"&lang=ja" || a.DisplayText != s.Question {
			t.Errorf("quick reply %d = %+v; want a postback for %s showing %q", i, a, s.Entry, s.Question)
		}
		if a.Label == "" || units(a.Label) > maxLabelUnits {
			t.Errorf("quick reply %d label %q", i, a.Label)
		}
	}

	wantQ := bot.Question{Text: q, Lang: "ja", Channel: "line", User: patientID, Conversation: "line:" + patientID}
	if got := hs.asker.questions(); len(got) != 1 || got[0] != wantQ {
		t.Errorf("bot asked %+v; want %+v", got, wantQ)
	}
	logs := hs.logs.String()
	for _, s := range []string{"01HTEXT", userid.Hash("test-salt", patientID), `"kind":"answer"`, `"entry":"muse-trial-efficacy"`, `"via":"reply"`, "total_ms"} {
		if !strings.Contains(logs, s) {
			t.Errorf("log lacks %s:\n%s", s, logs)
		}
	}
	for _, s := range []string{patientID, "ミューズ細胞の治験"} {
		if strings.Contains(logs, s) {
			t.Errorf("log carries %q:\n%s", s, logs)
		}
	}
}

func TestRedeliveredAndDuplicateEventsAnsweredOnce(t *testing.T) {
	e := textEvent("01HDUP", userSource(patientID), "ALSは治りますか")
	tests := []struct {
		name   string
		bodies []string
		dups   int
	}{
		{"same event twice in one body", []string{webhookBody(e, e)}, 1},
		{"redelivered later", []string{webhookBody(e), webhookBody(redelivered(e))}, 1},
		{"duplicate and redelivery", []string{webhookBody(e, e), webhookBody(redelivered(e)), webhookBody(e)}, 3},
		{"a redelivery seen first is answered", []string{webhookBody(redelivered(e))}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t)
			for _, b := range tt.bodies {
				if rec := hs.post(t, b); rec.Code != http.StatusOK {
					t.Fatalf("status %d", rec.Code)
				}
			}
			hs.finish(t)
			if d := hs.line.delivered(); len(d) != 1 {
				t.Errorf("%d answers delivered; want 1:%s", len(d), describe(hs.line.Calls()))
			}
			if _, dups := hs.obs.counts(); dups != tt.dups {
				t.Errorf("observer told of %d duplicates; want %d", dups, tt.dups)
			}
		})
	}
}

func TestFollowGreetsWithMenu(t *testing.T) {
	hs := newHarness(t)
	hs.post(t, webhookBody(event("follow", "01HFOL", userSource(patientID), obj{"follow": obj{"isUnblocked": false}})))
	hs.finish(t)
	want := realBot(t).Ask(context.Background(), bot.Question{Kind: bot.AskWelcome, Lang: "ja"})
	d := hs.line.delivered()
	if len(d) != 1 || d[0].Path != pathReply {
		t.Fatalf("want one reply:%s", describe(hs.line.Calls()))
	}
	msgs := d[0].Req.Messages
	if len(msgs) != 2 || msgs[0].Text != want.Text || msgs[1].Text != want.Notice || want.Notice == "" {
		t.Fatalf("welcome messages %s", d[0].Body)
	}
	if !strings.Contains(msgs[0].Text, "友だち追加") {
		t.Errorf("welcome is not the Japanese greeting: %q", msgs[0].Text)
	}
	if quick := msgs[1].quick(); len(quick) != len(want.Suggestions) || len(quick) == 0 || quick[0].Data != "entry="+want.Suggestions[0].Entry+"&lang=ja" {
		t.Errorf("topic menu as quick replies: %+v; want %d topics", quick, len(want.Suggestions))
	}
}

func TestNonTextMessagesGetTextOnlyReply(t *testing.T) {
	want := realBot(t).Ask(context.Background(), bot.Question{Kind: bot.AskTextOnly, Lang: "ja"})
	contents := map[string]obj{
		"sticker":  {"type": "sticker", "id": "1", "packageId": "446", "stickerId": "1988", "stickerResourceType": "STATIC", "quoteToken": "q"},
		"image":    {"type": "image", "id": "2", "contentProvider": obj{"type": "line"}, "quoteToken": "q"},
		"video":    {"type": "video", "id": "3", "duration": 1000, "contentProvider": obj{"type": "line"}, "quoteToken": "q"},
		"audio":    {"type": "audio", "id": "4", "duration": 1000, "contentProvider": obj{"type": "line"}},
		"file":     {"type": "file", "id": "5", "fileName": "検査結果.pdf", "fileSize": 1024},
		"location": {"type": "location", "id": "6", "latitude": 34.66, "longitude": 133.92, "address": "岡山県岡山市"},
	}
	for kind, c := range contents {
		t.Run(kind, func(t *testing.T) {
			hs := newHarness(t)
			hs.post(t, webhookBody(event("message", "01H"+kind, userSource(patientID), obj{"message": c})))
			hs.finish(t)
			d := hs.line.delivered()
			if len(d) != 1 {
				t.Fatalf("want one reply:%s", describe(hs.line.Calls()))
			}
			msgs := d[0].Req.Messages
			if len(msgs) != 1 || msgs[0].Text != want.Text {
				t.Fatalf("reply %s; want the text-only message", d[0].Body)
			}
			if quick := msgs[0].quick(); len(quick) != len(want.Suggestions) || len(quick) == 0 {
				t.Errorf("%d quick replies; want the %d-topic menu", len(quick), len(want.Suggestions))
			}
			if q := hs.asker.questions(); len(q) != 1 || q[0].Kind != bot.AskTextOnly || q[0].Text != "" || q[0].User != patientID {
				t.Errorf("bot asked %+v; want one text-only question from the patient", q)
			}
		})
	}
}

func TestUnknownAndUnansweredEventsAreIgnored(t *testing.T) {
	standby := textEvent("01HSTB", userSource(patientID), "ALSは治りますか")
	standby["mode"] = "standby"
	events := map[string]obj{
		"unknown event type":   event("somethingNew", "01HNEW", userSource(patientID), nil),
		"unknown message type": event("message", "01HMSG", userSource(patientID), obj{"message": obj{"type": "hologram", "id": "9"}}),
		"unfollow":             event("unfollow", "01HUNF", userSource(patientID), nil),
		"join":                 event("join", "01HJOIN", groupSource("Cgroup", ""), nil),
		"unsend":               event("unsend", "01HUNS", userSource(patientID), obj{"unsend": obj{"messageId": "1"}}),
		"standby mode":         standby,
		"unknown source":       textEvent("01HSRC", obj{"type": "planet", "planetId": "x"}, "ALSは治りますか"),
	}
	for name, e := range events {
		t.Run(name, func(t *testing.T) {
			hs := newHarness(t)
			if rec := hs.post(t, webhookBody(e)); rec.Code != http.StatusOK {
				t.Errorf("status %d; want 200", rec.Code)
			}
			hs.finish(t)
			if calls := hs.line.Calls(); len(calls) != 0 {
				t.Errorf("LINE API called:%s", describe(calls))
			}
			if strings.Contains(hs.logs.String(), `"level":"ERROR"`) {
				t.Errorf("error logged:\n%s", hs.logs.String())
			}
		})
	}
}

// A question the bot cannot decide gets the choices as quick replies;
// tapping one answers that entry directly.
func TestClarifyChoiceAnswersTheEntry(t *testing.T) {
	b := realBot(t)
	var q string
	var clarify bot.Reply
	for _, c := range []string{"治験", "ミューズ", "幹細胞", "効果"} {
		if r := b.Ask(context.Background(), bot.Question{Text: c, Lang: "ja"}); r.Kind == bot.KindClarify {
			q, clarify = c, r
			break
		}
	}
	if q == "" {
		t.Fatal("no candidate question gets a choice from the shipped bot")
	}
	hs := newHarness(t)
	// Wait for the choice to arrive before tapping it.
	arrived := make(chan struct{})
	var once sync.Once
	hs.line.onCall(func(c apiCall) {
		if c.Path == pathReply {
			once.Do(func() { close(arrived) })
		}
	})
	hs.post(t, webhookBody(textEvent("01HCLA", userSource(patientID), q)))
	<-arrived
	var choice sentAction
	for _, c := range hs.line.Calls() {
		if c.Path != pathReply {
			continue
		}
		msgs := c.Req.Messages
		if len(msgs) != 1 || msgs[0].Text != clarify.Text {
			t.Fatalf("clarifying reply %s", c.Body)
		}
		quick := msgs[0].quick()
		if len(quick) != len(clarify.Suggestions) {
			t.Fatalf("%d choices; want %d", len(quick), len(clarify.Suggestions))
		}
		for i, a := range quick {
			s := clarify.Suggestions[i]
			if a.Type != "postback" || a.DisplayText == "" || !strings.Contains(a.Data, "entry="+s.Entry) {
				t.Errorf("choice %d = %+v; want a postback for %s with displayText", i, a, s.Entry)
			}
		}
		choice = quick[len(quick)-1]
	}
	entry := clarify.Suggestions[len(clarify.Suggestions)-1].Entry
	hs.post(t, webhookBody(postbackEvent("01HCLB", userSource(patientID), choice.Data)))
	hs.finish(t)

	want, _ := b.Answer(entry, "ja")
	d := hs.line.delivered()
	if len(d) != 2 || d[1].Req.ReplyToken != "rt-01HCLB" || d[1].Req.Messages[0].Text != want.Text {
		t.Fatalf("after tapping %q, want the answer of %s:%s", choice.Label, entry, describe(d))
	}
	asked := hs.asker.questions()
	if last := asked[len(asked)-1]; last.Entry != entry || last.Lang != "ja" || last.Channel != "line" || last.User != patientID {
		t.Errorf("postback asked %+v", last)
	}
}

func TestPostbackCarriesEntryOrQuestion(t *testing.T) {
	tests := []struct {
		data              string
		entry, text, lang string
	}{
		{"entry=muse-trial-safety&lang=ja", "muse-trial-safety", "", "ja"},
		{"entry=muse-trial-safety&lang=en", "muse-trial-safety", "", "en"},
		{"entry=muse-trial-safety&lang=xx", "muse-trial-safety", "", "ja"},
		{"q=" + "ALS%E3%81%AF%E6%B2%BB%E3%82%8A%E3%81%BE%E3%81%99%E3%81%8B", "", "ALSは治りますか", "ja"},
		{"ALSは治りますか", "", "ALSは治りますか", "ja"},
	}
	for _, tt := range tests {
		t.Run(tt.data, func(t *testing.T) {
			hs := newHarness(t)
			hs.post(t, webhookBody(postbackEvent("01HPB", userSource(patientID), tt.data)))
			hs.finish(t)
			q := hs.asker.questions()
			if len(q) != 1 || q[0].Entry != tt.entry || q[0].Text != tt.text || q[0].Lang != tt.lang {
				t.Fatalf("asked %+v; want entry %q text %q lang %q", q, tt.entry, tt.text, tt.lang)
			}
			if d := hs.line.delivered(); len(d) != 1 {
				t.Errorf("%d replies; want 1", len(d))
			}
		})
	}
}

func TestGroupsAnswerOnlyWhenMentioned(t *testing.T) {
	const q = "ALSは治りますか"
	mention := func(text string, index, length int, self bool, user string) obj {
		m := obj{"type": "user", "index": index, "length": length, "isSelf": self}
		if user != "" {
			m["userId"] = user
		}
		return obj{"type": "text", "id": "1", "text": text, "quoteToken": "q", "mention": obj{"mentionees": []obj{m}}}
	}
	msg := func(src obj, content obj) obj {
		return event("message", "01HGRP", src, obj{"message": content})
	}
	grp := groupSource("Cgroup1", "Umember1")
	tests := []struct {
		name     string
		ev       obj
		answered bool
		text     string // the question the bot gets
		conv     string
	}{
		{"group, no mention", textEvent("01HGRP", grp, q), false, "", ""},
		{"group, mentioned (isSelf)", msg(grp, mention("@ALSボット "+q, 0, 7, true, "")), true, q, "line:Cgroup1"},
		{"group, mentioned at the end", msg(grp, mention(q+" @ALSボット", len([]rune(q))+1, 7, true, "")), true, q, "line:Cgroup1"},
		{"group, mention after an emoji", msg(grp, mention("😀@ALSボット "+q, 2, 7, true, "")), true, "😀 " + q, "line:Cgroup1"},
		{"room, mentioned by the bot's user id", msg(roomSource("Rroom1", "Umember2"), mention("@ALSボット "+q, 0, 7, false, botUserID)), true, q, "line:Rroom1"},
		{"group, someone else mentioned", msg(grp, mention("@Tanaka "+q, 0, 7, false, "Uother")), false, "", ""},
		{"group, mention out of range", msg(grp, mention(q, 40, 9, true, "")), true, q, "line:Cgroup1"},
		{"group, sticker", msg(grp, obj{"type": "sticker", "id": "1", "packageId": "1", "stickerId": "1"}), false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t)
			hs.post(t, webhookBody(tt.ev))
			hs.finish(t)
			calls := hs.line.Calls()
			if !tt.answered {
				if len(calls) != 0 || len(hs.asker.questions()) != 0 {
					t.Fatalf("answered a group message that was not for the bot:%s", describe(calls))
				}
				return
			}
			if len(calls) != 1 || calls[0].Path != pathReply {
				t.Fatalf("want one reply and no loading animation in a group:%s", describe(calls))
			}
			got := hs.asker.questions()
			if len(got) != 1 || got[0].Text != tt.text || got[0].Conversation != tt.conv || got[0].User == "" {
				t.Errorf("asked %+v; want text %q in %s", got, tt.text, tt.conv)
			}
		})
	}
}

func TestLongAnswerIsSplitWithinLimits(t *testing.T) {
	para := strings.Repeat("ALSの治療研究について、資料にもとづいて説明します😀。", 30) // 900+ units, emoji included
	var paras []string
	for range 14 {
		paras = append(paras, para)
	}
	long := strings.Join(paras, "\n\n")
	hs := newHarness(t)
	hs.asker.reply = func(q bot.Question) (bot.Reply, bool) {
		return bot.Reply{Kind: bot.KindAnswer, Lang: "ja", Text: long, Entry: "muse-trial-efficacy",
			Sources:     []bot.Source{{Title: "岡山大学プレスリリース", Publisher: "岡山大学", URL: "https://www.okayama-u.ac.jp/tp/release/release_id1173.html"}},
			Notice:      "この情報は一般的な説明です。",
			Suggestions: []bot.Suggestion{{Label: "ALSFRS-Rとは", Question: "ALSFRS-Rって何？", Entry: "alsfrs-r"}}}, true
	}
	hs.post(t, webhookBody(textEvent("01HLONG", userSource(patientID), "ミューズ細胞の治験の結果は？")))
	hs.finish(t)
	d := hs.line.delivered()
	if len(d) != 1 {
		t.Fatalf("want one reply:%s", describe(hs.line.Calls()))
	}
	msgs := d[0].Req.Messages
	if len(msgs) > maxMessages || len(msgs) < 3 {
		t.Fatalf("%d messages; want 3 to 5", len(msgs))
	}
	var answer []string
	for i, m := range msgs {
		if n := units(m.Text); n >= 5000 || n == 0 {
			t.Errorf("message %d has %d UTF-16 units", i, n)
		}
		if !utf8.ValidString(m.Text) || strings.ContainsRune(m.Text, utf8.RuneError) {
			t.Errorf("message %d has a broken character", i)
		}
		if i < len(msgs)-2 {
			answer = append(answer, m.Text)
			if strings.HasPrefix(m.Text, "\n") || strings.HasSuffix(m.Text, "\n") {
				t.Errorf("message %d starts or ends with a line break", i)
			}
		}
	}
	if strings.Join(answer, "\n\n") != long {
		t.Error("the answer's messages, joined at paragraph breaks, are not the answer")
	}
	if !strings.Contains(msgs[len(msgs)-2].Text, "出典") || msgs[len(msgs)-1].QuickReply == nil {
		t.Error("sources, notice and quick replies must follow the split answer")
	}
}

func TestExpiredReplyTokenFallsBackToPush(t *testing.T) {
	hs := newHarness(t)
	hs.line.respond = func(path string, n int) (int, string) {
		if path == pathReply {
			return 400, `{"message":"Invalid reply token"}`
		}
		return 200, `{"sentMessages":[{"id":"1","quoteToken":"q"}]}`
	}
	users := []string{patientID, "U0000000000000000000000000000002"}
	for i, u := range users {
		hs.post(t, webhookBody(textEvent("01HEXP"+string(rune('A'+i)), userSource(u), "ALSは治りますか")))
	}
	hs.finish(t)
	var replies, pushes []apiCall
	for _, c := range hs.line.Calls() {
		switch c.Path {
		case pathReply:
			replies = append(replies, c)
		case pathPush:
			pushes = append(pushes, c)
		}
	}
	if len(replies) != 2 || len(pushes) != 2 {
		t.Fatalf("want one rejected reply and one push per event:%s", describe(hs.line.Calls()))
	}
	keys := map[string]bool{}
	for _, p := range pushes {
		if _, err := uuid.Parse(p.RetryKey); err != nil {
			t.Errorf("push retry key %q is not a UUID", p.RetryKey)
		}
		keys[p.RetryKey] = true
		var reply apiCall
		for _, r := range replies {
			if r.Req.ReplyToken == "rt-01HEXP"+string(rune('A'+indexOf(users, p.Req.To))) {
				reply = r
			}
		}
		if p.Req.To == "" || reply.Path == "" || string(mustJSON(p.Req.Messages)) != string(mustJSON(reply.Req.Messages)) {
			t.Errorf("push to %q does not carry the answer of its event", p.Req.To)
		}
	}
	if len(keys) != 2 {
		t.Errorf("retry keys %v; want a fresh one per push", keys)
	}
}

func TestRetriesNeverSendTwice(t *testing.T) {
	invalid := `{"message":"Invalid reply token"}`
	tests := []struct {
		name            string
		respond         func(path string, n int) (int, string)
		replies, pushes int // calls
		delivered       int
		sameKey         bool
		failLogged      bool
	}{
		{"reply 500 then 200", func(p string, n int) (int, string) {
			if p == pathReply && n == 1 {
				return 500, `{"message":"Internal error"}`
			}
			return 200, "{}"
		}, 2, 0, 1, false, false},
		{"reply 429 then 200", func(p string, n int) (int, string) {
			if p == pathReply && n == 1 {
				return 429, `{"message":"Too many requests"}`
			}
			return 200, "{}"
		}, 2, 0, 1, false, false},
		{"reply always 503: bounded, no push", func(p string, n int) (int, string) {
			if p == pathReply {
				return 503, "{}"
			}
			return 200, "{}"
		}, 3, 0, 0, false, true},
		{"reply 500 then token rejected: outcome unknown, no push", func(p string, n int) (int, string) {
			if p == pathReply && n == 1 {
				return 500, "{}"
			}
			if p == pathReply {
				return 400, invalid
			}
			return 200, "{}"
		}, 2, 0, 0, false, true},
		{"reply 429 then token rejected: push", func(p string, n int) (int, string) {
			if p == pathReply && n == 1 {
				return 429, "{}"
			}
			if p == pathReply {
				return 400, invalid
			}
			return 200, "{}"
		}, 2, 1, 1, false, false},
		{"push 500 then 200, same retry key", func(p string, n int) (int, string) {
			if p == pathReply {
				return 400, invalid
			}
			if p == pathPush && n == 1 {
				return 500, "{}"
			}
			return 200, "{}"
		}, 1, 2, 1, true, false},
		{"push 409: already accepted", func(p string, n int) (int, string) {
			if p == pathReply {
				return 400, invalid
			}
			if p == pathPush {
				return 409, `{"message":"The retry key is already accepted"}`
			}
			return 200, "{}"
		}, 1, 1, 0, false, false},
		{"reply refused for another reason: no retry, no push", func(p string, n int) (int, string) {
			if p == pathReply {
				return 400, `{"message":"The request body has 1 error(s)"}`
			}
			return 200, "{}"
		}, 1, 0, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t)
			hs.line.respond = tt.respond
			hs.post(t, webhookBody(textEvent("01HRTY", userSource(patientID), "ALSは治りますか")))
			hs.finish(t)
			var replies, pushes []apiCall
			for _, c := range hs.line.Calls() {
				switch c.Path {
				case pathReply:
					replies = append(replies, c)
				case pathPush:
					pushes = append(pushes, c)
				}
			}
			if len(replies) != tt.replies || len(pushes) != tt.pushes || len(hs.line.delivered()) != tt.delivered {
				t.Errorf("replies %d, pushes %d, delivered %d; want %d, %d, %d:%s", len(replies), len(pushes), len(hs.line.delivered()),
					tt.replies, tt.pushes, tt.delivered, describe(hs.line.Calls()))
			}
			if tt.sameKey && (len(pushes) < 2 || pushes[0].RetryKey != pushes[1].RetryKey || pushes[0].RetryKey == "") {
				t.Errorf("retried push must keep its retry key")
			}
			if failed := strings.Contains(hs.logs.String(), "line reply failed"); failed != tt.failLogged {
				t.Errorf("failure logged: %v; want %v\n%s", failed, tt.failLogged, hs.logs.String())
			}
		})
	}
}

func TestPanickingEventDoesNotStopOthers(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.Workers = 1 })
	hs.asker.reply = func(q bot.Question) (bot.Reply, bool) {
		if q.Text == "PANIC-ME" {
			panic("cannot handle " + q.Text)
		}
		return bot.Reply{}, false
	}
	hs.post(t, webhookBody(
		textEvent("01HP1", userSource(patientID), "ALSは治りますか"),
		textEvent("01HP2", userSource(patientID), "PANIC-ME"),
		textEvent("01HP3", userSource(patientID), "Muse細胞とは何ですか？"),
	))
	hs.post(t, webhookBody(textEvent("01HP4", userSource(patientID), "iPS細胞でALSは治る？")))
	hs.finish(t)
	if d := hs.line.delivered(); len(d) != 3 {
		t.Errorf("%d answers; want 3 (all but the panicking one):%s", len(d), describe(d))
	}
	logs := hs.logs.String()
	if !strings.Contains(logs, "panicked") || !strings.Contains(logs, "01HP2") {
		t.Errorf("panic not logged with its event:\n%s", logs)
	}
	if strings.Contains(logs, "PANIC-ME") {
		t.Error("the panic's value (with the message text) was logged")
	}
}

func TestSilentReplySendsNothing(t *testing.T) {
	hs := newHarness(t)
	hs.asker.reply = func(bot.Question) (bot.Reply, bool) { return bot.Reply{Kind: bot.KindSilent}, true }
	hs.post(t, webhookBody(textEvent("01HSIL", userSource(patientID), "ALSは治りますか")))
	hs.finish(t)
	if calls := hs.line.Calls(); len(calls) != 0 {
		t.Errorf("LINE API called for a silent reply:%s", describe(calls))
	}
}

func TestFullQueueAnswers503(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	hs := newHarness(t, func(c *Config) { c.Workers, c.Queue = 1, 1 })
	hs.asker.reply = func(q bot.Question) (bot.Reply, bool) {
		if q.Text == "wait" {
			close(started)
			<-release
		}
		return bot.Reply{}, false
	}
	if rec := hs.post(t, webhookBody(textEvent("01HQ1", userSource(patientID), "wait"))); rec.Code != 200 {
		t.Fatalf("first: %d", rec.Code)
	}
	<-started
	if rec := hs.post(t, webhookBody(textEvent("01HQ2", userSource(patientID), "ALSは治りますか"))); rec.Code != 200 {
		t.Fatalf("second (queued): %d", rec.Code)
	}
	if rec := hs.post(t, webhookBody(textEvent("01HQ3", userSource(patientID), "ALSは治りますか"))); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("third, queue full: %d; want 503", rec.Code)
	}
	close(release)
	hs.finish(t)
	if got, _ := hs.obs.counts(); got["overloaded"] != 1 {
		t.Errorf("observer told %v; want overloaded once", got)
	}
	if d := hs.line.delivered(); len(d) != 2 {
		t.Errorf("%d answers; want the 2 accepted events answered", len(d))
	}
	// After Close the endpoint takes nothing more.
	if rec := hs.post(t, webhookBody(textEvent("01HQ4", userSource(patientID), "ALSは治りますか"))); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("after Close: %d; want 503", rec.Code)
	}
}

func TestCloseGivesUpWhenContextExpires(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	hs := newHarness(t, func(c *Config) { c.Workers = 1 })
	hs.asker.reply = func(q bot.Question) (bot.Reply, bool) {
		close(started)
		<-release
		return bot.Reply{}, false
	}
	hs.post(t, webhookBody(textEvent("01HCL", userSource(patientID), "ALSは治りますか")))
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := hs.h.Close(ctx); err == nil {
		t.Error("Close returned nil with an event still being answered")
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// An event the SDK cannot read costs that event only: the webhook still
// gets 200 and the other events of the body are answered.
func TestUnreadableEventCostsOnlyItself(t *testing.T) {
	hs := newHarness(t)
	body := `{"destination":"` + botUserID + `","events":[{"text":"秘密の相談です","replyToken":"x"},` +
		webhookBody(textEvent("01HOK", userSource(patientID), "ALSは治りますか"))[len(`{"destination":"`+botUserID+`","events":[`):]
	if rec := hs.post(t, body); rec.Code != http.StatusOK {
		t.Fatalf("status %d; want 200", rec.Code)
	}
	hs.finish(t)
	if d := hs.line.delivered(); len(d) != 1 || d[0].Req.ReplyToken != "rt-01HOK" {
		t.Errorf("want the readable event answered:%s", describe(hs.line.Calls()))
	}
	if got, _ := hs.obs.counts(); got["bad-body"] != 1 {
		t.Errorf("observer told %v; want bad-body once", got)
	}
	if logs := hs.logs.String(); !strings.Contains(logs, "line event unreadable") || strings.Contains(logs, "秘密") {
		t.Errorf("unreadable event logged wrongly:\n%s", logs)
	}
}

// The emergency reply carries a one-tap call to 119, before anything
// else, as a URI action LINE accepts; the crisis reply its help lines.
func TestEmergencyReplyDialsInOneTap(t *testing.T) {
	for _, tt := range []struct{ text, first string }{
		{"父が息をしていない", "tel:119"},
		{"もう死にたい", "tel:0120-279-338"},
	} {
		hs := newHarness(t)
		hs.post(t, webhookBody(textEvent("01TEL"+tt.first[4:7], userSource(patientID), tt.text)))
		hs.finish(t)
		d := hs.line.delivered()
		if len(d) != 1 {
			t.Fatalf("%q: want one reply:%s", tt.text, describe(hs.line.Calls()))
		}
		msgs := d[0].Req.Messages
		quick := msgs[len(msgs)-1].quick()
		if len(quick) == 0 || quick[0].Type != "uri" || quick[0].URI != tt.first || quick[0].Label == "" {
			t.Errorf("%q: quick replies %+v; want %s first", tt.text, quick, tt.first)
		}
		if !strings.Contains(msgs[0].Text, strings.TrimPrefix(tt.first, "tel:")) {
			t.Errorf("%q: the text does not give the number: %q", tt.text, msgs[0].Text)
		}
	}
}
