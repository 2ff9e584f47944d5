// Package dedup remembers which platform events were already handled, so a
// redelivered webhook or a retried Slack event is answered exactly once.
package dedup

import (
	"context"
	"sync"
	"time"
)

// Store claims event keys. Claim reports true the first time a key is
// claimed within the store's memory, and false for every repeat. A shared
// store (Redis, SQL) can replace the in-memory one behind this interface.
type Store interface {
	Claim(ctx context.Context, key string) (bool, error)
	// Release forgets a claim, so that the event is answered when it
	// comes again: its answer could not be delivered.
	Release(ctx context.Context, key string) error
}

// Memory is a Store in this process's memory: keys are forgotten after
// ttl. It is safe for concurrent use.
type Memory struct {
	ttl  time.Duration
	now  func() time.Time
	mu   sync.Mutex
	seen map[string]time.Time
	// sweepAt is when expired keys are next dropped.
	sweepAt time.Time
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty store that remembers keys for ttl.
func NewMemory(ttl time.Duration) *Memory {
	return &Memory{ttl: ttl, now: time.Now, seen: map[string]time.Time{}}
}

// Claim reports whether key is new; a new key is remembered for the ttl.
func (m *Memory) Claim(_ context.Context, key string) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.After(m.sweepAt) {
		for k, until := range m.seen {
			if now.After(until) {
				delete(m.seen, k)
			}
		}
		m.sweepAt = now.Add(m.ttl / 2)
	}
	if until, ok := m.seen[key]; ok && !now.After(until) {
		return false, nil
	}
	m.seen[key] = now.Add(m.ttl)
	return true, nil
}

// Release forgets key.
func (m *Memory) Release(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.seen, key)
	return nil
}

// Len is the number of keys remembered now, expired ones included until
// the next sweep.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.seen)
}
