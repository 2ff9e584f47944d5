// Package logbuf is a log destination that keeps what is written, safe for
// concurrent writers: tests capture a server's logs with it to check what
// they say, and what they never say (message text, user ids, secrets).
package logbuf

import (
	"bytes"
	"sync"
)

// Buffer keeps everything written to it. The zero value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
