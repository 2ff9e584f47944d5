package dedup_test

import (
	"testing"
	"time"

	"alsbot/adapters/dedup"
	"alsbot/adapters/dedup/dedupcheck"
)

func TestMemoryConforms(t *testing.T) {
	dedupcheck.Run(t, func(*testing.T) dedup.Store { return dedup.NewMemory(time.Hour) })
}
