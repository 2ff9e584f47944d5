package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	slackgo "github.com/slack-go/slack"

	"alsbot/bot"
	"alsbot/knowledge"
)

// Test identities: the fake Slack knows these tokens and ids.
const (
	testBotToken = "xoxb-test"
	testAppToken = "xapp-test"
	testSecret   = "8f742231b10e8888abcd99yyyzzz85a5"
	testBotUser  = "UBOT"
	testBotID    = "BBOT"
)

var (
	kbOnce sync.Once
	theKB  *knowledge.KB
	kbErr  error
)

// testBot is a new bot over the shipped knowledge base: each test has its
// own, as a bot remembers conversations.
func testBot(t testing.TB) *bot.Bot {
	t.Helper()
	kbOnce.Do(func() {
		theKB, kbErr = knowledge.LoadShipped()
	})
	if kbErr != nil {
		t.Fatalf("loading the knowledge base: %v", kbErr)
	}
	b, err := bot.New(theKB)
	if err != nil {
		t.Fatalf("building the bot: %v", err)
	}
	return b
}

// post is a message the fake Slack received: through chat.postMessage or
// a response URL.
type post struct {
	Method       string // "chat.postMessage" or "response_url"
	Token        string
	Channel      string
	ThreadTS     string
	Text         string
	ResponseType string
	Replace      bool
	Blocks       []slackgo.Block
	BlocksJSON   string
}

// fakeSlack is the Slack Web API and Socket Mode endpoint, in process.
type fakeSlack struct {
	t     testing.TB
	srv   *httptest.Server
	posts chan post
	conns chan *websocket.Conn

	mu        sync.Mutex
	authError string // what auth.test answers, "" for ok
	openError string // what apps.connections.open answers
	postError string // what chat.postMessage answers
	// postFail, if set, fails the nth chat.postMessage (from 1) with an
	// HTTP status, having posted the message first when carried (a 5xx
	// after the fact).
	postFail func(n int) (status int, carried bool)
	// postStall, if set, holds the nth chat.postMessage (from 1) without
	// an answer for as long as it returns, after posting it when carried:
	// the client times out not knowing what Slack did.
	postStall func(n int) (stall time.Duration, carried bool)
	postN     int
	// history is every message posted to a channel, with its metadata,
	// for conversations.history and conversations.replies.
	history []slackgo.Message
}

func newFakeSlack(t testing.TB) *fakeSlack {
	f := &fakeSlack{t: t, posts: make(chan post, 1000), conns: make(chan *websocket.Conn, 10)}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/auth.test", f.authTest)
	mux.HandleFunc("/api/apps.connections.open", f.connectionsOpen)
	mux.HandleFunc("/api/chat.postMessage", f.postMessage)
	mux.HandleFunc("/api/conversations.history", f.conversation)
	mux.HandleFunc("/api/conversations.replies", f.conversation)
	mux.HandleFunc("/respond/", f.respond)
	mux.HandleFunc("/ws", f.websocket)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSlack) set(field *string, v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	*field = v
}

func (f *fakeSlack) get(field *string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *field
}

// apiBase is what SLACK_API_BASE would be.
func (f *fakeSlack) apiBase() string { return f.srv.URL + "/api/" }

// responseURL is a response URL for one command or click.
func (f *fakeSlack) responseURL(id string) string { return f.srv.URL + "/respond/" + id }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func token(r *http.Request) string {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return tok
	}
	return r.PostFormValue("token")
}

func (f *fakeSlack) authTest(w http.ResponseWriter, r *http.Request) {
	if e := f.get(&f.authError); e != "" || token(r) != testBotToken {
		if e == "" {
			e = "invalid_auth"
		}
		writeJSON(w, map[string]any{"ok": false, "error": e})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "user_id": testBotUser, "bot_id": testBotID, "team_id": "T1", "user": "alsbot"})
}

func (f *fakeSlack) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	if e := f.get(&f.openError); e != "" || token(r) != testAppToken {
		if e == "" {
			e = "invalid_auth"
		}
		writeJSON(w, map[string]any{"ok": false, "error": e})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws"})
}

