package ratelimit_test

import (
	"testing"

	"alsbot/adapters/ratelimit"
	"alsbot/adapters/ratelimit/bucketcheck"
)

func TestMemoryConforms(t *testing.T) {
	bucketcheck.Run(t, func(*testing.T) ratelimit.Buckets { return ratelimit.NewMemory() })
}
