// Package line connects the bot to a LINE official account: an
// http.Handler receives LINE webhooks, checks their signature, and answers
// each event once, on a bounded pool of workers, through the Messaging
// API (a reply, or a push when the reply token no longer works).
//
// Patients' messages are never logged: logs carry the webhook event id, a
// hashed user id, the kind of reply and timings.
package line

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"alsbot/adapters/dedup"
	"alsbot/adapters/outbox"
	"alsbot/adapters/workers"
	"alsbot/bot"
)

// Channel is the name of this channel in questions, metrics and logs.
const Channel = "line"

// MaxBody is the largest webhook body accepted; a larger one gets 413.
const MaxBody = 1 << 20

// Defaults for Config.
const (
	DefaultAPIBase = "https://api.line.me"
	DefaultWorkers = 16
	DefaultQueue   = 1024
	// DefaultDedupTTL is how long an event id is remembered: LINE
	// redelivers for a while after a failure, never for a day.
	DefaultDedupTTL = 24 * time.Hour
	// DefaultLoadingAfter is how long a patient waits for an answer
	// before the chat shows the loading animation.
	DefaultLoadingAfter = 500 * time.Millisecond
	// DefaultMaxWait is the longest an event may be expected to wait for
	// a worker: well within a reply token's minute.
	DefaultMaxWait = 30 * time.Second
)

// Observer is told what the handler does, for metrics. Rejected reasons
// are "signature", "too-large", "method", "bad-body" (a body that is not
// LINE's JSON, or one event in it the SDK cannot decode) and "overloaded"
// (the queue is full, or the handler is closing: 503).
type Observer interface {
	Rejected(channel, reason string)
	Duplicate(channel string)
}

// Config configures a Handler.
type Config struct {
	// ChannelSecret checks webhook signatures (LINE_CHANNEL_SECRET).
	ChannelSecret string
	// ChannelToken authorizes Messaging API calls
	// (LINE_CHANNEL_ACCESS_TOKEN).
	ChannelToken string
	// APIBase is the Messaging API address (LINE_API_BASE); empty means
	// LINE's own, https://api.line.me.
	APIBase string
	// Workers is how many events are answered at once (default 16).
	Workers int
	// Queue is how many webhook requests may wait for a worker (default
	// 1024). When it is full the webhook gets 503, so that LINE
	// redelivers the events later if redelivery is on in the console.
	Queue int
	// Dedup remembers answered event ids; default: in memory for 24 h.
	Dedup dedup.Store
	// Outbox, if set, keeps every accepted event until it is answered:
	// an event is put there before its webhook is acknowledged, and the
	// events a stop left pending are answered by Resume.
	Outbox outbox.Store
	// Salt keys the hashing of user ids in logs.
	Salt string
	// Logger gets the handler's logs; default slog.Default().
	Logger *slog.Logger
	// Observer, if set, is told about rejections and duplicates.
	Observer Observer
	// LoadingAfter: in a one-on-one chat, an answer not sent this long
	// after its webhook arrived (a busy queue, a slow bot) is preceded by
	// the loading animation (default 500 ms).
	LoadingAfter time.Duration

	// Test hooks.
	httpClient *http.Client
	retry      retryPolicy
}

// ConfigFromEnv reads LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN,
// LINE_API_BASE, LINE_WORKERS and LINE_QUEUE. Missing credentials are
// reported by New, not here.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		ChannelSecret: getenv("LINE_CHANNEL_SECRET"),
		ChannelToken:  getenv("LINE_CHANNEL_ACCESS_TOKEN"),
		APIBase:       getenv("LINE_API_BASE"),
	}
	var errs []error
	for _, v := range []struct {
		name string
		dst  *int
	}{{"LINE_WORKERS", &cfg.Workers}, {"LINE_QUEUE", &cfg.Queue}} {
		s := getenv(v.name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive whole number", v.name, s))
			continue
		}
		*v.dst = n
	}
	return cfg, errors.Join(errs...)
}

// Handler is the LINE webhook endpoint. It is safe for concurrent use.
type Handler struct {
	ask    bot.Asker
	secret string
	api    *api
	dedup  dedup.Store
	outbox outbox.Store
	salt   string
	log    *slog.Logger
	obs    Observer

	loadingAfter time.Duration

	// pool answers the events: a chat's events always on the same
	// worker's queue, so that each user's are answered in order while
	// different users' are answered in parallel, those of one webhook
	// included.
	pool             *workers.Pool[job]
	workersN, queueN int
	// maxWait bounds how long an event may be expected to wait: past it,
	// the webhook gets 503 and LINE redelivers, rather than the event
	// outliving its reply token.
	maxWait time.Duration
	// left counts the events a stop left in the outbox (or dropped).
	left atomic.Int64
	// stopBy (unix nanoseconds, 0 for none) is when Close stops starting
	// events that the outbox keeps: they wait there for the next start,
	// and the calls under way have until the deadline to finish.
	stopBy atomic.Int64
	// unsure holds the ids of events whose last reply got an answer of
	// unknown outcome (a 5xx): see sendOptions.noPushAfterReply.
	unsure sync.Map
	// held are the events this process has queued and not yet settled:
	// with a shared outbox, their leases are renewed while they wait
	// (ResumeEvery), so that no other replica takes them over, nor this
	// one twice.
	held sync.Map
	wg   sync.WaitGroup
	// ctx is cancelled when Close gives up waiting: in-flight calls stop.
	ctx    context.Context
	cancel context.CancelFunc
}

