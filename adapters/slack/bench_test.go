package slack

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"alsbot/bot"
)

// recorder is a ResponseWriter that keeps only the status.
type recorder struct {
	h    http.Header
	code int
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(p []byte) (int, error) { return len(p), nil }
func (r *recorder) WriteHeader(code int)        { r.code = code }

// BenchmarkHTTPEvent measures what /slack/events does before it answers
// 200: read the body, verify its signature and timestamp, parse the event,
// filter it and queue it. The workers behind find each repeat a
// duplicate; the bot is not asked. Run with -cpu 1 for one core.
func BenchmarkHTTPEvent(b *testing.B) {
	fake := newFakeSlack(b)
	a := newHTTPAdapter(b, fake, stubAsker{fn: func(bot.Question) bot.Reply { return bot.Reply{Kind: bot.KindSilent} }}, Config{})
	h := a.Routes()["/slack/events"]
	body := callback("EvBench", mentionEvent("C1", "1700000000.000100", "<@UBOT> What were the Muse trial results?"))
	ts := time.Now().Unix()
	header := http.Header{
		"Content-Type":              {"application/json"},
		"X-Slack-Request-Timestamp": {strconv.FormatInt(ts, 10)},
		"X-Slack-Signature":         {sign(testSecret, ts, body)},
	}
	u, _ := url.Parse("http://alsbot.local/slack/events")
	w := &recorder{h: http.Header{}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := &http.Request{
			Method: http.MethodPost, URL: u, Header: header, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
		}
		w.code = http.StatusOK
		h.ServeHTTP(w, r)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
		// A server goroutine waits on its connection between requests;
		// yielding lets the workers run as they would then.
		runtime.Gosched()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkEndToEnd measures the latency from Slack sending a mention to
// /slack/events (over HTTP) to the answer arriving at the fake Web API's
// chat.postMessage, with the real bot and knowledge base. One event at a
// time: ns/op is the latency.
func BenchmarkEndToEnd(b *testing.B) {
	fake := newFakeSlack(b)
	a := newHTTPAdapter(b, fake, testBot(b), Config{})
	mux := http.NewServeMux()
	for path, h := range a.Routes() {
		mux.Handle(path, h)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := srv.Client()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		ts := "1700000000." + strconv.Itoa(100000+i)
		body := callback("EvE2E"+strconv.Itoa(i), mentionEvent("C1", ts, "<@UBOT> What were the Muse trial results?"))
		r := signed("/slack/events", body)
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/slack/events", strings.NewReader(body))
		req.Header = r.Header
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
		if p := fake.next(b); p.ThreadTS != ts {
			b.Fatalf("answer in thread %q, want %q", p.ThreadTS, ts)
		}
	}
}
