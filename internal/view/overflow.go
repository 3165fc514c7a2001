package view

import (
	"maps"
	"slices"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// updateOverflow applies the value of one overflow key of window ws: part
// is its service as the key names it, one per table partition (see
// table.OverflowKey). The index keeps each part with its own offset, to
// skip an older value as Update does for a service, and shows their sum
// as the one service codecs.OverflowService. Callers hold ix.mu; b is the
// window's bucket.
func (ix *Index) updateOverflow(b *bucket, ws int64, part string, value []byte, agg *table.Value) {
	old := b.overflow[part]
	if old != nil && value != nil && agg.Offset <= old.offset {
		return
	}
	if value == nil {
		delete(b.overflow, part)
	} else {
		if b.overflow == nil {
			b.overflow = make(map[string]*entry)
		}
		b.overflow[part] = &entry{
			counts: agg.Counts, late: agg.Late, offset: agg.Offset,
			samples: agg.Samples, messages: agg.Messages,
		}
	}
	if prev := b.services[codecs.OverflowService]; prev != nil {
		sub(&b.sum.counts, prev.counts)
		sub(&b.sum.late, prev.late)
		delete(b.services, codecs.OverflowService)
	}
	ix.log.add(Change{Start: ws, Service: codecs.OverflowService})
	if len(b.overflow) == 0 {
		if len(b.services) == 0 {
			delete(ix.windows, ws)
		}
		return
	}
	// At most one part per table partition: summed again on every update.
	sum := &entry{offset: -1}
	for _, k := range slices.Sorted(maps.Keys(b.overflow)) {
		e := b.overflow[k]
		sum.counts.Add(e.counts)
		sum.late.Add(e.late)
		sum.samples = table.MergeSamples(sum.samples, e.samples, table.SamplesPerLevel)
		sum.messages.Merge(e.messages, table.MessageCapacity)
	}
	b.services[codecs.OverflowService] = sum
	b.sum.counts.Add(sum.counts)
	b.sum.late.Add(sum.late)
}
