package alerts_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/alerts"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/internal/view"
)

// The engine runs over the view's real index: table records in, alerts
// out, and a window the watermark has not finalised is left alone.
func TestOverRollupIndex(t *testing.T) {
	const window, grace = time.Minute, 10 * time.Second
	ix := view.New(1, 1, window, time.Hour)
	var _ alerts.Reader = ix
	w0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	put := func(key string, a table.Value) {
		t.Helper()
		if err := ix.Update(0, key, table.AppendValue(nil, &a)); err != nil {
			t.Fatal(err)
		}
	}
	for i, n := range []int64{1, 20, 30, 0} { // ERRORs among 100 events
		a := table.Value{Offset: int64(i + 1)}
		a.Counts[codecs.LevelError], a.Counts[codecs.LevelInfo] = n, 100-n
		put(table.WindowKey("api", w0.Add(time.Duration(i)*window)), a)
	}
	// Stream time 10:03:10: windows 10:00-10:02 are final, 10:03 is not.
	put(table.WatermarkKey(0, 0), table.Value{StreamTimeMs: w0.Add(3*window + grace).UnixMilli()})

	var got []string
	e, err := alerts.New(alerts.Config{Window: window, Grace: grace, Source: ix, Logger: slog.New(slog.DiscardHandler),
		Rules: []alerts.Rule{{Name: "ratio", Ratio: new(0.1), MinEvents: 20}},
		Publish: func(_ context.Context, a alerts.Alert) error {
			got = append(got, a.State+" "+a.ID)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"firing ratio|api|2026-11-26T10:01:00Z"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	active, _ := e.Alerts()
	if len(active) != 1 || !active[0].WindowStart.Equal(w0.Add(2*window)) {
		t.Errorf("active %+v, want the alert last evaluated on 10:02", active)
	}
}
