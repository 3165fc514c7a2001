package table

import (
	"encoding/json"

	"github.com/logpulse/logpulse/codecs"
)

// Counts holds one counter per level, indexed by codecs.Level.
type Counts [codecs.NumLevels]int64

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	for i := range c {
		c[i] += o[i]
	}
}

// Total is the sum over all levels.
func (c Counts) Total() int64 {
	var t int64
	for _, n := range c {
		t += n
	}
	return t
}

// Map returns the non-zero counts keyed by level name, the shape the HTTP API
// uses.
func (c Counts) Map() map[string]int64 {
	m := make(map[string]int64)
	for i, n := range c {
		if n != 0 {
			m[codecs.Level(i).String()] = n
		}
	}
	return m
}

// MarshalJSON writes Map: level name → count, zeros left out.
func (c Counts) MarshalJSON() ([]byte, error) { return json.Marshal(c.Map()) }
