// Package metrics counts what the server does, for Prometheus: questions
// by channel, kind and language, how long replies take, webhooks refused,
// duplicate events dropped, knowledge-base reloads and users told to slow
// down. It keeps its own registry, so nothing else in the process adds to
// or reads from a global one.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"alsbot/bot"
)

// Metrics holds the server's counters. Its methods are safe for
// concurrent use. It is the Observer the LINE and Slack adapters, the
// rate limiter and the reloader report to.
type Metrics struct {
	reg       *prometheus.Registry
	questions *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	rejected  *prometheus.CounterVec
	duplicate *prometheus.CounterVec
	reloads   prometheus.Counter
	failures  prometheus.Counter
	limited   *prometheus.CounterVec
	// The handoff: cases opened and closed, the wait for the first staff
	// reply, cases waiting for one.
	cases      *prometheus.CounterVec
	firstReply prometheus.Histogram
	waiting    prometheus.Gauge
}

// New returns metrics registered in a fresh registry, with the Go runtime
// and process collectors (memory, file descriptors, CPU) beside them.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alsbot_questions_total",
			Help: "Questions answered, by channel, reply kind and reply language.",
		}, []string{"channel", "kind", "lang"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "alsbot_reply_seconds",
			Help: "Time the bot took to reply to a question, by channel.",
			// The bot replies in microseconds to a few milliseconds; the
			// upper buckets catch a stalled process.
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"channel"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alsbot_webhook_rejections_total",
			Help: "Webhook requests refused, by channel and reason (bad signature, too large, ...).",
		}, []string{"channel", "reason"}),
		duplicate: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alsbot_duplicate_events_total",
			Help: "Platform events dropped because they were already handled, by channel.",
		}, []string{"channel"}),
		reloads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alsbot_kb_reloads_total",
			Help: "Knowledge-base reloads that were valid and swapped in.",
		}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alsbot_kb_reload_failures_total",
			Help: "Knowledge-base reloads refused because the new version has problems.",
		}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alsbot_rate_limited_users_total",
			Help: "Times a user was told to slow down, by channel (once per burst, not per message).",
		}, []string{"channel"}),
		cases: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alsbot_handoff_cases_total",
			Help: "Handoff cases, by event: opened or closed.",
		}, []string{"event"}),
		firstReply: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "alsbot_handoff_first_reply_seconds",
			Help:    "Time from a case opening to the staff's first reply.",
			Buckets: []float64{60, 300, 900, 1800, 3600, 3 * 3600, 8 * 3600, 24 * 3600, 72 * 3600},
		}),
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "alsbot_handoff_cases_waiting",
			Help: "Open cases no staff member has answered yet.",
		}),
	}
	m.reg.MustRegister(m.questions, m.latency, m.rejected, m.duplicate, m.reloads, m.failures, m.limited, m.cases, m.firstReply, m.waiting,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Gatherer is the registry, for tests and tools that read the metrics
// without HTTP.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Rejected counts a webhook request refused on channel for reason.
func (m *Metrics) Rejected(channel, reason string) {
	m.rejected.WithLabelValues(channel, reason).Inc()
}

// Duplicate counts an event on channel dropped as already handled.
func (m *Metrics) Duplicate(channel string) { m.duplicate.WithLabelValues(channel).Inc() }

// CaseOpened counts a handoff case opened.
func (m *Metrics) CaseOpened() { m.cases.WithLabelValues("opened").Inc() }

// CaseClosed counts a handoff case closed.
func (m *Metrics) CaseClosed() { m.cases.WithLabelValues("closed").Inc() }

// FirstStaffReply records how long a case waited for its first reply.
func (m *Metrics) FirstStaffReply(after time.Duration) { m.firstReply.Observe(after.Seconds()) }

// CasesWaiting sets how many cases wait for a first reply.
func (m *Metrics) CasesWaiting(n int) { m.waiting.Set(float64(n)) }

// Limited counts a user on channel told to slow down.
func (m *Metrics) Limited(channel string) { m.limited.WithLabelValues(channel).Inc() }

// Reloaded counts a knowledge-base reload: swapped in when err is nil,
// refused otherwise.
func (m *Metrics) Reloaded(err error) {
	if err != nil {
		m.failures.Inc()
		return
	}
	m.reloads.Inc()
}

// Replied counts one reply on channel that took d.
func (m *Metrics) Replied(channel string, r bot.Reply, d time.Duration) {
	m.questions.WithLabelValues(orNone(channel), string(r.Kind), orNone(r.Lang)).Inc()
	m.latency.WithLabelValues(orNone(channel)).Observe(d.Seconds())
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Counted is an Asker that counts every question and times every reply.
type Counted struct {
	next bot.Asker
	m    *Metrics
}

var _ bot.Asker = (*Counted)(nil)

// Count returns next wrapped so that every question is counted and timed;
// it is a bot.Middleware.
func (m *Metrics) Count(next bot.Asker) bot.Asker { return &Counted{next: next, m: m} }

// Ask asks the wrapped bot and counts the reply.
func (c *Counted) Ask(ctx context.Context, q bot.Question) bot.Reply {
	start := time.Now()
	r := c.next.Ask(ctx, q)
	c.m.Replied(q.Channel, r, time.Since(start))
	return r
}
