package table

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/logpulse/logpulse/codecs"
)

// DecodeDeltaJSON sets *d to the Delta that b encodes: what json.Unmarshal
// gives for a zero Delta, error included. The shape AppendDeltaJSON writes
// (with any JSON whitespace, and strings without escapes) is read directly;
// anything else — escapes, unknown or differently spelled keys, a key given
// twice, null, other number forms, invalid JSON — goes to encoding/json,
// which then decides the value and the error.
func DecodeDeltaJSON(b []byte, d *Delta) error {
	*d = Delta{}
	if readDeltaJSON(b, d) {
		return nil
	}
	*d = Delta{}
	return json.Unmarshal(b, d)
}

// DecodeValueJSON is DecodeDeltaJSON for a Value.
func DecodeValueJSON(b []byte, a *Value) error {
	*a = Value{}
	if readValueJSON(b, a) {
		return nil
	}
	*a = Value{}
	return json.Unmarshal(b, a)
}

// Bits of the keys a table object has given, to refuse a key given twice:
// encoding/json merges a second "samples" or "messages" into the first
// rather than replacing it, which the direct path does not copy.
const (
	seenCounts = 1 << iota
	seenLate
	seenStreamTime
	seenSamples
	seenMessages
	seenOffset
	seenExpired
	seenOrigin
	seenRecordTime
	seenIdle
	seenGrace
	seenCaughtUp
)

func readDeltaJSON(b []byte, d *Delta) bool {
	r := tableReader{b: b}
	var seen uint
	ok := r.object(func(key []byte) bool {
		switch string(key) {
		case "counts":
			return r.once(&seen, seenCounts) && r.counts(&d.Counts)
		case "late":
			return r.once(&seen, seenLate) && r.counts(&d.Late)
		case "stream_time_ms":
			return r.once(&seen, seenStreamTime) && r.int64(&d.StreamTimeMs)
		case "record_time_ms":
			return r.once(&seen, seenRecordTime) && r.int64(&d.RecordTimeMs)
		case "idle_ms":
			return r.once(&seen, seenIdle) && r.int64(&d.IdleMs)
		case "grace_ms":
			return r.once(&seen, seenGrace) && r.int64(&d.GraceMs)
		case "caught_up":
			return r.once(&seen, seenCaughtUp) && r.bool(&d.CaughtUp)
		case "samples":
			return r.once(&seen, seenSamples) && r.samples(&d.Samples)
		case "messages":
			return r.once(&seen, seenMessages) && r.messages(&d.Messages)
		case "origin":
			return r.once(&seen, seenOrigin) && r.int64(&d.Origin)
		}
		return false
	})
	return ok && r.end()
}

func readValueJSON(b []byte, a *Value) bool {
	r := tableReader{b: b}
	var seen uint
	ok := r.object(func(key []byte) bool {
		switch string(key) {
		case "counts":
			return r.once(&seen, seenCounts) && r.counts(&a.Counts)
		case "late":
			return r.once(&seen, seenLate) && r.counts(&a.Late)
		case "samples":
			return r.once(&seen, seenSamples) && r.samples(&a.Samples)
		case "messages":
			return r.once(&seen, seenMessages) && r.messages(&a.Messages)
		case "offset":
			return r.once(&seen, seenOffset) && r.int64(&a.Offset)
		case "stream_time_ms":
			return r.once(&seen, seenStreamTime) && r.int64(&a.StreamTimeMs)
		case "record_time_ms":
			return r.once(&seen, seenRecordTime) && r.int64(&a.RecordTimeMs)
		case "idle_ms":
			return r.once(&seen, seenIdle) && r.int64(&a.IdleMs)
		case "grace_ms":
			return r.once(&seen, seenGrace) && r.int64(&a.GraceMs)
		case "caught_up":
			return r.once(&seen, seenCaughtUp) && r.bool(&a.CaughtUp)
		case "expired":
			return r.once(&seen, seenExpired) && r.bool(&a.Expired)
		}
		return false
	})
	return ok && r.end()
}

// tableReader reads the canonical shape of a table value. Each method reads
// one value at r.i (after any whitespace) and reports false for anything it
// does not take, leaving the decision to encoding/json.
type tableReader struct {
	b []byte
	i int
}

// object reads an object, calling member with each key and r at its value;
// member reads the value.
func (r *tableReader) object(member func(key []byte) bool) bool {
	if !r.consume('{') {
		return false
	}
	if r.consume('}') {
		return true
	}
	for {
		key, ok := r.plainString()
		if !ok || !r.consume(':') || !member(key) {
			return false
		}
		if !r.consume(',') {
			return r.consume('}')
		}
	}
}

// end reports whether only whitespace is left.
func (r *tableReader) end() bool { return skipWS(r.b, r.i) == len(r.b) }

