package table

import "github.com/logpulse/logpulse/codecs"

// tableGen builds table values from fuzzer bytes: each choice takes a byte,
// and an exhausted input reads as zeros, so every input is some value and a
// small change of the input is a small change of the value.
type tableGen struct{ b []byte }

func (g *tableGen) byte() byte {
	if len(g.b) == 0 {
		return 0
	}
	c := g.b[0]
	g.b = g.b[1:]
	return c
}

// int64 is mostly zero or small, sometimes at the edges of the range.
func (g *tableGen) int64() int64 {
	switch k := g.byte(); k % 8 {
	case 0, 1:
		return 0
	case 2:
		return -int64(g.byte())
	case 3:
		return 1<<63 - 1
	case 4:
		return -1 << 63
	case 5:
		var n int64
		for range 8 {
			n = n<<8 | int64(g.byte())
		}
		return n
	default:
		return int64(k) << (g.byte() % 48)
	}
}

// stringPieces are what strings are made of: plain text and everything
// encoding/json escapes or replaces, and invalid UTF-8.
var stringPieces = []string{
	"a", "Z", " ", "0", "user <*> failed", "<", ">", "&", `"`, `\`, "/", "'",
	"\x00", "\x01", "\b", "\f", "\n", "\r", "\t", "\x1f", "\x7f",
	"é", "ü", "€", "😀", "\u2028", "\u2029", "\u2027", "\u202a", "\ufffd",
	"\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf",
	"ERROR", "error", "UNKNOWN", "\u212a", "\\u0041",
}

func (g *tableGen) string() string {
	n := int(g.byte() % 10)
	var s []byte
	for range n {
		s = append(s, stringPieces[int(g.byte())%len(stringPieces)]...)
	}
	return string(s)
}

func (g *tableGen) counts() Counts {
	var c Counts
	for l := range c {
		c[l] = g.int64()
	}
	return c
}

// samples is nil, empty, or a few samples; levels past codecs.LevelFatal too
// (their MarshalText writes UNKNOWN).
func (g *tableGen) samples() []Sample {
	n := int(g.byte() % 6)
	if n == 0 {
		return nil
	}
	out := make([]Sample, n-1)
	for i := range out {
		out[i] = Sample{
			TimeMs:    g.int64(),
			Level:     codecs.Level(g.byte() % (byte(codecs.NumLevels) + 2)),
			Host:      g.string(),
			Message:   g.string(),
			Partition: int32(g.int64()),
			Offset:    g.int64(),
		}
	}
	return out
}

// messages leaves most levels nil; a level's counts may be nil, empty, or
// more than MessageCapacity templates (as before a Trim).
func (g *tableGen) messages() LevelMessages {
	var lm LevelMessages
	for l := range lm {
		if g.byte()%3 != 0 {
			continue
		}
		m := &Messages{Other: g.int64()}
		if n := int(g.byte() % 8); n > 0 {
			m.Counts = make(map[string]int64)
			if n == 7 {
				n = 2*MessageCapacity + 1
			}
			for i := range n - 1 {
				t := g.string()
				if n > 7 {
					t += string(rune('A'+i%26)) + string(rune('a'+i/26))
				}
				m.Counts[t] = g.int64()
			}
		}
		lm[l] = m
	}
	return lm
}

func (g *tableGen) delta() Delta {
	return Delta{Counts: g.counts(), Late: g.counts(), StreamTimeMs: g.int64(), Samples: g.samples(), Messages: g.messages(), Origin: g.int64()}
}

func (g *tableGen) value() Value {
	return Value{
		Counts: g.counts(), Late: g.counts(), Samples: g.samples(), Messages: g.messages(),
		Offset: g.int64(), StreamTimeMs: g.int64(),
	}
}