// job is the events of one webhook request, still as JSON: the SDK
// decodes each one on a worker, so that the webhook answers quickly and an
// event the SDK cannot read costs only that event.
type job struct {
	destination string
	events      []json.RawMessage
	received    time.Time
	// resumed marks events read back from the outbox after a stop;
	// attempted, that an answer to them was being sent when it came.
	resumed, attempted bool
}

// New returns a handler answering with a, and starts its workers. It
// fails when the channel secret or access token is missing: the endpoint
// is never served unsigned.
func New(a bot.Asker, cfg Config) (*Handler, error) {
	h, err := newHandler(a, cfg)
	if err != nil {
		return nil, err
	}
	h.start(cfg.Workers)
	return h, nil
}

// newHandler builds a handler without starting its workers.
func newHandler(a bot.Asker, cfg Config) (*Handler, error) {
	var errs []error
	if a == nil {
		errs = append(errs, errors.New("no bot to answer with"))
	}
	if cfg.ChannelSecret == "" {
		errs = append(errs, errors.New("LINE_CHANNEL_SECRET is not set: webhook signatures cannot be checked"))
	}
	if cfg.ChannelToken == "" {
		errs = append(errs, errors.New("LINE_CHANNEL_ACCESS_TOKEN is not set: replies cannot be sent"))
	}
	base := cfg.APIBase
	if base == "" {
		base = DefaultAPIBase
	}
	if u, err := url.ParseRequestURI(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("LINE_API_BASE=%q is not an http(s) address", base))
	}
	if cfg.Workers < 0 || cfg.Queue < 0 {
		errs = append(errs, fmt.Errorf("workers (%d) and queue (%d) cannot be negative", cfg.Workers, cfg.Queue))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("line: %w", err)
	}
	if cfg.Workers == 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Queue == 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.Dedup == nil {
		cfg.Dedup = dedup.NewMemory(DefaultDedupTTL)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	if cfg.LoadingAfter <= 0 {
		cfg.LoadingAfter = DefaultLoadingAfter
	}
	if cfg.retry == (retryPolicy{}) {
		cfg.retry = defaultRetry
	}
	hc := cfg.httpClient
	if hc == nil {
		hc = newHTTPClient(cfg.Workers)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Handler{
		ask:    a,
		secret: cfg.ChannelSecret,
		api:    &api{token: cfg.ChannelToken, base: base, hc: hc, retry: cfg.retry},
		dedup:  cfg.Dedup,
		outbox: cfg.Outbox,
		salt:   cfg.Salt,
		log:    cfg.Logger,
		obs:    cfg.Observer,

		loadingAfter: cfg.LoadingAfter,
		workersN:     cfg.Workers,
		queueN:       cfg.Queue,
		maxWait:      DefaultMaxWait,
		ctx:          ctx,
		cancel:       cancel,
	}, nil
}

// newHTTPClient keeps enough idle connections to LINE for every worker,
// and bounds each call.
func newHTTPClient(workers int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = workers
	t.MaxIdleConns = 2 * workers
	return &http.Client{Transport: t, Timeout: 15 * time.Second}
}

func (h *Handler) start(int) { h.startWith(h.answer) }

// startWith starts the workers, each job done by do.
func (h *Handler) startWith(do func(job)) {
	h.pool = workers.New(h.workersN, h.queueN, do)
}

// ServeHTTP acknowledges a webhook at once and queues its events.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(w, r, http.StatusMethodNotAllowed, "method", 0)
		return
	}
	if r.ContentLength > MaxBody {
		h.reject(w, r, http.StatusRequestEntityTooLarge, "too-large", r.ContentLength)
		return
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	buf.Reset()
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.reject(w, r, http.StatusRequestEntityTooLarge, "too-large", int64(buf.Len()))
			return
		}
		h.reject(w, r, http.StatusBadRequest, "bad-body", int64(buf.Len()))
		return
	}
	body := buf.Bytes()
	// The signature comes first: nothing of an unsigned body is read.
	if !webhook.ValidateSignature(h.secret, r.Header.Get("X-Line-Signature"), body) {
		h.reject(w, r, http.StatusBadRequest, "signature", int64(len(body)))
		return
	}
	cb, err := splitBody(body)
	if err != nil {
		h.reject(w, r, http.StatusBadRequest, "bad-body", int64(len(body)))
		return
	}
	if len(cb.Events) == 0 { // the console's Verify button
		w.WriteHeader(http.StatusOK)
		return
	}
	heads := readHeads(cb.Events)
	if h.outbox != nil {
		// Written down before it is acknowledged: from here on, a stop
		// or a crash loses none of these events.
		if err := h.outbox.Put(r.Context(), outboxEvents(cb, heads, received)); err != nil {
			// The store is down (a disk, a Redis): answer now rather than
			// 503 and wait for LINE's redelivery, which may come minutes
			// later to someone in an emergency. Only a stop before the
			// answer could lose these events.
			h.log.Error("line outbox write failed: answering without it", "err", err)
		}
	}
	h.hold(heads)
	if !h.enqueue(job{destination: cb.Destination, events: cb.Events, received: received}, heads, true) {
		h.reject(w, r, http.StatusServiceUnavailable, "overloaded", int64(len(body)))
		return
	}
	w.WriteHeader(http.StatusOK)
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBuf returns a buffer to the pool unless a huge body made it large.
func putBuf(b *bytes.Buffer) {
	if b.Cap() <= 64<<10 {
		bufPool.Put(b)
	}
}

