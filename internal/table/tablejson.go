package table

import (
	"slices"
	"strconv"

	"github.com/logpulse/logpulse/codecs"
)

// Every delta is encoded by ingest and decoded by the aggregate, and every
// table value is encoded by the aggregate and decoded by the view: by
// reflection that was most of the pipeline's CPU per key. These write the
// bytes EncodeJSON writes (the golden files pin them, FuzzTableJSON
// compares the two) and tablejson_decode.go reads them back.

// AppendDeltaJSON appends d as EncodeJSON(d) writes it.
func AppendDeltaJSON(b []byte, d *Delta) []byte {
	b = append(b, `{"counts":`...)
	b = appendCountsJSON(b, d.Counts)
	b = append(b, `,"late":`...)
	b = appendCountsJSON(b, d.Late)
	if d.StreamTimeMs != 0 {
		b = append(b, `,"stream_time_ms":`...)
		b = strconv.AppendInt(b, d.StreamTimeMs, 10)
	}
	b = appendInt64Field(b, `,"record_time_ms":`, d.RecordTimeMs)
	b = appendInt64Field(b, `,"idle_ms":`, d.IdleMs)
	b = appendInt64Field(b, `,"grace_ms":`, d.GraceMs)
	if d.CaughtUp {
		b = append(b, `,"caught_up":true`...)
	}
	b = appendSamplesField(b, d.Samples)
	b = appendMessagesField(b, &d.Messages)
	if d.Origin != 0 {
		b = append(b, `,"origin":`...)
		b = strconv.AppendInt(b, d.Origin, 10)
	}
	return append(b, '}')
}

// AppendValueJSON appends a as EncodeJSON(a) writes it.
func AppendValueJSON(b []byte, a *Value) []byte {
	b = append(b, `{"counts":`...)
	b = appendCountsJSON(b, a.Counts)
	b = append(b, `,"late":`...)
	b = appendCountsJSON(b, a.Late)
	b = appendSamplesField(b, a.Samples)
	b = appendMessagesField(b, &a.Messages)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, a.Offset, 10)
	if a.StreamTimeMs != 0 {
		b = append(b, `,"stream_time_ms":`...)
		b = strconv.AppendInt(b, a.StreamTimeMs, 10)
	}
	b = appendInt64Field(b, `,"record_time_ms":`, a.RecordTimeMs)
	b = appendInt64Field(b, `,"idle_ms":`, a.IdleMs)
	b = appendInt64Field(b, `,"grace_ms":`, a.GraceMs)
	if a.CaughtUp {
		b = append(b, `,"caught_up":true`...)
	}
	if a.Expired {
		b = append(b, `,"expired":true`...)
	}
	return append(b, '}')
}

// appendSamplesField appends `,"samples":[...]`, or nothing for no samples
// (omitempty).
func appendSamplesField(b []byte, samples []Sample) []byte {
	if len(samples) == 0 {
		return b
	}
	b = append(b, `,"samples":[`...)
	for i := range samples {
		s := &samples[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"t":`...)
		b = strconv.AppendInt(b, s.TimeMs, 10)
		// codecs.Level's MarshalText: a canonical name, nothing to escape.
		b = append(b, `,"level":"`...)
		b = append(b, s.Level.String()...)
		b = append(b, '"')
		if s.Host != "" {
			b = append(b, `,"host":`...)
			b = codecs.AppendJSONString(b, s.Host)
		}
		b = append(b, `,"msg":`...)
		b = codecs.AppendJSONString(b, s.Message)
		b = append(b, `,"p":`...)
		b = strconv.AppendInt(b, int64(s.Partition), 10)
		b = append(b, `,"o":`...)
		b = strconv.AppendInt(b, s.Offset, 10)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendMessagesField appends `,"messages":{...}` as LevelMessages'
// MarshalJSON writes it, or nothing when no level has messages (omitzero).
func appendMessagesField(b []byte, lm *LevelMessages) []byte {
	if *lm == (LevelMessages{}) {
		return b
	}
	b = append(b, `,"messages":{`...)
	first := true
	for _, l := range levelsByName {
		m := lm[l]
		if m == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, l.String()...)
		b = append(b, `":{"counts":`...)
		b = AppendInt64Map(b, m.Counts)
		if m.Other != 0 {
			b = append(b, `,"other":`...)
			b = strconv.AppendInt(b, m.Other, 10)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// AppendInt64Map appends m as encoding/json writes it: keys in byte-wise
// order, written by codecs.AppendJSONString; null for a nil map. Used for message
// template counts here and for the level counts of /v1/levels.
func AppendInt64Map(b []byte, m map[string]int64) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	// A trimmed template map holds at most MessageCapacity keys, a level
	// map codecs.NumLevels; only a larger one goes past the buffer onto the heap.
	var buf [MessageCapacity]string
	keys := buf[:0]
	for t := range m {
		keys = append(keys, t)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, t := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = codecs.AppendJSONString(b, t)
		b = append(b, ':')
		b = strconv.AppendInt(b, m[t], 10)
	}
	return append(b, '}')
}

// appendInt64Field appends name and n, or nothing for 0 (omitempty).
func appendInt64Field(b []byte, name string, n int64) []byte {
	if n == 0 {
		return b
	}
	return strconv.AppendInt(append(b, name...), n, 10)
}
