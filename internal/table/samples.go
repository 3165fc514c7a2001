package table

import (
	"cmp"
	"hash/fnv"
	"slices"

	"github.com/logpulse/logpulse/codecs"
)

// Bounds of what a (service, window) keeps besides its counts: the newest
// SamplesPerLevel events and up to MessageCapacity message templates of each
// level from SampledLevel up. Ingest and aggregate both apply them, so they
// are part of the table's format rather than settings.
const (
	SamplesPerLevel = 3
	MessageCapacity = 20
	SampledLevel    = codecs.LevelWarn
)

// Sample is one kept event: ingest keeps the newest few events of each
// sampled level per (service, window), so the view can answer "the latest
// errors" without storing every event.
type Sample struct {
	TimeMs  int64        `json:"t"`
	Level   codecs.Level `json:"level"`
	Host    string       `json:"host,omitempty"`
	Message string       `json:"msg"`
	// Partition and Offset are the event's place in the input topic. They
	// make the order of samples total, so which ones are kept does not
	// depend on how records were batched: replaying gives the same table.
	Partition int32 `json:"p"`
	Offset    int64 `json:"o"`
}

// newer orders samples newest first: by time, then input position.
func newer(a, b Sample) int {
	if c := cmp.Compare(b.TimeMs, a.TimeMs); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Partition, a.Partition); c != 0 {
		return c
	}
	return cmp.Compare(b.Offset, a.Offset)
}

// MergeSamples returns the union of a and b keeping, per level, the k newest
// samples, newest first. The result is the same whatever the grouping of the
// merges, which is what keeps it deterministic on replay. A sample present
// in both (a redelivery) is kept once.
func MergeSamples(a, b []Sample, k int) []Sample {
	if k <= 0 {
		return nil
	}
	all := make([]Sample, 0, len(a)+len(b))
	all = append(append(all, a...), b...)
	slices.SortFunc(all, newer)
	out := all[:0]
	var kept [codecs.NumLevels]int
	for i, s := range all {
		if i > 0 && newer(all[i-1], s) == 0 {
			continue
		}
		if int(s.Level) >= codecs.NumLevels || kept[s.Level] >= k {
			continue
		}
		kept[s.Level]++
		out = append(out, s)
	}
	return slices.Clip(out)
}

// Messages counts the normalised messages (see Template) of one level for
// one key. It keeps at most MessageCapacity templates: those with the
// smallest hash (FNV-1a), folding the counts of the rest into Other. The
// choice depends only on which templates occurred, not on their order or
// batching, so a replay gives the same table; and a kept template's count
// is exact: a template is dropped only when capacity templates with smaller
// hashes are known, and those are never dropped in its favour later.
type Messages struct {
	Counts map[string]int64 `json:"counts"`
	Other  int64            `json:"other,omitempty"`
}

// LevelMessages holds the Messages of each level, indexed by codecs.Level; its JSON
// is a map from level name, levels without messages left out.
type LevelMessages [codecs.NumLevels]*Messages

// Add counts n events of level l with template t. It trims to capacity only
// once twice as many templates are held, so a storm of distinct messages
// costs a sort now and then, not one per event; Trim before storing.
func (lm *LevelMessages) Add(l codecs.Level, t string, n int64, capacity int) {
	if int(l) >= codecs.NumLevels || capacity <= 0 {
		return
	}
	m := lm[l]
	if m == nil {
		m = &Messages{Counts: make(map[string]int64)}
		lm[l] = m
	}
	m.Counts[t] += n
	if len(m.Counts) > 2*capacity {
		m.Trim(capacity)
	}
}

// Merge adds o into lm and trims each level to capacity templates.
func (lm *LevelMessages) Merge(o LevelMessages, capacity int) {
	for l, m := range o {
		if m == nil {
			continue
		}
		for t, n := range m.Counts {
			lm.Add(codecs.Level(l), t, n, capacity)
		}
		if lm[l] == nil {
			lm[l] = &Messages{Counts: make(map[string]int64)}
		}
		lm[l].Other += m.Other
	}
	lm.Trim(capacity)
}

// Trim trims every level to capacity templates (see Messages.Trim).
func (lm *LevelMessages) Trim(capacity int) {
	for _, m := range lm {
		if m != nil {
			m.Trim(capacity)
		}
	}
}

// Trim keeps the capacity templates with the smallest hashes and folds the
// counts of the others into Other.
func (m *Messages) Trim(capacity int) {
	if len(m.Counts) <= capacity {
		return
	}
	type entry struct {
		t string
		h uint64
	}
	all := make([]entry, 0, len(m.Counts))
	for t := range m.Counts {
		h := fnv.New64a()
		h.Write([]byte(t))
		all = append(all, entry{t, h.Sum64()})
	}
	slices.SortFunc(all, func(a, b entry) int { return cmp.Or(cmp.Compare(a.h, b.h), cmp.Compare(a.t, b.t)) })
	for _, e := range all[capacity:] {
		m.Other += m.Counts[e.t]
		delete(m.Counts, e.t)
	}
}
