// Command alsload measures alsbot serve under load, on loopback only and
// for a bounded time: it starts the server as a child process with a fake
// LINE Messaging API, then drives POST /api/ask and signed LINE webhooks
// from many concurrent clients, and reports requests per second, latency
// percentiles and the server's resident memory (from /proc).
//
//	go run ./cmd/alsload [--clients 64] [--duration 10s] [--bin PATH]
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Getenv(baselineEnv) == "1" {
		if err := serveBaseline(); err != nil {
			fmt.Fprintln(os.Stderr, "alsload baseline:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "alsload:", err)
		os.Exit(1)
	}
}

// The fake channel's credentials: they only ever reach the child process
// and the fake API on loopback.
const (
	secret = "alsload-channel-secret"
	token  = "alsload-channel-token"
)

// questions are asked in turn: answers in both languages, a choice and a
// fallback, as a clinic's patients and staff send them.
var questions = []string{
	"ミューズ細胞の治験結果は？",
	"what is conditioned medium",
	"iPS細胞でALSは治る？",
	"Muse細胞とは何ですか？",
	"治験に参加するにはどうすればいいですか",
	"Muse trial results",
	"上清液って何",
	"今日の天気は？",
}

type options struct {
	bin      string
	clients  int
	duration time.Duration
	warmup   time.Duration
	users    int
	logLevel string
	baseline bool
	// replicas servers share the load, round robin, with their state in
	// the Redis at redis (required for more than one).
	replicas int
	redis    string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("alsload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.bin, "bin", "", "alsbot binary to measure (default: go build ./cmd/alsbot into a temporary directory)")
	fs.IntVar(&o.clients, "clients", 64, "concurrent clients")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per endpoint (at most 2m)")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured time before each run")
	fs.IntVar(&o.users, "users", 1000, "distinct users the questions come from")
	fs.StringVar(&o.logLevel, "log-level", "info", "the server's log level, debug or info (its logs are discarded, but for the line that says where it listens)")
	fs.IntVar(&o.replicas, "replicas", 1, "alsbot servers sharing the load, round robin (more than one needs --redis)")
	fs.StringVar(&o.redis, "redis", "", "the `URL` of the Redis the replicas share (ALSBOT_REDIS_URL); with one replica, measures a server on Redis")
	fs.BoolVar(&o.baseline, "baseline", false, "then run the same load against a server that only checks, acknowledges and sends a fixed reply (no bot, no SDK): the ceiling this machine allows, and alsbot's share of it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.clients < 1 || o.users < 1 || o.duration <= 0 || o.duration > 2*time.Minute {
		return errors.New("want --clients ≥ 1, --users ≥ 1 and 0 < --duration ≤ 2m")
	}
	if o.logLevel != "info" && o.logLevel != "debug" {
		return errors.New("want --log-level info or debug: the server says where it listens at info")
	}
	if o.replicas < 1 || o.replicas > 1 && o.redis == "" {
		return errors.New("want --replicas ≥ 1, and --redis URL for more than one")
	}
	// Everything, build included, ends within a bound.
	ctx, cancel := context.WithTimeout(ctx, 2*(o.duration+o.warmup)+3*time.Minute)
	defer cancel()

	if o.bin == "" {
		dir, err := os.MkdirTemp("", "alsload")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.bin = filepath.Join(dir, "alsbot")
		fmt.Fprintln(stderr, "building alsbot …")
		build := exec.CommandContext(ctx, "go", "build", "-o", o.bin, "alsbot/cmd/alsbot")
		build.Stdout, build.Stderr = stderr, stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}

	got, err := measure(ctx, o, false, stdout)
	if err != nil || !o.baseline {
		return err
	}
	// The same run against a server that does the least any LINE bot
	// must: what is left of the target is the machine's, not alsbot's.
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	base := o
	base.bin, base.replicas, base.redis = self, 1, ""
	floor, err := measure(ctx, base, true, stdout)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nalsbot / baseline: %.0f%% of the answered events/s, p99 %s against %s\n",
		100*got.rate/floor.rate, fmtDur(got.p99), fmtDur(floor.p99))
	return nil
}

// lineFigures are the answered LINE events of one measured run.
type lineFigures struct {
	rate float64 // answered events a second
	p99  time.Duration
}

