// Package syncbuf holds the log buffer that tests read while a server, a
// store or a load run writes to it from other goroutines.
package syncbuf

import (
	"strings"
	"sync"
)

// Buffer is a strings.Builder that is safe for concurrent Write and String:
// the writers are the code under test, the reader is the test.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
