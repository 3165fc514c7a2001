package stage

import (
	"testing"
	"time"
)

// TestStallClock walks a group through scrapes 15 s apart: each step gives
// the offsets read and the stall the gauge must then show.
func TestStallClock(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		what              string
		committed, source int64
		behind            bool
		want              time.Duration
	}{
		{"first sighting, caught up", 100, 100, false, 0},
		{"new input, read at once", 200, 200, false, 0},
		{"new input, in flight", 250, 300, true, 0},
		{"stuck: no progress while work waits", 250, 300, true, 15 * time.Second},
		{"still stuck, more input", 250, 400, true, 30 * time.Second},
		{"progress resets the clock", 300, 400, true, 0},
		{"stuck after progress, source idle", 300, 400, true, 15 * time.Second},
		{"caught up", 400, 400, false, 0},
		{"an abort trails: behind, no new source records", 400, 400, true, 0},
		{"still only the abort", 400, 400, true, 0},
		{"new input, group stuck", 400, 500, true, 0},
		{"stuck one scrape later", 400, 500, true, 15 * time.Second},
	}
	var c stallClock
	for i, s := range steps {
		now := t0.Add(time.Duration(i) * 15 * time.Second)
		if got := c.observe("g", s.committed, s.source, s.behind, now); got != s.want {
			t.Errorf("step %d (%s): stalled %s, want %s", i, s.what, got, s.want)
		}
	}
}

// TestStallClockSettle: once the collector has found nothing to read
// behind the committed offsets (markers and aborted records), the group is
// idle until it or its source moves; then the clock starts again.
func TestStallClockSettle(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 15 * time.Second) }
	var c stallClock
	c.observe("g", 100, 100, false, at(0))
	c.observe("g", 200, 300, true, at(1)) // progress; an abort trails
	if got := c.observe("g", 200, 300, true, at(2)); got != 15*time.Second {
		t.Fatalf("no progress while behind: %s, want 15s before the read", got)
	}
	c.settle("g") // the read found nothing
	if got := c.observe("g", 200, 300, true, at(3)); got != 0 {
		t.Errorf("settled, nothing moved: %s, want 0", got)
	}
	if got := c.observe("g", 200, 400, true, at(4)); got != 0 {
		t.Errorf("source moved: %s, want 0 at first", got)
	}
	if got := c.observe("g", 200, 400, true, at(5)); got != 15*time.Second {
		t.Errorf("source moved, no progress since: %s, want 15s", got)
	}
}

// TestStallClockFirstSightingBehind: a process that starts while the group
// is already stuck reports the stall from its first scrape on, although
// the source no longer moves.
func TestStallClockFirstSightingBehind(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	var c stallClock
	if got := c.observe("g", 100, 500, true, t0); got != 0 {
		t.Errorf("first scrape: %s, want 0", got)
	}
	if got := c.observe("g", 100, 500, true, t0.Add(time.Minute)); got != time.Minute {
		t.Errorf("a minute later: %s, want 1m", got)
	}
}
