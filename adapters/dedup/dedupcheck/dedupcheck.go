// Package dedupcheck is the conformance suite every dedup.Store passes:
// the memory store and the shared ones (Redis) alike.
package dedupcheck

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"alsbot/adapters/dedup"
)

// Run holds the store open returns to the contract of dedup.Store: a key
// is claimed once, by one of many claimers at the same moment, and again
// after it is released. open returns a fresh, empty store; two stores
// open returns may be the same shared one.
func Run(t *testing.T, open func(t *testing.T) dedup.Store) {
	ctx := context.Background()
	t.Run("once", func(t *testing.T) {
		s := open(t)
		for i, want := range []bool{true, false, false} {
			got, err := s.Claim(ctx, "line:ev-once")
			if err != nil || got != want {
				t.Fatalf("claim %d: %v, %v; want %v", i+1, got, err, want)
			}
		}
		if got, _ := s.Claim(ctx, "line:ev-other"); !got {
			t.Error("another key is claimed already")
		}
	})
	t.Run("released", func(t *testing.T) {
		s := open(t)
		s.Claim(ctx, "line:ev-released")
		if err := s.Release(ctx, "line:ev-released"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Claim(ctx, "line:ev-released"); err != nil || !got {
			t.Errorf("after release: %v, %v; want claimed again", got, err)
		}
	})
	t.Run("one of many at once", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ok, err := s.Claim(ctx, "line:ev-race"); err == nil && ok {
					mu.Lock()
					won++
					mu.Unlock()
				}
				_ = i
			}()
		}
		wg.Wait()
		if won != 1 {
			t.Errorf("%d of 32 concurrent claims won, want 1", won)
		}
	})
	t.Run("keys are not confused", func(t *testing.T) {
		s := open(t)
		for i := range 50 {
			if ok, _ := s.Claim(ctx, fmt.Sprintf("slack:ts:C1:%d", i)); !ok {
				t.Fatalf("key %d already claimed", i)
			}
		}
	})
}