// consume reads c, after any whitespace.
func (r *tableReader) consume(c byte) bool {
	r.i = skipWS(r.b, r.i)
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// once marks bit in seen, false if it was marked already.
func (r *tableReader) once(seen *uint, bit uint) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// plainString reads a string that encoding/json would hand over as its raw
// bytes: no escape, no control byte, valid UTF-8 (it replaces invalid
// bytes). The result is a slice of r.b.
func (r *tableReader) plainString() ([]byte, bool) {
	if !r.consume('"') {
		return nil, false
	}
	start := r.i
	ascii := true
	for ; r.i < len(r.b); r.i++ {
		switch c := r.b[r.i]; {
		case c == '"':
			s := r.b[start:r.i]
			r.i++
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

func (r *tableReader) string(s *string) bool {
	b, ok := r.plainString()
	*s = string(b)
	return ok
}

// number returns the bytes of the JSON number at r.i.
func (r *tableReader) number() ([]byte, bool) {
	r.i = skipWS(r.b, r.i)
	end := numberEnd(r.b, r.i)
	if end < 0 {
		return nil, false
	}
	n := r.b[r.i:end]
	r.i = end
	return n, true
}

// int64 reads an integer; encoding/json refuses a fraction, an exponent or
// an overflow, with an error that the fallback gives.
func (r *tableReader) int64(n *int64) bool {
	b, ok := r.number()
	if !ok {
		return false
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	*n = v
	return err == nil
}

func (r *tableReader) int32(n *int32) bool {
	b, ok := r.number()
	if !ok {
		return false
	}
	v, err := strconv.ParseInt(string(b), 10, 32)
	*n = int32(v)
	return err == nil
}

func (r *tableReader) bool(v *bool) bool {
	r.i = skipWS(r.b, r.i)
	for _, lit := range [...]string{"true", "false"} {
		if end := literalEnd(r.b, r.i, lit); end > 0 {
			*v = lit == "true"
			r.i = end
			return true
		}
	}
	return false
}

// level reads a codecs.Level as its UnmarshalText does: any case of a canonical
// name, anything else codecs.LevelUnknown.
func (r *tableReader) level(l *codecs.Level) bool {
	b, ok := r.plainString()
	if !ok {
		return false
	}
	if c, ok := canonicalLevel(b); ok {
		*l = c
	} else {
		*l, _ = codecs.LevelByName(string(b))
	}
	return true
}

// counts reads what Counts.UnmarshalJSON reads without encoding/json.
func (r *tableReader) counts(c *Counts) bool {
	r.i = skipWS(r.b, r.i)
	counts, end, ok := readCountsJSON(r.b, r.i)
	*c = counts
	r.i = end
	return ok
}

// samples reads an array of samples; [] is an empty slice, not nil, as
// encoding/json makes it.
func (r *tableReader) samples(out *[]Sample) bool {
	if !r.consume('[') {
		return false
	}
	samples := make([]Sample, 0, SamplesPerLevel)
	if !r.consume(']') {
		for {
			samples = append(samples, Sample{})
			if !r.sample(&samples[len(samples)-1]) {
				return false
			}
			if !r.consume(',') {
				if !r.consume(']') {
					return false
				}
				break
			}
		}
	}
	*out = samples
	return true
}

// sample reads one Sample. A key given twice keeps its last value, as
// encoding/json does for these plain fields.
func (r *tableReader) sample(s *Sample) bool {
	return r.object(func(key []byte) bool {
		switch string(key) {
		case "t":
			return r.int64(&s.TimeMs)
		case "level":
			return r.level(&s.Level)
		case "host":
			return r.string(&s.Host)
		case "msg":
			return r.string(&s.Message)
		case "p":
			return r.int32(&s.Partition)
		case "o":
			return r.int64(&s.Offset)
		}
		return false
	})
}

// messages reads what LevelMessages.UnmarshalJSON reads, for canonical
// level names only: it skips unknown names and reads each spelling of a
// name in map order, which the fallback keeps to encoding/json. A name
// given twice keeps its last value, as the map does.
func (r *tableReader) messages(lm *LevelMessages) bool {
	return r.object(func(key []byte) bool {
		l, ok := canonicalLevel(key)
		if !ok {
			return false
		}
		m := &Messages{}
		lm[l] = m
		seen := false
		if !r.object(func(key []byte) bool {
			switch string(key) {
			case "counts":
				// A second "counts" would merge into the first map.
				if seen {
					return false
				}
				seen = true
				return r.templateCounts(m)
			case "other":
				return r.int64(&m.Other)
			}
			return false
		}) {
			return false
		}
		if m.Counts == nil {
			m.Counts = make(map[string]int64)
		}
		return true
	})
}

// templateCounts reads the counts of a Messages into a new map; a template
// given twice keeps its last count.
func (r *tableReader) templateCounts(m *Messages) bool {
	m.Counts = make(map[string]int64)
	return r.object(func(key []byte) bool {
		var n int64
		if !r.int64(&n) {
			return false
		}
		m.Counts[string(key)] = n
		return true
	})
}
