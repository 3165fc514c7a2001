package processors

import (
	"fmt"

	"github.com/logpulse/logpulse/codecs"
	"github.com/lovoo/goka"
)

// Aggregator folds deltas into the aggregate table. It is goka's process
// callback for the deltas topic; goka delivers at least once, so each table
// value remembers the offset of the last delta it applied and a redelivered
// delta is skipped. That holds because a key always arrives on the same
// deltas partition (ingest places it with goka's hash).
type Aggregator struct{}

// Process applies one delta to its key's table value.
func (Aggregator) Process(ctx goka.Context, msg any) {
	d, ok := msg.(*codecs.Delta)
	if !ok {
		ctx.Fail(fmt.Errorf("aggregate: delta of type %T", msg))
		return
	}
	agg := &codecs.Aggregate{Offset: -1}
	if v := ctx.Value(); v != nil {
		cur, ok := v.(*codecs.Aggregate)
		if !ok {
			ctx.Fail(fmt.Errorf("aggregate: table value of type %T", v))
			return
		}
		agg = cur
	}
	if !Apply(agg, d, ctx.Key(), ctx.Offset()) {
		return
	}
	ctx.SetValue(agg)
}

// Apply folds d, read at offset of the deltas topic, into agg and reports
// whether agg changed. A delta at or below agg.Offset was applied before.
func Apply(agg *codecs.Aggregate, d *codecs.Delta, key string, offset int64) bool {
	if offset <= agg.Offset {
		return false
	}
	agg.Offset = offset
	if codecs.IsWatermarkKey(key) {
		// Stream time only moves forward, whatever order watermarks of
		// one input partition reach this partition in.
		agg.StreamTimeMs = max(agg.StreamTimeMs, d.StreamTimeMs)
		return true
	}
	agg.Counts.Add(d.Counts)
	agg.Late.Add(d.Late)
	return true
}