// measure starts o.bin as alsbot serve (or, with baseline, as the
// baseline server), measures both endpoints and stops it.
func measure(ctx context.Context, o options, baseline bool, stdout io.Writer) (lineFigures, error) {
	line := newFakeLINE()
	defer line.srv.Close()
	var srvs []*server
	for i := range o.replicas {
		s, err := startServer(ctx, o, baseline, line.srv.URL, i)
		if err != nil {
			return lineFigures{}, err
		}
		defer s.kill()
		srvs = append(srvs, s)
	}
	srv := srvs[0] // memory and CPU are the first replica's
	pick := func(n int64) *server { return srvs[n%int64(len(srvs))] }
	idle := srv.memory()

	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 2 * o.clients, MaxIdleConnsPerHost: 2 * o.clients, IdleConnTimeout: time.Minute},
	}
	var seq atomic.Int64
	var acks samples
	ask := func(ctx context.Context) error {
		n := seq.Add(1)
		body := fmt.Sprintf(`{"text":%q,"conversation":"u%d"}`, questions[n%int64(len(questions))], n%int64(o.users))
		req, _ := http.NewRequestWithContext(ctx, "POST", pick(n).url+"/api/ask", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return do(client, req)
	}
	webhook := func(ctx context.Context) error {
		n := seq.Add(1)
		replyToken := fmt.Sprintf("rt%d", n)
		body := lineEvent(n, fmt.Sprintf("U%032d", n%int64(o.users)), replyToken, questions[n%int64(len(questions))])
		req, _ := http.NewRequestWithContext(ctx, "POST", pick(n).url+"/line/webhook", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Line-Signature", sign(body))
		replied := line.expect(replyToken)
		start := time.Now()
		if err := do(client, req); err != nil {
			line.forget(replyToken)
			return err
		}
		acks.add(start, time.Since(start))
		// Like a person waiting for the answer before asking again: each
		// client has one event in flight, from webhook to reply.
		select {
		case <-replied:
			return nil
		case <-time.After(10 * time.Second):
			line.forget(replyToken)
			return errors.New("no reply within 10 s")
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	what := "alsbot serve, log level " + o.logLevel
	if o.redis != "" {
		what += fmt.Sprintf(", %d replica(s) sharing Redis (memory and CPU: the first one's)", o.replicas)
	}
	if baseline {
		what = "the baseline server (signature, decode, fixed reply: no bot, no SDK)"
	}
	fmt.Fprintf(stdout, "alsload: %s; %d clients, %s per endpoint after %s warm-up, %d users, loopback\n\n",
		what, o.clients, o.duration, o.warmup, o.users)
	fmt.Fprintf(stdout, "%-30s %9s %10s %9s %9s %9s %7s\n", "endpoint", "requests", "req/s", "p50", "p99", "max", "errors")

	cpu0, t0 := srv.cpu(), time.Now()
	askRes := drive(ctx, o, ask)
	fmt.Fprintln(stdout, askRes.row("POST /api/ask"))
	afterAsk := srv.memory()
	cpu1, t1 := srv.cpu(), time.Now()

	hookRes := drive(ctx, o, webhook)
	cpu2, t2 := srv.cpu(), time.Now()
	fmt.Fprintln(stdout, acks.within(hookRes).row("POST /line/webhook (ack)"))
	fmt.Fprintln(stdout, hookRes.row("LINE event → reply sent"))
	afterHook := srv.memory()
	fmt.Fprintf(stdout, "\nLINE: %.0f answered events/s (each client waits for its reply before the next event); Messaging API calls in all: %d replies, %d loading animations, %d other\n",
		float64(hookRes.n)/hookRes.elapsed.Seconds(), line.calls["reply"].Load(), line.calls["loading"].Load(), line.calls["other"].Load())
	fmt.Fprintf(stdout, "server memory (VmRSS / VmHWM): idle %s, after /api/ask %s, after webhooks %s\n", idle, afterAsk, afterHook)
	// The server's share of the machine: the rest went to this program
	// and its fake API, which run on the same cores.
	fmt.Fprintf(stdout, "server CPU: %.2f cores during /api/ask (%.0f µs a request), %.2f cores during webhooks (%.0f µs an answered event)\n",
		(cpu1-cpu0).Seconds()/t1.Sub(t0).Seconds(), perRequest(cpu1-cpu0, askRes, t1.Sub(t0)),
		(cpu2-cpu1).Seconds()/t2.Sub(t1).Seconds(), perRequest(cpu2-cpu1, hookRes, t2.Sub(t1)))

	for _, s := range srvs {
		if err := s.stop(); err != nil {
			return lineFigures{}, err
		}
	}
	fmt.Fprintln(stdout, "server shut down cleanly (exit 0)")
	slices.Sort(hookRes.lat)
	return lineFigures{rate: float64(hookRes.n) / hookRes.elapsed.Seconds(), p99: hookRes.quantile(0.99)}, nil
}

func do(c *http.Client, req *http.Request) error {
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("status %d", res.StatusCode)
	}
	return nil
}

// result is one measured run.
type result struct {
	n, errors int
	start     time.Time
	elapsed   time.Duration
	lat       []time.Duration
}

// samples are latencies timed inside a request, such as the webhook's
// acknowledgement within an event's round trip.
type samples struct {
	mu sync.Mutex
	at []time.Time
	d  []time.Duration
}

func (s *samples) add(at time.Time, d time.Duration) {
	s.mu.Lock()
	s.at = append(s.at, at)
	s.d = append(s.d, d)
	s.mu.Unlock()
}

// within returns the samples taken in r's measured window.
func (s *samples) within(r result) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := result{start: r.start, elapsed: r.elapsed}
	end := r.start.Add(r.elapsed)
	for i, at := range s.at {
		if !at.Before(r.start) && at.Before(end) {
			out.n++
			out.lat = append(out.lat, s.d[i])
		}
	}
	return out
}

// quantile returns the latency below which a share p of the sorted
// latencies fall, or 0 when there are none.
func (r result) quantile(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))]
}

