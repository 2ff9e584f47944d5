package line

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"alsbot/adapters/logbuf"
	"alsbot/bot"
	"alsbot/knowledge"
)

// The fake LINE platform: a Messaging API that records what it receives,
// and a way to send signed webhooks to the handler.

const (
	testSecret = "test-channel-secret"
	testToken  = "test-access-token"
	botUserID  = "Ubot0000000000000000000000000000"
	// A patient's LINE user id: it must never appear in logs.
	patientID = "U4af4980629a0b2c8d1e5f6a7b8c9d0e1"
)

// apiCall is one request the fake Messaging API received.
type apiCall struct {
	Path     string
	Auth     string
	RetryKey string
	Body     []byte
	Req      sentRequest
	Status   int // what the fake answered
}

// sentRequest is the JSON of a reply, push or loading-animation request,
// as LINE reads it.
type sentRequest struct {
	ReplyToken     string        `json:"replyToken"`
	To             string        `json:"to"`
	Messages       []sentMessage `json:"messages"`
	ChatID         string        `json:"chatId"`
	LoadingSeconds int           `json:"loadingSeconds"`
}

type sentMessage struct {
	Type       string `json:"type"`
	Text       string `json:"text"`
	QuickReply *struct {
		Items []struct {
			Type   string     `json:"type"`
			Action sentAction `json:"action"`
		} `json:"items"`
	} `json:"quickReply"`
}

type sentAction struct {
	Type        string `json:"type"`
	Label       string `json:"label"`
	URI         string `json:"uri"`
	Text        string `json:"text"`
	Data        string `json:"data"`
	DisplayText string `json:"displayText"`
}

// quick returns the quick-reply actions of a message.
func (m sentMessage) quick() []sentAction {
	if m.QuickReply == nil {
		return nil
	}
	var out []sentAction
	for _, it := range m.QuickReply.Items {
		out = append(out, it.Action)
	}
	return out
}

const (
	pathReply   = "/v2/bot/message/reply"
	pathPush    = "/v2/bot/message/push"
	pathLoading = "/v2/bot/chat/loading/start"
)

// fakeLINE is the Messaging API. respond, if set, decides the answer to
// the nth call (from 1) to a path; otherwise every call gets 200 {}.
type fakeLINE struct {
	srv     *httptest.Server
	mu      sync.Mutex
	calls   []apiCall
	counts  map[string]int
	respond func(path string, n int) (int, string)
	// seen, if set, is told of each call as it arrives.
	seen func(apiCall)
	// discard: keep no record of calls (load tests).
	discard bool
}

func newFakeLINE(t testing.TB) *fakeLINE {
	f := &fakeLINE{counts: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeLINE) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := apiCall{Path: r.URL.Path, Auth: r.Header.Get("Authorization"), RetryKey: r.Header.Get("X-Line-Retry-Key"), Body: body}
	_ = json.Unmarshal(body, &c.Req)
	f.mu.Lock()
	f.counts[c.Path]++
	n := f.counts[c.Path]
	respond, seen := f.respond, f.seen
	f.mu.Unlock()
	status, answer := http.StatusOK, "{}"
	if respond != nil {
		status, answer = respond(c.Path, n)
	}
	c.Status = status
	f.mu.Lock()
	if !f.discard {
		f.calls = append(f.calls, c)
	}
	f.mu.Unlock()
	if seen != nil {
		seen(c)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, answer)
}

// Calls returns the calls received so far, in order.
func (f *fakeLINE) Calls() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]apiCall(nil), f.calls...)
}

// delivered returns the reply and push calls LINE accepted.
func (f *fakeLINE) delivered() []apiCall {
	var out []apiCall
	for _, c := range f.Calls() {
		if (c.Path == pathReply || c.Path == pathPush) && c.Status/100 == 2 {
			out = append(out, c)
		}
	}
	return out
}

// sign is what LINE puts in X-Line-Signature.
func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// shippedKB is the knowledge base that ships, loaded once.
var shippedKB = sync.OnceValues(func() (*knowledge.KB, error) {
	return knowledge.LoadShipped()
})

// realBot is a new bot over the shipped knowledge base: it remembers its
// own conversations, so tests do not see each other's.
func realBot(t testing.TB) *bot.Bot {
	t.Helper()
	kb, err := shippedKB()
	if err != nil {
		t.Fatalf("loading the shipped knowledge base: %v", err)
	}
	b, err := bot.New(kb)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

// recAsker is the real bot, recording the questions it is asked. reply,
// if set, replaces the bot's answer.
type recAsker struct {
	*bot.Bot
	mu    sync.Mutex
	asked []bot.Question
	reply func(bot.Question) (bot.Reply, bool)
}

func (a *recAsker) Ask(ctx context.Context, q bot.Question) bot.Reply {
	a.mu.Lock()
	a.asked = append(a.asked, q)
	reply := a.reply
	a.mu.Unlock()
	if reply != nil {
		if r, ok := reply(q); ok {
			return r
		}
	}
	return a.Bot.Ask(ctx, q)
}

func (a *recAsker) questions() []bot.Question {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]bot.Question(nil), a.asked...)
}

