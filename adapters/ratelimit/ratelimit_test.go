package ratelimit

import (
	"context"
	"testing"
	"time"

	"alsbot/bot"
)

// echo answers every question, so a test sees which ones got through.
type echo struct{ asked int }

func (e *echo) Ask(_ context.Context, q bot.Question) bot.Reply {
	e.asked++
	return bot.Reply{Kind: bot.KindAnswer, Text: "answer to " + q.Text}
}

type counter map[string]int

func (c counter) Limited(channel string) { c[channel]++ }

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newLimiter(burst int, every time.Duration) (*Limiter, *echo, *clock, counter) {
	e := &echo{}
	c := &clock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
	obs := counter{}
	m := NewMemory()
	m.now = c.now
	l := New(e, Config{Burst: burst, Every: every, Observer: obs, Buckets: m})
	return l, e, c, obs
}

func TestLimitTripsOnceAndRecovers(t *testing.T) {
	l, e, c, obs := newLimiter(3, 3*time.Second)
	ctx := context.Background()
	q := bot.Question{Text: "ミューズ細胞とは", Channel: "line", User: "U1"}
	var kinds []bot.Kind
	for range 6 {
		kinds = append(kinds, l.Ask(ctx, q).Kind)
	}
	want := []bot.Kind{bot.KindAnswer, bot.KindAnswer, bot.KindAnswer, bot.KindRule, bot.KindSilent, bot.KindSilent}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("replies %v, want %v", kinds, want)
		}
	}
	if e.asked != 3 {
		t.Errorf("the bot was asked %d times, want 3", e.asked)
	}
	if obs["line"] != 1 {
		t.Errorf("observer told %d times, want once", obs["line"])
	}

	// Another user, and the same user id on another channel, are not held back.
	for _, other := range []bot.Question{{Text: "x", Channel: "line", User: "U2"}, {Text: "x", Channel: "web", User: "U1"}} {
		if r := l.Ask(ctx, other); r.Kind != bot.KindAnswer {
			t.Errorf("%s/%s got %s, want an answer", other.Channel, other.User, r.Kind)
		}
	}

	c.t = c.t.Add(3 * time.Second)
	if r := l.Ask(ctx, q); r.Kind != bot.KindAnswer {
		t.Fatalf("after waiting: %s, want an answer", r.Kind)
	}
	// Over the limit again: told again, once.
	if r := l.Ask(ctx, q); r.Kind != bot.KindRule {
		t.Errorf("second episode: %s, want the polite reply", r.Kind)
	}
	if r := l.Ask(ctx, q); r.Kind != bot.KindSilent {
		t.Errorf("second episode, next message: %s, want silent", r.Kind)
	}
	if obs["line"] != 2 {
		t.Errorf("observer told %d times, want twice", obs["line"])
	}
}

func TestSlowDownSpeaksTheUsersLanguage(t *testing.T) {
	tests := []struct {
		text, lang, want string
	}{
		{"iPS細胞とは", "", "ja"},
		{"what is conditioned medium", "", "en"},
		{"what is conditioned medium", "ja", "en"},
		{"???", "en", "en"},
		{"???", "", "ja"},
	}
	for _, tt := range tests {
		l, _, _, _ := newLimiter(1, time.Minute)
		q := bot.Question{Text: tt.text, Lang: tt.lang, Channel: "web", User: "c"}
		l.Ask(context.Background(), q)
		r := l.Ask(context.Background(), q)
		if r.Kind != bot.KindRule || r.Rule != RuleID || r.Lang != tt.want || r.Text == "" {
			t.Errorf("%q (lang %q): %+v, want a %s rate-limit reply", tt.text, tt.lang, r, tt.want)
		}
	}
}

func TestUnlimited(t *testing.T) {
	tests := []struct {
		name  string
		burst int
		q     bot.Question
	}{
		{"limit off", 0, bot.Question{Text: "x", Channel: "line", User: "U1"}},
		{"no user", 1, bot.Question{Text: "x", Channel: "cli"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, e, _, _ := newLimiter(tt.burst, time.Minute)
			for range 20 {
				l.Ask(context.Background(), tt.q)
			}
			if e.asked != 20 {
				t.Errorf("%d of 20 answered", e.asked)
			}
		})
	}
}

func TestIdleUsersAreForgotten(t *testing.T) {
	l, _, c, _ := newLimiter(2, time.Second)
	for _, u := range []string{"a", "b", "c"} {
		l.Ask(context.Background(), bot.Question{Text: "x", Channel: "line", User: u})
	}
	if n := l.buckets.(*Memory).Users(); n != 3 {
		t.Fatalf("%d users remembered, want 3", n)
	}
	c.t = c.t.Add(2 * sweepEvery)
	l.Ask(context.Background(), bot.Question{Text: "x", Channel: "line", User: "d"})
	if n := l.buckets.(*Memory).Users(); n != 1 {
		t.Errorf("%d users remembered after they went quiet, want 1", n)
	}
}

// An urgent message (an emergency) is answered however many came before
// it, and does not use up the polite reply owed to the next one.
func TestUrgentIsNeverLimited(t *testing.T) {
	l, e, _, _ := newLimiter(2, time.Minute)
	ctx := context.Background()
	q := bot.Question{Text: "x", Channel: "line", User: "U1"}
	for range 20 {
		l.Ask(ctx, q)
	}
	sos := q
	sos.Urgent = true
	for range 3 {
		if r := l.Ask(ctx, sos); r.Kind != bot.KindAnswer {
			t.Fatalf("urgent message over the limit got %s", r.Kind)
		}
	}
	if e.asked != 2+3 {
		t.Errorf("the bot was asked %d times, want 5", e.asked)
	}
	l2, _, _, _ := newLimiter(1, time.Minute)
	l2.Ask(ctx, q)
	l2.Ask(ctx, sos)
	if r := l2.Ask(ctx, q); r.Kind != bot.KindRule {
		t.Errorf("after an urgent message over the limit, the next got %s; want the polite reply", r.Kind)
	}
}

func BenchmarkAsk(b *testing.B) {
	l := New(&echo{}, Config{Burst: DefaultBurst, Every: time.Millisecond})
	users := make([]string, 1000)
	for i := range users {
		users[i] = string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		l.Ask(ctx, bot.Question{Text: "x", Channel: "line", User: users[i%len(users)]})
		i++
	}
}