func (r result) row(name string) string {
	slices.Sort(r.lat)
	q := func(p float64) string {
		if len(r.lat) == 0 {
			return "-"
		}
		return fmtDur(r.quantile(p))
	}
	return fmt.Sprintf("%-30s %9d %10.0f %9s %9s %9s %7d", name, r.n, float64(r.n)/r.elapsed.Seconds(), q(0.50), q(0.99), q(1), r.errors)
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
}

// drive runs send from o.clients goroutines in closed loops: a warm-up,
// then the measured window.
func drive(ctx context.Context, o options, send func(context.Context) error) result {
	var (
		measuring atomic.Bool
		stop      atomic.Bool
		mu        sync.Mutex
		all       result
		wg        sync.WaitGroup
	)
	for range o.clients {
		wg.Go(func() {
			var mine result
			for !stop.Load() && ctx.Err() == nil {
				start := time.Now()
				err := send(ctx)
				if !measuring.Load() {
					continue
				}
				if err != nil {
					mine.errors++
					continue
				}
				mine.n++
				mine.lat = append(mine.lat, time.Since(start))
			}
			mu.Lock()
			all.n += mine.n
			all.errors += mine.errors
			all.lat = append(all.lat, mine.lat...)
			mu.Unlock()
		})
	}
	sleep(ctx, o.warmup)
	measuring.Store(true)
	start := time.Now()
	sleep(ctx, o.duration)
	measuring.Store(false)
	all.start, all.elapsed = start, time.Since(start)
	stop.Store(true)
	wg.Wait()
	return all
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// server is the alsbot serve child process.
type server struct {
	cmd    *exec.Cmd
	url    string
	done   chan error
	misses string // the run's store of unanswered questions
}

func startServer(ctx context.Context, o options, baseline bool, lineAPI string, replica int) (*server, error) {
	missesDB := filepath.Join(os.TempDir(), fmt.Sprintf("alsload-misses-%d-%d.db", os.Getpid(), replica))
	cmd := exec.CommandContext(ctx, o.bin, "serve", "--addr", "127.0.0.1:0", "--log-level", o.logLevel)
	cmd.Env = append(os.Environ(),
		"LINE_CHANNEL_SECRET="+secret,
		"LINE_CHANNEL_ACCESS_TOKEN="+token,
		"LINE_API_BASE="+lineAPI,
		"ALSBOT_SALT=alsload",
		// Each simulated user sends far faster than a person types: lift
		// the limit (still checked on every message) so that the run
		// measures answering, not refusing.
		"ALSBOT_RATE_BURST=1000000",
		"ALSBOT_RATE_EVERY=1ns",
		// Unanswered questions are recorded as in production, in a
		// file of this run's own.
		"ALSBOT_MISSES_DB="+missesDB,
		// The outbox too, in this run's own directory.
		"ALSBOT_STATE_DIR="+filepath.Join(os.TempDir(), fmt.Sprintf("alsload-state-%d-%d", os.Getpid(), replica)),
		"ALSBOT_REDIS_URL="+o.redis,
	)
	if baseline {
		cmd.Env = append(cmd.Env, baselineEnv+"=1")
	}
	for _, v := range []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "ALSBOT_KB", "ALSBOT_SEEDS", "ALSBOT_ADDR"} {
		cmd.Env = append(cmd.Env, v+"=")
	}
	logs, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.bin, err)
	}
	s := &server{cmd: cmd, done: make(chan error, 1), misses: missesDB}
	addrRE := regexp.MustCompile(`"msg":"alsbot serve: listening","addr":"([^"]+)"`)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(logs)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if m := addrRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		io.Copy(io.Discard, logs) // keep the pipe drained
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case addr := <-found:
		s.url = "http://" + addr
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("the server exited at start-up: %v", err)
	case <-time.After(30 * time.Second):
		s.kill()
		return nil, errors.New("the server did not start within 30 s")
	}
}

