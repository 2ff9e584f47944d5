// Package outboxcheck is the conformance suite every outbox.Store passes:
// SQLite (one server) and Redis (replicas) alike.
package outboxcheck

import (
	"context"
	"testing"
	"time"

	"alsbot/adapters/outbox"
)

// Run holds the store open returns (fresh and empty) to the contract of
// outbox.Store: what is put is pending until done, oldest first, with its
// attempt recorded, and a redelivery leaves it as it is. reopen, when not
// nil, returns another process's view of the same store (after a restart,
// or another replica once leases ran out): the pending events are handed
// to it.
func Run(t *testing.T, open func(t *testing.T) outbox.Store, reopen func(t *testing.T, s outbox.Store) outbox.Store) {
	ctx := context.Background()
	t0 := time.Now().Add(-time.Second).Truncate(time.Millisecond)
	ev := func(id string, at time.Time) outbox.Event {
		return outbox.Event{ID: id, Channel: "line", Data: []byte(`{"event":"` + id + `"}`), Received: at}
	}
	t.Run("pending until done", func(t *testing.T) {
		s := open(t)
		if err := s.Put(ctx, []outbox.Event{ev("e2", t0.Add(2*time.Millisecond)), ev("e1", t0)}); err != nil {
			t.Fatal(err)
		}
		s.Put(ctx, []outbox.Event{{ID: "e1", Channel: "line", Data: []byte(`{"event":"changed"}`), Received: t0.Add(time.Hour)}}) // a redelivery
		s.Attempting(ctx, "line", "e2")
		s.Put(ctx, []outbox.Event{ev("e3", t0.Add(time.Millisecond))})
		s.Done(ctx, "line", "e3")
		other := s
		if reopen != nil {
			other = reopen(t, s)
		}
		got, err := other.Pending(ctx, "line")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != "e1" || got[1].ID != "e2" {
			t.Fatalf("pending %+v; want e1 then e2", got)
		}
		if string(got[0].Data) != `{"event":"e1"}` || !got[0].Received.Equal(t0) || got[0].Attempted {
			t.Errorf("e1 came back as %+v", got[0])
		}
		if !got[1].Attempted {
			t.Error("e2's attempt was not kept")
		}
		if got, _ := other.Pending(ctx, "slack"); len(got) != 0 {
			t.Errorf("another channel's pending: %+v", got)
		}
	})
}