// callback is a webhook body with its events not yet decoded.
type callback struct {
	Destination string            `json:"destination"`
	Events      []json.RawMessage `json:"events"`
}

// splitBody checks that a signed webhook body is JSON with a list of events,
// and returns them undecoded. Its error never carries the body (the SDK's
// ParseRequest puts the whole body into its error message).
func splitBody(body []byte) (*callback, error) {
	var cb callback
	if err := json.Unmarshal(body, &cb); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("webhook body is not JSON (at byte %d)", syn.Offset)
		}
		return nil, errors.New("webhook body does not have the shape of LINE events")
	}
	return &cb, nil
}

// head is what the handler reads of an event before a worker decodes it:
// its id, and the chat it comes from.
type head struct {
	ID     string `json:"webhookEventId"`
	Source struct {
		UserID  string `json:"userId"`
		GroupID string `json:"groupId"`
		RoomID  string `json:"roomId"`
	} `json:"source"`
}

// chat is the group, room or user the event comes from.
func (h head) chat() string {
	if c := h.Source.GroupID + h.Source.RoomID; c != "" {
		return c
	}
	return h.Source.UserID
}

// readHeads reads the head of each event; an event not in LINE's shape
// has an empty one.
func readHeads(events []json.RawMessage) []head {
	out := make([]head, len(events))
	for i, raw := range events {
		json.Unmarshal(raw, &out[i])
	}
	return out
}

// outboxEvents are the events of a webhook as the outbox keeps them:
// each with its id and the webhook's destination. An event without an id
// (not LINE's shape) is answered, or not, without being kept.
func outboxEvents(cb *callback, heads []head, received time.Time) []outbox.Event {
	out := make([]outbox.Event, 0, len(cb.Events))
	dest, _ := json.Marshal(cb.Destination)
	for i, raw := range cb.Events {
		if heads[i].ID == "" {
			continue
		}
		// kept, written out by hand: the event is already LINE's JSON.
		data := make([]byte, 0, len(raw)+len(dest)+26)
		data = append(append(append(data, `{"destination":`...), dest...), `,"event":`...)
		data = append(append(data, raw...), '}')
		out = append(out, outbox.Event{ID: heads[i].ID, Channel: Channel, Data: data, Received: received})
	}
	return out
}

// kept is an event as the outbox keeps it.
type kept struct {
	Destination string          `json:"destination"`
	Event       json.RawMessage `json:"event"`
}

// Resume answers the events the outbox holds that a stop left pending,
// oldest first: with their reply token while it can still be valid, by a
// push with the event's own retry key after that, so that none is answered
// twice. Call it once, before serving.
func (h *Handler) Resume(ctx context.Context) (int, error) {
	if h.outbox == nil {
		return 0, nil
	}
	return h.resume(ctx)
}

// ResumeEvery resumes, every interval until ctx ends or the handler
// closes, the events the outbox hands over: with a shared outbox whose
// Pending returns only the events whose processing lease ran out (see
// alsbot/adapters/redis), those a replica that died or stopped left. Not
// for an outbox that returns every pending event, this process's own
// queued ones included (SQLite): Resume once at start is for that.
func (h *Handler) ResumeEvery(ctx context.Context, interval time.Duration) {
	if h.outbox == nil {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if h.pool.Closed() {
			return
		}
		if l, ok := h.outbox.(outbox.Leaser); ok {
			h.held.Range(func(id, _ any) bool {
				l.Renew(ctx, Channel, id.(string))
				return ctx.Err() == nil
			})
		}
		if n, err := h.resume(ctx); err != nil {
			h.log.Warn("line: the shared outbox could not be read", "err", err)
		} else if n > 0 {
			h.log.Info("line: answering events another replica left", "events", n)
		}
	}
}

