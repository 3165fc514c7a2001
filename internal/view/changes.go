package view

import "time"

// changeLogSize bounds the change log: a stream that falls further behind
// than this is told to reload instead.
const changeLogSize = 8192

// Change is one update of the index: a (service, window) value, or a move
// of the watermark (which can make windows final) or of what holds it
// back (Hold, which /v1/levels shows as watermark_by).
type Change struct {
	Seq       uint64
	Start     int64 // window start, unix seconds
	Service   string
	Watermark bool
}

// changeLog is a ring of the latest changes. Callers hold Index.mu.
type changeLog struct {
	ring []Change
	next uint64 // Seq of the next change; the first has Seq 1
}

func (l *changeLog) add(c Change) {
	if l.ring == nil {
		l.ring = make([]Change, changeLogSize)
	}
	l.next++
	c.Seq = l.next
	l.ring[c.Seq%changeLogSize] = c
}

// Changes returns the changes after seq, oldest first, and the seq to ask
// from next time. reset is true when changes after seq have left the log
// (or seq is from before a restart): the caller must reload what it shows.
func (ix *Index) Changes(seq uint64) (changes []Change, next uint64, reset bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	l := &ix.log
	if seq > l.next || (l.next > changeLogSize && seq < l.next-changeLogSize) {
		return nil, l.next, true
	}
	for s := seq + 1; s <= l.next; s++ {
		changes = append(changes, l.ring[s%changeLogSize])
	}
	return changes, l.next, false
}

// Earliest is the start of the earliest window held; zero when empty.
func (ix *Index) Earliest() time.Time {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	first, found := int64(0), false
	for ws := range ix.windows {
		if !found || ws < first {
			first, found = ws, true
		}
	}
	if !found {
		return time.Time{}
	}
	return time.Unix(first, 0).UTC()
}
