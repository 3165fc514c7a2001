package amqpbridge

import (
	"context"
	"fmt"
	"time"
)

// progress prints a line a second, as the other producers do, until stop.
func (b *bridge) progress(ctx context.Context) (stop func()) {
	w := b.cfg.Progress
	if w == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		began, last := time.Now(), int64(0)
		report := func() {
			n := b.written.Load()
			fmt.Fprintf(w, "bridged %d messages, %d bytes in %.0fs (%d messages/s); %d duplicates skipped, %d reconnects\n",
				n, b.bytes.Load(), time.Since(began).Seconds(), n-last, b.dups.Load(), b.reconnects.Load())
			last = n
		}
		for {
			select {
			case <-ctx.Done():
				report()
				return
			case <-t.C:
				report()
			}
		}
	}()
	return func() { cancel(); <-done }
}
