package workers

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// One key's jobs are done in order, different keys' at the same time.
func TestOrderPerKeyParallelAcross(t *testing.T) {
	var mu sync.Mutex
	var order []string
	inFlight, most := 0, 0
	p := New(4, 400, func(j string) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		order = append(order, j)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
	})
	for i := range 40 {
		for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
			if !p.Submit(p.Queue(k), fmt.Sprintf("%s%02d", k, i), 0) {
				t.Fatalf("job %s%d refused", k, i)
			}
		}
	}
	if !p.Close(context.Background()) {
		t.Fatal("Close did not wait for the jobs")
	}
	if most < 2 {
		t.Errorf("at most %d jobs at once: keys are not answered in parallel", most)
	}
	last := map[byte]string{}
	for _, j := range order {
		if j < last[j[0]] {
			t.Fatalf("%s done after %s", j, last[j[0]])
		}
		last[j[0]] = j
	}
	if len(order) != 240 {
		t.Errorf("%d jobs done, want 240", len(order))
	}
}

// A full queue, a queue too slow, and a closed pool refuse jobs.
func TestSubmitRefuses(t *testing.T) {
	release := make(chan struct{})
	p := New(1, 1, func(int) { <-release })
	p.Submit(0, 1, 0) // taken by the worker
	for i := 0; i < 10 && !p.Submit(0, 2, 0); i++ {
		time.Sleep(time.Millisecond)
	}
	if p.Submit(0, 3, 0) {
		t.Error("a full queue took a job")
	}
	p.SetService(0, time.Minute)
	close(release)
	time.Sleep(20 * time.Millisecond)
	p.SetService(0, time.Minute)
	if p.Submit(0, 4, 30*time.Second) {
		t.Error("a job that would wait minutes was taken")
	}
	p.Close(context.Background())
	if p.Submit(0, 5, 0) {
		t.Error("a closed pool took a job")
	}
}
