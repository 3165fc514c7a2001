package table

import "slices"

// Input is what a table partition knows of one input partition, from the
// value of its watermark key (see WatermarkKey): every ingest transaction
// that reads the input partition writes one to every table partition.
type Input struct {
	// StreamMs is the input partition's stream time: the newest event
	// time it carried, unix ms.
	StreamMs int64
	// RecordMs is the newest record timestamp it carried, unix ms: the
	// broker's append time on a topic with LogAppendTime; 0 if none.
	RecordMs int64
	// IdleMs is how far RecordMs may fall behind the newest RecordMs of
	// any input partition before the partition is idle; 0 means never.
	IdleMs int64
	// GraceMs is ingest's grace: a window is closed once the stream time
	// passes its end by more than this.
	GraceMs int64
	// CaughtUp: the input partition had been read to its end when the
	// value was written. A partition that is behind is never idle.
	CaughtUp bool
}

// Watermark is the watermark of one table partition, worked out from its
// inputs: the lowest stream time of the input partitions that are not idle,
// once every input partition has a watermark key.
//
// An input partition is idle when it was read to its end and its newest
// record is more than its IdleMs older than the newest record of any input
// partition: it carried nothing for that long while another carried
// records, so it must not hold back every window. One that never carried a
// record is idle as soon as another has one; one that is behind, with
// records still to read, never is. Ingest writes a watermark key for every
// input partition it is assigned, also one with nothing to read (caught
// up, so idle), before it counts anything of another partition: until all
// have one, nothing is final, as a partition with no key yet may be one
// whose records are still to be read. An idle partition
// that carries records again rejoins the minimum; its events for windows
// that were final meanwhile count as late (processors.Aggregator), so a
// final window never changes. Record timestamps are the records' own
// (with LogAppendTime, the broker's), so replaying the same deltas gives
// the same watermarks; the wall clock plays no part.
type Watermark struct {
	// StreamMs is the watermark, unix ms; 0 with no inputs.
	StreamMs int64
	// GraceMs is the largest grace the inputs were written with.
	GraceMs int64
	// HeldBy is the input partition at the watermark (the lowest of them
	// if several are); -1 with no inputs.
	HeldBy int32
	// Idle are the input partitions left out as idle, sorted.
	Idle []int32
	// Missing are the input partitions without a watermark key yet,
	// sorted; while there are any, there is no watermark (HeldBy -1).
	Missing []int32
}

// WatermarkOf works out the watermark of a table partition from what it
// knows of each input partition, of an input topic of n partitions (more
// if inputs has more: the topic grew).
func WatermarkOf(inputs map[int32]Input, n int32) Watermark {
	w := Watermark{HeldBy: -1}
	var newest int64
	for _, in := range inputs {
		newest = max(newest, in.RecordMs)
		w.GraceMs = max(w.GraceMs, in.GraceMs)
	}
	for p := range n {
		if _, ok := inputs[p]; !ok {
			w.Missing = append(w.Missing, p)
		}
	}
	if len(w.Missing) > 0 {
		return w
	}
	for p, in := range inputs {
		if in.idle(newest) {
			w.Idle = append(w.Idle, p)
			continue
		}
		if w.HeldBy < 0 || in.StreamMs < w.StreamMs || (in.StreamMs == w.StreamMs && p < w.HeldBy) {
			w.StreamMs, w.HeldBy = in.StreamMs, p
		}
	}
	slices.Sort(w.Idle)
	return w
}

// idle reports whether the input partition is idle when the newest record
// of any input partition is at newest (unix ms).
func (in Input) idle(newest int64) bool {
	return in.CaughtUp && in.IdleMs > 0 && newest-in.RecordMs > in.IdleMs
}

// Closed reports whether a window ending at endMs is closed at watermark
// wmMs (all unix ms) with the given grace: its end plus the grace is at or
// before the watermark. A window closed there is final: no delta counted on
// time may change it. A zero watermark closes nothing.
func Closed(endMs, graceMs, wmMs int64) bool {
	return wmMs > 0 && endMs+graceMs <= wmMs
}

// Input is what a watermark key's value says of its input partition.
func (v *Value) Input() Input {
	return Input{StreamMs: v.StreamTimeMs, RecordMs: v.RecordTimeMs, IdleMs: v.IdleMs, GraceMs: v.GraceMs, CaughtUp: v.CaughtUp}
}