func (f *fakeSlack) postMessage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("chat.postMessage: %v", err)
		return
	}
	p := post{
		Method: "chat.postMessage", Token: token(r), Channel: r.PostForm.Get("channel"),
		ThreadTS: r.PostForm.Get("thread_ts"), Text: r.PostForm.Get("text"), BlocksJSON: r.PostForm.Get("blocks"),
	}
	var blocks slackgo.Blocks
	if err := json.Unmarshal([]byte(p.BlocksJSON), &blocks); err != nil {
		f.t.Errorf("chat.postMessage: blocks slack-go cannot read: %v\n%s", err, p.BlocksJSON)
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_blocks"})
		return
	}
	p.Blocks = blocks.BlockSet
	if e := f.get(&f.postError); e != "" {
		writeJSON(w, map[string]any{"ok": false, "error": e})
		return
	}
	if p.Token != testBotToken {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	f.mu.Lock()
	f.postN++
	status, carried := 0, true
	var stall time.Duration
	if f.postFail != nil {
		status, carried = f.postFail(f.postN)
	}
	if f.postStall != nil {
		stall, carried = f.postStall(f.postN)
	}
	posted := carried || status == 0 && stall == 0
	ts := strconv.FormatInt(time.Now().UnixMicro(), 10)
	if posted {
		var meta slackgo.SlackMetadata
		json.Unmarshal([]byte(r.PostForm.Get("metadata")), &meta)
		f.history = append(f.history, slackgo.Message{Msg: slackgo.Msg{Channel: p.Channel, ThreadTimestamp: p.ThreadTS, Timestamp: ts, Text: p.Text, Metadata: meta}})
	}
	f.mu.Unlock()
	if posted {
		f.posts <- p
	}
	if stall > 0 {
		select {
		case <-time.After(stall):
		case <-r.Context().Done():
		}
		return
	}
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": p.Channel, "ts": ts})
}

// conversation answers conversations.history and conversations.replies
// with the messages posted to the channel (and thread), metadata and all.
func (f *fakeSlack) conversation(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	channel, thread := r.Form.Get("channel"), r.Form.Get("ts")
	f.mu.Lock()
	var msgs []slackgo.Message
	for _, m := range f.history {
		if m.Channel == channel && (thread == "" || m.ThreadTimestamp == thread) {
			msgs = append(msgs, m)
		}
	}
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "messages": msgs})
}

func (f *fakeSlack) respond(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var m slackgo.Msg
	if err := json.Unmarshal(body, &m); err != nil {
		f.t.Errorf("response URL: a message slack-go cannot read: %v\n%s", err, body)
		http.Error(w, "bad", http.StatusBadRequest)
		return
	}
	raw, _ := json.Marshal(m.Blocks.BlockSet)
	f.posts <- post{
		Method: "response_url", Channel: r.URL.Path, Text: m.Text, ResponseType: m.ResponseType,
		Replace: m.ReplaceOriginal, ThreadTS: m.ThreadTimestamp, Blocks: m.Blocks.BlockSet, BlocksJSON: string(raw),
	}
	writeJSON(w, map[string]any{"ok": true})
}

func (f *fakeSlack) websocket(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(r *http.Request) bool {
		return r.Header.Get("Origin") == "https://api.slack.com" // as slack-go dials
	}}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		f.t.Errorf("websocket upgrade: %v", err)
		return
	}
	f.conns <- c
}

// next waits for the next message posted to the fake.
func (f *fakeSlack) next(t testing.TB) post {
	t.Helper()
	select {
	case p := <-f.posts:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("nothing was posted to Slack within 10s")
		return post{}
	}
}

// drained reports every message posted so far; call it after the
// adapter has been closed, so that all its work is done.
func (f *fakeSlack) drained() []post {
	var out []post
	for {
		select {
		case p := <-f.posts:
			out = append(out, p)
		default:
			return out
		}
	}
}

// observer counts what an Observer is told.
type observer struct {
	mu         sync.Mutex
	rejected   map[string]int
	duplicates int
}

func newObserver() *observer { return &observer{rejected: map[string]int{}} }

func (o *observer) Rejected(channel, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if channel != "slack" {
		panic("observer told channel " + channel)
	}
	o.rejected[reason]++
}

func (o *observer) Duplicate(channel string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if channel != "slack" {
		panic("observer told channel " + channel)
	}
	o.duplicates++
}

func (o *observer) counts() (map[string]int, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := map[string]int{}
	for k, v := range o.rejected {
		m[k] = v
	}
	return m, o.duplicates
}