// recObserver counts what the handler reports.
type recObserver struct {
	mu        sync.Mutex
	rejected  map[string]int
	duplicate int
}

func (o *recObserver) Rejected(channel, reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if channel != Channel {
		panic("observer told channel " + channel)
	}
	if o.rejected == nil {
		o.rejected = map[string]int{}
	}
	o.rejected[reason]++
}

func (o *recObserver) Duplicate(channel string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.duplicate++
}

func (o *recObserver) counts() (map[string]int, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := map[string]int{}
	for k, v := range o.rejected {
		m[k] = v
	}
	return m, o.duplicate
}

// syncBuffer captures logs from concurrent writers.
type syncBuffer = logbuf.Buffer

// harness is a handler wired to the fake LINE API and the shipped bot.
type harness struct {
	h     *Handler
	line  *fakeLINE
	asker *recAsker
	obs   *recObserver
	logs  *syncBuffer
}

func newHarness(t testing.TB, configure ...func(*Config)) *harness {
	t.Helper()
	hs := &harness{line: newFakeLINE(t), asker: &recAsker{Bot: realBot(t)}, obs: &recObserver{}, logs: &syncBuffer{}}
	cfg := Config{
		ChannelSecret: testSecret,
		ChannelToken:  testToken,
		APIBase:       hs.line.srv.URL,
		Salt:          "test-salt",
		Logger:        slog.New(slog.NewJSONHandler(hs.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Observer:      hs.obs,
		retry:         retryPolicy{attempts: 3, base: time.Millisecond, max: 5 * time.Millisecond},
	}
	for _, c := range configure {
		c(&cfg)
	}
	h, err := New(hs.asker, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs.h = h
	t.Cleanup(func() { h.Close(context.Background()) })
	return hs
}

// post sends body to the webhook, signed with the channel secret unless
// sig says otherwise ("-" for no signature header).
func (hs *harness) post(t testing.TB, body string, sig ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/line/webhook", strings.NewReader(body))
	s := sign(testSecret, []byte(body))
	if len(sig) > 0 {
		s = sig[0]
	}
	if s != "-" {
		req.Header.Set("X-Line-Signature", s)
	}
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	return rec
}

// finish waits until every queued event is answered.
func (hs *harness) finish(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.h.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// Webhook bodies.

type obj = map[string]any

func userSource(id string) obj { return obj{"type": "user", "userId": id} }

func groupSource(group, user string) obj {
	return obj{"type": "group", "groupId": group, "userId": user}
}

func roomSource(room, user string) obj { return obj{"type": "room", "roomId": room, "userId": user} }

// event is a webhook event of type typ with the fields every event has.
func event(typ, id string, src obj, extra obj) obj {
	e := obj{
		"type":            typ,
		"mode":            "active",
		"timestamp":       time.Now().UnixMilli(),
		"source":          src,
		"webhookEventId":  id,
		"deliveryContext": obj{"isRedelivery": false},
		"replyToken":      "rt-" + id,
	}
	for k, v := range extra {
		e[k] = v
	}
	return e
}

func textEvent(id string, src obj, text string) obj {
	return event("message", id, src, obj{"message": obj{"type": "text", "id": "m" + id, "text": text, "quoteToken": "q"}})
}

func postbackEvent(id string, src obj, data string) obj {
	return event("postback", id, src, obj{"postback": obj{"data": data}})
}

// webhookBody is a callback request carrying events.
func webhookBody(events ...obj) string {
	if events == nil {
		events = []obj{}
	}
	b, err := json.Marshal(obj{"destination": botUserID, "events": events})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func redelivered(e obj) obj {
	c := obj{}
	for k, v := range e {
		c[k] = v
	}
	c["deliveryContext"] = obj{"isRedelivery": true}
	return c
}

func describe(calls []apiCall) string {
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "\n  %s %d %s", c.Path, c.Status, c.Body)
	}
	return b.String()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// onCall sets a function told of each call as it arrives.
func (f *fakeLINE) onCall(fn func(apiCall)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = fn
}

// jsonRoundTrip marshals v as the SDK does and decodes it into dst.
func jsonRoundTrip(v any, dst any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst)
}
