package sqlite

import (
	"database/sql"
	"os"
)

// openDB opens the database file at path (":memory:" for one in memory),
// creating it readable by its owner alone: WAL with synchronous=NORMAL,
// so that a write costs no disk flush of its own (a crash may lose the
// last few writes, never corrupt the file), and one connection, since
// SQLite writes one at a time anyway and an in-memory database exists
// per connection. pragmas are added to those.
func openDB(path string, pragmas ...string) (*sql.DB, error) {
	if path != ":memory:" {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, err
		}
		f.Close()
	}
	dsn := path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	for _, p := range pragmas {
		dsn += "&_pragma=" + p
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}
