package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"alsbot/adapters/logbuf"
	"alsbot/adapters/userid"
	"alsbot/bot"
)

// syncBuffer captures logs from concurrent writers.
type syncBuffer = logbuf.Buffer

func testLogger() (*slog.Logger, *syncBuffer) {
	var buf syncBuffer
	return slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

func TestPanicIsA500AndTheServerGoesOn(t *testing.T) {
	logger, logs := testLogger()
	mux := http.NewServeMux()
	mux.HandleFunc("/boom", func(http.ResponseWriter, *http.Request) { panic("index out of range") })
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "fine") })
	srv := httptest.NewServer(New(mux, logger).Handler)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/boom?q=secret")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 500 || !json.Valid(body) {
		t.Errorf("panic answered %d %q, want 500 with a JSON body", res.StatusCode, body)
	}
	res, err = http.Get(srv.URL + "/ok")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("after a panic: %d", res.StatusCode)
	}
	out := logs.String()
	if !strings.Contains(out, `"msg":"panic serving a request"`) || !strings.Contains(out, `"status":500`) {
		t.Errorf("panic not logged:\n%s", out)
	}
	if strings.Contains(out, "secret") {
		t.Errorf("the query was logged:\n%s", out)
	}
}

func TestBodyLimit(t *testing.T) {
	logger, _ := testLogger()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		}
	})
	srv := httptest.NewServer(New(h, logger).Handler)
	defer srv.Close()
	res, err := http.Post(srv.URL, "application/octet-stream", bytes.NewReader(make([]byte, MaxBodyBytes+1)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("an oversized body got %d", res.StatusCode)
	}
}

func TestReadiness(t *testing.T) {
	var h Health
	connected := false
	h.Check("knowledge", func() bool { return true })
	h.Check("slack", func() bool { return connected })
	get := func() (int, string) {
		rec := httptest.NewRecorder()
		h.Ready(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get(); code != 503 || !strings.Contains(body, `"slack":"not ready"`) {
		t.Errorf("slack not connected: %d %s", code, body)
	}
	connected = true
	if code, body := get(); code != 200 || !strings.Contains(body, `"ready":true`) {
		t.Errorf("all connected: %d %s", code, body)
	}
	h.Drain()
	if code, body := get(); code != 503 || !strings.Contains(body, "shutting down") {
		t.Errorf("draining: %d %s", code, body)
	}
	rec := httptest.NewRecorder()
	h.Live(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Errorf("healthz while draining: %d", rec.Code)
	}
}

// TestShutdownFinishesInFlight stops the server while requests are being
// answered and after an adapter acknowledged work it has not finished:
// every reply arrives, the closer runs, new connections are refused.
func TestShutdownFinishesInFlight(t *testing.T) {
	logger, _ := testLogger()
	const n = 8
	entered := make(chan struct{}, n)
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		entered <- struct{}{}
		<-release
		io.WriteString(w, "reply")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	var health Health
	ctx, cancel := context.WithCancel(context.Background())
	closed := false
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, New(h, logger), ln, &health, logger, func(context.Context) error {
			closed = true
			return nil
		})
	}()

	replies := make(chan string, n)
	for range n {
		go func() {
			res, err := http.Get("http://" + addr + "/")
			if err != nil {
				replies <- err.Error()
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			replies <- string(b)
		}()
	}
	for range n {
		<-entered
	}
	cancel()
	// Wait until the listener is closed, then let the handlers finish.
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if i > 200 {
			t.Fatal("the server still accepts connections after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	for range n {
		if r := <-replies; r != "reply" {
			t.Errorf("in-flight request got %q", r)
		}
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if !closed {
		t.Error("the closer did not run")
	}
}

type panicky struct{ calls int }

func (p *panicky) Ask(_ context.Context, q bot.Question) bot.Reply {
	p.calls++
	if q.Text != "" {
		panic("nil map")
	}
	return bot.Reply{Kind: bot.KindFallback, Lang: q.Lang, Text: "menu"}
}
func (p *panicky) Answer(string, string) (bot.Reply, bool) { return bot.Reply{}, false }
func (p *panicky) Menu(string) bot.Reply                   { return bot.Reply{} }
func (p *panicky) Welcome(string) bot.Reply                { return bot.Reply{} }
func (p *panicky) TextOnly(string) bot.Reply               { return bot.Reply{} }

func TestGuardSurvivesAPanicAndLogsNoText(t *testing.T) {
	logger, logs := testLogger()
	g := Guard(&panicky{}, logger, "pepper")
	q := bot.Question{Text: "what is conditioned medium, my husband has ALS", Channel: "line", User: "U4af4980629"}
	r := g.Ask(context.Background(), q)
	if r.Kind != bot.KindFallback || r.Lang != "en" {
		t.Errorf("after a panic: %+v, want the English fallback", r)
	}
	out := logs.String()
	for _, leak := range []string{"conditioned", "husband", "U4af4980629"} {
		if strings.Contains(out, leak) {
			t.Errorf("log holds %q:\n%s", leak, out)
		}
	}
	if !strings.Contains(out, userid.Hash("pepper", "U4af4980629")) || !strings.Contains(out, `"kind":"fallback"`) {
		t.Errorf("log lacks the hashed user or the reply kind:\n%s", out)
	}
}
