package table

import "math"

// Delta is what ingest writes to the deltas topic for one (service, window)
// key: the events of one transaction, pre-aggregated. The JSON tags read
// the values written before the binary format (legacy.go).
type Delta struct {
	Counts Counts `json:"counts"`
	// Late counts events that arrived after their window closed, per level.
	Late Counts `json:"late"`
	// StreamTimeMs is set only on watermark keys (see WatermarkKey): the
	// stream time of one input partition, in unix milliseconds.
	StreamTimeMs int64 `json:"stream_time_ms,omitempty"`
	// RecordTimeMs, IdleMs and GraceMs are set only on watermark keys
	// too: the newest record timestamp of the input partition and the
	// idleness and grace its ingest applies (see Input, WatermarkOf).
	RecordTimeMs int64 `json:"record_time_ms,omitempty"`
	IdleMs       int64 `json:"idle_ms,omitempty"`
	GraceMs      int64 `json:"grace_ms,omitempty"`
	// CaughtUp is set on a watermark when its input partition was read to
	// its end (the last stable offset the fetch reported, or the end
	// offset when the partition was assigned): only then may it be idle.
	CaughtUp bool `json:"caught_up,omitempty"`
	// Samples are the newest events of the sampled levels, newest first
	// (see MergeSamples), and Messages their normalised messages counted.
	Samples  []Sample      `json:"samples,omitempty"`
	Messages LevelMessages `json:"messages,omitzero"`
	// Origin is set only on the aggregate's loop deltas (a delta of a
	// service past the cap of its window, sent on to the overflow key of
	// its partition): the deltas-topic offset of the delta it carries on.
	// The overflow key's Offset is the last Origin applied, so a delta
	// redelivered and diverted again is skipped.
	Origin int64 `json:"origin,omitempty"`
}

// Value is the aggregate table's value for one (service, window) key. It
// is named for its place (goka's ctx.Value()), not Aggregate, which would
// collide with the aggregate stage (stage.Aggregate) and its callback
// (processors.Aggregator).
type Value struct {
	Counts Counts `json:"counts"`
	Late   Counts `json:"late"`
	// Samples and Messages merge those of the deltas (see Delta).
	Samples  []Sample      `json:"samples,omitempty"`
	Messages LevelMessages `json:"messages,omitzero"`
	// Offset is the deltas-topic offset of the last delta applied to this
	// key. The aggregate stage is at-least-once, so a redelivered delta
	// (offset <= Offset) is skipped: this is what makes counts exact.
	Offset int64 `json:"offset"`
	// StreamTimeMs is set only on watermark keys: the highest stream time
	// of one input partition that this table partition has seen.
	StreamTimeMs int64 `json:"stream_time_ms,omitempty"`
	// RecordTimeMs, IdleMs and GraceMs are set only on watermark keys
	// too: the newest record timestamp of the deltas applied, and the
	// idleness and grace of the latest (see Input, WatermarkOf).
	RecordTimeMs int64 `json:"record_time_ms,omitempty"`
	IdleMs       int64 `json:"idle_ms,omitempty"`
	GraceMs      int64 `json:"grace_ms,omitempty"`
	// CaughtUp is set on a watermark when its input partition was read to
	// its end (the last stable offset the fetch reported, or the end
	// offset when the partition was assigned): only then may it be idle.
	CaughtUp bool `json:"caught_up,omitempty"`
	// FinalMs, on a watermark key, is the table partition's watermark when
	// the aggregate applied this value (see WatermarkOf): a partition's
	// watermark never goes back, also across restarts, since the latest
	// values keep the highest one reached.
	FinalMs int64 `json:"final_ms,omitempty"`
}

// ExpiredValue is what the aggregate's local store answers for a window it
// dropped past the retention. Its Offset is past every delta's, so no delta
// applies to it: a late one must not start the window again from zero (its
// counts in the table would be replaced by the delta's). It is local only:
// the aggregate never writes it, since nothing applies to it.
func ExpiredValue() Value { return Value{Offset: math.MaxInt64} }

// Expired reports whether v is ExpiredValue.
func (v *Value) Expired() bool { return v.Offset == math.MaxInt64 }
