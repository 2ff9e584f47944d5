// Package ratelimit keeps one user from flooding the bot: each user (a
// channel and a user id) may ask a few questions in a row, then one every
// few seconds. The first message over the limit gets a polite reply in the
// user's language; the ones after it get a silent reply (send nothing)
// until the user may ask again, so a stuck key or a script never makes
// the bot shout back.
package ratelimit

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"alsbot/bot"
)

// Defaults sized for a person typing on a phone: five messages in a row
// (a question split over a few lines, or a few taps on suggestions), then
// one every three seconds, which is faster than anyone reads a medical
// answer and types the next question, and slow enough to stop a script.
const (
	DefaultBurst = 5
	DefaultEvery = 3 * time.Second
)

// RuleID is the Rule of the polite reply, so adapters and records can tell
// it from the knowledge base's rules.
const RuleID = "rate-limit"

// Observer learns when a user is told to slow down.
type Observer interface {
	Limited(channel string)
}

// Config sets the limit. A zero Burst disables limiting.
type Config struct {
	// Burst is how many messages a user may send in a row.
	Burst int
	// Every is how often a user may ask once the burst is spent.
	Every time.Duration
	// Observer, if set, hears of every user told to slow down.
	Observer Observer
	// Buckets keeps the allowances; default: in this process's memory.
	// A shared store (Redis) gives every replica one bucket per user.
	Buckets Buckets
}

// Buckets keeps each user's allowance: Burst messages in a row, then one
// per Every. Take spends one message of key's and reports whether it may
// be answered and, when not, whether this is the first refusal since the
// user was last allowed (the one that gets the polite reply). An urgent
// message is always allowed, and still spends the allowance.
type Buckets interface {
	Take(ctx context.Context, key string, burst int, every time.Duration, urgent bool) (allowed, warn bool, err error)
}

// Limiter is an Asker that limits each user. It is safe for concurrent
// use.
type Limiter struct {
	next    bot.Asker
	cfg     Config
	buckets Buckets
}

var _ bot.Asker = (*Limiter)(nil)

// Memory is Buckets in this process's memory. It is safe for concurrent
// use.
type Memory struct {
	now     func() time.Time
	mu      sync.Mutex
	users   map[string]*user
	sweepAt time.Time
	burst   int
}

// NewMemory returns empty in-memory buckets.
func NewMemory() *Memory { return &Memory{now: time.Now, users: map[string]*user{}} }

type user struct {
	lim    *rate.Limiter
	warned bool
}

// sweepEvery is how often users back at a full burst are forgotten: a
// fresh limiter is the same as a full one, so memory stays proportional to
// the users active in the last few seconds.
const sweepEvery = time.Minute

// New returns a limiter in front of next.
func New(next bot.Asker, cfg Config) *Limiter {
	b := cfg.Buckets
	if b == nil {
		b = NewMemory()
	}
	return &Limiter{next: next, cfg: cfg, buckets: b}
}

// Stage is the limiter as a stage of a chain (see bot.Chain).
func Stage(cfg Config) bot.Middleware {
	return func(next bot.Asker) bot.Asker { return New(next, cfg) }
}

// Ask answers q with the next Asker while the user is within the limit.
// Over it, the first message gets a polite reply (kind rule, rule
// RuleID) and the others a silent reply, until the user may ask again.
// Questions without a user are not limited, and an urgent question (an
// emergency, a crisis: see bot.SafetyFirst) is always answered; it still
// spends the user's allowance.
func (l *Limiter) Ask(ctx context.Context, q bot.Question) bot.Reply {
	if l.cfg.Burst <= 0 || q.User == "" && q.Client == "" {
		return l.next.Ask(ctx, q)
	}
	allowed, warn := true, false
	if q.User != "" {
		allowed, warn = l.take(ctx, q.Channel+"\x00"+q.User, q.Urgent)
	}
	if allowed && q.Client != "" {
		// The address is limited as well: a new conversation on every
		// request is still one client.
		allowed, warn = l.take(ctx, q.Channel+"\x00client:"+q.Client, q.Urgent)
	}
	switch {
	case allowed:
		return l.next.Ask(ctx, q)
	case warn:
		if l.cfg.Observer != nil {
			l.cfg.Observer.Limited(q.Channel)
		}
		return SlowDown(q)
	}
	lang := q.Lang
	if lang == "" {
		lang = "ja"
	}
	return bot.Reply{Kind: bot.KindSilent, Lang: bot.Language(q.Text, lang), Sources: []bot.Source{}, Suggestions: []bot.Suggestion{}}
}

// take spends one message of k's allowance. It reports whether the
// message may be answered and, if not, whether the user must be told. A
// store that fails lets the message through: a rate limit must never
// silence someone because a shared store is down.
func (l *Limiter) take(ctx context.Context, k string, urgent bool) (allowed, warn bool) {
	allowed, warn, err := l.buckets.Take(ctx, k, l.cfg.Burst, l.cfg.Every, urgent)
	if err != nil {
		return true, false
	}
	return allowed, warn
}

// Take spends one message of key's allowance (see Buckets).
func (m *Memory) Take(_ context.Context, k string, burst int, every time.Duration, urgent bool) (allowed, warn bool, err error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.burst = burst
	if now.After(m.sweepAt) {
		m.sweep(now)
	}
	u := m.users[k]
	if u == nil {
		u = &user{lim: rate.NewLimiter(rate.Every(every), burst)}
		m.users[k] = u
	}
	if u.lim.AllowN(now, 1) {
		u.warned = false
		return true, false, nil
	}
	if urgent {
		return true, false, nil
	}
	if u.warned {
		return false, false, nil
	}
	u.warned = true
	return false, true, nil
}

func (m *Memory) sweep(now time.Time) {
	for k, u := range m.users {
		if u.lim.TokensAt(now) >= float64(m.burst) {
			delete(m.users, k)
		}
	}
	m.sweepAt = now.Add(sweepEvery)
}

// Users is how many users the buckets remember now.
func (m *Memory) Users() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.users)
}

// SlowDown is the polite reply to a user over the limit, in the language
// of their message.
func SlowDown(q bot.Question) bot.Reply {
	lang := q.Lang
	if lang == "" {
		lang = "ja"
	}
	lang = bot.Language(q.Text, lang)
	text := "メッセージが続けて届いたため、少しのあいだお返事を控えています。数秒おいてから、もう一度送ってください。"
	if lang == "en" {
		text = "Messages are arriving faster than I can answer, so I am pausing for a moment. Please wait a few seconds and send your question again."
	}
	return bot.Reply{Kind: bot.KindRule, Lang: lang, Rule: RuleID, Text: text, Sources: []bot.Source{}, Suggestions: []bot.Suggestion{}}
}
