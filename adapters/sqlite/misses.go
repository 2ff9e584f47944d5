// The misses store keeps the questions the bot could not answer (the
// fallback) or was unsure of (a clarifying choice), so that maintainers
// can see what to write next.
//
// The questions come from patients: nothing is stored raw. A question is
// stored with phone numbers, e-mail addresses and other long digit runs
// masked; the sender's platform id is stored only as a salted HMAC
// pseudonym (the same one the logs use); rows older than the retention
// period are deleted automatically, on opening and then periodically, and
// deleted rows are overwritten in the file (SQLite's secure_delete).
//
// The store is an embedded SQLite database (modernc.org/sqlite, pure Go)
// in one file.

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"alsbot/adapters/userid"
	"alsbot/bot/gaps"
)

// Defaults of MissOptions.
const (
	DefaultMissRetention  = 90 * 24 * time.Hour
	DefaultMissPurgeEvery = time.Hour
)

// MissOptions configure a MissStore.
type MissOptions struct {
	// Salt is the secret the user pseudonyms are keyed with; keep it out
	// of the repository. Without it, user ids are not stored at all.
	Salt string
	// Retention is how long a miss is kept; 0 means DefaultMissRetention.
	Retention time.Duration
	// PurgeEvery is how often expired misses are deleted while the store
	// is open; 0 means DefaultMissPurgeEvery, negative means only on opening.
	PurgeEvery time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger gets the errors of writing, which happens after Record has
	// returned; nil means slog.Default().
	Logger *slog.Logger
}

// MissQueueSize is how many misses may wait to be written. Record is never
// held up by the disk: a miss is queued and written, with the others
// waiting, in one transaction; when the queue is full, Record reports the
// miss dropped.
const MissQueueSize = 1024

// missLinger is how long a miss may wait for others to be written with.
const missLinger = 100 * time.Millisecond

// ErrMissDropped is returned by Record when its miss could not be queued: the
// queue is full or the store is closed.
var ErrMissDropped = errors.New("misses: queue full or store closed; miss not recorded")

// MissStore is the database of misses. It is safe for concurrent use.
type MissStore struct {
	db   *sql.DB
	opts MissOptions
	stop chan struct{}
	done sync.WaitGroup
	once sync.Once

	// queue carries misses (and flush requests) to the writer. mu
	// guards closed, so that nothing is sent on a closed queue.
	queue  chan queued
	mu     sync.RWMutex
	closed bool
	writer sync.WaitGroup
}

// queued is a miss to write, or (when flushed is set) a request to be
// told once everything queued before it is written.
type queued struct {
	m       gaps.Miss
	flushed chan struct{}
}

const schema = `
create table if not exists misses (
	id       integer primary key,
	at       integer not null, -- unix seconds
	channel  text not null,
	lang     text not null,
	question text not null,    -- masked
	user     text not null,    -- salted pseudonym, never the platform id
	kind     text not null,
	entry    text not null,
	choices  text not null,    -- entry ids, space separated
	score    real not null
);
create index if not exists misses_at on misses(at);
pragma user_version = 1;
`

// OpenMisses opens (creating if need be) the store in the file at path, readable
// by its owner only, and deletes the misses older than the retention
// period. Close it to stop the periodic purge.
func OpenMisses(ctx context.Context, path string, opts MissOptions) (*MissStore, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("misses: database path %q: give a file name without ? or #", path)
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultMissRetention
	}
	if opts.PurgeEvery == 0 {
		opts.PurgeEvery = DefaultMissPurgeEvery
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	// Recording never holds up a reply: no disk flush of its own.
	db, err := openDB(path, "secure_delete(1)")
	if err != nil {
		return nil, fmt.Errorf("misses: opening %s: %w", path, err)
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("misses: preparing %s: %w", path, err)
	}
	s := &MissStore{db: db, opts: opts, stop: make(chan struct{}), queue: make(chan queued, MissQueueSize)}
	s.writer.Add(1)
	go s.write()
	if _, err := s.Purge(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if opts.PurgeEvery > 0 {
		s.done.Add(1)
		go s.purgeLoop()
	}
	return s, nil
}

func (s *MissStore) purgeLoop() {
	defer s.done.Done()
	t := time.NewTicker(s.opts.PurgeEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			// An error here is retried at the next tick; Record and Since
			// never return expired rows in the meantime.
			s.Purge(context.Background())
		}
	}
}

// Close stops the periodic purge and closes the database. Closing a nil
// store does nothing.
func (s *MissStore) Close() error {
	if s == nil {
		return nil
	}
	s.once.Do(func() {
		close(s.stop)
		s.mu.Lock()
		s.closed = true
		close(s.queue)
		s.mu.Unlock()
	})
	s.done.Wait()
	s.writer.Wait()
	return s.db.Close()
}

