package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// Events put are pending until done, survive reopening the file, and a
// redelivery does not add an event twice or undo its attempt.
func TestOutboxKeepsEventsUntilDone(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "outbox.db")
	o, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	put := func(o *Outbox, ids ...string) {
		var evs []Event
		for _, id := range ids {
			evs = append(evs, Event{ID: id, Channel: "line", Data: []byte(`{"event":"` + id + `"}`), Received: now})
		}
		if err := o.Put(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	put(o, "a", "b", "c")
	if err := o.Attempting(ctx, "line", "b"); err != nil {
		t.Fatal(err)
	}
	if err := o.Done(ctx, "line", "a"); err != nil {
		t.Fatal(err)
	}
	put(o, "b") // redelivered
	o.Close()
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the file's mode is %v (%v), want 0600", st.Mode().Perm(), err)
	}

	o, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	pending, err := o.Pending(ctx, "line")
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 || pending[0].ID != "b" || !pending[0].Attempted || pending[1].ID != "c" || pending[1].Attempted ||
		string(pending[1].Data) != `{"event":"c"}` || pending[1].Received.UnixMilli() != now.UnixMilli() {
		t.Fatalf("pending after reopening: %+v", pending)
	}
	if other, _ := o.Pending(ctx, "slack"); len(other) != 0 {
		t.Errorf("another channel sees %d events", len(other))
	}
}

// Concurrent puts are written in batches, and each returns once its
// events are written.
func TestOutboxConcurrentPuts(t *testing.T) {
	ctx := context.Background()
	o, err := Open(ctx, filepath.Join(t.TempDir(), "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	done := make(chan error)
	for i := range 100 {
		go func() {
			done <- o.Put(ctx, []Event{{ID: string(rune('A'+i%26)) + time.Now().String(), Channel: "line", Data: []byte("{}"), Received: time.Now()}})
		}()
	}
	for range 100 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if p, _ := o.Pending(ctx, "line"); len(p) != 100 {
		t.Errorf("%d pending, want 100", len(p))
	}
	o.Close()
	if err := o.Put(ctx, []Event{{ID: "late", Channel: "line", Data: []byte("{}")}}); err == nil {
		t.Error("a put after Close succeeded")
	}
}

func BenchmarkOutboxPut(b *testing.B) {
	ctx := context.Background()
	o, err := Open(ctx, filepath.Join(b.TempDir(), "outbox.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			o.Put(ctx, []Event{{ID: time.Now().String(), Channel: "line", Data: []byte(`{"destination":"U","event":{}}`), Received: time.Now()}})
		}
	})
}

// BenchmarkOutboxLifecycle is an event's whole life in the outbox, as the
// LINE adapter writes it: put before the acknowledgement, attempting
// right before the reply is sent, done once it is. Many events at once,
// as under load, so that the writes share their transactions.
func BenchmarkOutboxLifecycle(b *testing.B) {
	ctx := context.Background()
	o, err := Open(ctx, filepath.Join(b.TempDir(), "outbox.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	var n atomic.Int64
	b.SetParallelism(32)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := strconv.FormatInt(n.Add(1), 36) + "-01HF6S1J9Q8W3K5N7P2R4T6V8X"
			if err := o.Put(ctx, []Event{{ID: id, Channel: "line", Data: []byte(`{"destination":"U","event":{}}`), Received: time.Now()}}); err != nil {
				b.Error(err)
				return
			}
			if err := o.Attempting(ctx, "line", id); err != nil {
				b.Error(err)
				return
			}
			if err := o.Done(ctx, "line", id); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