func (h *Handler) resume(ctx context.Context) (int, error) {
	events, err := h.outbox.Pending(ctx, Channel)
	if err != nil {
		return 0, err
	}
	events = slices.DeleteFunc(events, func(e outbox.Event) bool { _, queued := h.held.Load(e.ID); return queued })
	for _, e := range events {
		h.held.Store(e.ID, struct{}{})
	}
	go func() {
		for _, e := range events {
			var k kept
			if json.Unmarshal(e.Data, &k) != nil {
				h.outbox.Done(ctx, Channel, e.ID)
				h.held.Delete(e.ID)
				continue
			}
			j := job{destination: k.Destination, events: []json.RawMessage{k.Event}, received: e.Received, resumed: true, attempted: e.Attempted}
			if !h.enqueueWait(ctx, j) {
				return
			}
		}
	}()
	return len(events), nil
}

// enqueueWait queues j, waiting for room, unless the handler closes or
// ctx ends.
func (h *Handler) enqueueWait(ctx context.Context, j job) bool {
	heads := readHeads(j.events)
	for {
		if h.enqueue(j, heads, false) {
			return true
		}
		if h.pool.Closed() {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// enqueue queues j's events, each chat's on its own queue, unless a queue
// is full, its wait would outlive a reply token (when bounded), or the
// handler is closed. Part of a webhook may be queued when another part is
// refused: LINE then redelivers it all, and the claims see to it that no
// event is answered twice.
func (h *Handler) enqueue(j job, heads []head, bounded bool) bool {
	var maxWait time.Duration
	if bounded {
		maxWait = h.maxWait
	}
	for q, events := range h.byQueue(j.events, heads) {
		part := j
		part.events = events
		if !h.pool.Submit(q, part, maxWait) {
			return false
		}
	}
	return true
}

// byQueue splits events by the queue of their chat, keeping their order.
func (h *Handler) byQueue(events []json.RawMessage, heads []head) map[int][]json.RawMessage {
	out := make(map[int][]json.RawMessage, 1)
	for i, raw := range events {
		q := h.pool.Queue(heads[i].chat())
		out[q] = append(out[q], raw)
	}
	return out
}

// reject answers a request that is not handled, and logs why: never its
// body.
func (h *Handler) reject(w http.ResponseWriter, r *http.Request, status int, reason string, size int64) {
	h.obs.Rejected(Channel, reason)
	h.log.Warn("line webhook rejected", "reason", reason, "status", status, "bytes", size, "remote", r.RemoteAddr)
	http.Error(w, http.StatusText(status), status)
}

// Close stops taking events (the webhook answers 503 from now on) and
// waits for the queued and in-flight events to be answered, or for ctx
// to expire, when the calls still under way are cancelled.
func (h *Handler) Close(ctx context.Context) error {
	if d, ok := ctx.Deadline(); ok && h.outbox != nil {
		h.stopBy.Store(d.Add(-stopMargin).UnixNano())
	}
	finished := h.pool.Close(ctx)
	h.cancel()
	if left := h.left.Load(); left > 0 {
		what := "line events dropped at shutdown"
		if h.outbox != nil {
			what = "line events left in the outbox at shutdown, for the next start"
		}
		h.log.Warn(what, "events", left)
	}
	if !finished {
		return fmt.Errorf("line: events still being answered at shutdown: %w", ctx.Err())
	}
	return nil
}

// stopMargin is how long before Close's deadline the handler stops
// starting events the outbox keeps: enough for the calls under way.
const stopMargin = 3 * time.Second

// answer answers the events of one job, in order; after a stop, the
// rest are left (in the outbox, when there is one).
func (h *Handler) answer(j job) {
	for i, raw := range j.events {
		if by := h.stopBy.Load(); h.ctx.Err() != nil || by != 0 && time.Now().UnixNano() > by {
			h.left.Add(int64(len(j.events) - i))
			return
		}
		h.handleSafely(h.ctx, j, raw)
	}
}

type noObserver struct{}

func (noObserver) Rejected(string, string) {}
func (noObserver) Duplicate(string)        {}

// hold records the events of a webhook as queued here (see held).
func (h *Handler) hold(heads []head) {
	if _, shared := h.outbox.(outbox.Leaser); !shared {
		return
	}
	for _, hd := range heads {
		if hd.ID != "" {
			h.held.Store(hd.ID, struct{}{})
		}
	}
}
