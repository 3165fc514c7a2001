package table

import (
	"encoding/binary"
	"slices"

	"github.com/logpulse/logpulse/codecs"
)

// The wire format of deltas and table values (docs/design.md, "Table
// format"): a version byte, then the fields in a fixed order, integers as
// varints (signed ones zig-zag), strings and lists after their length.
//
//	Delta:  01 | stream_time_ms | origin | watermark | counts | late | samples | messages
//	Value:  01 | offset | stream_time_ms | watermark | final_ms | counts | late | samples | messages
//	watermark: record_time_ms | idle_ms | grace_ms | uvarint caught_up (0 or 1),
//	          zeros but on watermark keys (see Input), as final_ms
//	counts:   uvarint bitmap of the levels present, then a varint per level
//	samples:  uvarint n, then n × (t, level, host, msg, partition, offset)
//	messages: uvarint bitmap of the levels present, then per level
//	          (other, uvarint n, n × (template, count)), templates sorted
//
// A reader skips levels it does not know (written by a newer build) and
// ignores bytes after the fields it knows, so a field appended at the end
// needs no new version; any other change does. Values written before this
// format are JSON, which starts with '{' and is read by legacy.go.
const wireVersion = 1

// AppendDelta appends d in the wire format.
func AppendDelta(b []byte, d *Delta) []byte {
	b = append(b, wireVersion)
	b = binary.AppendVarint(b, d.StreamTimeMs)
	b = binary.AppendVarint(b, d.Origin)
	b = appendWatermark(b, d.RecordTimeMs, d.IdleMs, d.GraceMs, d.CaughtUp)
	return appendBody(b, &d.Counts, &d.Late, d.Samples, &d.Messages)
}

// AppendValue appends v in the wire format.
func AppendValue(b []byte, v *Value) []byte {
	b = append(b, wireVersion)
	b = binary.AppendVarint(b, v.Offset)
	b = binary.AppendVarint(b, v.StreamTimeMs)
	b = appendWatermark(b, v.RecordTimeMs, v.IdleMs, v.GraceMs, v.CaughtUp)
	b = binary.AppendVarint(b, v.FinalMs)
	return appendBody(b, &v.Counts, &v.Late, v.Samples, &v.Messages)
}

// appendWatermark appends the fields only watermark keys fill.
func appendWatermark(b []byte, recordMs, idleMs, graceMs int64, caughtUp bool) []byte {
	b = binary.AppendVarint(b, recordMs)
	b = binary.AppendVarint(b, idleMs)
	b = binary.AppendVarint(b, graceMs)
	var c uint64
	if caughtUp {
		c = 1
	}
	return binary.AppendUvarint(b, c)
}

// appendBody appends what deltas and values share.
func appendBody(b []byte, counts, late *Counts, samples []Sample, lm *LevelMessages) []byte {
	b = appendCounts(b, counts)
	b = appendCounts(b, late)
	b = binary.AppendUvarint(b, uint64(len(samples)))
	for i := range samples {
		s := &samples[i]
		b = binary.AppendVarint(b, s.TimeMs)
		b = binary.AppendUvarint(b, uint64(wireLevel(s.Level)))
		b = appendString(b, s.Host)
		b = appendString(b, s.Message)
		b = binary.AppendVarint(b, int64(s.Partition))
		b = binary.AppendVarint(b, s.Offset)
	}
	return appendMessages(b, lm)
}

// wireLevel is l, or LevelUnknown for a level past the known ones (as the
// JSON format wrote it).
func wireLevel(l codecs.Level) codecs.Level {
	if int(l) >= codecs.NumLevels {
		return codecs.LevelUnknown
	}
	return l
}

func appendCounts(b []byte, c *Counts) []byte {
	var present uint64
	for l, n := range c {
		if n != 0 {
			present |= 1 << l
		}
	}
	b = binary.AppendUvarint(b, present)
	for _, n := range c {
		if n != 0 {
			b = binary.AppendVarint(b, n)
		}
	}
	return b
}

func appendMessages(b []byte, lm *LevelMessages) []byte {
	var present uint64
	for l, m := range lm {
		if m != nil {
			present |= 1 << l
		}
	}
	b = binary.AppendUvarint(b, present)
	for _, m := range lm {
		if m == nil {
			continue
		}
		b = binary.AppendVarint(b, m.Other)
		b = binary.AppendUvarint(b, uint64(len(m.Counts)))
		// Sorted, so that a value has one encoding (the golden files pin
		// it). A trimmed map holds at most MessageCapacity templates; only
		// a larger one goes past the buffer onto the heap.
		var buf [MessageCapacity]string
		keys := buf[:0]
		for t := range m.Counts {
			keys = append(keys, t)
		}
		slices.Sort(keys)
		for _, t := range keys {
			b = appendString(b, t)
			b = binary.AppendVarint(b, m.Counts[t])
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
