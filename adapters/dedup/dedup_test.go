package dedup

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMemoryClaimsOnceUntilExpiry(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	m := NewMemory(10 * time.Minute)
	m.now = func() time.Time { return now }

	steps := []struct {
		after time.Duration
		key   string
		want  bool
	}{
		{0, "ev1", true},
		{time.Second, "ev1", false},
		{time.Second, "ev2", true},
		{9 * time.Minute, "ev1", false},
		{2 * time.Minute, "ev1", true}, // 11 min after the first claim
		{0, "ev1", false},
	}
	for i, s := range steps {
		now = now.Add(s.after)
		got, err := m.Claim(ctx, s.key)
		if err != nil || got != s.want {
			t.Fatalf("step %d: Claim(%q) = %v, %v; want %v", i, s.key, got, err, s.want)
		}
	}
}

func TestMemoryForgetsExpiredKeys(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	m := NewMemory(time.Minute)
	m.now = func() time.Time { return now }
	for i := range 1000 {
		m.Claim(ctx, fmt.Sprint(i))
	}
	now = now.Add(2 * time.Minute)
	m.Claim(ctx, "fresh")
	if n := m.Len(); n != 1 {
		t.Fatalf("after expiry the store holds %d keys, want 1", n)
	}
}

func TestMemoryConcurrentClaimsOneWinner(t *testing.T) {
	m := NewMemory(time.Minute)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			if ok, _ := m.Claim(context.Background(), "same"); ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d goroutines claimed the same key, want 1", wins.Load())
	}
}
