package processors

import (
	"fmt"

	"github.com/logpulse/logpulse/internal/table"
	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
)

// Aggregator folds deltas into the aggregate table. It is goka's process
// callback for the deltas topic; goka delivers at least once, so each table
// value remembers the offset of the last delta it applied and a redelivered
// delta is skipped. That holds because a key always arrives on the same
// deltas partition (ingest places it with goka's hash).
type Aggregator struct {
	// Applied, if set, hears of every delta of a (service, window) key:
	// its counts and whether it was applied or skipped as redelivered.
	// A delta diverted to an overflow key is heard of once it is applied
	// there.
	Applied func(counts, late table.Counts, applied bool)
	// Cap, if set, bounds the services per window (see ServiceCap); nil
	// admits every service.
	Cap *ServiceCap
	// Overflowed, if set, hears of the events of every delta applied to
	// an overflow key.
	Overflowed func(counts, late table.Counts)
	// Final, if set, reports whether the window starting at start (unix
	// s) is final on table partition p: closed at the watermark of the
	// watermark keys p has applied (table.WatermarkOf). Such a window
	// takes a delta's events as late, so that a window the view shows as
	// final never changes (an input partition back from idleness may
	// still carry events for it that its own stream time calls on time).
	Final func(p int32, start int64) bool
	// Mark, if set, returns table partition p's watermark (unix ms): it
	// goes into every watermark value written (table.Value.FinalMs), so
	// that a restart recovers the highest watermark reached, not a lower
	// one worked out from the latest values after an idle input
	// partition came back.
	Mark func(p int32) int64
}

// Process applies one delta to its key's table value; the delta of a
// service past the cap of its window goes on to the overflow key of its
// partition through the loop topic instead (see ServiceCap, Overflow). With
// a cap, watermarks take the loop too: the view calls a window final once
// a partition's watermark passes it, so the watermark must not overtake the
// overflow deltas before it (goka reads the deltas and the loop as separate
// claims; a loop partition keeps its own order).
func (a Aggregator) Process(ctx goka.Context, msg any) {
	d, ok := msg.(*table.Delta)
	if !ok {
		ctx.Fail(fmt.Errorf("aggregate: delta of type %T", msg))
		return
	}
	if a.Cap != nil && table.IsWatermarkKey(ctx.Key()) {
		// Behind the deltas this partition sent round the loop, so that
		// no window turns final before its overflow counts are in.
		loop := *d
		loop.Origin = ctx.Offset()
		ctx.Loopback(ctx.Key(), &loop)
		return
	}
	d = a.lateIfFinal(ctx, d)
	v := ctx.Value()
	if v == nil {
		if key, ok := a.divert(ctx); ok {
			loop := *d
			loop.Origin = ctx.Offset()
			ctx.Loopback(key, &loop)
			return
		}
	}
	agg, ok := tableValue(ctx, v)
	if !ok {
		return
	}
	applied := Apply(agg, d, ctx.Key(), ctx.Offset())
	if a.Applied != nil && !table.IsWatermarkKey(ctx.Key()) {
		a.Applied(d.Counts, d.Late, applied)
	}
	if applied {
		a.mark(ctx, agg)
		ctx.SetValue(agg)
	}
}

// mark sets the partition's watermark on a watermark key's value (see
// Mark).
func (a Aggregator) mark(ctx goka.Context, agg *table.Value) {
	if a.Mark != nil && table.IsWatermarkKey(ctx.Key()) {
		agg.FinalMs = max(agg.FinalMs, a.Mark(ctx.Partition()))
	}
}

// Apply folds d, read at offset of the deltas topic, into agg and reports
// whether agg changed. A delta at or below agg.Offset was applied before,
// and a window that left the state past the retention takes none
// (table.ExpiredValue): starting it again from zero would replace its
// counts in the table with this delta's; its events are on the late topic.
func Apply(agg *table.Value, d *table.Delta, key string, offset int64) bool {
	if offset <= agg.Offset {
		return false
	}
	agg.Offset = offset
	if table.IsWatermarkKey(key) {
		// Stream time and record time only move forward, whatever
		// order watermarks of one input partition reach this partition
		// in; idleness and grace are the latest ingest's.
		agg.StreamTimeMs = max(agg.StreamTimeMs, d.StreamTimeMs)
		agg.RecordTimeMs = max(agg.RecordTimeMs, d.RecordTimeMs)
		agg.IdleMs, agg.GraceMs, agg.CaughtUp = d.IdleMs, d.GraceMs, d.CaughtUp
		return true
	}
	agg.Counts.Add(d.Counts)
	agg.Late.Add(d.Late)
	if d.Samples != nil {
		agg.Samples = table.MergeSamples(agg.Samples, d.Samples, table.SamplesPerLevel)
	}
	agg.Messages.Merge(d.Messages, table.MessageCapacity)
	return true
}

// Recover is goka's update callback for the aggregate table while it is
// recovered from the topic: a value replaces the stored one only if it
// includes a later delta. The table's last record for a key is normally its
// newest, but a write that landed late (a processor that lost its partition
// but still had a write in flight) must not take the key back in time:
// deltas after it were committed, and would be lost.
func Recover(ctx goka.UpdateContext, s storage.Storage, key string, value []byte) error {
	if value != nil {
		cur, err := s.Get(key)
		if err != nil {
			return fmt.Errorf("recover %q: %w", key, err)
		}
		if cur != nil && offsetOf(cur) > offsetOf(value) {
			return nil
		}
	}
	return goka.DefaultUpdate(ctx, s, key, value)
}

// offsetOf reads the Offset of an encoded table value; -1 when unreadable,
// so that a readable value always wins.
func offsetOf(b []byte) int64 {
	o, err := table.OffsetOf(b)
	if err != nil {
		return -1
	}
	return o
}

// lateIfFinal returns d, or for a window (or its overflow key) that is
// final on ctx's partition (see Final) a copy of d that holds all its
// events as late: counted in the window's late, not sampled. A delta that
// goes round the loop is checked again when it is applied (Overflow).
func (a Aggregator) lateIfFinal(ctx goka.Context, d *table.Delta) *table.Delta {
	if a.Final == nil || table.IsWatermarkKey(ctx.Key()) {
		return d
	}
	_, start, err := table.ParseWindowKey(ctx.Key())
	if err != nil || !a.Final(ctx.Partition(), start.Unix()) {
		return d
	}
	late := table.Delta{Late: d.Late, Origin: d.Origin}
	late.Late.Add(d.Counts)
	return &late
}