// newHTTPAdapter is a started adapter in HTTP mode against f; it is
// closed when the test ends.
func newHTTPAdapter(t testing.TB, f *fakeSlack, ask bot.Asker, cfg Config) *Adapter {
	t.Helper()
	cfg.BotToken, cfg.SigningSecret, cfg.APIBase = testBotToken, testSecret, f.apiBase()
	a, err := New(ask, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a
}

// sign returns Slack's v0 signature of body at ts.
func sign(secret string, ts int64, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%d:%s", ts, body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// signed is a request to path as Slack sends it, signed now.
func signed(path, body string) *http.Request {
	return signedAt(path, body, time.Now(), testSecret)
}

func signedAt(path, body string, at time.Time, secret string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if path == "/slack/events" {
		r.Header.Set("Content-Type", "application/json")
	} else {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	ts := at.Unix()
	r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	r.Header.Set("X-Slack-Signature", sign(secret, ts, body))
	return r
}

// serve sends r to the adapter's handler for its path.
func serve(t testing.TB, a *Adapter, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	h, ok := a.Routes()[r.URL.Path]
	if !ok {
		t.Fatalf("no route for %s", r.URL.Path)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// callback is an Events API event_callback around inner.
func callback(eventID string, inner map[string]any) string {
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(), "event": inner,
	})
	return string(b)
}

// mentionEvent is an app_mention of the bot in channel at ts.
func mentionEvent(channel, ts, text string) map[string]any {
	return map[string]any{
		"type": "app_mention", "user": "U1", "text": text, "ts": ts,
		"channel": channel, "event_ts": ts,
	}
}

// dmEvent is a direct message to the bot.
func dmEvent(channel, ts, text string) map[string]any {
	return map[string]any{
		"type": "message", "user": "U1", "text": text, "ts": ts,
		"channel": channel, "channel_type": "im", "event_ts": ts,
	}
}

// commandBody is the form Slack posts for a slash command.
func commandBody(text, responseURL string) string {
	return url.Values{
		"token": {"legacy"}, "team_id": {"T1"}, "channel_id": {"C1"}, "user_id": {"U1"},
		"command": {"/als"}, "text": {text}, "response_url": {responseURL},
		"trigger_id": {"trig-" + strconv.FormatInt(time.Now().UnixNano(), 10)},
	}.Encode()
}

// clickPayload is the block_actions payload of a click on a button of
// the adapter's actions block.
func clickPayload(channel, messageTS, threadTS, lang, entry, responseURL string, ephemeral bool) string {
	container := map[string]any{"type": "message", "message_ts": messageTS, "channel_id": channel, "is_ephemeral": ephemeral}
	if threadTS != "" {
		container["thread_ts"] = threadTS
	}
	msg := map[string]any{"type": "message", "ts": messageTS, "text": "…"}
	if threadTS != "" {
		msg["thread_ts"] = threadTS
	}
	b, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U1"}, "trigger_id": "trig-" + messageTS + entry,
		"team": map[string]any{"id": "T1"}, "channel": map[string]any{"id": channel}, "container": container,
		"message": msg, "response_url": responseURL,
		"actions": []map[string]any{{
			"type": "button", "action_id": actionEntryPrefix + "0", "block_id": blockPickPrefix + lang,
			"value": entry, "text": map[string]any{"type": "plain_text", "text": "label"},
		}},
	})
	return string(b)
}

// sectionText is the text of the answer's section blocks, joined.
func sectionText(p post) string {
	var parts []string
	for _, b := range p.Blocks {
		if s, ok := b.(*slackgo.SectionBlock); ok && s.Text != nil && strings.HasPrefix(s.BlockID, blockAnswerPrefix) {
			parts = append(parts, s.Text.Text)
		}
	}
	return strings.Join(parts, "\n\n")
}

// contextText is the mrkdwn of the context block with id.
func contextText(p post, id string) string {
	for _, b := range p.Blocks {
		if c, ok := b.(*slackgo.ContextBlock); ok && c.BlockID == id {
			var parts []string
			for _, e := range c.ContextElements.Elements {
				if t, ok := e.(*slackgo.TextBlockObject); ok {
					parts = append(parts, t.Text)
				}
			}
			return strings.Join(parts, " ")
		}
	}
	return ""
}

// buttonValues are the entry ids the buttons of p carry, and the id of
// their actions block.
func buttonValues(p post) (blockID string, values []string) {
	for _, b := range p.Blocks {
		if a, ok := b.(*slackgo.ActionBlock); ok {
			blockID = a.BlockID
			for _, e := range a.Elements.ElementSet {
				if btn, ok := e.(*slackgo.ButtonBlockElement); ok {
					values = append(values, btn.Value)
				}
			}
		}
	}
	return blockID, values
}

// stubAsker replies with a fixed reply, or runs fn.
type stubAsker struct {
	fn func(bot.Question) bot.Reply
}

func (s stubAsker) Ask(_ context.Context, q bot.Question) bot.Reply {
	switch q.Kind {
	case bot.AskMenu:
		return bot.Reply{Kind: bot.KindRule, Lang: q.Lang, Text: "menu"}
	case bot.AskTextOnly:
		return bot.Reply{Kind: bot.KindRule, Lang: q.Lang, Text: "text only"}
	}
	return s.fn(q)
}
