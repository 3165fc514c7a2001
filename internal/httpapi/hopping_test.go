package httpapi

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// TestLevelsHopping: size=3m&step=1m gives each point the 3 minutes ending
// at it, including minutes before from; totals count each minute once.
func TestLevelsHopping(t *testing.T) {
	src := newFakeSource()
	base := ts(t, "2024-05-01T11:58:00Z")
	for i := range 7 { // one ERROR per minute 11:58..12:04, i+1 INFO
		var c table.Counts
		c[codecs.LevelError], c[codecs.LevelInfo] = 1, int64(i+1)
		src.add("api", base.Add(time.Duration(i)*time.Minute), c, table.Counts{})
	}
	rec := serve(t, testHandler(t, src), "GET", "/v1/levels?from=2024-05-01T12:00:00Z&to=2024-05-01T12:03:00Z&step=1m&size=3m")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got := decode[levelsResponse](t, rec)
	type point struct {
		Start, End string
		Info, Err  int64
	}
	var pts []point
	for _, w := range got.Windows {
		pts = append(pts, point{w.Start.Format("15:04"), w.End.Format("15:04"), w.Counts["INFO"], w.Counts["ERROR"]})
	}
	want := []point{
		{"11:58", "12:01", 1 + 2 + 3, 3}, // 11:58, 11:59, 12:00
		{"11:59", "12:02", 2 + 3 + 4, 3},
		{"12:00", "12:03", 3 + 4 + 5, 3},
	}
	if diff := cmp.Diff(want, pts); diff != "" {
		t.Errorf("points (-want +got):\n%s", diff)
	}
	if got.SizeSeconds != 180 || got.StepSeconds != 60 {
		t.Errorf("size_seconds %d step_seconds %d, want 180 and 60", got.SizeSeconds, got.StepSeconds)
	}
	if got.Totals["INFO"] != 3+4+5 || got.Total != 12+3 {
		t.Errorf("totals %v (%d): want the minutes in [from, to) once", got.Totals, got.Total)
	}
	for _, bad := range []string{"size=90s", "size=2m&step=3m", "size=banana"} {
		rec := serve(t, testHandler(t, src), "GET", "/v1/levels?"+bad)
		if body := decode[errorBody](t, rec); rec.Code != http.StatusBadRequest || body.Param != "size" {
			t.Errorf("%s: %d %+v, want 400 on param size", bad, rec.Code, body)
		}
	}
}
