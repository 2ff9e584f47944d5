package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"alsbot/adapters/handoff"
	"alsbot/adapters/handoff/storecheck"
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
