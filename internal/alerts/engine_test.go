package alerts

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// Each condition fires and resolves on the right windows; the series are
// one service's counts in windows 0, 1, 2...
func TestConditions(t *testing.T) {
	tests := []struct {
		name   string
		rule   Rule
		series []table.Counts
		want   []string
	}{
		{
			name:   "count above N",
			rule:   Rule{Name: "c", Count: ptr[int64](5)},
			series: errs(0, 6, 7, 5, 6),
			want:   []string{"c firing api w1", "c resolved api w3", "c firing api w4"},
		},
		{
			name: "count counts the listed levels only",
			rule: Rule{Name: "c", Levels: []codecs.Level{codecs.LevelWarn}, Count: ptr[int64](0)},
			series: func() []table.Counts {
				var w table.Counts
				w[codecs.LevelWarn] = 1
				return []table.Counts{ec(9, 9), w, ec(3, 9)}
			}(),
			want: []string{"c firing api w1", "c resolved api w2"},
		},
		{
			// Over 3m sums windows n-2..n; windows 0 and 1 lack a full
			// span and are not evaluated.
			name:   "over sums the windows ending at the evaluated one",
			rule:   Rule{Name: "c", Over: 3 * time.Minute, Count: ptr[int64](5)},
			series: errs(3, 3, 0, 0, 2, 2, 2, 0),
			want:   []string{"c firing api w2", "c resolved api w3", "c firing api w6", "c resolved api w7"},
		},
		{
			name: "ratio with min_events",
			rule: Rule{Name: "r", Ratio: ptr(0.05), MinEvents: 20},
			// 1 of 2 is 50% but below min_events; 2 of 40 is not above 5%.
			series: []table.Counts{ec(1, 2), ec(2, 20), ec(3, 40), ec(2, 40), ec(5, 19), ec(9, 20)},
			want:   []string{"r firing api w1", "r resolved api w3", "r firing api w5"},
		},
		{
			name:   "ratio resolves when events stop (min_events unmet)",
			rule:   Rule{Name: "r", Ratio: ptr(0.05), MinEvents: 20},
			series: []table.Counts{ec(10, 20), {}, ec(10, 20)},
			want:   []string{"r firing api w0", "r resolved api w1", "r firing api w2"},
		},
		{
			name:   "ratio over 2m",
			rule:   Rule{Name: "r", Over: 2 * time.Minute, Ratio: ptr(0.5), MinEvents: 1},
			series: []table.Counts{ec(0, 10), ec(10, 10), ec(0, 10), ec(0, 0)},
			// w1: 10/20 is not above 50%; w2: 10/20 again; w3: 0/10.
			want: nil,
		},
		{
			name:   "spike fires on a burst after a full lookback",
			rule:   Rule{Name: "s", Spike: &Spike{Z: 3, Lookback: 5, MinCount: 10}},
			series: errs(2, 3, 2, 3, 2, 30, 3),
			want:   []string{"s firing api w5", "s resolved api w6"},
		},
		{
			name:   "spike needs the full lookback",
			rule:   Rule{Name: "s", Spike: &Spike{Z: 3, Lookback: 5, MinCount: 10}},
			series: errs(0, 0, 0, 0, 40, 0),
			want:   nil,
		},
		{
			name:   "spike below min_count",
			rule:   Rule{Name: "s", Spike: &Spike{Z: 3, Lookback: 5, MinCount: 10}},
			series: errs(0, 0, 0, 0, 0, 9, 0),
			want:   nil,
		},
		{
			// A flat history of 100 has sd 0; the floor sqrt(100) = 10
			// keeps 125 (z 2.5) from firing, 131 (z 3.1) fires.
			name:   "spike stddev floor",
			rule:   Rule{Name: "s", Spike: &Spike{Z: 3, Lookback: 3, MinCount: 1}},
			series: errs(100, 100, 100, 125, 100, 100, 100, 131),
			want:   []string{"s firing api w7"},
		},
		{
			name:   "for: the condition holds on 3 windows in a row",
			rule:   Rule{Name: "f", For: 3, Count: ptr[int64](5)},
			series: errs(6, 6, 0, 6, 6, 6, 6, 0),
			want:   []string{"f firing api w5", "f resolved api w7"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newFakeSource()
			src.series("api", tt.series...)
			src.setWatermark(at(len(tt.series)))
			e, rec := newTestEngine(t, src, 0, tt.rule)
			step(t, e)
			if diff := cmp.Diff(tt.want, rec.brief(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("transitions (-want +got):\n%s", diff)
			}
		})
	}
}

// A firing alert carries event times and a readable condition; resolving
// keeps its ID and fired time.
func TestAlertContent(t *testing.T) {
	src := newFakeSource()
	src.series("api", ec(1, 100), ec(10, 80), ec(12, 80), ec(0, 80))
	src.setWatermark(at(4))
	e, rec := newTestEngine(t, src, 0, Rule{Name: "r", Ratio: ptr(0.05), MinEvents: 20})
	step(t, e)
	if len(rec.got) != 2 {
		t.Fatalf("published %v, want a firing and a resolve", rec.brief())
	}
	fired, resolved := rec.got[0], rec.got[1]
	want := Alert{
		ID: "r|api|2026-11-26T10:01:00Z", Rule: "r", Service: "api", State: StateFiring, Kind: "ratio",
		Levels:    []codecs.Level{codecs.LevelError, codecs.LevelFatal},
		Condition: "ERROR+FATAL ratio 12.5% > 5% over 1m (10 of 80 events)", Value: 0.125, Threshold: 0.05,
		FiredAt: at(2), WindowStart: at(1), WindowEnd: at(2),
	}
	if diff := cmp.Diff(want, fired); diff != "" {
		t.Errorf("firing (-want +got):\n%s", diff)
	}
	want.State, want.ResolvedAt = StateResolved, ptr(at(4))
	want.Condition, want.Value = "ERROR+FATAL ratio 0% <= 5% over 1m (0 of 80 events)", 0
	want.WindowStart, want.WindowEnd = at(3), at(4)
	if diff := cmp.Diff(want, resolved); diff != "" {
		t.Errorf("resolved (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(resolved)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"id":`, `"fired_at":"2026-11-26T10:02:00Z"`, `"resolved_at":"2026-11-26T10:04:00Z"`,
		`"window_start":`, `"window_end":`, `"levels":["ERROR","FATAL"]`, `"threshold":0.05`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON %s lacks %s", b, k)
		}
	}
	active, recent := e.Alerts()
	if len(active) != 0 || len(recent) != 1 || recent[0].ID != want.ID {
		t.Errorf("Alerts() = %v, %v; want none active, the resolved one recent", active, recent)
	}
}

// A window is evaluated only once final: start + window + grace <=
// watermark, even when the source already holds counts for it.
func TestOnlyFinalWindows(t *testing.T) {
	const grace = 10 * time.Second
	src := newFakeSource()
	src.series("api", errs(0, 50)...)
	e, rec := newTestEngine(t, src, grace, Rule{Name: "c", Count: ptr[int64](5)})

	step(t, e) // no watermark yet
	src.setWatermark(at(2).Add(grace - time.Millisecond))
	step(t, e)
	if got := rec.brief(); len(got) != 0 {
		t.Fatalf("window 1 is not final yet, published %v", got)
	}
	// Window 1's counts change before it is final: only the final ones count.
	src.set(1, "api", ec(3, 3))
	src.setWatermark(at(2).Add(grace))
	step(t, e)
	if got := rec.brief(); len(got) != 0 {
		t.Fatalf("published %v from counts that were replaced before the window was final", got)
	}
	src.set(2, "api", ec(9, 9))
	src.setWatermark(at(3).Add(grace))
	step(t, e)
	if diff := cmp.Diff([]string{"c firing api w2"}, rec.brief()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// The engine starts at the earliest window only once that window is final:
// a window before it could still appear (its events within the grace).
func TestOriginWaitsForFinalEarliest(t *testing.T) {
	const grace = 30 * time.Second
	src := newFakeSource()
	src.set(5, "api", ec(9, 9))
	src.setWatermark(at(5).Add(40 * time.Second)) // window 5 not final
	e, rec := newTestEngine(t, src, grace, Rule{Name: "c", Count: ptr[int64](5)})
	step(t, e)
	src.set(4, "api", ec(7, 7)) // arrives within window 4's grace
	src.setWatermark(at(6).Add(grace))
	step(t, e)
	if diff := cmp.Diff([]string{"c firing api w4"}, rec.brief()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
