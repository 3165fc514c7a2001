package table

import (
	"strconv"

	"github.com/logpulse/logpulse/codecs"
)

// The table's Counts are encoded and decoded for every delta and every table
// record, four times per delta end to end; going through a
// map[string]int64 made that a fifth of the pipeline's CPU. These write
// the same bytes as json.Marshal of Counts.Map() and read the common shape
// directly, leaving anything else to encoding/json.

// levelsByName are the levels in the order json.Marshal sorts map keys.
var levelsByName = [codecs.NumLevels]codecs.Level{codecs.LevelDebug, codecs.LevelError, codecs.LevelFatal, codecs.LevelInfo, codecs.LevelTrace, codecs.LevelUnknown, codecs.LevelWarn}

// appendCountsJSON appends c as json.Marshal(c.Map()) writes it.
func appendCountsJSON(b []byte, c Counts) []byte {
	b = append(b, '{')
	first := true
	for _, l := range levelsByName {
		if c[l] == 0 {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, l.String()...)
		b = append(b, '"', ':')
		b = strconv.AppendInt(b, c[l], 10)
	}
	return append(b, '}')
}

// parseCountsJSON reads an object of canonical level names to integers
// (what appendCountsJSON writes, with any JSON whitespace) and reports
// false for anything else: other names or spellings, other numbers, null,
// invalid JSON. A name given twice keeps its last value, as a map does.
func parseCountsJSON(b []byte) (Counts, bool) {
	c, end, ok := readCountsJSON(b, skipWS(b, 0))
	return c, ok && skipWS(b, end) == len(b)
}

// readCountsJSON is parseCountsJSON for the object starting at b[i], which
// may be followed by more; it returns the index after the object.
func readCountsJSON(b []byte, i int) (Counts, int, bool) {
	var c Counts
	if i >= len(b) || b[i] != '{' {
		return c, i, false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return c, i + 1, true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return c, i, false
		}
		end := plainStringEnd(b, i+1)
		if end < 0 {
			return c, i, false
		}
		l, ok := canonicalLevel(b[i+1 : end])
		if !ok {
			return c, i, false
		}
		i = skipWS(b, end+1)
		if i >= len(b) || b[i] != ':' {
			return c, i, false
		}
		i = skipWS(b, i+1)
		ne := numberEnd(b, i)
		if ne < 0 {
			return c, i, false
		}
		n, err := strconv.ParseInt(string(b[i:ne]), 10, 64)
		if err != nil {
			return c, i, false // a fraction, an exponent, or out of range
		}
		c[l] = n
		i = skipWS(b, ne)
		if i >= len(b) {
			return c, i, false
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			return c, i + 1, true
		default:
			return c, i, false
		}
	}
}

// canonicalLevel matches a level name exactly as Level.String spells it.
func canonicalLevel(name []byte) (codecs.Level, bool) {
	for i := range codecs.NumLevels {
		if l := codecs.Level(i); string(name) == l.String() {
			return l, true
		}
	}
	return codecs.LevelUnknown, false
}
