package httpapi

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/logpulse/logpulse/codecs"
)

// appendJSON writes what marshal writes for r by reflection
// (TestLevelsResponseJSON compares the two). marshal takes this path: going
// through encoding/json, the answer was encoded by reflection and then
// scanned again to compact each window's MarshalJSON output, together ~45%
// of the CPU of a /v1/levels answer under load. Adding a field to
// levelsResponse means adding it here; the test counts the fields.
func (r levelsResponse) appendJSON(b []byte) ([]byte, error) {
	var err error
	b = append(b, `{"from":`...)
	if b, err = appendJSONTime(b, r.From); err != nil {
		return nil, err
	}
	b = append(b, `,"to":`...)
	if b, err = appendJSONTime(b, r.To); err != nil {
		return nil, err
	}
	b = append(b, `,"step_seconds":`...)
	b = strconv.AppendInt(b, r.StepSeconds, 10)
	b = append(b, `,"size_seconds":`...)
	b = strconv.AppendInt(b, r.SizeSeconds, 10)
	if r.Service != "" {
		b = append(b, `,"service":`...)
		b = codecs.AppendJSONString(b, r.Service)
	}
	if len(r.Levels) > 0 {
		b = append(b, `,"levels":[`...)
		for i, l := range r.Levels {
			if i > 0 {
				b = append(b, ',')
			}
			b = codecs.AppendJSONString(b, l)
		}
		b = append(b, ']')
	}
	b = append(b, `,"watermark":`...)
	if r.Watermark == nil {
		b = append(b, "null"...)
	} else if b, err = appendJSONTime(b, *r.Watermark); err != nil {
		return nil, err
	}
	wb, err := json.Marshal(r.WatermarkBy)
	if err != nil {
		return nil, err
	}
	b = append(append(b, `,"watermark_by":`...), wb...)
	b = append(b, `,"windows":`...)
	if r.Windows == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, w := range r.Windows {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = w.appendJSON(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"totals":`...)
	b = appendInt64Map(b, r.Totals)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, r.Total, 10)
	return append(b, '}'), nil
}

// MarshalJSON writes exactly what encoding/json writes for w by reflection
// (TestLevelsWindowJSON compares the two), without reflecting over a map per
// window: that was half of the CPU of a /v1/levels answer (logpulse bench
// --http, 32 clients). Adding a field to levelsWindow means adding it here;
// the test counts the fields.
func (w levelsWindow) MarshalJSON() ([]byte, error) { return w.appendJSON(make([]byte, 0, 192)) }

func (w levelsWindow) appendJSON(b []byte) ([]byte, error) {
	var err error
	b = append(b, `{"start":`...)
	if b, err = appendJSONTime(b, w.Start); err != nil {
		return nil, err
	}
	b = append(b, `,"end":`...)
	if b, err = appendJSONTime(b, w.End); err != nil {
		return nil, err
	}
	b = append(b, `,"counts":`...)
	b = appendInt64Map(b, w.Counts)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, w.Total, 10)
	b = append(b, `,"final":`...)
	b = strconv.AppendBool(b, w.Final)
	b = append(b, `,"late":`...)
	b = strconv.AppendInt(b, w.Late, 10)
	return append(b, '}'), nil
}

// appendJSONTime appends t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds, quoted; an error for a year outside 0-9999).
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return nil, err
	}
	return append(b, '"'), nil
}

// appendInt64Map appends m as encoding/json writes it: keys in byte-wise
// order, written by codecs.AppendJSONString; null for a nil map.
func appendInt64Map(b []byte, m map[string]int64) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	// A level map holds NumLevels keys; only a larger one goes past the
	// buffer onto the heap.
	var buf [codecs.NumLevels]string
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
