package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"alsbot/adapters/logbuf"
	"alsbot/adapters/sqlite"
	"alsbot/adapters/userid"
	"alsbot/bot"
)

// syncBuffer captures logs from concurrent writers.
type syncBuffer = logbuf.Buffer

// testServer is alsbot serve running in the test, on a free port.
type testServer struct {
	url    string
	logs   *syncBuffer
	hup    chan os.Signal
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

func envFunc(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

func startServe(t *testing.T, env map[string]string, hooks serveHooks, args ...string) *testServer {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["ALSBOT_MISSES_DB"]; !ok {
		env["ALSBOT_MISSES_DB"] = filepath.Join(t.TempDir(), "misses.db")
	}
	if _, ok := env["ALSBOT_STATE_DIR"]; !ok {
		env["ALSBOT_STATE_DIR"] = t.TempDir()
	}
	cfg, err := parseServe(append([]string{"--addr", "127.0.0.1:0"}, args...), envFunc(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{logs: &syncBuffer{}, hup: make(chan os.Signal, 1), done: make(chan error, 1)}
	hooks.hup = s.hup
	addr := make(chan string, 1)
	hooks.listening = func(a string) { addr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.done <- serve(ctx, cfg, s.logs, hooks) }()
	select {
	case a := <-addr:
		s.url = "http://" + a
	case err := <-s.done:
		cancel()
		t.Fatalf("serve: %v\n%s", err, s.logs.String())
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// stop shuts the server down as SIGTERM does and returns serve's result.
func (s *testServer) stop() error {
	s.once.Do(func() {
		s.cancel()
		s.err = <-s.done
	})
	return s.err
}

func (s *testServer) ask(t *testing.T, body string) bot.Reply {
	t.Helper()
	res, err := http.Post(s.url+"/api/ask", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("POST /api/ask %s: %d %s", body, res.StatusCode, b)
	}
	var r bot.Reply
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func (s *testServer) metrics(t *testing.T) string {
	t.Helper()
	res, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// metric returns the value of one sample line, or -1 when it is absent.
func (s *testServer) metric(t *testing.T, sample string) float64 {
	t.Helper()
	for _, line := range strings.Split(s.metrics(t), "\n") {
		if rest, ok := strings.CutPrefix(line, sample+" "); ok {
			var v float64
			fmt.Sscan(rest, &v)
			return v
		}
	}
	return -1
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fakeLINE is LINE's Messaging API: it records the replies and pushes it
// receives, accepts a push's retry key once (409 for a repeat, as LINE
// does), and takes delay over each call (a slow API).
type fakeLINE struct {
	srv     *httptest.Server
	mu      sync.Mutex
	replies map[string][]string // reply token → message texts
	calls   map[string]int      // reply token → reply calls
	auth    []string
	pushes  []linePush
	keys    map[string]bool
	delay   time.Duration
}

type linePush struct {
	to, key string
	texts   []string
}

func newFakeLINE(t *testing.T) *fakeLINE {
	f := &fakeLINE{replies: map[string][]string{}, calls: map[string]int{}, keys: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ReplyToken string `json:"replyToken"`
			To         string `json:"to"`
			Messages   []struct {
				Text string `json:"text"`
			} `json:"messages"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		time.Sleep(f.delay)
		w.Header().Set("Content-Type", "application/json")
		f.mu.Lock()
		defer f.mu.Unlock()
		var texts []string
		for _, m := range req.Messages {
			texts = append(texts, m.Text)
		}
		switch r.URL.Path {
		case "/v2/bot/message/reply":
			f.auth = append(f.auth, r.Header.Get("Authorization"))
			f.calls[req.ReplyToken]++
			if len(texts) == 0 {
				texts = []string{""}
			}
			f.replies[req.ReplyToken] = append(f.replies[req.ReplyToken], texts...)
		case "/v2/bot/message/push":
			key := r.Header.Get("X-Line-Retry-Key")
			if f.keys[key] {
				w.WriteHeader(http.StatusConflict)
				io.WriteString(w, `{"message":"The retry key is already accepted"}`)
				return
			}
			f.keys[key] = true
			f.pushes = append(f.pushes, linePush{to: req.To, key: key, texts: texts})
		}
		io.WriteString(w, "{}")
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// repliedText is everything replied with token, as one text.
func (f *fakeLINE) repliedText(token string) string { return strings.Join(f.replied(token), "\n") }

func (f *fakeLINE) pushed() []linePush {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]linePush(nil), f.pushes...)
}

func (f *fakeLINE) replied(token string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.replies[token]
}

// replyCalls is how many replies were sent with token.
func (f *fakeLINE) replyCalls(token string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[token]
}

func (f *fakeLINE) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.replies)
}

const (
	lineSecret = "5e3c7a1f0d9b8c2e4a6f1b3d5c7e9a0b"
	lineToken  = "LINEtok+Zq8Xw2Vb7Nc4Md1Lf6Kg3Jh9Ps0Qr5Tu8Yv2Wx=="
	salt       = "test-salt-not-secret-elsewhere"
)

func lineEnv(f *fakeLINE) map[string]string {
	return map[string]string{
		"LINE_CHANNEL_SECRET":       lineSecret,
		"LINE_CHANNEL_ACCESS_TOKEN": lineToken,
		"LINE_API_BASE":             f.srv.URL,
		"ALSBOT_SALT":               salt,
	}
}

// webhook posts one signed text-message event, as LINE does.
func (s *testServer) webhook(t *testing.T, eventID, user, replyToken, text string, signature string) int {
	t.Helper()
	ev := map[string]any{
		"destination": "Ubot0000000000000000000000000000",
		"events": []any{map[string]any{
			"type": "message", "mode": "active", "timestamp": time.Now().UnixMilli(),
			"source":          map[string]any{"type": "user", "userId": user},
			"webhookEventId":  eventID,
			"deliveryContext": map[string]any{"isRedelivery": false},
			"replyToken":      replyToken,
			"message":         map[string]any{"type": "text", "id": eventID + "m", "quoteToken": "q", "text": text},
		}},
	}
	body, _ := json.Marshal(ev)
	if signature == "" {
		m := hmac.New(sha256.New, []byte(lineSecret))
		m.Write(body)
		signature = base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	req, _ := http.NewRequest("POST", s.url+"/line/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Line-Signature", signature)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func TestServeStartsThroughTheCommandLine(t *testing.T) {
	var stdout bytes.Buffer
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		env := envFunc(map[string]string{"ALSBOT_MISSES_DB": filepath.Join(t.TempDir(), "misses.db")})
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, env, strings.NewReader(""), &stdout, logs)
	}()
	re := regexp.MustCompile(`"addr":"([^"]+)"`)
	var addr string
	eventually(t, "the listening log line", func() bool {
		m := re.FindStringSubmatch(logs.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	for _, path := range []string{"/healthz", "/readyz", "/"} {
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
	}
	res, _ := http.Get("http://" + addr + "/line/webhook")
	if res.StatusCode != 404 {
		t.Errorf("/line/webhook without LINE variables: %d, want 404", res.StatusCode)
	}
	res.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve exited with %v", err)
	}
	out := logs.String()
	for _, want := range []string{"serving the browser preview only", "ALSBOT_SALT is not set", "shut down cleanly"} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up log lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %s", line)
		}
	}
}

func TestServeRefusesABadConfiguration(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"rate every", nil, []string{"--rate-every", "soon"}, "rate every"},
		{"rate burst", map[string]string{"ALSBOT_RATE_BURST": "-1"}, nil, "rate burst"},
		{"log level", map[string]string{"ALSBOT_LOG_LEVEL": "loud"}, nil, "log level"},
		{"LINE secret alone", map[string]string{"LINE_CHANNEL_SECRET": "s"}, nil, "LINE_CHANNEL_ACCESS_TOKEN"},
		{"Slack bot token alone", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, nil, "SLACK_APP_TOKEN"},
		{"bad address", nil, []string{"--addr", "256.0.0.1:1"}, "listen"},
		{"nothing to serve", map[string]string{"ALSBOT_PREVIEW": "off"}, nil, "nothing to serve"},
		{"preview", nil, []string{"--preview", "maybe"}, "preview"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			env := map[string]string{"ALSBOT_MISSES_DB": filepath.Join(t.TempDir(), "misses.db"), "ALSBOT_STATE_DIR": t.TempDir()}
			for k, v := range tt.env {
				env[k] = v
			}
			args := tt.args
			if !slices.Contains(args, "--addr") {
				// Never the default port: alsbot serve may be running
				// beside the tests.
				args = append(args, "--addr", "127.0.0.1:0")
			}
			err := run(context.Background(), append([]string{"serve"}, args...), envFunc(env), nil, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error about %q", err, tt.want)
			}
		})
	}
}

// TestLogsHoldNoTextNoSecrets asks a patient's question on the web and on
// LINE with every secret set and the most verbose logs, and checks that
// neither the message, the user's LINE id, nor a secret is logged.
func TestLogsHoldNoTextNoSecrets(t *testing.T) {
	f := newFakeLINE(t)
	s := startServe(t, lineEnv(f), serveHooks{}, "--log-level", "debug")
	const patientID = "U4af4980629a0b2c8d1e5f6a7b8c9d0e1"
	question := "母がALSと診断されました。ミューズ細胞の治験に参加できますか"
	r := s.ask(t, `{"text":"`+question+`","conversation":"k9"}`)
	if r.Kind == bot.KindSilent || r.Text == "" {
		t.Fatalf("web reply: %+v", r)
	}
	if code := s.webhook(t, "01HEVENT0000000000000000001", patientID, "rt-leak", question, ""); code != 200 {
		t.Fatalf("webhook: %d", code)
	}
	eventually(t, "the LINE reply", func() bool { return len(f.replied("rt-leak")) > 0 })
	if code := s.webhook(t, "01HEVENT0000000000000000002", patientID, "rt-bad", question, "AAAA"); code != 400 {
		t.Errorf("a badly signed webhook got %d, want 400", code)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	logs := s.logs.String()
	for _, leak := range []string{question, "ミューズ細胞の治験", "診断", patientID, lineSecret, lineToken, salt} {
		if strings.Contains(logs, leak) {
			t.Errorf("the log holds %q", leak)
		}
	}
	if !strings.Contains(logs, userid.Hash(salt, patientID)) {
		t.Errorf("the log lacks the patient's pseudonym:\n%s", logs)
	}
	for _, a := range f.auth {
		if a != "Bearer "+lineToken {
			t.Errorf("LINE got Authorization %q", a)
		}
	}
}

// TestRateLimitTripsAndRecovers sends faster than a person types: the
// user is told once, then nothing, then answered again after a pause.
func TestRateLimitTripsAndRecovers(t *testing.T) {
	s := startServe(t, nil, serveHooks{}, "--rate-burst", "3", "--rate-every", "400ms", "--trusted-proxies", "127.0.0.1")
	q := `{"text":"ミューズ細胞の治験結果は？","conversation":"fast"}`
	var kinds []bot.Kind
	var polite bot.Reply
	for range 6 {
		r := s.ask(t, q)
		kinds = append(kinds, r.Kind)
		if r.Kind == bot.KindRule {
			polite = r
		}
	}
	want := fmt.Sprint([]bot.Kind{"answer", "answer", "answer", "rule", "silent", "silent"})
	if fmt.Sprint(kinds) != want {
		t.Fatalf("replies %v, want %s", kinds, want)
	}
	if polite.Rule != "rate-limit" || polite.Lang != "ja" || polite.Text == "" {
		t.Errorf("the polite reply: %+v", polite)
	}
	// Another user, on another address behind the same proxy.
	req, _ := http.NewRequest("POST", s.url+"/api/ask", strings.NewReader(`{"text":"what is conditioned medium","conversation":"calm"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "198.51.100.9")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var other bot.Reply
	json.NewDecoder(res.Body).Decode(&other)
	res.Body.Close()
	if other.Kind != bot.KindAnswer {
		t.Errorf("another user was held back: %s", other.Kind)
	}
	time.Sleep(450 * time.Millisecond)
	if r := s.ask(t, q); r.Kind != bot.KindAnswer {
		t.Errorf("after a pause: %s, want an answer", r.Kind)
	}
	for sample, want := range map[string]float64{
		`alsbot_rate_limited_users_total{channel="web"}`:                  1,
		`alsbot_questions_total{channel="web",kind="answer",lang="ja"}`:   4,
		`alsbot_questions_total{channel="web",kind="answer",lang="en"}`:   1,
		`alsbot_questions_total{channel="web",kind="rule",lang="ja"}`:     1,
		`alsbot_questions_total{channel="web",kind="silent",lang="ja"}`:   2,
		`alsbot_reply_seconds_count{channel="web"}`:                       8,
		`alsbot_webhook_rejections_total{channel="line",reason="method"}`: -1,
	} {
		if got := s.metric(t, sample); got != want {
			t.Errorf("%s = %v, want %v", sample, got, want)
		}
	}
}

// TestMetricsCountWhatHappened causes one of each thing the metrics
// count and reads them back from /metrics.
func TestMetricsCountWhatHappened(t *testing.T) {
	f := newFakeLINE(t)
	dir := copyKB(t)
	s := startServe(t, lineEnv(f), serveHooks{}, "--kb", filepath.Join(dir, "knowledge"))
	s.ask(t, `{"text":"iPS細胞でALSは治る？","conversation":"m1"}`)
	s.webhook(t, "01HMETRIC000000000000000001", "Umetric1", "rt-m1", "what is conditioned medium", "")
	s.webhook(t, "01HMETRIC000000000000000001", "Umetric1", "rt-m1", "what is conditioned medium", "") // redelivered
	s.webhook(t, "01HMETRIC000000000000000002", "Umetric1", "rt-m2", "what is conditioned medium", "bm90IGEgc2lnbmF0dXJl")
	eventually(t, "the duplicate to be counted", func() bool {
		return s.metric(t, `alsbot_duplicate_events_total{channel="line"}`) == 1
	})
	s.hup <- syscall.SIGHUP
	eventually(t, "the reload", func() bool { return s.metric(t, "alsbot_kb_reloads_total") == 1 })
	for sample, want := range map[string]float64{
		`alsbot_questions_total{channel="web",kind="answer",lang="ja"}`:      1,
		`alsbot_questions_total{channel="line",kind="answer",lang="en"}`:     1,
		`alsbot_webhook_rejections_total{channel="line",reason="signature"}`: 1,
		`alsbot_duplicate_events_total{channel="line"}`:                      1,
		`alsbot_kb_reloads_total`:                                            1,
		`alsbot_kb_reload_failures_total`:                                    0,
	} {
		if got := s.metric(t, sample); got != want {
			t.Errorf("%s = %v, want %v", sample, got, want)
		}
	}
	if got := f.replied("rt-m1"); len(got) == 0 {
		t.Error("the event was not answered")
	}
	if n := f.count(); n != 1 {
		t.Errorf("%d reply tokens used, want 1 (a duplicate or a forged event was answered)", n)
	}
}

// copyKB copies the knowledge base and source register that ship into a
// temporary directory, as knowledge/ and seeds/ side by side.
func copyKB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"knowledge", "seeds"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		names, _ := filepath.Glob(filepath.Join("..", "..", sub, "*.yaml"))
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, sub, filepath.Base(n)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// editFile replaces old with new in path by writing a new file and
// renaming it over the old one, as many editors save.
func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s lacks %q", path, old)
	}
	tmp := path + ".tmp~"
	if err := os.WriteFile(tmp, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestHotReload edits the knowledge base under a running server: an
// invalid edit leaves the old answers in place and logs file:line; the
// fix is served without a restart.
func TestHotReload(t *testing.T) {
	dir := copyKB(t)
	muse := filepath.Join(dir, "knowledge", "muse.yaml")
	s := startServe(t, nil, serveHooks{}, "--kb", filepath.Join(dir, "knowledge"), "--rate-burst", "0")
	q := `{"text":"Muse細胞とは何ですか？","conversation":"hr"}`
	old := s.ask(t, q)
	if old.Entry != "muse-what" {
		t.Fatalf("before any edit: %+v", old)
	}

	editFile(t, muse, "    topic: muse\n", "    topik: muse\n")
	eventually(t, "the refused reload", func() bool {
		return strings.Contains(s.logs.String(), "knowledge base not reloaded")
	})
	if !regexp.MustCompile(`"problem":"[^"]*muse\.yaml:\d+: `).MatchString(s.logs.String()) {
		t.Errorf("no file:line for muse.yaml in the log:\n%s", s.logs.String())
	}
	if r := s.ask(t, q); r.Text != old.Text {
		t.Errorf("after an invalid edit the answer is %q", r.Text)
	}
	if got := s.metric(t, "alsbot_kb_reload_failures_total"); got < 1 {
		t.Errorf("reload failures = %v", got)
	}

	editFile(t, muse, "    topik: muse\n", "    topic: muse\n")
	editFile(t, muse, "Muse細胞は幹細胞の一種で", "【改訂】Muse細胞は幹細胞の一種で")
	eventually(t, "the new answer", func() bool { return strings.HasPrefix(s.ask(t, q).Text, "【改訂】") })
	if err := s.stop(); err != nil {
		t.Error(err)
	}
}

func TestPreviewCanBeTurnedOff(t *testing.T) {
	f := newFakeLINE(t)
	env := lineEnv(f)
	env["ALSBOT_PREVIEW"] = "off"
	s := startServe(t, env, serveHooks{})
	for path, want := range map[string]int{"/": 404, "/api/ask": 404, "/healthz": 200} {
		res, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET %s with the preview off: %d, want %d", path, res.StatusCode, want)
		}
	}
	if code := s.webhook(t, "01HPREVIEWOFF00000000000001", "Uoff", "rt-off", "what is conditioned medium", ""); code != 200 {
		t.Errorf("webhook with the preview off: %d", code)
	}
}

func TestSIGHUPWithTheBuiltInKnowledgeBase(t *testing.T) {
	s := startServe(t, nil, serveHooks{})
	s.hup <- syscall.SIGHUP
	eventually(t, "the SIGHUP log", func() bool {
		return strings.Contains(s.logs.String(), "SIGHUP: nothing to reload")
	})
	if r := s.ask(t, `{"text":"what is conditioned medium"}`); r.Kind != bot.KindAnswer {
		t.Errorf("after SIGHUP: %s", r.Kind)
	}
}

// slowBot takes a while to answer, so that replies are in flight when
// the server is told to stop.
type slowBot struct {
	next    bot.Asker
	delay   time.Duration
	entered atomic.Int32
}

func (s *slowBot) Ask(ctx context.Context, q bot.Question) bot.Reply {
	s.entered.Add(1)
	time.Sleep(s.delay)
	return s.next.Ask(ctx, q)
}

// TestShutdownLosesNoReplies stops the server (as SIGTERM does) while web
// questions are being answered and LINE events are acknowledged but not
// yet answered: every one of them still gets its reply.
func TestShutdownLosesNoReplies(t *testing.T) {
	f := newFakeLINE(t)
	env := lineEnv(f)
	env["LINE_WORKERS"] = "2" // most LINE events wait in the queue at shutdown
	slow := &slowBot{delay: 300 * time.Millisecond}
	s := startServe(t, env, serveHooks{wrap: func(a bot.Asker) bot.Asker { slow.next = a; return slow }}, "--rate-burst", "0")

	const web, lineEvents = 6, 8
	var wg sync.WaitGroup
	replies := make(chan bot.Reply, web)
	for i := range web {
		wg.Go(func() {
			res, err := http.Post(s.url+"/api/ask", "application/json",
				strings.NewReader(fmt.Sprintf(`{"text":"what is conditioned medium","conversation":"w%d"}`, i)))
			if err != nil {
				t.Errorf("web question %d: %v", i, err)
				return
			}
			defer res.Body.Close()
			var r bot.Reply
			if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
				t.Errorf("web question %d: %v", i, err)
			}
			replies <- r
		})
	}
	for i := range lineEvents {
		if code := s.webhook(t, fmt.Sprintf("01HSHUT%020d", i), fmt.Sprintf("Ushut%d", i), fmt.Sprintf("rt-shut-%d", i), "ミューズ細胞の治験結果は？", ""); code != 200 {
			t.Fatalf("webhook %d: %d", i, code)
		}
	}
	eventually(t, "the replies to be under way", func() bool { return slow.entered.Load() >= web+2 })
	if err := s.stop(); err != nil {
		t.Errorf("serve: %v", err)
	}
	// serve has returned: everything must be delivered by now.
	if n := f.count(); n != lineEvents {
		t.Errorf("%d of %d LINE events answered before exit", n, lineEvents)
	}
	wg.Wait()
	close(replies)
	n := 0
	for r := range replies {
		if r.Kind == bot.KindAnswer && r.Entry == "cm-what" {
			n++
		}
	}
	if n != web {
		t.Errorf("%d of %d web questions answered", n, web)
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(s.url, "http://"), time.Second); err == nil {
		t.Error("the server still accepts connections after shutting down")
	}
	if !strings.Contains(s.logs.String(), "shut down cleanly") {
		t.Errorf("no clean shutdown in the log:\n%s", s.logs.String())
	}
}

// chromium finds a Chromium or Chrome binary, or says why the browser
// test cannot run.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (install Debian's chromium package: apt-get install -y chromium)"
	if os.Getenv("CI") == "true" || os.Getenv("ALSBOT_BROWSER_TEST") == "require" {
		t.Fatal(msg + "; the browser test is required in CI")
	}
	t.Skip(msg + "; skipping the browser test")
	return ""
}

// fakeSlack is Slack's Web API: auth.test succeeds, messages posted are
// recorded (their form and raw body), each gets a timestamp of its own,
// and Socket Mode connections are refused.
type fakeSlack struct {
	srv   *httptest.Server
	mu    sync.Mutex
	posts []url.Values
	raw   []string
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/auth.test":
			io.WriteString(w, `{"ok":true,"user_id":"UBOT","bot_id":"BBOT","team_id":"T1","user":"alsbot"}`)
		case "/api/chat.postMessage":
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			f.mu.Lock()
			f.posts = append(f.posts, form)
			f.raw = append(f.raw, string(body))
			ts := fmt.Sprintf("1700000%03d.000100", len(f.posts))
			f.mu.Unlock()
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, form.Get("channel"), ts)
		default:
			io.WriteString(w, `{"ok":false,"error":"not_allowed"}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSlack) posted() []url.Values {
	posts, _ := f.all()
	return posts
}

// all returns the posts' forms and raw bodies.
func (f *fakeSlack) all() ([]url.Values, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.posts...), append([]string(nil), f.raw...)
}

func (s *testServer) ready(t *testing.T) (int, string) {
	t.Helper()
	res, err := http.Get(s.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// slackPost signs a JSON body as Slack does and posts it to path.
func (s *testServer) slackPost(t *testing.T, secret, path, body string) (int, string) {
	t.Helper()
	return s.slackPostAs(t, secret, path, "application/json", body)
}

// slackPostAs signs body as Slack does and posts it to path as
// contentType (a form for interactions).
func (s *testServer) slackPostAs(t *testing.T, secret, path, contentType, body string) (int, string) {
	t.Helper()
	ts := fmt.Sprint(time.Now().Unix())
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + ts + ":" + body))
	req, _ := http.NewRequest("POST", s.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(m.Sum(nil)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestSlackOverHTTPIsWired(t *testing.T) {
	f := newFakeSlack(t)
	const secret = "slack-signing-secret-for-test"
	s := startServe(t, map[string]string{
		"SLACK_BOT_TOKEN":      "xoxb-test-token",
		"SLACK_SIGNING_SECRET": secret,
		"SLACK_API_BASE":       f.srv.URL + "/api/",
	}, serveHooks{})
	eventually(t, "Slack to be ready", func() bool { code, _ := s.ready(t); return code == 200 })
	if _, body := s.ready(t); !strings.Contains(body, `"slack":"ok"`) {
		t.Errorf("readyz: %s", body)
	}
	code, body := s.slackPost(t, secret, "/slack/events", `{"token":"x","challenge":"ch4ll3nge","type":"url_verification"}`)
	if code != 200 || !strings.Contains(body, "ch4ll3nge") {
		t.Errorf("URL verification: %d %q", code, body)
	}
	event := `{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev01","event_time":1700000000,` +
		`"event":{"type":"app_mention","user":"U123","text":"<@UBOT> what is conditioned medium","ts":"1700000000.000100","channel":"C1","event_ts":"1700000000.000100"}}`
	if code, body := s.slackPost(t, secret, "/slack/events", event); code != 200 {
		t.Fatalf("event: %d %q", code, body)
	}
	eventually(t, "the Slack answer", func() bool { return len(f.posted()) > 0 })
	if p := f.posted()[0]; p.Get("channel") != "C1" || p.Get("text") == "" {
		t.Errorf("posted %v", p)
	}
	if code, _ := s.slackPost(t, "wrong-secret", "/slack/events", event); code != 401 {
		t.Errorf("a forged event got %d", code)
	}
	if got := s.metric(t, `alsbot_webhook_rejections_total{channel="slack",reason="signature"}`); got != 1 {
		t.Errorf("slack signature rejections = %v", got)
	}
	if got := s.metric(t, `alsbot_questions_total{channel="slack",kind="answer",lang="en"}`); got != 1 {
		t.Errorf("slack answers = %v", got)
	}
}

func TestReadinessWaitsForSlack(t *testing.T) {
	f := newFakeSlack(t) // refuses Socket Mode connections
	s := startServe(t, map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-test-token",
		"SLACK_APP_TOKEN": "xapp-test-token",
		"SLACK_API_BASE":  f.srv.URL + "/api/",
	}, serveHooks{})
	code, body := s.ready(t)
	if code != 503 || !strings.Contains(body, `"slack":"not ready"`) {
		t.Errorf("readyz with Slack unconnected: %d %s", code, body)
	}
	res, err := http.Get(s.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("healthz: %d", res.StatusCode)
	}
	if r := s.ask(t, `{"text":"what is conditioned medium"}`); r.Kind != bot.KindAnswer {
		t.Errorf("the preview does not wait for Slack: %s", r.Kind)
	}
}

// TestServeRecordsUnansweredQuestions: a question the bot cannot answer
// is kept for the maintainers, masked; one it answers is not.
func TestServeRecordsUnansweredQuestions(t *testing.T) {
	db := filepath.Join(t.TempDir(), "misses.db")
	s := startServe(t, map[string]string{"ALSBOT_MISSES_DB": db, "ALSBOT_SALT": "test-salt"}, serveHooks{})
	if r := s.ask(t, `{"text":"ミューズ細胞とは？","conversation":"c1"}`); r.Kind != bot.KindAnswer {
		t.Fatalf("an answerable question got %s", r.Kind)
	}
	if r := s.ask(t, `{"text":"090-1234-5678に電話して保険のこと教えて","conversation":"c1"}`); r.Kind != bot.KindFallback {
		t.Fatalf("the unanswerable question got %s, want fallback", r.Kind)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.OpenMisses(context.Background(), db, sqlite.MissOptions{Salt: "test-salt"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Since(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d questions recorded, want 1 (the fallback only): %+v", len(got), got)
	}
	if strings.Contains(got[0].Question, "1234") || got[0].Channel != "web" || got[0].Kind != "fallback" {
		t.Errorf("recorded %+v: want the web fallback with the phone number masked", got[0])
	}
}

// TestHotReloadRefusesAnUngroundedFigure: a mistyped figure never goes
// live; the log says where it is.
func TestHotReloadRefusesAnUngroundedFigure(t *testing.T) {
	dir := copyKB(t)
	muse := filepath.Join(dir, "knowledge", "muse.yaml")
	s := startServe(t, nil, serveHooks{}, "--kb", filepath.Join(dir, "knowledge"), "--rate-burst", "0")
	q := `{"text":"ミューズ細胞の治験の結果は？"}`
	if r := s.ask(t, q); !strings.Contains(r.Text, "0.47") {
		t.Fatalf("before any edit the answer lacks 0.47: %q", r.Text)
	}
	editFile(t, muse, "平均0.47点", "平均0.74点")
	eventually(t, "the refused reload", func() bool {
		return strings.Contains(s.logs.String(), "0.74 is in no cited source")
	})
	if r := s.ask(t, q); strings.Contains(r.Text, "0.74") || !strings.Contains(r.Text, "0.47") {
		t.Errorf("after the wrong figure was saved the answer reads %q", r.Text)
	}
	if err := s.stop(); err != nil {
		t.Error(err)
	}
}

// TestAnEmergencyAfterABurstGetsHelp is a panicking relative typing short
// lines: on every channel, twenty messages in a row spend the rate limit,
// and the emergency after them still gets the call-119 reply.
func TestAnEmergencyAfterABurstGetsHelp(t *testing.T) {
	line, sl := newFakeLINE(t), newFakeSlack(t)
	const secret = "slack-signing-secret-for-test"
	env := lineEnv(line)
	env["SLACK_BOT_TOKEN"], env["SLACK_SIGNING_SECRET"], env["SLACK_API_BASE"] = "xoxb-test-token", secret, sl.srv.URL+"/api/"
	s := startServe(t, env, serveHooks{}) // the default rate limit
	eventually(t, "Slack to be ready", func() bool { code, _ := s.ready(t); return code == 200 })

	t.Run("line", func(t *testing.T) {
		const user = "U0123456789abcdef0123456789abcdef"
		for i := range 20 {
			if code := s.webhook(t, fmt.Sprintf("01BURST%02d", i), user, fmt.Sprintf("tok-burst-%d", i), "ミューズ細胞の治験", ""); code != 200 {
				t.Fatalf("webhook %d: %d", i, code)
			}
		}
		if code := s.webhook(t, "01BURSTSOS", user, "tok-sos", "息ができない", ""); code != 200 {
			t.Fatalf("emergency webhook: %d", code)
		}
		eventually(t, "the emergency reply on LINE", func() bool { return len(line.replied("tok-sos")) > 0 })
		if got := line.replied("tok-sos"); !strings.Contains(got[0], "119") {
			t.Errorf("LINE emergency reply %q; want 119 first", got)
		}
		if got := line.replied("tok-burst-19"); len(got) != 0 {
			t.Errorf("the burst was not limited: the 20th message got %q", got)
		}
	})
	t.Run("slack", func(t *testing.T) {
		dm := func(id, ts, text string) string {
			return `{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"` + id + `","event_time":1700000000,` +
				`"event":{"type":"message","channel_type":"im","user":"U123","text":"` + text + `","ts":"` + ts + `","channel":"D1","event_ts":"` + ts + `"}}`
		}
		for i := range 20 {
			if code, body := s.slackPost(t, secret, "/slack/events", dm(fmt.Sprintf("EvBurst%02d", i), fmt.Sprintf("1700000000.%06d", i), "muse trial")); code != 200 {
				t.Fatalf("event %d: %d %s", i, code, body)
			}
		}
		if code, body := s.slackPost(t, secret, "/slack/events", dm("EvSOS", "1700000099.000001", "my father can't breathe")); code != 200 {
			t.Fatalf("emergency event: %d %s", code, body)
		}
		sos := func() string {
			for _, p := range sl.posted() {
				if strings.Contains(p.Get("text"), "119") {
					return p.Get("text")
				}
			}
			return ""
		}
		eventually(t, "the emergency reply in Slack", func() bool { return sos() != "" })
		if n := len(sl.posted()); n >= 21 {
			t.Errorf("%d posts for 21 messages: the burst was not limited", n)
		}
	})
	t.Run("web", func(t *testing.T) {
		var last bot.Reply
		for range 20 {
			last = s.ask(t, `{"text":"ミューズ細胞の治験","conversation":"burst"}`)
		}
		if last.Kind != bot.KindSilent {
			t.Fatalf("the 20th message got %s; the burst was not limited", last.Kind)
		}
		r := s.ask(t, `{"text":"父が息をしていない","conversation":"burst"}`)
		if r.Rule != "emergency" || !strings.Contains(r.Text, "119") {
			t.Errorf("emergency after a burst: %s %s %q", r.Kind, r.Rule, r.Text)
		}
	})
}

// A new conversation on every request does not get round the preview's
// rate limit: the client address is limited too. X-Forwarded-For is
// believed only from a trusted proxy.
func TestPreviewLimitIsKeyedByClient(t *testing.T) {
	askFrom := func(t *testing.T, s *testServer, conv, forwarded string) bot.Reply {
		t.Helper()
		req, _ := http.NewRequest("POST", s.url+"/api/ask", strings.NewReader(`{"text":"ミューズ細胞とは","conversation":"`+conv+`"}`))
		req.Header.Set("Content-Type", "application/json")
		if forwarded != "" {
			req.Header.Set("X-Forwarded-For", forwarded)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var r bot.Reply
		json.NewDecoder(res.Body).Decode(&r)
		return r
	}
	t.Run("new conversations", func(t *testing.T) {
		s := startServe(t, nil, serveHooks{}, "--rate-burst", "3", "--rate-every", "1m")
		var kinds []bot.Kind
		for i := range 5 {
			kinds = append(kinds, askFrom(t, s, fmt.Sprintf("conv%d", i), "").Kind)
		}
		if fmt.Sprint(kinds) != "[answer answer answer rule silent]" {
			t.Errorf("replies %v: a new conversation id escapes the limit", kinds)
		}
	})
	t.Run("forwarded, untrusted", func(t *testing.T) {
		s := startServe(t, nil, serveHooks{}, "--rate-burst", "1", "--rate-every", "1m")
		askFrom(t, s, "a", "203.0.113.5")
		if r := askFrom(t, s, "b", "203.0.113.6"); r.Kind == bot.KindAnswer {
			t.Error("a forged X-Forwarded-For got round the limit")
		}
	})
	t.Run("forwarded by a trusted proxy", func(t *testing.T) {
		s := startServe(t, nil, serveHooks{}, "--rate-burst", "1", "--rate-every", "1m", "--trusted-proxies", "127.0.0.1")
		askFrom(t, s, "a", "203.0.113.5")
		if r := askFrom(t, s, "b", "198.51.100.7, 203.0.113.6"); r.Kind != bot.KindAnswer {
			t.Errorf("another client behind the proxy was held back: %s", r.Kind)
		}
		if r := askFrom(t, s, "c", "203.0.113.5"); r.Kind == bot.KindAnswer {
			t.Error("the same client behind the proxy was not limited")
		}
	})
}

// One meaning of valid: an edit that validate rejects because an example
// question now gets another entry is refused by serve's reload as well,
// and the last good version keeps answering.
func TestHotReloadRefusesWhatValidateRejects(t *testing.T) {
	dir := copyKB(t)
	muse := filepath.Join(dir, "knowledge", "muse.yaml")
	s := startServe(t, nil, serveHooks{}, "--kb", filepath.Join(dir, "knowledge"), "--rate-burst", "0")
	before := s.ask(t, `{"text":"ミューズ細胞とは"}`)
	// The safety entry takes muse-what's own example question.
	editFile(t, muse, "        - ミューズ細胞の副作用は？\n", "        - ミューズ細胞の副作用は？\n        - ミューズ細胞とは\n")
	eventually(t, "the refused reload", func() bool {
		return strings.Contains(s.logs.String(), `example question \"ミューズ細胞とは\"`)
	})
	if r := s.ask(t, `{"text":"ミューズ細胞とは"}`); r.Entry != before.Entry {
		t.Errorf("after the edit %q is answered with %s, was %s", "ミューズ細胞とは", r.Entry, before.Entry)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"validate", "--kb", filepath.Join(dir, "knowledge")}, envFunc(nil), nil, &out, &errOut); err == nil {
		t.Error("validate accepts the edit serve refused")
	}
}
