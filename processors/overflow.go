package processors

import (
	"fmt"
	"time"

	"github.com/logpulse/logpulse/internal/table"
	"github.com/lovoo/goka"
)

// DefaultMaxServices is the cap of distinct services per window when none is
// configured: a producer that puts a request ID in the service field must
// not grow the state by one key per request (docs/design.md, Invariants:
// bounded by configuration, not by input).
const DefaultMaxServices = 10000

// ServiceCap bounds the distinct services per window. Only the aggregate
// sees every (service, window) key, one table partition at a time, and
// keys spread evenly over partitions by goka's hash: so each partition
// admits its share of the cap (see Share), and a delta for a service the
// partition has not admitted to a full window is counted under the
// overflow key of that window and partition instead (see
// Aggregator.Overflow). A service once admitted stays admitted, so its
// counts are whole. The shares add up to PerWindow; a partition that
// draws more than its share of a window's services (hash imbalance, or
// fewer services than partitions) may overflow before the window holds
// PerWindow services in all.
type ServiceCap struct {
	// PerWindow is the cap: how many services one window holds over all
	// partitions.
	PerWindow int
	// Partitions is the partition count of the deltas topic, the loop
	// topic and the table: an overflow key is salted to land on the
	// partition of the deltas it takes.
	Partitions int32
	// Count returns how many services of the window starting at start
	// (unix seconds) table partition p holds; overflow and watermark keys
	// are not services.
	Count func(p int32, start int64) int
}

// Share is how many services of one window partition p admits: the cap
// split evenly, the first PerWindow mod Partitions partitions taking one
// more, so the shares add up to the cap.
func (c *ServiceCap) Share(p int32) int {
	n := int(c.Partitions)
	share := c.PerWindow / n
	if int(p) < c.PerWindow%n {
		share++
	}
	return share
}

// divert reports the overflow key for the delta in ctx when its key is a
// service the partition has not admitted (it has no table value) to a
// window that holds the partition's share of the cap already. It fails ctx
// on a partition the cap does not know (the topics grew after the start).
func (a Aggregator) divert(ctx goka.Context) (string, bool) {
	if a.Cap == nil || table.IsWatermarkKey(ctx.Key()) || table.IsOverflowKey(ctx.Key()) {
		return "", false
	}
	_, start, err := table.ParseWindowKey(ctx.Key())
	if err != nil {
		return "", false
	}
	p := ctx.Partition()
	if p >= a.Cap.Partitions {
		ctx.Fail(fmt.Errorf("aggregate: delta on partition %d of a table of %d partitions: restart the aggregate", p, a.Cap.Partitions))
		return "", false
	}
	if a.Cap.Count(p, start.Unix()) < a.Cap.Share(p) {
		return "", false
	}
	return overflowKey(start, p, a.Cap.Partitions), true
}

// overflowKey returns the overflow key of the window starting at start that
// lands on partition p of n, so that the loop record is processed by the
// processor of the partition it came from, in the order it came in. About n
// salts are tried (as watermarkKeys does), FNV of a short string each.
func overflowKey(start time.Time, p, n int32) string {
	for salt := 0; ; salt++ {
		if k := table.OverflowKey(start, salt); GokaPartition(k, n) == p {
			return k
		}
	}
}

// Overflow is goka's callback for the loop topic: it applies a delta that
// Process diverted to the overflow key of its window and partition, or a
// watermark Process sent round behind such deltas (same Origin rule). Goka
// commits a delta only once its loop record is acknowledged, and redelivers
// it otherwise; the redelivered delta is diverted again (its service still
// has no value and the window is still full: a partition's services only
// grow until the window expires), and its loop record carries the same
// Origin. Loop records of one partition come in Origin order from the one
// deltas partition, so the overflow key's Offset, the last Origin applied,
// skips the copy.
func (a Aggregator) Overflow(ctx goka.Context, msg any) {
	d, ok := msg.(*table.Delta)
	if !ok {
		ctx.Fail(fmt.Errorf("aggregate: loop delta of type %T", msg))
		return
	}
	wm := table.IsWatermarkKey(ctx.Key())
	if !table.IsOverflowKey(ctx.Key()) && !wm {
		ctx.Fail(fmt.Errorf("aggregate: loop record for %q, not an overflow or watermark key", ctx.Key()))
		return
	}
	if !wm {
		// Final at the time it is applied, not when it was diverted:
		// a watermark ahead of it on the loop may have made its window
		// final meanwhile.
		d = a.lateIfFinal(ctx, d)
	}
	agg, ok := tableValue(ctx, ctx.Value())
	if !ok {
		return
	}
	applied := Apply(agg, d, ctx.Key(), d.Origin)
	if wm {
		if applied {
			a.mark(ctx, agg)
			ctx.SetValue(agg)
		}
		return
	}
	if a.Applied != nil {
		a.Applied(d.Counts, d.Late, applied)
	}
	if applied {
		ctx.SetValue(agg)
		if a.Overflowed != nil {
			a.Overflowed(d.Counts, d.Late)
		}
	}
}

// tableValue returns v, the table value of ctx's key, or a new one (at
// offset -1) if it has none; false after failing ctx on a value of another
// type.
func tableValue(ctx goka.Context, v any) (*table.Value, bool) {
	if v == nil {
		return &table.Value{Offset: -1}, true
	}
	agg, ok := v.(*table.Value)
	if !ok {
		ctx.Fail(fmt.Errorf("aggregate: table value of type %T", v))
	}
	return agg, ok
}
