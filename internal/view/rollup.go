package view

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/logpulse/logpulse/internal/table"
)

// Index holds the table's window values and watermarks. It is safe for
// concurrent use: the view writes, HTTP handlers read.
type Index struct {
	window     time.Duration
	retention  time.Duration
	partitions int32 // table partitions
	inputParts int32 // partitions of the input topic

	mu      sync.RWMutex
	windows map[int64]*bucket // by window start, unix seconds
	// wm[table partition][input partition] is what the table partition's
	// watermark key of the input partition says.
	wm map[int32]map[int32]table.Input
	// wmOffset[table partition][input partition] is the offset of the
	// value wm holds: an older one (the table replayed) is ignored.
	wmOffset map[int32]map[int32]int64
	// marks[table partition] is the highest watermark the partition has
	// had (its values' FinalMs, or worked out from them): it never goes
	// back, as the aggregate's does not (processors.Aggregator.Mark).
	marks map[int32]int64
	// inputs is the number of input partitions a watermark waits for:
	// inputParts, or more once a table partition has seen a higher one
	// (the topic grew).
	inputs int32
	cutoff int64     // windows starting before this were pruned
	newest int64     // start of the newest window with data
	log    changeLog // what changed, for live streams
}

type bucket struct {
	services map[string]*entry
	sum      entry
	// overflow holds the overflow keys' values by their service, one per
	// table partition; services holds their sum (see updateOverflow).
	overflow map[string]*entry
}

type entry struct {
	counts, late table.Counts
	offset       int64 // the deltas offset the value includes
	samples      []table.Sample
	messages     table.LevelMessages
}

// New returns an empty index for a table of tablePartitions partitions fed
// from an input topic of inputPartitions partitions, with windows of the
// given size kept for retention after the watermark passes them.
func New(tablePartitions, inputPartitions int32, window, retention time.Duration) *Index {
	return &Index{
		window: window, retention: retention, partitions: tablePartitions, inputParts: inputPartitions, inputs: inputPartitions,
		windows:  make(map[int64]*bucket),
		wm:       make(map[int32]map[int32]table.Input),
		wmOffset: make(map[int32]map[int32]int64),
		marks:    make(map[int32]int64),
	}
}

