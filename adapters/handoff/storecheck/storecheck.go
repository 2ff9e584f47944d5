// Package storecheck is the conformance suite every handoff.Store passes:
// SQLite (one server) and Redis (replicas) alike.
package storecheck

import (
	"context"
	"testing"
	"time"

	"alsbot/adapters/handoff"
)

// Run holds the store open returns (fresh and empty) to the contract of
// handoff.Store.
func Run(t *testing.T, open func(t *testing.T) handoff.Store) {
	ctx := context.Background()
	opened := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	t.Run("a case's life", func(t *testing.T) {
		s := open(t)
		c, err := s.Create(ctx, handoff.Case{User: "U1", Pseudonym: "patient-1", Lang: "ja", Status: handoff.Open, Opened: opened})
		if err != nil || c.ID == 0 {
			t.Fatalf("create: %+v, %v", c, err)
		}
		if _, ok, _ := s.ByThread(ctx, "T1"); ok {
			t.Error("a thread found before the case had one")
		}
		c.Thread = "T1"
		if err := s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.OpenByUser(ctx, "U1")
		if err != nil || !ok || got.ID != c.ID || got.Thread != "T1" || got.Pseudonym != "patient-1" || !got.Opened.Equal(opened) {
			t.Fatalf("open by user: %+v %v %v", got, ok, err)
		}
		if got, ok, _ := s.ByThread(ctx, "T1"); !ok || got.ID != c.ID {
			t.Errorf("by thread: %+v %v", got, ok)
		}
		if w, _ := s.Waiting(ctx); len(w) != 1 || w[0].ID != c.ID {
			t.Errorf("waiting: %+v", w)
		}
		first, _ := s.Relayed(ctx, c.ID, "m1")
		again, _ := s.Relayed(ctx, c.ID, "m1")
		other, _ := s.Relayed(ctx, c.ID, "m2")
		if !first || again || !other {
			t.Errorf("relayed: %v %v %v; want true false true", first, again, other)
		}
		c.Answered = opened.Add(time.Minute)
		s.Update(ctx, c)
		if w, _ := s.Waiting(ctx); len(w) != 0 {
			t.Errorf("an answered case is waiting: %+v", w)
		}
		c.Status, c.Closed = handoff.Closed, opened.Add(time.Hour)
		s.Update(ctx, c)
		if _, ok, _ := s.OpenByUser(ctx, "U1"); ok {
			t.Error("a closed case is open")
		}
		if n, _ := s.Forget(ctx, opened.Add(30*time.Minute)); n != 0 {
			t.Errorf("forgot %d cases closed after the cutoff", n)
		}
		if n, _ := s.Forget(ctx, opened.Add(2*time.Hour)); n != 1 {
			t.Errorf("forgot %d, want 1", n)
		}
		if got, ok, _ := s.ByThread(ctx, "T1"); !ok || got.User != "" {
			t.Errorf("after forgetting, the user id is %q", got.User)
		}
	})
	t.Run("offers", func(t *testing.T) {
		s := open(t)
		now := time.Now()
		if ok, _ := s.TakeOffer(ctx, "U1", now); ok {
			t.Error("an offer never made stands")
		}
		s.Offer(ctx, "U1", now.Add(10*time.Minute))
		if ok, err := s.TakeOffer(ctx, "U1", now); !ok || err != nil {
			t.Errorf("a standing offer: %v %v", ok, err)
		}
		if ok, _ := s.TakeOffer(ctx, "U1", now); ok {
			t.Error("an offer taken twice")
		}
		s.Offer(ctx, "U2", now.Add(time.Minute))
		if ok, _ := s.TakeOffer(ctx, "U2", now.Add(2*time.Minute)); ok {
			t.Error("a lapsed offer stands")
		}
	})
	t.Run("cases are kept apart", func(t *testing.T) {
		s := open(t)
		a, _ := s.Create(ctx, handoff.Case{User: "UA", Pseudonym: "a", Lang: "ja", Status: handoff.Open, Opened: opened})
		b, _ := s.Create(ctx, handoff.Case{User: "UB", Pseudonym: "b", Lang: "en", Status: handoff.Open, Opened: opened})
		if a.ID == b.ID {
			t.Fatal("two cases, one id")
		}
		if got, ok, _ := s.OpenByUser(ctx, "UB"); !ok || got.ID != b.ID || got.Lang != "en" {
			t.Errorf("UB's case: %+v", got)
		}
	})
}
