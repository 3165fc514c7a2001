package httpapi

import (
	"math"
	"slices"
	"time"

	"github.com/logpulse/logpulse/internal/table"
)

// servicesCacheRanges bounds the ranges whose settled totals are kept. An
// entry costs ~100 bytes per service (the names are the index's own
// strings), so ~100 MB for a range of a million services.
const servicesCacheRanges = 3

// settled is the per-service counts over the final windows [from, end) of
// a range. Final windows do not change their counts (only their late
// counts), so the merge over them, the part of a /v1/services answer that
// grows with the services in the view, is built once and then moved along
// as the range slides and windows become final: one window of services
// in, one out, instead of a merge of every window per request. Changes to
// its windows that the source reports (late events rewrite a value) are
// applied per service, so the totals stay what a full merge would give.
type settled struct {
	from, end time.Time
	seq       uint64    // the source's changes up to seq are applied
	held      time.Time // the source's Earliest when last checked
	lastUsed  uint64

	// One row per service with counted events in [from, end).
	names  []string
	counts []table.Counts
	totals []int64
	pos    map[string]int32
}

// servicesCache holds the settled parts of recent ranges. Callers hold
// server.servicesMu: requests share one build instead of racing to make
// one each (three concurrent merges of a million services used to triple
// the view's memory).
type servicesCache struct {
	entries []*settled
	tick    uint64
}

// get returns the settled totals over the final windows [from, end),
// built, moved or caught up as needed.
func (c *servicesCache) get(src Source, window time.Duration, from, end time.Time) *settled {
	held := src.Earliest()
	// An entry that lost windows to pruning cannot be mended: drop it
	// rather than keep its memory.
	c.entries = slices.DeleteFunc(c.entries, func(e *settled) bool { return !e.valid(held) })
	var best *settled
	bestCost := countSteps(from, end, window) // a rebuild reads every window once
	for _, e := range c.entries {
		if cost := e.moveCost(from, end, window); cost < bestCost {
			best, bestCost = e, cost
		}
	}
	switch {
	case best == nil:
		best = c.build(src, window, from, end)
	case !best.from.Equal(from) || !best.end.Equal(end):
		// Up to date first, so that the move's reads need no catching
		// up but for changes made meanwhile: a window that has just
		// become final was rewritten thousands of times while open, and
		// is read once, as it is now.
		best.catchUp(src, best.from.Unix(), best.end.Unix())
		// Changes in the windows covered before the move count too: a
		// window that left was subtracted at its value now, which its
		// total may not have held.
		lo, hi := min(from.Unix(), best.from.Unix()), max(end.Unix(), best.end.Unix())
		best.move(src, window, from, end)
		best.catchUp(src, lo, hi)
	default:
		best.catchUp(src, from.Unix(), end.Unix())
	}
	best.held = held
	c.tick++
	best.lastUsed = c.tick
	return best
}

// valid reports whether no window of e's range has been pruned from the
// source since e read it: pruning drops every window before a cutoff, so
// the earliest held window then moves past e.from and past where it was.
func (e *settled) valid(held time.Time) bool {
	if held.IsZero() {
		return len(e.names) == 0
	}
	return !held.After(e.from) || !held.After(e.held)
}

// moveCost is the windows move reads: those that leave or enter the range.
// Ranges that do not overlap cost more than a rebuild.
func (e *settled) moveCost(from, end time.Time, window time.Duration) int64 {
	if !from.Before(e.end) || !e.from.Before(end) {
		return math.MaxInt64
	}
	return abs(countSteps(e.from, from, window)) + abs(countSteps(e.end, end, window))
}

func abs(n int64) int64 { return max(n, -n) }

// build merges [from, end) and keeps it, evicting the least recently used
// range when full.
func (c *servicesCache) build(src Source, window time.Duration, from, end time.Time) *settled {
	// The seq is read before the merge: changes after it are applied
	// again by catchUp, which recomputes rather than adds.
	_, seq, _ := src.Changes(math.MaxUint64)
	e := &settled{from: from, end: from, seq: seq, pos: make(map[string]int32)}
	// Window by window rather than one merge: the source's merged map
	// would be a second copy of every name as large as this one.
	e.move(src, window, from, end)
	e.catchUp(src, from.Unix(), end.Unix())
	if len(c.entries) < servicesCacheRanges {
		c.entries = append(c.entries, e)
		return e
	}
	lru := 0
	for i, o := range c.entries {
		if o.lastUsed < c.entries[lru].lastUsed {
			lru = i
		}
	}
	c.entries[lru] = e
	return e
}

// move turns e into the totals over [from, end), which overlaps e's range,
// by adding the windows that enter and subtracting those that leave.
func (e *settled) move(src Source, window time.Duration, from, end time.Time) {
	for ws := e.from; ws.Before(from); ws = ws.Add(window) {
		e.addWindow(src, ws, window, -1)
	}
	for ws := from; ws.Before(e.from); ws = ws.Add(window) {
		e.addWindow(src, ws, window, 1)
	}
	for ws := end; ws.Before(e.end); ws = ws.Add(window) {
		e.addWindow(src, ws, window, -1)
	}
	for ws := e.end; ws.Before(end); ws = ws.Add(window) {
		e.addWindow(src, ws, window, 1)
	}
	e.from, e.end = from, end
}

// addWindow adds (sign 1) or subtracts (-1) the counts of the window at ws.
// A value that changed since e.seq is made right by catchUp, which
// recomputes its service.
func (e *settled) addWindow(src Source, ws time.Time, window time.Duration, sign int64) {
	for name, c := range src.Services(ws, ws.Add(window)) {
		i, ok := e.pos[name]
		if !ok {
			if sign > 0 {
				e.set(name, c)
			}
			continue
		}
		sum := e.counts[i]
		for l := range sum {
			sum[l] += sign * c[l]
		}
		e.set(name, sum)
	}
}

// catchUp recomputes the services whose values changed since e.seq in
// windows starting in [lo, hi) (unix seconds). When the source's log no
// longer reaches back to e.seq, the final windows' counts cannot have
// changed meanwhile, and e stands.
func (e *settled) catchUp(src Source, lo, hi int64) {
	changes, next, reset := src.Changes(e.seq)
	e.seq = next
	if reset {
		return
	}
	seen := make(map[string]bool)
	for _, ch := range changes {
		if ch.Watermark || ch.Start < lo || ch.Start >= hi || seen[ch.Service] {
			continue
		}
		seen[ch.Service] = true
		var sum table.Counts
		for _, w := range src.Windows(e.from, e.end, ch.Service) {
			sum.Add(w.Counts)
		}
		e.set(ch.Service, sum)
	}
}

// set makes c the counts of name: a new row, an updated one, or, when c
// counts nothing, no row (the last row takes its place).
func (e *settled) set(name string, c table.Counts) {
	total := c.Total()
	i, ok := e.pos[name]
	switch {
	case ok && total == 0:
		last := int32(len(e.names) - 1)
		e.names[i], e.counts[i], e.totals[i] = e.names[last], e.counts[last], e.totals[last]
		e.pos[e.names[i]] = i
		e.names[last] = "" // let the name go with the index's key
		e.names, e.counts, e.totals = e.names[:last], e.counts[:last], e.totals[:last]
		delete(e.pos, name)
	case ok:
		e.counts[i], e.totals[i] = c, total
	case total != 0:
		e.pos[name] = int32(len(e.names))
		e.names = append(e.names, name)
		e.counts = append(e.counts, c)
		e.totals = append(e.totals, total)
	}
}
