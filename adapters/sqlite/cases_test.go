package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"alsbot/adapters/handoff"
	"alsbot/adapters/handoff/storecheck"
	"alsbot/adapters/outbox"
	"alsbot/adapters/outbox/outboxcheck"
	"alsbot/adapters/sqlite"
)

func TestCasesConform(t *testing.T) {
	storecheck.Run(t, func(t *testing.T) handoff.Store {
		s, err := sqlite.OpenCases(context.Background(), filepath.Join(t.TempDir(), "cases.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestOutboxConforms(t *testing.T) {
	var path string
	outboxcheck.Run(t, func(t *testing.T) outbox.Store {
		path = filepath.Join(t.TempDir(), "outbox.db")
		o, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { o.Close() })
		return o
	}, func(t *testing.T, s outbox.Store) outbox.Store {
		// A restart: the same file, opened again.
		s.(*sqlite.Outbox).Close()
		o, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { o.Close() })
		return o
	})
}
