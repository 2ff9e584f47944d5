package line

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"
)

// typicalBody is a one-event webhook as LINE sends it for a text message.
func typicalBody(id, user, text string) string {
	return `{"destination":"` + botUserID + `","events":[{"type":"message","message":{"type":"text","id":"468789577898262530",` +
		`"quoteToken":"q3Plxr4AgKd...","text":"` + text + `"},"webhookEventId":"` + id + `","deliveryContext":{"isRedelivery":false},` +
		`"timestamp":1700000000000,"source":{"type":"user","userId":"` + user + `"},"replyToken":"rt-` + id + `","mode":"active"}]}`
}

// nopWriter is a ResponseWriter that keeps only the status.
type nopWriter struct {
	h    http.Header
	code int
}

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkWebhook measures what the webhook does before answering 200:
// check the signature, parse the events, queue them. Run it on one core:
//
//	go test -run '^$' -bench Webhook -cpu 1 -count 3 ./adapters/line/
func BenchmarkWebhook(b *testing.B) {
	h, err := newHandler(realBot(b), Config{ChannelSecret: testSecret, ChannelToken: testToken, Queue: 4096,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	drained := make(chan struct{})
	h.startWith(func(job) {}) // queued, not answered: this measures the webhook alone
	go func() { <-h.ctx.Done(); close(drained) }()
	body := []byte(typicalBody("01HF6S1J9Q8W3K5N7P2R4T6V8X", patientID, "ミューズ細胞の治験の結果は？"))
	rd := bytes.NewReader(body)
	req := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/line/webhook"}, Body: io.NopCloser(rd),
		ContentLength: int64(len(body)), RemoteAddr: "203.0.113.1:443",
		Header: http.Header{"X-Line-Signature": {sign(testSecret, body)}, "Content-Type": {"application/json; charset=utf-8"}}}
	w := &nopWriter{h: http.Header{}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		rd.Reset(body)
		w.code = 0
		h.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "req/s")
	h.Close(context.Background())
	<-drained
}

// BenchmarkEndToEnd sends webhooks over loopback from 64 concurrent
// senders, each waiting for its reply to reach the fake LINE API, and
// reports throughput, the time from webhook to reply received, and lost
// or doubled replies (which fail the benchmark). For the README figures:
//
//	go test -run '^$' -bench EndToEnd -benchtime 10s -count 3 ./adapters/line/
func BenchmarkEndToEnd(b *testing.B) {
	const senders = 64
	questions := []string{"ミューズ細胞の治験の結果は？", "ALSは治りますか", "幹細胞培養上清液とは何ですか？",
		"iPS細胞はALSにどう使われてるの？", "治験に参加するにはどうすればいい？", "副作用はありますか", "スタンプ", "ありがとう"}
	fake := newFakeLINE(b)
	fake.discard = true
	var mu sync.Mutex
	waiting := map[string]chan struct{}{}
	replies := map[string]int{}
	fake.onCall(func(c apiCall) {
		if c.Path != pathReply && c.Path != pathPush {
			return
		}
		mu.Lock()
		replies[c.Req.ReplyToken]++
		ch := waiting[c.Req.ReplyToken]
		delete(waiting, c.Req.ReplyToken)
		mu.Unlock()
		if ch != nil {
			close(ch)
		}
	})
	h, err := New(realBot(b), Config{ChannelSecret: testSecret, ChannelToken: testToken, APIBase: fake.srv.URL,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}, Timeout: 30 * time.Second}

	var seq, sent, lost, refused atomic.Int64
	var all []time.Duration
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((senders + procs - 1) / procs)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			n := seq.Add(1)
			id := fmt.Sprintf("01LOAD%020d", n)
			body := typicalBody(id, fmt.Sprintf("U%032d", n%1000), questions[n%int64(len(questions))])
			done := make(chan struct{})
			mu.Lock()
			waiting["rt-"+id] = done
			mu.Unlock()
			start := time.Now()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/line/webhook", strings.NewReader(body))
			req.Header.Set("X-Line-Signature", sign(testSecret, []byte(body)))
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				refused.Add(1)
				continue
			}
			sent.Add(1)
			select {
			case <-done:
				mine = append(mine, time.Since(start))
			case <-time.After(30 * time.Second):
				lost.Add(1)
			}
		}
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.Close(ctx); err != nil {
		b.Error(err)
	}
	doubled := 0
	for _, n := range replies {
		if n > 1 {
			doubled++
		}
	}
	if len(all) == 0 {
		b.Fatal("no replies")
	}
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "replies/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lost.Load()), "lost")
	b.ReportMetric(float64(doubled), "doubled")
	b.ReportMetric(float64(refused.Load()), "503s")
	if lost.Load() > 0 || doubled > 0 {
		b.Errorf("%d webhooks accepted, %d replies lost, %d doubled", sent.Load(), lost.Load(), doubled)
	}
}

// BenchmarkDecodeEvent measures what a worker does with an event before
// asking the bot: the SDK's decoding and the adapter's classification.
func BenchmarkDecodeEvent(b *testing.B) {
	cb, err := splitBody([]byte(typicalBody("01HF6S1J9Q8W3K5N7P2R4T6V8X", patientID, "ミューズ細胞の治験の結果は？")))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ev, err := webhook.UnmarshalEvent(cb.Events[0])
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := classify(cb.Destination, ev); !ok {
			b.Fatal("not answered")
		}
	}
}