// memory reads the child's resident memory now and at its peak.
func (s *server) memory() string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	var rss, hwm string
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			rss = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			hwm = strings.TrimSpace(v)
		}
	}
	return rss + " / " + hwm
}

// cpu is the CPU time the server has used, user and system, from
// /proc/PID/stat (in clock ticks of 10 ms).
func (s *server) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces: count fields after its ')'.
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	var utime, stime int64
	fmt.Sscan(fields[11], &utime)
	fmt.Sscan(fields[12], &stime)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// perRequest spreads the CPU time of a phase (warm-up included) over the
// requests it answered at the measured rate.
func perRequest(cpu time.Duration, r result, phase time.Duration) float64 {
	rate := float64(r.n) / r.elapsed.Seconds()
	if rate == 0 {
		return 0
	}
	return cpu.Seconds() / (rate * phase.Seconds()) * 1e6
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop() error {
	defer func() {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(s.misses + suffix)
		}
	}()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			return fmt.Errorf("the server did not exit cleanly: %w", err)
		}
		return nil
	case <-time.After(15 * time.Second):
		s.kill()
		return errors.New("the server did not stop within 15 s of SIGTERM")
	}
}

func (s *server) kill() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
	}
}

// fakeLINE is the Messaging API on loopback: it answers every call with
// {} and tells the client waiting for a reply token that it was used.
type fakeLINE struct {
	srv     *httptest.Server
	mu      sync.Mutex
	waiting map[string]chan struct{}
	calls   map[string]*atomic.Int64
}

func newFakeLINE() *fakeLINE {
	f := &fakeLINE{waiting: map[string]chan struct{}{}, calls: map[string]*atomic.Int64{}}
	for _, k := range []string{"reply", "loading", "other"} {
		f.calls[k] = new(atomic.Int64)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/bot/message/reply":
			f.calls["reply"].Add(1)
			// The load program shares the machine with the server: it
			// finds the reply token without decoding the whole reply.
			body, _ := io.ReadAll(r.Body)
			token := replyToken(body)
			f.mu.Lock()
			if ch, ok := f.waiting[token]; ok {
				delete(f.waiting, token)
				close(ch)
			}
			f.mu.Unlock()
		case "/v2/bot/chat/loading/start":
			f.calls["loading"].Add(1)
		default:
			f.calls["other"].Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	}))
	return f
}

// expect returns a channel closed when replyToken is used.
func (f *fakeLINE) expect(replyToken string) <-chan struct{} {
	ch := make(chan struct{})
	f.mu.Lock()
	f.waiting[replyToken] = ch
	f.mu.Unlock()
	return ch
}

func (f *fakeLINE) forget(replyToken string) {
	f.mu.Lock()
	delete(f.waiting, replyToken)
	f.mu.Unlock()
}

// replyToken returns the replyToken of a reply request's JSON, or "".
func replyToken(body []byte) string {
	const key = `"replyToken":"`
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return ""
	}
	rest := body[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// runID tells this run's events from an earlier run's.
var runID = strconv.FormatInt(time.Now().UnixNano(), 36)

// lineEvent is a one-event webhook body, as LINE sends for a text
// message. user and replyToken are plain ASCII; text is any string.
func lineEvent(n int64, user, replyToken, text string) []byte {
	quoted, _ := json.Marshal(text)
	b := make([]byte, 0, 512+len(quoted))
	b = append(b, `{"destination":"Ubot0000000000000000000000000000","events":[{"type":"message","mode":"active","timestamp":`...)
	b = strconv.AppendInt(b, time.Now().UnixMilli(), 10)
	b = append(b, `,"source":{"type":"user","userId":"`...)
	b = append(b, user...)
	b = append(b, `"},"webhookEventId":"01LOAD`...)
	// Unique across runs: a shared Redis remembers answered event ids
	// for a day.
	b = fmt.Appendf(b, "%s%020d", runID, n)
	b = append(b, `","deliveryContext":{"isRedelivery":false},"replyToken":"`...)
	b = append(b, replyToken...)
	b = append(b, `","message":{"type":"text","id":"`...)
	b = strconv.AppendInt(b, n, 10)
	b = append(b, `","quoteToken":"q","text":`...)
	b = append(b, quoted...)
	return append(b, `}}]}`...)
}

func sign(body []byte) string { return signWith([]byte(secret), body) }

// signWith returns LINE's X-Line-Signature of body for a channel secret.
func signWith(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
