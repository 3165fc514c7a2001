package amqpbridge

import (
	"context"
	"fmt"
	"time"

	"github.com/logpulse/logpulse/internal/shipper"
)

// progress prints a line a second, as the other producers do, until stop.
func (b *bridge) progress(ctx context.Context) (stop func()) {
	last := int64(0)
	return shipper.EverySecond(ctx, b.cfg.Progress, func(elapsed time.Duration) string {
		n := b.written.Load()
		defer func() { last = n }()
		return fmt.Sprintf("bridged %d messages, %d bytes in %.0fs (%d messages/s); %d duplicates skipped, %d reconnects\n",
			n, b.bytes.Load(), elapsed.Seconds(), n-last, b.dups.Load(), b.reconnects.Load())
	})
}