// Update applies one table record; a nil value deletes the key.
func (ix *Index) Update(partition int32, key string, value []byte) error {
	var agg table.Value
	if value != nil {
		if err := table.DecodeValue(value, &agg); err != nil {
			return fmt.Errorf("decode table value of %q: %w", key, err)
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if table.IsWatermarkKey(key) {
		in, err := table.ParseWatermarkKey(key)
		if err != nil {
			return err
		}
		if value == nil {
			return nil
		}
		m, offs := ix.wm[partition], ix.wmOffset[partition]
		if m == nil {
			m, offs = make(map[int32]table.Input), make(map[int32]int64)
			ix.wm[partition], ix.wmOffset[partition] = m, offs
		}
		if o, ok := offs[in]; ok && agg.Offset < o {
			return nil // an older value: the view replays the table after a reconnect
		}
		before, beforeHold := ix.watermark(), ix.hold()
		cur := agg.Input()
		cur.StreamMs, cur.RecordMs = max(cur.StreamMs, m[in].StreamMs), max(cur.RecordMs, m[in].RecordMs)
		m[in], offs[in] = cur, agg.Offset
		ix.inputs = max(ix.inputs, in+1)
		mark := max(ix.marks[partition], agg.FinalMs)
		if w := table.WatermarkOf(m, ix.inputs); w.HeldBy >= 0 {
			mark = max(mark, w.StreamMs)
		}
		ix.marks[partition] = mark
		// What holds the watermark is part of the answers too
		// (watermark_by): a partition that reports for the first time
		// changes it without moving the watermark.
		if ix.watermark() != before || !ix.hold().equal(beforeHold) {
			ix.log.add(Change{Watermark: true})
		}
		ix.prune()
		return nil
	}
	service, start, err := table.ParseWindowKey(key)
	if err != nil {
		return err
	}
	ws := start.Unix()
	if ws < ix.cutoff {
		return nil
	}
	b := ix.windows[ws]
	if b == nil {
		if value == nil {
			return nil
		}
		b = &bucket{services: make(map[string]*entry)}
		ix.windows[ws] = b
	}
	if table.IsOverflowService(service) {
		ix.updateOverflow(b, ws, service, value, &agg)
		return nil
	}
	old := b.services[service]
	if old != nil && value != nil && agg.Offset <= old.offset {
		// An older value of the key: the view replays the table from the
		// start after a reconnect, and a value must never go back to
		// what it was (a final window would lose counts meanwhile).
		return nil
	}
	if old != nil {
		sub(&b.sum.counts, old.counts)
		sub(&b.sum.late, old.late)
	}
	ix.log.add(Change{Start: ws, Service: service})
	if value == nil {
		delete(b.services, service)
		if len(b.services) == 0 {
			delete(ix.windows, ws)
		}
		return nil
	}
	ix.newest = max(ix.newest, ws)
	b.services[service] = &entry{
		counts: agg.Counts, late: agg.Late, offset: agg.Offset,
		samples: agg.Samples, messages: agg.Messages,
	}
	b.sum.counts.Add(agg.Counts)
	b.sum.late.Add(agg.Late)
	return nil
}

func sub(c *table.Counts, o table.Counts) {
	for i := range c {
		c[i] -= o[i]
	}
}

// watermark is the stream time up to which every table partition has
// applied every delta of every input partition that holds it (see
// table.WatermarkOf): the lowest of the table partitions' watermarks, zero
// while a table partition has none. It is the watermark the aggregate
// worked with on each table partition when it wrote the values the index
// holds, so a window final here took its last on-time delta already.
// Callers hold ix.mu.
func (ix *Index) watermark() int64 {
	if int32(len(ix.marks)) < ix.partitions {
		return 0
	}
	low := int64(-1)
	for _, m := range ix.marks {
		if low < 0 || m < low {
			low = m
		}
	}
	return max(low, 0)
}

// prune drops windows that ended more than the retention before the
// watermark and before the end of the newest window with data (as the
// aggregate's state does): they have left the table too (retention.ms), and
// memory stays bounded by retention × services. Stream time moved by no
// event (heartbeats over a quiet stream) keeps the last windows counted in
// memory; the table topic still deletes them by wall-clock retention.ms,
// so a view started after such a spell does not have them.
// Callers hold ix.mu.
func (ix *Index) prune() {
	wm := ix.watermark()
	if wm == 0 || ix.retention <= 0 {
		return
	}
	ref := time.UnixMilli(wm)
	if end := time.Unix(ix.newest, 0).Add(ix.window); ix.newest != 0 && end.Before(ref) {
		ref = end
	}
	cutoff := ref.Add(-ix.retention).Truncate(ix.window).Unix()
	if cutoff <= ix.cutoff {
		return
	}
	for ws := range ix.windows {
		if ws < cutoff {
			delete(ix.windows, ws)
		}
	}
	ix.cutoff = cutoff
}

// Watermark implements httpapi.Source.
func (ix *Index) Watermark() time.Time {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	wm := ix.watermark()
	if wm == 0 {
		return time.Time{}
	}
	return time.UnixMilli(wm).UTC()
}

// Windows implements httpapi.Source.
func (ix *Index) Windows(from, to time.Time, service string) []Window {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var out []Window
	ix.each(from, to, func(ws int64, b *bucket) {
		e := &b.sum
		if service != "" {
			if e = b.services[service]; e == nil {
				return
			}
		}
		out = append(out, Window{Start: time.Unix(ws, 0).UTC(), Counts: e.counts, Late: e.late})
	})
	return out
}

// Sum returns what Windows would add up to, without building the
// windows: the counts and the late counts of the windows starting in
// [from, to), of one service or, if service is empty, of all of them.
func (ix *Index) Sum(from, to time.Time, service string) (counts, late table.Counts) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	ix.each(from, to, func(_ int64, b *bucket) {
		e := &b.sum
		if service != "" {
			if e = b.services[service]; e == nil {
				return
			}
		}
		counts.Add(e.counts)
		late.Add(e.late)
	})
	return counts, late
}

// Services implements httpapi.Source.
func (ix *Index) Services(from, to time.Time) map[string]table.Counts {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make(map[string]table.Counts)
	ix.each(from, to, func(_ int64, b *bucket) {
		for name, e := range b.services {
			c := out[name]
			c.Add(e.counts)
			out[name] = c
		}
	})
	return out
}

// each calls fn for every window with data starting in [from, to). It walks
// the range by window when that is shorter than the map, else the map.
func (ix *Index) each(from, to time.Time, fn func(ws int64, b *bucket)) {
	lo, hi := from.Unix(), to.Unix()
	step := int64(ix.window / time.Second)
	if step > 0 && (hi-lo)/step <= int64(len(ix.windows)) {
		for ws := from.Truncate(ix.window).Unix(); ws < hi; ws += step {
			if b := ix.windows[ws]; b != nil && ws >= lo {
				fn(ws, b)
			}
		}
		return
	}
	for ws, b := range ix.windows {
		if ws >= lo && ws < hi {
			fn(ws, b)
		}
	}
}

// Hold says what the watermark is waiting for: the input partition at the
// watermark, those left out as idle, and those (input or table
// partitions) that have not reported a watermark yet, while nothing is
// final.
type Hold struct {
	HeldBy      int32   // the input partition at the watermark; -1 with none
	Idle        []int32 // input partitions left out as idle
	NotReported []int32 // input partitions without a watermark yet
	// TablePartitions is how many table partitions have reported a
	// watermark, of Partitions: the aggregate writes one to each as it
	// applies the watermarks of the input partitions.
	TablePartitions, Partitions int32
}

// Hold implements httpapi.Source.
func (ix *Index) Hold() Hold {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.hold()
}

func (h Hold) equal(o Hold) bool {
	return h.HeldBy == o.HeldBy && h.TablePartitions == o.TablePartitions && h.Partitions == o.Partitions &&
		slices.Equal(h.Idle, o.Idle) && slices.Equal(h.NotReported, o.NotReported)
}

// hold is Hold; callers hold ix.mu.
func (ix *Index) hold() Hold {
	h := Hold{HeldBy: -1, TablePartitions: int32(len(ix.wm)), Partitions: ix.partitions}
	if h.TablePartitions < h.Partitions {
		return h
	}
	// In table partition order: with two at the same stream time, the
	// answer (and so the change log, see Update) must not follow the
	// map's order.
	var low table.Watermark
	first := true
	for _, p := range slices.Sorted(maps.Keys(ix.wm)) {
		w := table.WatermarkOf(ix.wm[p], ix.inputs)
		if w.HeldBy < 0 {
			h.NotReported = w.Missing
			return h
		}
		if first || w.StreamMs < low.StreamMs {
			low, first = w, false
		}
	}
	h.HeldBy, h.Idle = low.HeldBy, low.Idle
	return h
}
