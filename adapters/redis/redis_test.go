package redis_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"alsbot/adapters/dedup"
	"alsbot/adapters/dedup/dedupcheck"
	"alsbot/adapters/handoff"
	"alsbot/adapters/handoff/storecheck"
	"alsbot/adapters/outbox"
	"alsbot/adapters/outbox/outboxcheck"
	"alsbot/adapters/ratelimit"
	"alsbot/adapters/ratelimit/bucketcheck"
	"alsbot/adapters/redis"
	"alsbot/adapters/redis/redistest"
	"alsbot/bot"
	"alsbot/bot/convcheck"
)

var n atomic.Int64

// open connects to url with a prefix of its own, so that each store the
// suites open is fresh.
func open(t *testing.T, url string) *redis.Client {
	c, err := redis.Open(url, fmt.Sprintf("test%d:", n.Add(1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// The Redis stores pass the suites the memory ones pass.
func TestRedisConforms(t *testing.T) {
	url := redistest.Start(t)
	t.Run("dedup", func(t *testing.T) {
		dedupcheck.Run(t, func(t *testing.T) dedup.Store { return open(t, url).Dedup(time.Hour) })
	})
	t.Run("buckets", func(t *testing.T) {
		bucketcheck.Run(t, func(t *testing.T) ratelimit.Buckets { return open(t, url).Buckets() })
	})
	t.Run("cases", func(t *testing.T) {
		storecheck.Run(t, func(t *testing.T) handoff.Store { return open(t, url).Cases() })
	})
	t.Run("outbox", func(t *testing.T) {
		var prefix string
		outboxcheck.Run(t, func(t *testing.T) outbox.Store {
			prefix = fmt.Sprintf("test%d:", n.Add(1))
			c, err := redis.Open(url, prefix, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return c.Outbox("replica-a", 100*time.Millisecond)
		}, func(t *testing.T, _ outbox.Store) outbox.Store {
			// Another replica, once replica-a's leases have run out.
			time.Sleep(200 * time.Millisecond)
			c, err := redis.Open(url, prefix, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return c.Outbox("replica-b", time.Minute)
		})
	})
	t.Run("conversations", func(t *testing.T) {
		convcheck.Run(t, time.Second, func(t *testing.T) bot.Conversations { return open(t, url).Conversations(time.Second) })
	})
}

// TestRedisDownFailsOpenFast: with Redis gone, every call returns within
// its deadline, and each store errs on the side of answering.
func TestRedisDownFailsOpenFast(t *testing.T) {
	c := open(t, "redis://127.0.0.1:1/0") // nothing listens there
	ctx := context.Background()
	start := time.Now()
	if err := c.Ping(ctx); err == nil {
		t.Fatal("ping succeeded")
	}
	if _, err := c.Dedup(time.Hour).Claim(ctx, "k"); err == nil {
		t.Error("a claim succeeded")
	}
	if ok, _, err := c.Buckets().Take(ctx, "k", 1, time.Second, false); err == nil || !ok {
		t.Errorf("rate limit with Redis down: allowed %v, err %v; want allowed, with the error", ok, err)
	}
	if _, ok := c.Conversations(time.Minute).Get(ctx, "k"); ok {
		t.Error("a conversation was found")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the calls took %s with Redis down", d)
	}
}

// TestOutboxLeases: while a replica holds an event's lease, no other is
// handed it, and a renewal by another replica fails; once it runs out,
// the other takes it, and the first can no longer renew it.
func TestOutboxLeases(t *testing.T) {
	url := redistest.Start(t)
	prefix := fmt.Sprintf("lease%d:", n.Add(1))
	ca, _ := redis.Open(url, prefix, nil)
	cb, _ := redis.Open(url, prefix, nil)
	defer ca.Close()
	defer cb.Close()
	ctx := context.Background()
	a, b := ca.Outbox("a", 300*time.Millisecond), cb.Outbox("b", time.Minute)
	a.Put(ctx, []outbox.Event{{ID: "e1", Channel: "line", Data: []byte("{}"), Received: time.Now()}})
	if got, _ := b.Pending(ctx, "line"); len(got) != 0 {
		t.Fatalf("b was handed a's live event: %+v", got)
	}
	if mine, _ := b.Renew(ctx, "line", "e1"); mine {
		t.Error("b renewed a's lease")
	}
	if mine, _ := a.Renew(ctx, "line", "e1"); !mine {
		t.Error("a could not renew its own lease")
	}
	time.Sleep(400 * time.Millisecond)
	if got, _ := b.Pending(ctx, "line"); len(got) != 1 {
		t.Fatalf("after a's lease ran out, b got %+v", got)
	}
	if mine, _ := a.Renew(ctx, "line", "e1"); mine {
		t.Error("a renewed an event b had taken over")
	}
	b.Done(ctx, "line", "e1")
	if mine, _ := a.Renew(ctx, "line", "e1"); mine {
		t.Error("a took the lease of an event b had answered")
	}
}
