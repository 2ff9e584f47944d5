package slack

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slackevents"

	"alsbot/adapters/logbuf"
	"alsbot/bot"
)

func TestNewChecksConfiguration(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		wantMode Mode
		wantErr  []string // each must appear in the error
	}{
		{"socket mode", Config{BotToken: "xoxb-1", AppToken: "xapp-1"}, ModeSocket, nil},
		{"http mode", Config{BotToken: "xoxb-1", SigningSecret: "s"}, ModeHTTP, nil},
		{"api base without slash", Config{BotToken: "xoxb-1", SigningSecret: "s", APIBase: "http://127.0.0.1:9/api"}, ModeHTTP, nil},
		{"nothing", Config{}, "", []string{"SLACK_BOT_TOKEN is not set", "SLACK_APP_TOKEN is not set"}},
		{"user token", Config{BotToken: "xoxp-1", AppToken: "xapp-1"}, "", []string{"SLACK_BOT_TOKEN is not a bot token"}},
		{"tokens swapped", Config{BotToken: "xapp-1", AppToken: "xoxb-1"}, "", []string{"SLACK_BOT_TOKEN is not a bot token", "SLACK_APP_TOKEN is not an app-level token"}},
		{"both modes", Config{BotToken: "xoxb-1", AppToken: "xapp-1", SigningSecret: "s"}, "", []string{"both SLACK_SIGNING_SECRET and SLACK_APP_TOKEN"}},
		{"bad api base", Config{BotToken: "xoxb-1", AppToken: "xapp-1", APIBase: "slack.local"}, "", []string{"SLACK_API_BASE"}},
		{"negative workers", Config{BotToken: "xoxb-1", AppToken: "xapp-1", Workers: -1}, "", []string{"negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := New(stubAsker{}, tt.cfg)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				defer a.Close(context.Background())
				if a.Mode() != tt.wantMode {
					t.Errorf("mode %q, want %q", a.Mode(), tt.wantMode)
				}
				if got := len(a.Routes()); (tt.wantMode == ModeHTTP) != (got == 3) {
					t.Errorf("%d routes in %s mode", got, a.Mode())
				}
				return
			}
			if err == nil {
				a.Close(context.Background())
				t.Fatal("New accepted the configuration")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestStartFailsOnRefusedBotToken(t *testing.T) {
	for _, code := range []string{"invalid_auth", "token_revoked", "account_inactive"} {
		t.Run(code, func(t *testing.T) {
			f := newFakeSlack(t)
			f.set(&f.authError, code)
			a, err := New(testBot(t), Config{BotToken: testBotToken, SigningSecret: testSecret, APIBase: f.apiBase()})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close(context.Background())
			err = a.Start(context.Background())
			if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || !strings.Contains(err.Error(), code) {
				t.Fatalf("Start: %v; want an ErrAuth naming SLACK_BOT_TOKEN and %s", err, code)
			}
			if a.Ready() {
				t.Error("ready after a failed start")
			}
		})
	}
}

func TestRequestsAreVerifiedFirst(t *testing.T) {
	f := newFakeSlack(t)
	obs := newObserver()
	a := newHTTPAdapter(t, f, testBot(t), Config{Observer: obs})
	challenge := `{"token":"legacy","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	now := time.Now()
	tampered := signed("/slack/events", challenge)
	tampered.Body = httptestBody(strings.Replace(challenge, "3eZ", "4eZ", 1))
	noSig := signed("/slack/events", challenge)
	noSig.Header.Del("X-Slack-Signature")
	get := signed("/slack/events", challenge)
	get.Method = http.MethodGet
	huge := `{"type":"url_verification","challenge":"` + strings.Repeat("x", maxBody) + `"}`
	unknownLength := signed("/slack/events", huge)
	unknownLength.ContentLength = -1
	tests := []struct {
		name   string
		req    *http.Request
		status int
		reason string
	}{
		{"signed", signed("/slack/events", challenge), http.StatusOK, ""},
		{"signed 4 minutes ago", signedAt("/slack/events", challenge, now.Add(-4*time.Minute), testSecret), http.StatusOK, ""},
		{"tampered body", tampered, http.StatusUnauthorized, reasonSignature},
		{"wrong secret", signedAt("/slack/events", challenge, now, "another-secret"), http.StatusUnauthorized, reasonSignature},
		{"no signature", noSig, http.StatusUnauthorized, reasonSignature},
		{"6 minutes old", signedAt("/slack/events", challenge, now.Add(-6*time.Minute), testSecret), http.StatusUnauthorized, reasonStale},
		{"6 minutes ahead", signedAt("/slack/events", challenge, now.Add(6*time.Minute), testSecret), http.StatusUnauthorized, reasonStale},
		{"GET", get, http.StatusMethodNotAllowed, reasonMethod},
		{"over 1 MiB", signed("/slack/events", huge), http.StatusRequestEntityTooLarge, reasonTooLarge},
		{"over 1 MiB, length unknown", unknownLength, http.StatusRequestEntityTooLarge, reasonTooLarge},
		{"tampered command", withBody(signed("/slack/commands", commandBody("hi", f.responseURL("x"))), commandBody("hello", f.responseURL("x"))), http.StatusUnauthorized, reasonSignature},
		{"stale click", signedAt("/slack/interactions", "payload=%7B%7D", now.Add(-10*time.Minute), testSecret), http.StatusUnauthorized, reasonStale},
		{"signed nonsense", signed("/slack/events", `{"type":`), http.StatusBadRequest, reasonBadBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := obs.counts()
			w := serve(t, a, tt.req)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
			after, _ := obs.counts()
			if tt.reason != "" && after[tt.reason] != before[tt.reason]+1 {
				t.Errorf("observer not told %q: %v", tt.reason, after)
			}
			if tt.status == http.StatusOK && w.Body.String() != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
				t.Errorf("URL verification answered %q, want the challenge", w.Body)
			}
			if tt.status != http.StatusOK && strings.Contains(w.Body.String(), "3eZ") {
				t.Error("a refused request had its challenge echoed")
			}
		})
	}
	a.Close(context.Background())
	if ps := f.drained(); len(ps) != 0 {
		t.Errorf("%d messages posted for refused requests", len(ps))
	}
}

func httptestBody(s string) *readCloser { return &readCloser{strings.NewReader(s)} }

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// withBody replaces a signed request's body, keeping its signature.
func withBody(r *http.Request, body string) *http.Request {
	r.Body = httptestBody(body)
	r.ContentLength = int64(len(body))
	return r
}

func TestMentionIsAnsweredInItsThread(t *testing.T) {
	f := newFakeSlack(t)
	a := newHTTPAdapter(t, f, testBot(t), Config{})
	start := time.Now()
	w := serve(t, a, signed("/slack/events", callback("Ev1", mentionEvent("C1", "1700000000.000100", "<@UBOT> What were the Muse trial results?"))))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the event was acknowledged after %v", d) // a bound far above any real run
	}
	p := f.next(t)
	if p.Method != "chat.postMessage" || p.Channel != "C1" || p.ThreadTS != "1700000000.000100" {
		t.Fatalf("posted %s to %q thread %q; want chat.postMessage to C1 in the mention's thread", p.Method, p.Channel, p.ThreadTS)
	}
	want, _ := testBot(t).Answer("muse-trial-efficacy", "en")
	text := sectionText(p)
	for _, s := range []string{"0.47 points per month", "0.25 points per month", "not statistically significant"} {
		if !strings.Contains(text, s) {
			t.Errorf("answer lacks %q:\n%s", s, text)
		}
	}
	if p.Text == "" || !strings.Contains(p.Text, "0.47 points per month") {
		t.Errorf("fallback text %q lacks the answer", p.Text)
	}
	sources := contextText(p, blockSources)
	if !strings.Contains(sources, "<https://www.okayama-u.ac.jp/tp/release/release_id1173.html|Okayama University press release") {
		t.Errorf("sources lack the Okayama press release as a link: %s", sources)
	}
	if !strings.Contains(sources, "<https://doi.org/10.1177/09636897231214370|") {
		t.Errorf("sources lack the paper as a link: %s", sources)
	}
	if n := contextText(p, blockNotice); n == "" || !strings.Contains(n, "not medical advice") {
		t.Errorf("disclaimer missing: %q", n)
	}
	blockID, values := buttonValues(p)
	var wantValues []string
	for _, s := range want.Suggestions {
		wantValues = append(wantValues, s.Entry)
	}
	if blockID != "als_pick:en" || strings.Join(values, ",") != strings.Join(wantValues, ",") {
		t.Errorf("buttons %s %v, want als_pick:en %v", blockID, values, wantValues)
	}
}

func TestMentionInAThreadAnswersInThatThread(t *testing.T) {
	f := newFakeSlack(t)
	a := newHTTPAdapter(t, f, testBot(t), Config{})
	ev := mentionEvent("C1", "1700000050.000200", "<@UBOT|alsbot> Is Muse cell therapy safe?")
	ev["thread_ts"] = "1700000000.000100"
	serve(t, a, signed("/slack/events", callback("Ev2", ev)))
	p := f.next(t)
	if p.ThreadTS != "1700000000.000100" {
		t.Fatalf("answered in thread %q, want the existing thread", p.ThreadTS)
	}
	if strings.Contains(p.Text, "UBOT") || p.Text == "" {
		t.Errorf("fallback text %q", p.Text)
	}
}

func TestBareMentionGetsMenuAndHowToAsk(t *testing.T) {
	f := newFakeSlack(t)
	a := newHTTPAdapter(t, f, testBot(t), Config{})
	serve(t, a, signed("/slack/events", callback("Ev3", mentionEvent("C1", "1700000000.000300", "<@UBOT>"))))
	p := f.next(t)
	if !strings.Contains(sectionText(p), "How to ask") {
		t.Errorf("no how-to-ask: %s", sectionText(p))
	}
	if _, values := buttonValues(p); len(values) == 0 {
		t.Error("no topic menu buttons")
	}
}

func TestDirectMessageIsAnsweredInTheDM(t *testing.T) {
	f := newFakeSlack(t)
	a := newHTTPAdapter(t, f, testBot(t), Config{})
	serve(t, a, signed("/slack/events", callback("Ev10", dmEvent("D1", "1700000100.000100", "Muse細胞の治験の結果は？"))))
	p := f.next(t)
	if p.Channel != "D1" || p.ThreadTS != "" {
		t.Fatalf("posted to %q thread %q, want the DM itself", p.Channel, p.ThreadTS)
	}
	if !strings.Contains(contextText(p, blockSources), "出典:") {
		t.Errorf("Japanese question not answered in Japanese: %s", p.Text)
	}
	if id, _ := buttonValues(p); id != "als_pick:ja" {
		t.Errorf("actions block %q, want als_pick:ja", id)
	}
}

func TestOwnAndOtherBotsMessagesAreIgnored(t *testing.T) {
	f := newFakeSlack(t)
	a := newHTTPAdapter(t, f, testBot(t), Config{})
	own := dmEvent("D1", "1.1", "What is ALS?")
	own["user"] = testBotUser
	ownMention := mentionEvent("C1", "1.2", "<@UBOT> What is ALS?")
	ownMention["user"] = testBotUser
	botMsg := dmEvent("D1", "1.3", "What is ALS?")
	botMsg["bot_id"] = "B999"
	botMention := mentionEvent("C1", "1.4", "<@UBOT> What is ALS?")
	botMention["bot_id"] = "B999"
	edited := dmEvent("D1", "1.5", "What is ALS?")
	edited["subtype"] = "message_changed"
	edited["message"] = map[string]any{"type": "message", "user": "U1", "text": "What is ALS?", "ts": "1.0"}
	editedMention := mentionEvent("C1", "1.6", "<@UBOT> What is ALS?")
	editedMention["edited"] = map[string]any{"user": "U1", "ts": "1.7"}
	joined := dmEvent("D1", "1.8", "joined")
	joined["subtype"] = "channel_join"
	inChannel := dmEvent("C1", "1.9", "What is ALS?")
	inChannel["channel_type"] = "channel"
	for i, ev := range []map[string]any{own, ownMention, botMsg, botMention, edited, editedMention, joined, inChannel} {
		w := serve(t, a, signed("/slack/events", callback("EvIgnored"+string(rune('a'+i)), ev)))
		if w.Code != http.StatusOK {
			t.Errorf("event %d: status %d; Slack would retry it", i, w.Code)
		}
	}
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ps := f.drained(); len(ps) != 0 {
		t.Errorf("the bot answered %d messages it must ignore; first to %s: %q", len(ps), ps[0].Channel, ps[0].Text)
	}
}

func TestRetriesAreAnsweredOnce(t *testing.T) {
	f := newFakeSlack(t)
	obs := newObserver()
	a := newHTTPAdapter(t, f, testBot(t), Config{Observer: obs})
	body := callback("EvRetry", mentionEvent("C1", "1700000200.000100", "<@UBOT> What is ALS?"))
	for retry := range 3 {
		r := signed("/slack/events", body)
		if retry > 0 {
			r.Header.Set("X-Slack-Retry-Num", string(rune('0'+retry)))
			r.Header.Set("X-Slack-Retry-Reason", "http_timeout")
		}
		if w := serve(t, a, r); w.Code != http.StatusOK {
			t.Fatalf("delivery %d: status %d", retry, w.Code)
		}
	}
	// The same message under a new event id, as Slack sometimes resends.
	serve(t, a, signed("/slack/events", callback("EvRetryNewID", mentionEvent("C1", "1700000200.000100", "<@UBOT> What is ALS?"))))
	// A retry whose first delivery never arrived is the only copy.
	only := signed("/slack/events", callback("EvOnlyRetry", mentionEvent("C1", "1700000300.000100", "<@UBOT> What is ALS?")))
	only.Header.Set("X-Slack-Retry-Num", "2")
	serve(t, a, only)
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	ps := f.drained()
	threads := map[string]int{}
	for _, p := range ps {
		threads[p.ThreadTS]++
	}
	if len(ps) != 2 || threads["1700000200.000100"] != 1 || threads["1700000300.000100"] != 1 {
		t.Errorf("answers per thread %v; want one each", threads)
	}
	if _, dups := obs.counts(); dups != 3 {
		t.Errorf("observer told of %d duplicates, want 3", dups)
	}
}

func TestSlashCommand(t *testing.T) {
	f := newFakeSlack(t)
	a := newHTTPAdapter(t, f, testBot(t), Config{})

	t.Run("question", func(t *testing.T) {
		w := serve(t, a, signed("/slack/commands", commandBody("What were the Muse trial results?", f.responseURL("cmd1"))))
		if w.Code != http.StatusOK || w.Body.Len() != 0 {
			t.Fatalf("ack %d %q, want an empty 200", w.Code, w.Body)
		}
		p := f.next(t)
		if p.Method != "response_url" || p.Channel != "/respond/cmd1" || p.ResponseType != "ephemeral" || p.Replace {
			t.Fatalf("posted %+v; want an ephemeral message to the response URL", p)
		}
		if !strings.Contains(sectionText(p), "0.47 points per month") || !strings.Contains(contextText(p, blockSources), "okayama-u.ac.jp") {
			t.Errorf("not the answer with its sources: %s", p.BlocksJSON)
		}
	})
	t.Run("alone", func(t *testing.T) {
		w := serve(t, a, signed("/slack/commands", commandBody("", f.responseURL("cmd2"))))
		if w.Code != http.StatusOK {
			t.Fatalf("ack %d", w.Code)
		}
		p := f.next(t)
		menu := testBot(t).Ask(context.Background(), bot.Question{Kind: bot.AskMenu, Lang: "en"})
		if !strings.Contains(sectionText(p), escape(menu.Text)) || !strings.Contains(sectionText(p), "`/als your question`") {
			t.Errorf("not the menu and how to ask: %s", sectionText(p))
		}
		if _, values := buttonValues(p); len(values) != len(menu.Suggestions) {
			t.Errorf("%d topic buttons, want %d", len(values), len(menu.Suggestions))
		}
	})
	t.Run("no response URL", func(t *testing.T) {
		w := serve(t, a, signed("/slack/commands", commandBody("hi", "")))
		if w.Code != http.StatusBadRequest {
			t.Errorf("status %d, want 400", w.Code)
		}
	})
}

func TestButtonClickAnswersInTheSameThread(t *testing.T) {
	f := newFakeSlack(t)
	a := newHTTPAdapter(t, f, testBot(t), Config{})
	tests := []struct {
		name                   string
		channel, msgTS, thread string
		lang, entry            string
		ephemeral              bool
		wantChannel, wantTS    string
		wantLang               string
	}{
		{"answer in a channel thread", "C1", "1700000400.000200", "1700000400.000100", "en", "muse-trial-safety", false, "C1", "1700000400.000100", "en"},
		{"Japanese choices", "C1", "1700000400.000300", "1700000400.000100", "ja", "muse-trial-safety", false, "C1", "1700000400.000100", "ja"},
		{"top-level DM", "D1", "1700000400.000400", "", "en", "muse-what", false, "D1", "", "en"},
		{"ephemeral command answer", "C1", "1700000400.000500", "", "en", "muse-what", true, "/respond/click", "", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := clickPayload(tt.channel, tt.msgTS, tt.thread, tt.lang, tt.entry, f.responseURL("click"), tt.ephemeral)
			w := serve(t, a, signed("/slack/interactions", url.Values{"payload": {payload}}.Encode()))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			p := f.next(t)
			if p.Channel != tt.wantChannel || p.ThreadTS != tt.wantTS {
				t.Fatalf("posted to %q thread %q, want %q thread %q", p.Channel, p.ThreadTS, tt.wantChannel, tt.wantTS)
			}
			if tt.ephemeral && p.ResponseType != "ephemeral" {
				t.Errorf("response type %q, want ephemeral", p.ResponseType)
			}
			want, _ := testBot(t).Answer(tt.entry, tt.wantLang)
			if got := sectionText(p); got != strings.Join(splitText(want.Text, maxTextObject, maxMessageText), "\n\n") {
				t.Errorf("answered\n%s\nwant entry %s in %s:\n%s", got, tt.entry, tt.wantLang, want.Text)
			}
		})
	}
}

func TestEmergencyGetsTheEmergencyReply(t *testing.T) {
	f := newFakeSlack(t)
	a := newHTTPAdapter(t, f, testBot(t), Config{})
	serve(t, a, signed("/slack/events", callback("EvSOS", mentionEvent("C1", "1700000500.000100", "<@UBOT> my father can't breathe, he has ALS"))))
	p := f.next(t)
	if !strings.HasPrefix(sectionText(p), "This may be life-threatening. Call 119 now") {
		t.Errorf("emergency answered with:\n%s", sectionText(p))
	}
	serve(t, a, signed("/slack/events", callback("EvSOSja", dmEvent("D1", "1700000500.000200", "父が息ができない"))))
	p = f.next(t)
	if !strings.Contains(sectionText(p), "119") || !strings.Contains(sectionText(p), "救急車") {
		t.Errorf("Japanese emergency answered with:\n%s", sectionText(p))
	}
}

func TestSilentReplyPostsNothing(t *testing.T) {
	f := newFakeSlack(t)
	var asked atomic.Int32
	a := newHTTPAdapter(t, f, stubAsker{fn: func(q bot.Question) bot.Reply {
		asked.Add(1)
		return bot.Reply{Kind: bot.KindSilent}
	}}, Config{})
	serve(t, a, signed("/slack/events", callback("EvQuiet", dmEvent("D1", "1.1", "What is ALS?"))))
	a.Close(context.Background())
	if asked.Load() != 1 {
		t.Fatalf("the bot was asked %d times, want 1", asked.Load())
	}
	if ps := f.drained(); len(ps) != 0 {
		t.Errorf("posted %d messages for a silent reply", len(ps))
	}
}

func TestQuestionSentToTheBot(t *testing.T) {
	f := newFakeSlack(t)
	got := make(chan bot.Question, 10)
	a := newHTTPAdapter(t, f, stubAsker{fn: func(q bot.Question) bot.Reply {
		got <- q
		return bot.Reply{Kind: bot.KindSilent}
	}}, Config{})
	thread := mentionEvent("C1", "1700000600.000200", "<@UBOT>  What is <https://example.org/als|ALS> &amp; how fast &lt;does it&gt; progress?")
	thread["thread_ts"] = "1700000600.000100"
	serve(t, a, signed("/slack/events", callback("EvQ1", thread)))
	serve(t, a, signed("/slack/events", callback("EvQ2", dmEvent("D1", "1700000600.000300", "What is ALS?"))))
	serve(t, a, signed("/slack/interactions", url.Values{"payload": {clickPayload("C1", "1700000600.000400", "1700000600.000100", "ja", "muse-what", "", false)}}.Encode()))
	a.Close(context.Background())
	close(got)
	var qs []bot.Question
	for q := range got {
		qs = append(qs, q)
	}
	want := map[string]bot.Question{
		"mention": {Text: "What is ALS & how fast <does it> progress?", Lang: "en", Channel: "slack", User: "U1", Conversation: "slack:C1:1700000600.000100"},
		"dm":      {Text: "What is ALS?", Lang: "en", Channel: "slack", User: "U1", Conversation: "slack:D1:U1"},
		"click":   {Lang: "ja", Channel: "slack", User: "U1", Conversation: "slack:C1:1700000600.000100", Entry: "muse-what"},
	}
	if len(qs) != len(want) {
		t.Fatalf("asked %d questions, want %d: %+v", len(qs), len(want), qs)
	}
	for name, w := range want {
		found := false
		for _, q := range qs {
			found = found || q == w
		}
		if !found {
			t.Errorf("%s: no question %+v among %+v", name, w, qs)
		}
	}
}

func TestRevokedTokenStopsRun(t *testing.T) {
	f := newFakeSlack(t)
	a := newHTTPAdapter(t, f, testBot(t), Config{})
	done := make(chan error, 1)
	go func() { done <- a.Run(context.Background()) }()
	f.set(&f.postError, "token_revoked")
	serve(t, a, signed("/slack/events", callback("EvRevoked", dmEvent("D1", "1.1", "What is ALS?"))))
	select {
	case err := <-done:
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "token_revoked") {
			t.Fatalf("Run: %v; want ErrAuth with token_revoked", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run went on after Slack revoked the token")
	}
	if a.Ready() {
		t.Error("ready with a revoked token")
	}
}

func TestRunReturnsWhenContextEnds(t *testing.T) {
	f := newFakeSlack(t)
	a := newHTTPAdapter(t, f, testBot(t), Config{})
	if !a.Ready() {
		t.Fatal("not ready after Start")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	a.Close(context.Background())
	if a.Ready() {
		t.Error("ready after Close")
	}
}

func TestPanicIsRecovered(t *testing.T) {
	f := newFakeSlack(t)
	var calls atomic.Int32
	a := newHTTPAdapter(t, f, stubAsker{fn: func(q bot.Question) bot.Reply {
		if calls.Add(1) == 1 {
			panic("broken entry")
		}
		return bot.Reply{Kind: bot.KindAnswer, Lang: "en", Text: "fine"}
	}}, Config{Workers: 1})
	serve(t, a, signed("/slack/events", callback("EvPanic", dmEvent("D1", "1.1", "first"))))
	serve(t, a, signed("/slack/events", callback("EvAfter", dmEvent("D1", "1.2", "second"))))
	if p := f.next(t); p.Text != "fine" {
		t.Errorf("after a panic the worker posted %q", p.Text)
	}
}

func TestOverloadRefusesAndCloseFinishesInFlight(t *testing.T) {
	f := newFakeSlack(t)
	obs := newObserver()
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	a := newHTTPAdapter(t, f, stubAsker{fn: func(q bot.Question) bot.Reply {
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		return bot.Reply{Kind: bot.KindAnswer, Lang: "en", Text: q.Text}
	}}, Config{Workers: 1, Observer: obs})
	accepted := 0
	for i := range queuePerWorker + 5 {
		w := serve(t, a, signed("/slack/events", callback("EvLoad"+strconv.Itoa(i), dmEvent("D1", "2."+strconv.Itoa(i), "q"))))
		switch w.Code {
		case http.StatusOK:
			accepted++
		case http.StatusServiceUnavailable:
		default:
			t.Fatalf("status %d", w.Code)
		}
		if i == 0 {
			<-started // the worker holds the first; the queue fills behind it
		}
	}
	if want := queuePerWorker + 1; accepted != want {
		t.Errorf("accepted %d, want %d (one in work, a full queue)", accepted, want)
	}
	if rej, _ := obs.counts(); rej[reasonOverloaded] != 4 {
		t.Errorf("observer told of %d overloads, want 4", rej[reasonOverloaded])
	}
	closed := make(chan error, 1)
	go func() { closed <- a.Close(context.Background()) }()
	select {
	case <-closed:
		t.Fatal("Close returned with replies in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if n := len(f.drained()); n != accepted {
		t.Errorf("%d replies posted after Close, want %d", n, accepted)
	}
	if w := serve(t, a, signed("/slack/events", callback("EvLate", dmEvent("D1", "3.1", "q")))); w.Code != http.StatusServiceUnavailable {
		t.Errorf("after Close: status %d, want 503", w.Code)
	}
}

func TestMalformedBlockDoesNotLoseTheQuestion(t *testing.T) {
	f := newFakeSlack(t)
	a := newHTTPAdapter(t, f, testBot(t), Config{})
	ev := mentionEvent("C1", "1700000700.000100", "<@UBOT> What were the Muse trial results?")
	ev["blocks"] = []any{map[string]any{"type": "rich_text", "elements": "not a list"}}
	body := callback("EvOddBlocks", ev)
	if _, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken()); err == nil {
		t.Fatal("slack-go reads the malformed block: the test no longer shows the lenient reading")
	}
	if _, err := parseEvent([]byte(body), testBotUser); err != nil {
		t.Fatalf("parseEvent: %v", err)
	}
	serve(t, a, signed("/slack/events", body))
	if p := f.next(t); !strings.Contains(sectionText(p), "0.47 points per month") {
		t.Errorf("answered %q", p.Text)
	}
}

// syncBuffer captures logs from concurrent writers.
type syncBuffer = logbuf.Buffer

func TestLogsCarryNoMessageTextOrUserIDs(t *testing.T) {
	f := newFakeSlack(t)
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := newHTTPAdapter(t, f, testBot(t), Config{Logger: logger})
	ev := mentionEvent("C7", "1700000800.000100", "<@UBOT> What were the Muse trial results?")
	ev["user"] = "UPATIENT42"
	serve(t, a, signed("/slack/events", callback("EvLog1", ev)))
	f.next(t)
	// A response URL that cannot be reached: the failure is logged
	// without the URL, which would let anyone post to the user.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL + "/commands/T1/secret-token-path"
	dead.Close()
	serve(t, a, signed("/slack/commands", commandBody("Is Muse cell therapy safe? Hanako Yamada", deadURL)))
	a.Close(context.Background())
	out := logs.String()
	for _, want := range []string{`"event_id":"EvLog1"`, `"channel":"C7"`, `"kind":"answer"`, `"entry":"muse-trial-efficacy"`, `"total_ms"`, "reply not delivered"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
	for _, never := range []string{"Hanako", "Muse trial results", "UPATIENT42", "secret-token-path", testBotToken, testSecret} {
		if strings.Contains(out, never) {
			t.Errorf("logs contain %q:\n%s", never, out)
		}
	}
}

func TestEventsBeforeStartAreRefused(t *testing.T) {
	f := newFakeSlack(t)
	a, err := New(testBot(t), Config{BotToken: testBotToken, SigningSecret: testSecret, APIBase: f.apiBase()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	if a.Ready() {
		t.Error("ready before Start")
	}
	if w := serve(t, a, signed("/slack/events", callback("EvEarly", dmEvent("D1", "1.1", "What is ALS?")))); w.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d before Start, want 503 so that Slack retries", w.Code)
	}
}

// A post that meets a 5xx, a rate limit or a timeout is tried again until
// it is delivered, and one that Slack carried out before failing is found
// in the conversation, not posted twice.
func TestFailedPostsAreRetriedNeverDoubled(t *testing.T) {
	for _, tt := range []struct {
		name   string
		thread bool
		fail   func(n int) (int, bool)
		stall  func(n int) (time.Duration, bool)
	}{
		{"500 before Slack posted", false, func(n int) (int, bool) {
			if n <= 2 {
				return http.StatusInternalServerError, false
			}
			return 0, true
		}, nil},
		{"503 after Slack posted, in a DM", false, func(n int) (int, bool) {
			if n == 1 {
				return http.StatusServiceUnavailable, true
			}
			return 0, true
		}, nil},
		{"502 after Slack posted, in a thread", true, func(n int) (int, bool) {
			if n == 1 {
				return http.StatusBadGateway, true
			}
			return 0, true
		}, nil},
		{"a timeout before Slack posted", false, nil, func(n int) (time.Duration, bool) {
			if n == 1 {
				return 2 * time.Second, false
			}
			return 0, true
		}},
		{"a timeout after Slack posted, in a DM", false, nil, func(n int) (time.Duration, bool) {
			if n == 1 {
				return 2 * time.Second, true
			}
			return 0, true
		}},
		{"a timeout after Slack posted, in a thread", true, nil, func(n int) (time.Duration, bool) {
			if n <= 2 {
				return 2 * time.Second, n == 2
			}
			return 0, true
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSlack(t)
			f.postFail, f.postStall = tt.fail, tt.stall
			a := newHTTPAdapter(t, f, testBot(t), Config{httpClient: &http.Client{Timeout: 200 * time.Millisecond}})
			a.delivery = deliveryPolicy{attempts: 4, base: time.Millisecond, max: 5 * time.Millisecond}
			ev := dmEvent("D1", "1700000100.000100", "Muse細胞の治験の結果は？")
			if tt.thread {
				ev = mentionEvent("C1", "1700000100.000100", "<@"+testBotUser+"> Muse trial results")
			}
			serve(t, a, signed("/slack/events", callback("Ev50", ev)))
			f.next(t)
			a.Close(context.Background())
			if more := f.drained(); len(more) != 0 {
				t.Errorf("answered %d more times, want once", len(more))
			}
		})
	}
}
