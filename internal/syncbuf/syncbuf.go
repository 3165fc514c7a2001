// Package syncbuf provides Buffer, a bytes.Buffer that goroutines may write
// while another reads it. Tests hand one to a logger or a command running in
// the background and poll String for what they wait for; a plain
// bytes.Buffer there is a data race.
package syncbuf

import (
	"bytes"
	"sync"
)

// Buffer is an io.Writer whose contents can be read while it is written.
// The zero value is an empty buffer ready to use; a Buffer must not be
// copied after first use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
