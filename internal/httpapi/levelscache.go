package httpapi

import (
	"strconv"
	"strings"
	"sync"
)

// levelsCacheSize bounds the answers kept per source version: enough for
// the queries of many dashboards (each polls a handful), small next to the
// index (an hour of windows is ~10 KB of JSON).
const levelsCacheSize = 256

// levelsCache keeps the JSON of /v1/levels answers until the source changes.
// Dashboards poll the same few queries, many at a time; between two changes
// of the index (a window's counts or the watermark, each a Change with the
// next seq) their answers are the same bytes, so they are built once.
type levelsCache struct {
	mu      sync.Mutex
	seq     uint64 // the source's seq the entries were built at
	entries map[string][]byte
}

// get returns the answer to key built at seq, if there is one.
func (c *levelsCache) get(seq uint64, key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq != c.seq {
		return nil, false
	}
	b, ok := c.entries[key]
	return b, ok
}

// put keeps body as the answer to key at seq. A newer seq drops every
// answer of the older one; an answer built at an older seq than the
// cache's is not kept (the source changed while it was built).
func (c *levelsCache) put(seq uint64, key string, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case seq < c.seq:
		return
	case seq > c.seq || c.entries == nil || len(c.entries) >= levelsCacheSize:
		c.seq = seq
		c.entries = make(map[string][]byte)
	}
	c.entries[key] = body
}

// cacheKey is q in one string: every field the answer depends on, after
// parsing (ranges aligned to the step), so spellings of one query share an
// entry.
func (q levelsQuery) cacheKey() string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(q.from.Unix(), 10))
	b.WriteByte(' ')
	b.WriteString(strconv.FormatInt(q.to.Unix(), 10))
	b.WriteByte(' ')
	b.WriteString(strconv.FormatInt(int64(q.step), 10))
	b.WriteByte(' ')
	b.WriteString(strconv.FormatInt(int64(q.size), 10))
	b.WriteByte(' ')
	if q.levels == nil {
		b.WriteByte('*')
	}
	for _, l := range q.levels {
		b.WriteString(l.String())
		b.WriteByte(',')
	}
	b.WriteByte(' ')
	b.WriteString(q.service) // last: it may hold spaces
	return b.String()
}
