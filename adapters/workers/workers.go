// Package workers answers platform events on a bounded pool of workers,
// the same way for LINE and Slack: each worker has its own queue, and the
// events of one conversation (a chat, a user) always go to the same one,
// so that each conversation is answered in order while different ones are
// answered in parallel. A queue is bounded in length and, optionally, in
// how long a new job would wait on it; Close stops taking jobs and lets
// those queued be done until a deadline.
package workers

import (
	"context"
	"hash/fnv"
	"sync"
	"sync/atomic"
	"time"
)

// Pool runs jobs of type T. It is safe for concurrent use.
type Pool[T any] struct {
	queues []chan T
	// service is, for each queue, how long a job has taken lately (an
	// exponential average, in nanoseconds): with the queue's length, how
	// long a new job would wait.
	service []atomic.Int64
	do      func(T)

	mu     sync.RWMutex // guards closed, so that nothing is sent on a closed queue
	closed bool
	wg     sync.WaitGroup
}

// New starts workers workers, sharing capacity queued jobs among them,
// each job done by do.
func New[T any](workers, capacity int, do func(T)) *Pool[T] {
	workers = max(1, workers)
	p := &Pool[T]{queues: make([]chan T, workers), service: make([]atomic.Int64, workers), do: do}
	for i := range p.queues {
		p.queues[i] = make(chan T, max(1, capacity/workers))
	}
	p.wg.Add(workers)
	for i := range p.queues {
		go p.work(i)
	}
	return p
}

// Queue is the queue of conversation key.
func (p *Pool[T]) Queue(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(len(p.queues)))
}

// Submit queues job on queue q unless the pool is closed, the queue is
// full, or (maxWait > 0) the job would wait longer than maxWait.
func (p *Pool[T]) Submit(q int, job T, maxWait time.Duration) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return false
	}
	if maxWait > 0 && p.Wait(q) > maxWait {
		return false
	}
	select {
	case p.queues[q] <- job:
		return true
	default:
		return false
	}
}

// Wait is how long a job queued now on queue q would wait.
func (p *Pool[T]) Wait(q int) time.Duration {
	return time.Duration(int64(len(p.queues[q])+1) * p.service[q].Load())
}

// SetService sets queue q's recent time per job, as a test would.
func (p *Pool[T]) SetService(q int, d time.Duration) { p.service[q].Store(int64(d)) }

// Closed reports whether Close has been called.
func (p *Pool[T]) Closed() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.closed
}

func (p *Pool[T]) work(q int) {
	defer p.wg.Done()
	for job := range p.queues[q] {
		start := time.Now()
		p.do(job)
		p.served(q, time.Since(start))
	}
}

// served folds the time one job took into queue q's average.
func (p *Pool[T]) served(q int, d time.Duration) {
	old := p.service[q].Load()
	if old == 0 {
		p.service[q].Store(int64(d))
		return
	}
	p.service[q].Store(old + (int64(d)-old)/8)
}

// Close stops taking jobs and waits until the queued ones are done, or
// ctx ends; it reports whether they were. A job may leave itself undone
// (the LINE adapter leaves events in its outbox after a deadline).
func (p *Pool[T]) Close(ctx context.Context) bool {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		for _, q := range p.queues {
			close(q)
		}
	}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}
