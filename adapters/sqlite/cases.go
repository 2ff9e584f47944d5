package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"alsbot/adapters/handoff"
)

// Cases keeps the handoff's cases in a SQLite file (0600): the only place
// a patient's raw LINE user id is kept, and only until the case has been
// closed for the retention period.
type Cases struct {
	db *sql.DB
}

var _ handoff.Store = (*Cases)(nil)

// OpenCases opens (creating if need be, 0600) the cases database at path.
func OpenCases(ctx context.Context, path string) (*Cases, error) {
	db, err := openDB(path)
	if err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	if _, err := db.ExecContext(ctx, `
CREATE TABLE IF NOT EXISTS cases (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user TEXT NOT NULL,
	pseudonym TEXT NOT NULL,
	lang TEXT NOT NULL,
	thread TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	opened INTEGER NOT NULL,
	answered INTEGER NOT NULL DEFAULT 0,
	reminded INTEGER NOT NULL DEFAULT 0,
	closed INTEGER NOT NULL DEFAULT 0,
	taken_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS cases_user ON cases (user, status);
CREATE INDEX IF NOT EXISTS cases_thread ON cases (thread);
CREATE TABLE IF NOT EXISTS offers (
	user TEXT PRIMARY KEY,
	until INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS relayed (
	case_id INTEGER NOT NULL,
	message TEXT NOT NULL,
	PRIMARY KEY (case_id, message)
);`); err != nil {
		db.Close()
		return nil, fmt.Errorf("cases: %w", err)
	}
	return &Cases{db: db}, nil
}

// Close closes the database.
func (s *Cases) Close() error { return s.db.Close() }

const caseColumns = `id, user, pseudonym, lang, thread, status, opened, answered, reminded, closed, taken_by`

func scanCase(row interface{ Scan(...any) error }) (handoff.Case, error) {
	var c handoff.Case
	var status string
	var opened, answered, reminded, closed int64
	err := row.Scan(&c.ID, &c.User, &c.Pseudonym, &c.Lang, &c.Thread, &status, &opened, &answered, &reminded, &closed, &c.TakenBy)
	c.Status = handoff.Status(status)
	c.Opened, c.Answered, c.Reminded, c.Closed = millis(opened), millis(answered), millis(reminded), millis(closed)
	return c, err
}

func millis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func toMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Create records a new case and returns it with its id.
func (s *Cases) Create(ctx context.Context, c handoff.Case) (handoff.Case, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO cases (user, pseudonym, lang, thread, status, opened) VALUES (?, ?, ?, ?, ?, ?)`,
		c.User, c.Pseudonym, c.Lang, c.Thread, string(c.Status), toMillis(c.Opened))
	if err != nil {
		return c, fmt.Errorf("cases: %w", err)
	}
	c.ID, err = res.LastInsertId()
	return c, err
}

func (s *Cases) one(ctx context.Context, where string, arg any) (handoff.Case, bool, error) {
	c, err := scanCase(s.db.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE `+where+` ORDER BY id DESC LIMIT 1`, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return handoff.Case{}, false, nil
	}
	if err != nil {
		return handoff.Case{}, false, fmt.Errorf("cases: %w", err)
	}
	return c, true, nil
}

// OpenByUser returns the user's open case, if any.
func (s *Cases) OpenByUser(ctx context.Context, user string) (handoff.Case, bool, error) {
	return s.one(ctx, `user = ? AND status = 'open'`, user)
}

// ByThread returns the case of a thread.
func (s *Cases) ByThread(ctx context.Context, thread string) (handoff.Case, bool, error) {
	if thread == "" {
		return handoff.Case{}, false, nil
	}
	return s.one(ctx, `thread = ?`, thread)
}

// Update writes a case back.
func (s *Cases) Update(ctx context.Context, c handoff.Case) error {
	_, err := s.db.ExecContext(ctx, `UPDATE cases SET thread = ?, status = ?, answered = ?, reminded = ?, closed = ?, taken_by = ? WHERE id = ?`,
		c.Thread, string(c.Status), toMillis(c.Answered), toMillis(c.Reminded), toMillis(c.Closed), c.TakenBy, c.ID)
	if err != nil {
		return fmt.Errorf("cases: %w", err)
	}
	return nil
}

// Relayed records a staff message as relayed, reporting false when it
// already was.
func (s *Cases) Relayed(ctx context.Context, caseID int64, message string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO relayed (case_id, message) VALUES (?, ?)`, caseID, message)
	if err != nil {
		return false, fmt.Errorf("cases: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Waiting lists the open cases no staff member has answered yet.
func (s *Cases) Waiting(ctx context.Context) ([]handoff.Case, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+caseColumns+` FROM cases WHERE status = 'open' AND answered = 0 AND thread != '' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	defer rows.Close()
	var out []handoff.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("cases: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Forget deletes the user ids of cases closed before t.
func (s *Cases) Forget(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE cases SET user = '' WHERE status = 'closed' AND closed < ? AND user != ''`, t.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("cases: %w", err)
	}
	return res.RowsAffected()
}

// Offer records that user was offered a person, until the offer lapses.
func (s *Cases) Offer(ctx context.Context, user string, until time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO offers (user, until) VALUES (?, ?) ON CONFLICT (user) DO UPDATE SET until = excluded.until`, user, until.UnixMilli())
	return err
}

// TakeOffer reports whether an offer to user stands at now, and
// withdraws it.
func (s *Cases) TakeOffer(ctx context.Context, user string, now time.Time) (bool, error) {
	// Asked of every LINE message: a read, and a write only when an
	// offer stands.
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM offers WHERE user = ?`, user).Scan(&n); err != nil || n == 0 {
		return false, err
	}
	var until int64
	err := s.db.QueryRowContext(ctx, `DELETE FROM offers WHERE user = ? RETURNING until`, user).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cases: %w", err)
	}
	return now.UnixMilli() < until, nil
}
