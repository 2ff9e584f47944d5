package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"alsbot/adapters/outbox"
)

// Outbox is outbox.Store in Redis, shared by the replicas: each accepted
// event is kept until it is answered, under a processing lease held by
// the replica that accepted it. Pending hands a replica the events whose
// lease has run out (their replica died or stopped), taking the lease
// itself, so that another replica finishes them and no two answer the
// same event. The lease must outlast any event's wait and answer (the
// LINE adapter refuses work that would wait over 30 s, and gives an
// answer 30 s more): DefaultLease is two minutes.
type Outbox struct {
	c     *Client
	owner string
	lease time.Duration
}

var _ outbox.Store = (*Outbox)(nil)

// DefaultLease is how long an accepted event stays its replica's.
const DefaultLease = 2 * time.Minute

// Outbox returns the shared outbox; owner names this replica (any id
// unique among them), lease how long an event stays its replica's.
func (c *Client) Outbox(owner string, lease time.Duration) *Outbox {
	if lease <= 0 {
		lease = DefaultLease
	}
	return &Outbox{c: c, owner: owner, lease: lease}
}

type keptEvent struct {
	Data     []byte `json:"data"`
	Received int64  `json:"received"`
}

func (o *Outbox) events(channel string) string   { return o.c.prefix + "outbox:" + channel }
func (o *Outbox) attempts(channel string) string { return o.c.prefix + "outbox-attempted:" + channel }
func (o *Outbox) leaseKey(channel, id string) string {
	return o.c.prefix + "outbox-lease:" + channel + ":" + id
}

// Put records events and takes their leases; a redelivered event already
// kept is left as it is.
func (o *Outbox) Put(ctx context.Context, events []outbox.Event) error {
	ctx, cancel := o.c.call(ctx)
	defer cancel()
	_, err := o.c.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		for _, e := range events {
			data, _ := json.Marshal(keptEvent{Data: e.Data, Received: e.Received.UnixMilli()})
			p.HSetNX(ctx, o.events(e.Channel), e.ID, data)
			p.SetNX(ctx, o.leaseKey(e.Channel, e.ID), o.owner, o.lease)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis outbox: %w", err)
	}
	return nil
}

// Attempting records that an answer to the event is about to be sent.
func (o *Outbox) Attempting(ctx context.Context, channel, id string) error {
	ctx, cancel := o.c.call(ctx)
	defer cancel()
	return o.c.rdb.HSet(ctx, o.attempts(channel), id, 1).Err()
}

// Done forgets the event.
func (o *Outbox) Done(ctx context.Context, channel, id string) error {
	ctx, cancel := o.c.call(ctx)
	defer cancel()
	_, err := o.c.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.HDel(ctx, o.events(channel), id)
		p.HDel(ctx, o.attempts(channel), id)
		p.Del(ctx, o.leaseKey(channel, id))
		return nil
	})
	return err
}

// Pending returns, oldest first, the channel's events whose lease has
// run out, each now leased to this replica.
func (o *Outbox) Pending(ctx context.Context, channel string) ([]outbox.Event, error) {
	cctx, cancel := o.c.call(ctx)
	kept, err := o.c.rdb.HGetAll(cctx, o.events(channel)).Result()
	cancel()
	if err != nil {
		return nil, fmt.Errorf("redis outbox: %w", err)
	}
	var out []outbox.Event
	for id, raw := range kept {
		cctx, cancel := o.c.call(ctx)
		mine, err := o.c.rdb.SetNX(cctx, o.leaseKey(channel, id), o.owner, o.lease).Result()
		if err == nil && mine {
			var k keptEvent
			if json.Unmarshal([]byte(raw), &k) == nil {
				attempted, _ := o.c.rdb.HExists(cctx, o.attempts(channel), id).Result()
				if !attempted {
					// The replica that held it never began an answer: its
					// claim (see Dedup, LINE's keys are channel:id) goes
					// with the lease.
					o.c.rdb.Del(cctx, o.c.prefix+"dedup:"+channel+":"+id)
				}
				out = append(out, outbox.Event{ID: id, Channel: channel, Data: k.Data, Received: time.UnixMilli(k.Received), Attempted: attempted})
			}
		}
		cancel()
		if err != nil {
			return out, fmt.Errorf("redis outbox: %w", err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Received.Before(out[j].Received) })
	return out, nil
}

// renew extends this replica's lease of an event, or takes it when it has
// none; it returns 0 when another replica holds it, or when the event is
// no longer kept (another replica answered it: its lease went with it).
// KEYS[1] the lease, KEYS[2] the channel's events; ARGV the owner, the
// lease in ms, the event id.
var renew = goredis.NewScript(`
if redis.call("HEXISTS", KEYS[2], ARGV[3]) == 0 then
  return 0
end
local owner = redis.call("GET", KEYS[1])
if owner == ARGV[1] or not owner then
  redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
  return 1
end
return 0
`)

// Renew reports whether the event is still this replica's to answer,
// extending its lease: false when another replica has taken it over.
func (o *Outbox) Renew(ctx context.Context, channel, id string) (bool, error) {
	ctx, cancel := o.c.call(ctx)
	defer cancel()
	n, err := renew.Run(ctx, o.c.rdb, []string{o.leaseKey(channel, id), o.events(channel)}, o.owner, o.lease.Milliseconds(), id).Int()
	if err != nil {
		return true, fmt.Errorf("redis outbox: %w", err) // answer rather than drop it
	}
	return n == 1, nil
}
