package line

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"alsbot/adapters/outbox"
	"alsbot/adapters/sqlite"
)

// strictLINE keeps LINE's rules, to count what users would see: a reply
// token works once, and a push whose retry key was accepted before gets
// 409. fail, if set, picks calls to fail before they are carried out
// (status, and whether LINE carried the call out anyway, as a 5xx after
// the fact would be). It counts the answers each event's user received.
type strictLINE struct {
	srv   *httptest.Server
	delay time.Duration

	mu       sync.Mutex
	n        int
	used     map[string]bool // reply tokens
	keys     map[string]bool // push retry keys
	received map[string]int  // by event: reply token rt-ID, or the push's retry key
	fail     func(n int, path string) (status int, carriedOut bool)
}

func newStrictLINE(t testing.TB) *strictLINE {
	f := &strictLINE{used: map[string]bool{}, keys: map[string]bool{}, received: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *strictLINE) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req sentRequest
	json.Unmarshal(body, &req)
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	w.Header().Set("Content-Type", "application/json")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	status, carried := http.StatusOK, true
	if f.fail != nil {
		if s, c := f.fail(f.n, r.URL.Path); s != 0 {
			status, carried = s, c
		}
	}
	if status == statusStall {
		// No answer before the client gives up: LINE may or may not
		// have acted.
		if carried && r.URL.Path == pathReply {
			f.used[req.ReplyToken] = true
			f.received[req.ReplyToken]++
		}
		f.mu.Unlock()
		time.Sleep(time.Second)
		f.mu.Lock()
		return
	}
	switch r.URL.Path {
	case pathReply:
		if f.used[req.ReplyToken] {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"message":"Invalid reply token"}`)
			return
		}
		if carried {
			f.used[req.ReplyToken] = true
			f.received[req.ReplyToken]++
		}
	case pathPush:
		key := r.Header.Get("X-Line-Retry-Key")
		if f.keys[key] {
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"message":"The retry key is already accepted"}`)
			return
		}
		if carried {
			f.keys[key] = true
			f.received[key]++
		}
	}
	w.WriteHeader(status)
	if status/100 == 2 {
		io.WriteString(w, "{}")
	} else {
		io.WriteString(w, `{"message":"injected failure"}`)
	}
}

// statusStall, as a fault, answers nothing until the client times out.
const statusStall = -1

// answers is how many answers event id's user received, by reply or push.
func (f *strictLINE) answers(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.received["rt-"+id] + f.received[retryKey(id)]
}

func strictHarness(t *testing.T, f *strictLINE, configure ...func(*Config)) *harness {
	hs := newHarness(t, configure...)
	hs.h.api.base = f.srv.URL
	return hs
}

// The faults run: each event's answer meets a fault, and LINE redelivers
// it as it does; every user gets exactly one answer.
func TestFaultsLoseNothingAndDoubleNothing(t *testing.T) {
	for _, tt := range []struct {
		name string
		fail func(n int, path string) (int, bool)
		// expire: the reply token has expired by the time of the
		// redelivery, so only a push can answer.
		expire bool
	}{
		{"500 before LINE acts", func(n int, path string) (int, bool) {
			if n <= 3 {
				return http.StatusInternalServerError, false
			}
			return 0, false
		}, false},
		{"500 after LINE acted", func(n int, path string) (int, bool) {
			if n <= 3 {
				return http.StatusInternalServerError, n == 1
			}
			return 0, false
		}, false},
		{"429 throughout the first delivery", func(n int, path string) (int, bool) {
			if n <= 3 {
				return http.StatusTooManyRequests, false
			}
			return 0, false
		}, false},
		{"a timeout before LINE acts", func(n int, path string) (int, bool) {
			if n == 1 {
				return statusStall, false
			}
			return 0, false
		}, false},
		{"a timeout after LINE acted", func(n int, path string) (int, bool) {
			if n == 1 {
				return statusStall, true
			}
			return 0, false
		}, false},
		{"push 500s after an expired token", func(n int, path string) (int, bool) {
			if path == pathPush && n <= 4 {
				return http.StatusInternalServerError, n == 2
			}
			return 0, false
		}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newStrictLINE(t)
			f.fail = tt.fail
			if tt.expire {
				f.used["rt-01FAULT"] = true // LINE refuses the expired token
			}
			hs := strictHarness(t, f, func(c *Config) { c.httpClient = &http.Client{Timeout: 200 * time.Millisecond} })
			ev := textEvent("01FAULT", userSource(patientID), "ミューズ細胞の治験の結果は？")
			hs.post(t, webhookBody(ev))
			// LINE redelivers an event whose webhook it saw answered
			// late or with a failure; the handler must not drop it.
			time.Sleep(50 * time.Millisecond)
			hs.post(t, webhookBody(redelivered(ev)))
			time.Sleep(50 * time.Millisecond)
			hs.post(t, webhookBody(redelivered(ev)))
			hs.finish(t)
			if n := f.answers("01FAULT"); n != 1 {
				t.Errorf("the user got %d answers, want 1", n)
			}
		})
	}
}

