// Package bucketcheck is the conformance suite every ratelimit.Buckets
// passes: the memory buckets and the shared ones (Redis) alike.
package bucketcheck

import (
	"context"
	"sync"
	"testing"
	"time"

	"alsbot/adapters/ratelimit"
)

// Run holds the buckets open returns to the contract of
// ratelimit.Buckets, with real time: a burst, then one polite refusal and
// silent ones, an urgent message always through, the allowance back
// after Every, and concurrent takers sharing one bucket.
func Run(t *testing.T, open func(t *testing.T) ratelimit.Buckets) {
	ctx := context.Background()
	const every = 400 * time.Millisecond
	t.Run("burst, then one warning", func(t *testing.T) {
		b := open(t)
		var got []string
		for range 6 {
			ok, warn, err := b.Take(ctx, "line\x00U-burst", 3, every, false)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, map[[2]bool]string{{true, false}: "ok", {false, true}: "warn", {false, false}: "silent"}[[2]bool{ok, warn}])
		}
		want := []string{"ok", "ok", "ok", "warn", "silent", "silent"}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("takes: %v, want %v", got, want)
			}
		}
		if ok, _, _ := b.Take(ctx, "line\x00U-burst", 3, every, true); !ok {
			t.Error("an urgent message was held back")
		}
		if ok, _, _ := b.Take(ctx, "line\x00U-other", 3, every, false); !ok {
			t.Error("another user is limited too")
		}
		time.Sleep(3 * every)
		if ok, _, _ := b.Take(ctx, "line\x00U-burst", 3, every, false); !ok {
			t.Error("the allowance did not come back")
		}
	})
	t.Run("one bucket for concurrent takers", func(t *testing.T) {
		b := open(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed, warned := 0, 0
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, warn, err := b.Take(ctx, "line\x00U-race", 5, time.Hour, false)
				mu.Lock()
				defer mu.Unlock()
				if err == nil && ok {
					allowed++
				}
				if warn {
					warned++
				}
			}()
		}
		wg.Wait()
		if allowed != 5 || warned != 1 {
			t.Errorf("20 at once: %d allowed, %d warned; want 5 and 1", allowed, warned)
		}
	})
}
