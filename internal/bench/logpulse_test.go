package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/internal/view"
)

// TestWaitTotalIsExact: the logpulse phase ends only on exactly the
// produced count; more, or any late event, fails the bench.
func TestWaitTotalIsExact(t *testing.T) {
	from := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name        string
		counted     int64
		late        int64
		want        int64
		errContains string
	}{
		{"exact", 10, 0, 10, ""},
		{"counted twice", 11, 0, 10, "counted twice"},
		{"late", 10, 1, 10, "late events"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := view.New(1, 1, time.Minute, 24*time.Hour)
			var a table.Value
			a.Offset = 1
			a.Counts[codecs.LevelInfo], a.Late[codecs.LevelWarn] = tc.counted, tc.late
			if err := ix.Update(0, table.WindowKey("api", from), table.AppendValue(nil, &a)); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			s := &stack{ix: ix, cancel: cancel, g: new(errgroup.Group)}
			s.g.Go(func() error { <-ctx.Done(); return nil })
			defer s.stop()
			err := s.waitTotal(context.Background(), tc.want, from, from.Add(time.Hour), 10*time.Second)
			if tc.errContains == "" && err != nil || tc.errContains != "" && (err == nil || !strings.Contains(err.Error(), tc.errContains)) {
				t.Fatalf("waitTotal: %v, want an error containing %q", err, tc.errContains)
			}
		})
	}
}
