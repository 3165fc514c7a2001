package syncbuf

import (
	"strings"
	"sync"
	"testing"
)

// TestConcurrentWriteAndRead runs under -race: writers and a reader at
// once, and every write lands whole.
func TestConcurrentWriteAndRead(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	const writers, writes = 4, 100
	for range writers {
		wg.Go(func() {
			for range writes {
				if _, err := b.Write([]byte("line\n")); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range writes {
			_ = b.String()
		}
	}()
	wg.Wait()
	<-done
	if got, want := b.String(), strings.Repeat("line\n", writers*writes); got != want {
		t.Errorf("got %d bytes, want %d", len(got), len(want))
	}
}
