// Package sqlite keeps the server's durable state in an embedded SQLite
// database (modernc.org/sqlite, pure Go): the outbox of accepted platform
// events. A file is created 0600, under the state directory.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"alsbot/adapters/outbox"
)

// Event is one accepted platform event (see alsbot/adapters/outbox).
type Event = outbox.Event

var _ outbox.Store = (*Outbox)(nil)

// Outbox keeps accepted events until they are answered: an event is put
// before its webhook is acknowledged, so that a crash or a shutdown with
// a backlog loses none of them, and marked done once its answer is
// delivered. Puts from concurrent webhooks are written in one transaction
// (group commit), so that durability costs one disk write per batch, not
// per event. It is safe for concurrent use.
type Outbox struct {
	db  *sql.DB
	now func() time.Time
	// The writer's statements, prepared once.
	insert, attempt, finish *sql.Stmt

	puts   chan putRequest
	wg     sync.WaitGroup
	mu     sync.RWMutex // guards closed, so that no Put sends on a closed channel
	closed bool
}

// putRequest is one write: events to put, or an event attempted or done.
type putRequest struct {
	events    []Event
	channel   string
	attempted string // an event id
	finished  string // an event id
	done      chan error
}

// Keep is how long a done event is kept (for a redelivery to be told
// apart from a new event by its id), and how long a pending one is worth
// resuming: LINE's pushes and redeliveries do not outlive a day.
const Keep = 24 * time.Hour

// maxBatch bounds the events of one group commit.
const maxBatch = 512

// Open opens (creating if need be, 0600) the outbox at path.
func Open(ctx context.Context, path string) (*Outbox, error) {
	db, err := openDB(path, "cache_size(-1024)")
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS events (
		id TEXT NOT NULL,
		channel TEXT NOT NULL,
		data BLOB NOT NULL,
		received INTEGER NOT NULL,
		attempted INTEGER NOT NULL DEFAULT 0,
		done INTEGER,
		PRIMARY KEY (channel, id)
	)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox: %w", err)
	}
	o := &Outbox{db: db, now: time.Now, puts: make(chan putRequest, 1024)}
	if err := o.sweep(ctx); err != nil {
		db.Close()
		return nil, err
	}
	for _, p := range []struct {
		st  **sql.Stmt
		sql string
	}{
		{&o.insert, `INSERT OR IGNORE INTO events (id, channel, data, received) VALUES (?, ?, ?, ?)`},
		{&o.attempt, `UPDATE events SET attempted = 1 WHERE channel = ? AND id = ?`},
		{&o.finish, `UPDATE events SET done = ? WHERE channel = ? AND id = ?`},
	} {
		if *p.st, err = db.PrepareContext(ctx, p.sql); err != nil {
			db.Close()
			return nil, fmt.Errorf("outbox: %w", err)
		}
	}
	o.wg.Add(1)
	go o.write()
	return o, nil
}

// Put records events, and returns once they are written (or it failed).
// An event already recorded (a redelivery) is left as it is.
func (o *Outbox) Put(ctx context.Context, events []Event) error {
	return o.send(ctx, putRequest{events: events, done: make(chan error, 1)})
}

// send queues a write for the writer and, when req.done is set, waits
// for its transaction.
func (o *Outbox) send(ctx context.Context, req putRequest) error {
	o.mu.RLock()
	if o.closed {
		o.mu.RUnlock()
		return errors.New("outbox: closed")
	}
	select {
	case o.puts <- req:
	case <-ctx.Done():
		o.mu.RUnlock()
		return ctx.Err()
	}
	o.mu.RUnlock()
	if req.done == nil {
		return nil
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// write commits the queued puts, as many as are waiting in one
// transaction.
func (o *Outbox) write() {
	defer o.wg.Done()
	for first := range o.puts {
		batch := []putRequest{first}
		n := len(first.events)
		yielded := false
	more:
		for n < maxBatch {
			select {
			case r, ok := <-o.puts:
				if !ok {
					break more
				}
				batch = append(batch, r)
				n += len(r.events)
			default:
				if yielded {
					break more
				}
				// Let the writes of the moment join this batch:
				// a transaction costs far more than a row.
				yielded = true
				runtime.Gosched()
			}
		}
		err := o.commit(batch)
		for _, r := range batch {
			if r.done != nil {
				r.done <- err
			}
		}
	}
}

func (o *Outbox) commit(batch []putRequest) error {
	ctx := context.Background()
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	defer tx.Rollback()
	insert, attempt, finish := tx.StmtContext(ctx, o.insert), tx.StmtContext(ctx, o.attempt), tx.StmtContext(ctx, o.finish)
	now := o.now().UnixMilli()
	for _, r := range batch {
		for _, e := range r.events {
			if _, err := insert.ExecContext(ctx, e.ID, e.Channel, e.Data, e.Received.UnixMilli()); err != nil {
				return fmt.Errorf("outbox: %w", err)
			}
		}
		if r.attempted != "" {
			if _, err := attempt.ExecContext(ctx, r.channel, r.attempted); err != nil {
				return fmt.Errorf("outbox: %w", err)
			}
		}
		if r.finished != "" {
			if _, err := finish.ExecContext(ctx, now, r.channel, r.finished); err != nil {
				return fmt.Errorf("outbox: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// Attempting records that an answer to the event is about to be sent: if
// the process stops before Done, the answer may or may not have reached
// the platform. It returns once that is written, with other writes of the
// moment in one transaction.
func (o *Outbox) Attempting(ctx context.Context, channel, id string) error {
	return o.send(ctx, putRequest{channel: channel, attempted: id, done: make(chan error, 1)})
}

// Done marks the event answered (or needing no answer). It does not wait
// for the disk: should the process stop before the write, the event is
// resumed as attempted, and not answered twice.
func (o *Outbox) Done(ctx context.Context, channel, id string) error {
	return o.send(ctx, putRequest{channel: channel, finished: id})
}

// Pending returns the channel's events not yet done and young enough to
// resume, oldest first.
func (o *Outbox) Pending(ctx context.Context, channel string) ([]Event, error) {
	rows, err := o.db.QueryContext(ctx, `SELECT id, data, received, attempted FROM events
		WHERE channel = ? AND done IS NULL AND received >= ? ORDER BY received, rowid`,
		channel, o.now().Add(-Keep).UnixMilli())
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e := Event{Channel: channel}
		var ms int64
		var attempted int
		if err := rows.Scan(&e.ID, &e.Data, &ms, &attempted); err != nil {
			return nil, wrap(err)
		}
		e.Received, e.Attempted = time.UnixMilli(ms), attempted != 0
		out = append(out, e)
	}
	return out, wrap(rows.Err())
}

// sweep deletes events older than Keep, done or not.
func (o *Outbox) sweep(ctx context.Context) error {
	_, err := o.db.ExecContext(ctx, `DELETE FROM events WHERE received < ?`, o.now().Add(-Keep).UnixMilli())
	return wrap(err)
}

// Close writes what is queued and closes the database.
func (o *Outbox) Close() error {
	o.mu.Lock()
	if !o.closed {
		o.closed = true
		close(o.puts)
	}
	o.mu.Unlock()
	o.wg.Wait()
	return o.db.Close()
}

func wrap(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("outbox: %w", err)
}