// SIGTERM with a backlog and a slow API, then a restart: the events not
// answered in the grace period wait in the outbox and are answered after
// the restart, none lost and none twice.
func TestShutdownLeavesTheBacklogInTheOutbox(t *testing.T) {
	f := newStrictLINE(t)
	f.delay = 40 * time.Millisecond
	path := filepath.Join(t.TempDir(), "outbox.db")
	ob, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	withOutbox := func(o *sqlite.Outbox) func(*Config) {
		return func(c *Config) { c.Outbox, c.Workers = o, 4 }
	}
	first := strictHarness(t, f, withOutbox(ob))
	const n = 200
	for i := range n {
		user := fmt.Sprintf("U%031d", i)
		if rec := first.post(t, webhookBody(textEvent(fmt.Sprintf("01EV%03d", i), userSource(user), "ミューズ細胞とは"))); rec.Code != http.StatusOK {
			t.Fatalf("webhook %d: %d", i, rec.Code)
		}
	}
	// The grace period is far shorter than the backlog takes.
	ctx, cancel := context.WithTimeout(context.Background(), 3500*time.Millisecond)
	first.h.Close(ctx)
	cancel()
	ob.Close()
	answered := 0
	for i := range n {
		answered += f.answers(fmt.Sprintf("01EV%03d", i))
	}
	if answered == 0 || answered == n {
		t.Fatalf("%d of %d answered before the restart: the test needs a backlog left", answered, n)
	}
	if !strings.Contains(first.logs.String(), "left in the outbox") {
		t.Errorf("the shutdown does not say what it left:\n%s", first.logs.String())
	}

	ob2, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer ob2.Close()
	second := strictHarness(t, f, withOutbox(ob2))
	resumed, err := second.h.Resume(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if resumed != n-answered {
		t.Errorf("%d events resumed, want the %d left", resumed, n-answered)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		pending, _ := ob2.Pending(context.Background(), Channel)
		if len(pending) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	second.finish(t)
	lost, doubled := 0, 0
	for i := range n {
		switch a := f.answers(fmt.Sprintf("01EV%03d", i)); {
		case a == 0:
			lost++
		case a > 1:
			doubled++
		}
	}
	t.Logf("%d events: %d answered before SIGTERM, %d after the restart; %d lost, %d doubled", n, answered, resumed, lost, doubled)
	if lost != 0 || doubled != 0 {
		t.Errorf("%d lost, %d doubled; want none", lost, doubled)
	}
}

// One webhook's events from many users are answered in parallel; each
// user's are answered in the order they were sent, across webhooks too.
func TestEventsOfOneWebhookInParallelEachUsersInOrder(t *testing.T) {
	f := newStrictLINE(t)
	f.delay = 20 * time.Millisecond
	var mu sync.Mutex
	inFlight, most := 0, 0
	var order []string // reply tokens of user A, as answered
	hs := strictHarness(t, f, func(c *Config) { c.Workers = 8 })
	inner := f.srv.Config.Handler
	f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		var req sentRequest
		json.Unmarshal(body, &req)
		if strings.HasPrefix(req.ReplyToken, "rt-01A") {
			mu.Lock()
			order = append(order, req.ReplyToken)
			mu.Unlock()
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		inner.ServeHTTP(w, r)
		mu.Lock()
		inFlight--
		mu.Unlock()
	})
	var many []obj
	for i := range 60 {
		many = append(many, textEvent(fmt.Sprintf("01M%03d", i), userSource(fmt.Sprintf("U%031d", i)), "ミューズ細胞とは"))
	}
	for i := range 5 {
		many = append(many, textEvent(fmt.Sprintf("01A%03d", i), userSource(patientID), "ミューズ細胞とは"))
	}
	hs.post(t, webhookBody(many...))
	var later []obj
	for i := 5; i < 10; i++ {
		later = append(later, textEvent(fmt.Sprintf("01A%03d", i), userSource(patientID), "ミューズ細胞とは"))
	}
	hs.post(t, webhookBody(later...))
	hs.finish(t)
	if most < 4 {
		t.Errorf("at most %d answers in flight at once with 8 workers: one webhook's events are answered in series", most)
	}
	var want []string
	for i := range 10 {
		want = append(want, fmt.Sprintf("rt-01A%03d", i))
	}
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Errorf("one user's events answered in the order %v, want %v", order, want)
	}
}

// When a chat's queue would hold a new event longer than a reply token
// lives, the webhook gets 503, so that LINE delivers it again later,
// rather than the bot answering it with an expired token.
func TestAQueueTooSlowRefusesTheWebhook(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.Workers = 1 })
	hs.h.pool.SetService(0, time.Minute) // one event takes a minute now
	rec := hs.post(t, webhookBody(textEvent("01SLOW", userSource(patientID), "ミューズ細胞とは")))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", rec.Code)
	}
	if got, _ := hs.obs.counts(); got["overloaded"] != 1 {
		t.Errorf("rejections %v, want one overloaded", got)
	}
}

// brokenOutbox is an outbox whose store is down.
type brokenOutbox struct{}

func (brokenOutbox) Put(context.Context, []outbox.Event) error { return errors.New("store down") }
func (brokenOutbox) Attempting(context.Context, string, string) error {
	return errors.New("store down")
}
func (brokenOutbox) Done(context.Context, string, string) error { return errors.New("store down") }
func (brokenOutbox) Pending(context.Context, string) ([]outbox.Event, error) {
	return nil, errors.New("store down")
}

// TestAnEmergencyIsAnsweredWhenTheOutboxIsDown: with the outbox's store
// down (a full disk, a Redis gone), the webhook is still acknowledged and
// the emergency answered at once, not left to LINE's redelivery.
func TestAnEmergencyIsAnsweredWhenTheOutboxIsDown(t *testing.T) {
	hs := newHarness(t, func(c *Config) { c.Outbox = brokenOutbox{} })
	rec := hs.post(t, webhookBody(textEvent("01HDOWN", userSource(patientID), "父が息をしていない")))
	if rec.Code != 200 {
		t.Fatalf("webhook: %d", rec.Code)
	}
	hs.finish(t)
	d := hs.line.delivered()
	if len(d) != 1 || !strings.Contains(d[0].Req.Messages[0].Text, "119") {
		t.Fatalf("with the outbox down: %s", describe(hs.line.Calls()))
	}
}