// write stores what comes down the queue until it is closed, each run of
// waiting misses in one transaction.
func (s *MissStore) write() {
	defer s.writer.Done()
	batch := make([]queued, 0, 256)
	linger := time.NewTimer(0)
	<-linger.C
	for q := range s.queue {
		batch = append(batch[:0], q)
		// A miss waits up to missLinger for others, so that a busy
		// server writes them a batch at a time: a transaction costs
		// far more than a row, and nobody waits for this one. A
		// flush (a reader, Close) is written at once.
		linger.Reset(missLinger)
	more:
		for len(batch) < cap(batch) && batch[len(batch)-1].flushed == nil {
			select {
			case q, ok := <-s.queue:
				if !ok {
					break more
				}
				batch = append(batch, q)
			case <-linger.C:
				break more
			}
		}
		if !linger.Stop() {
			select {
			case <-linger.C:
			default:
			}
		}
		n := 0
		for _, q := range batch {
			if q.flushed == nil {
				n++
			}
		}
		if n > 0 {
			if err := s.insert(batch); err != nil {
				// The error names the database, never a question.
				s.opts.Logger.Error("misses: unanswered questions not recorded", "count", n, "err", err)
			}
		}
		for _, q := range batch {
			if q.flushed != nil {
				close(q.flushed)
			}
		}
	}
}

// insert writes the misses of batch in one transaction.
func (s *MissStore) insert(batch []queued) error {
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.Prepare(`insert into misses (at, channel, lang, question, user, kind, entry, choices, score) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, q := range batch {
		if q.flushed != nil {
			continue
		}
		m := q.m
		if _, err := st.Exec(m.Time.Unix(), m.Channel, m.Lang, m.Question, m.User, m.Kind, m.Entry, strings.Join(m.Choices, " "), m.Score); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// flush returns once every miss queued before it is written (or the
// store is closed).
func (s *MissStore) flush(ctx context.Context) error {
	done := make(chan struct{})
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return nil
	}
	s.queue <- queued{flushed: done}
	s.mu.RUnlock()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Record queues m to be stored with its question masked and its user
// pseudonymised, and returns ErrMissDropped if the queue is full. A miss with
// no question text is not stored; nor is anything by a nil store, which
// is how recording is switched off.
func (s *MissStore) Record(ctx context.Context, m gaps.Miss) error {
	if s == nil {
		return nil
	}
	q := Mask(m.Question)
	if strings.TrimSpace(q) == "" {
		return nil
	}
	at := m.Time
	if at.IsZero() {
		at = s.opts.Now()
	}
	user := ""
	if s.opts.Salt != "" {
		user = userid.Hash(s.opts.Salt, m.User)
	}
	m.Time, m.Question, m.User = at, q, user
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrMissDropped
	}
	select {
	case s.queue <- queued{m: m}:
		return nil
	default:
		return ErrMissDropped
	}
}

// Since returns the misses recorded at or after t and still within the
// retention period, oldest first.
func (s *MissStore) Since(ctx context.Context, t time.Time) ([]gaps.Miss, error) {
	if err := s.flush(ctx); err != nil {
		return nil, err
	}
	if cut := s.cutoff(); t.Before(cut) {
		t = cut
	}
	rows, err := s.db.QueryContext(ctx,
		`select at, channel, lang, question, user, kind, entry, choices, score from misses where at >= ? order by at, id`, t.Unix())
	if err != nil {
		return nil, fmt.Errorf("misses: reading: %w", err)
	}
	defer rows.Close()
	var out []gaps.Miss
	for rows.Next() {
		var m gaps.Miss
		var at int64
		var choices string
		if err := rows.Scan(&at, &m.Channel, &m.Lang, &m.Question, &m.User, &m.Kind, &m.Entry, &choices, &m.Score); err != nil {
			return nil, fmt.Errorf("misses: reading: %w", err)
		}
		m.Time = time.Unix(at, 0)
		m.Choices = strings.Fields(choices)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("misses: reading: %w", err)
	}
	return out, nil
}

// Purge deletes the misses older than the retention period and returns
// how many it deleted.
func (s *MissStore) Purge(ctx context.Context) (int64, error) {
	if err := s.flush(ctx); err != nil {
		return 0, err
	}
	res, err := s.db.ExecContext(ctx, `delete from misses where at < ?`, s.cutoff().Unix())
	if err != nil {
		return 0, fmt.Errorf("misses: deleting expired misses: %w", err)
	}
	return res.RowsAffected()
}

func (s *MissStore) cutoff() time.Time { return s.opts.Now().Add(-s.opts.Retention) }
