package processors

import (
	"testing"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// TestFinalWindowTakesDeltasAsLate: once the partition's watermark makes a
// window final, a delta for it (from an input partition back from
// idleness, whose own stream time still calls its events on time) counts
// as late, so the window the view shows as final does not change; a window
// not final yet takes its counts.
func TestFinalWindowTakesDeltasAsLate(t *testing.T) {
	w := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	finalKey, openKey := table.WindowKey("a", w), table.WindowKey("a", w.Add(time.Minute))
	s := newPartitionSim(t, 0)
	a := Aggregator{Final: func(p int32, start int64) bool { return start == w.Unix() }}
	d := &table.Delta{}
	d.Counts[codecs.LevelError] = 3
	d.Late[codecs.LevelError] = 1
	d.Samples = []table.Sample{{TimeMs: w.UnixMilli(), Level: codecs.LevelError, Message: "x"}}
	a.Process(&simCtx{s: s, key: finalKey, offset: 1}, d)
	a.Process(&simCtx{s: s, key: openKey, offset: 2}, d)

	got := s.table[finalKey]
	if got == nil || got.Counts[codecs.LevelError] != 0 || got.Late[codecs.LevelError] != 4 || len(got.Samples) != 0 {
		t.Errorf("final window = %+v; want no counts, 4 late, no samples", got)
	}
	if got := s.table[openKey]; got == nil || got.Counts[codecs.LevelError] != 3 || got.Late[codecs.LevelError] != 1 {
		t.Errorf("open window = %+v; want its 3 counted and 1 late", got)
	}
	if d.Counts[codecs.LevelError] != 3 {
		t.Error("the delta itself was changed")
	}
}
