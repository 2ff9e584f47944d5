// Package redis keeps the state that replicas share in Redis: which
// platform events were answered (dedup.Store), conversations
// (bot.Conversations) and the per-user rate limit (ratelimit.Buckets).
// With two replicas behind a load balancer, an event LINE redelivers to
// the other one is not answered twice, a follow-up landing on the other
// one keeps its context, and a burst split across both is limited once.
//
// Every call has a deadline (CallTimeout), so that a slow Redis never
// holds a reply past LINE's limits; a call that fails is reported, and
// each store's caller lets the message through (the rate limit allows it,
// a conversation starts afresh, an event is answered): a user is never
// silenced because Redis is down. The client reconnects by itself, with
// backoff.
package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"alsbot/adapters/dedup"
	"alsbot/adapters/ratelimit"
	"alsbot/bot"
)

// CallTimeout bounds every Redis call.
const CallTimeout = 200 * time.Millisecond

// Client is a connection to Redis shared by the stores.
type Client struct {
	rdb    *goredis.Client
	prefix string
	log    *slog.Logger
}

// Open connects to the Redis at url (redis://[:password@]host:port/db or
// rediss:// for TLS). Keys are prefixed with prefix ("alsbot:"). It does
// not wait for Redis: Ping tells whether it is there.
func Open(url, prefix string, log *slog.Logger) (*Client, error) {
	opt, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("ALSBOT_REDIS_URL: %w", err)
	}
	opt.DialTimeout = time.Second
	opt.ReadTimeout = CallTimeout
	opt.WriteTimeout = CallTimeout
	opt.PoolTimeout = CallTimeout
	opt.MaxRetries = 1
	opt.MinRetryBackoff, opt.MaxRetryBackoff = 8*time.Millisecond, 64*time.Millisecond
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{rdb: goredis.NewClient(opt), prefix: prefix, log: log}, nil
}

// Close closes the connections.
func (c *Client) Close() error { return c.rdb.Close() }

// Ping reports whether Redis answers within CallTimeout.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	return c.rdb.Ping(ctx).Err()
}

func (c *Client) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, CallTimeout)
}

// Dedup is dedup.Store in Redis: a claim is SET NX with the TTL.
type Dedup struct {
	c   *Client
	ttl time.Duration
}

var _ dedup.Store = (*Dedup)(nil)

// Dedup returns the shared store of answered events, remembering each
// key for ttl.
func (c *Client) Dedup(ttl time.Duration) *Dedup { return &Dedup{c: c, ttl: ttl} }

// Claim reports whether key is new.
func (d *Dedup) Claim(ctx context.Context, key string) (bool, error) {
	ctx, cancel := d.c.call(ctx)
	defer cancel()
	ok, err := d.c.rdb.SetNX(ctx, d.c.prefix+"dedup:"+key, 1, d.ttl).Result()
	if err != nil {
		return false, fmt.Errorf("redis: claim: %w", err)
	}
	return ok, nil
}

// Release forgets key.
func (d *Dedup) Release(ctx context.Context, key string) error {
	ctx, cancel := d.c.call(ctx)
	defer cancel()
	return d.c.rdb.Del(ctx, d.c.prefix+"dedup:"+key).Err()
}

// Conversations is bot.Conversations in Redis: each conversation a JSON
// value that expires when idle for the TTL.
type Conversations struct {
	c   *Client
	ttl time.Duration
}

var _ bot.Conversations = (*Conversations)(nil)

// Conversations returns the shared store of conversations, forgetting one
// idle for ttl.
func (c *Client) Conversations(ttl time.Duration) *Conversations {
	return &Conversations{c: c, ttl: ttl}
}

// Get returns the conversation at key; a Redis that fails counts as none
// (the message is answered without its context).
func (s *Conversations) Get(ctx context.Context, key string) (bot.Conversation, bool) {
	ctx, cancel := s.c.call(ctx)
	defer cancel()
	data, err := s.c.rdb.Get(ctx, s.c.prefix+"conv:"+key).Bytes()
	if err != nil {
		if !errors.Is(err, goredis.Nil) {
			s.c.log.Warn("redis: a conversation could not be read; answering without its context", "err", err)
		}
		return bot.Conversation{}, false
	}
	var conv bot.Conversation
	if err := json.Unmarshal(data, &conv); err != nil {
		return bot.Conversation{}, false
	}
	return conv, true
}

// Put stores the conversation, idle for its TTL from now.
func (s *Conversations) Put(ctx context.Context, key string, conv bot.Conversation) {
	data, err := json.Marshal(conv)
	if err != nil {
		return
	}
	ctx, cancel := s.c.call(ctx)
	defer cancel()
	if err := s.c.rdb.Set(ctx, s.c.prefix+"conv:"+key, data, s.ttl).Err(); err != nil {
		s.c.log.Warn("redis: a conversation could not be written", "err", err)
	}
}

// Buckets is ratelimit.Buckets in Redis: one bucket per user for every
// replica, updated atomically by a script.
type Buckets struct{ c *Client }

var _ ratelimit.Buckets = (*Buckets)(nil)

// Buckets returns the shared rate-limit buckets.
func (c *Client) Buckets() *Buckets { return &Buckets{c: c} }

// take is a token bucket in one hash: tokens, the time they were counted
// at (ms), and whether the user was warned since last allowed. KEYS[1] the
// bucket; ARGV burst, every (ms), now (ms), urgent (0/1). It returns
// {allowed, warn}. The time is Redis's own, so replicas with drifting
// clocks share one bucket.
var take = goredis.NewScript(`
local burst = tonumber(ARGV[1])
local every = tonumber(ARGV[2])
local urgent = ARGV[3] == "1"
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call("HMGET", KEYS[1], "tokens", "at", "warned")
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
local warned = b[3] == "1"
tokens = math.min(burst, tokens + (now - at) / every)
local allowed, warn = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
  warned = false
elseif urgent then
  allowed = 1
elseif not warned then
  warned = true
  warn = 1
end
redis.call("HSET", KEYS[1], "tokens", tostring(tokens), "at", now, "warned", warned and "1" or "0")
redis.call("PEXPIRE", KEYS[1], math.ceil(every * burst) + 1000)
return {allowed, warn}
`)

// Take spends one message of key's allowance (see ratelimit.Buckets).
func (b *Buckets) Take(ctx context.Context, key string, burst int, every time.Duration, urgent bool) (allowed, warn bool, err error) {
	ctx, cancel := b.c.call(ctx)
	defer cancel()
	u := "0"
	if urgent {
		u = "1"
	}
	res, err := take.Run(ctx, b.c.rdb, []string{b.c.prefix + "rate:" + key}, burst, every.Milliseconds(), u).Int64Slice()
	if err != nil || len(res) != 2 {
		return true, false, fmt.Errorf("redis: rate limit: %w", err)
	}
	return res[0] == 1, res[1] == 1, nil
}
