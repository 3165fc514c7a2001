package bench

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestWaitCountIsExact: the logpulse-stages and kstreams phases end only on
// exactly the produced count; more, or an error of the system, fails them.
func TestWaitCountIsExact(t *testing.T) {
	for _, tc := range []struct {
		name        string
		counts      []int64
		err         error
		errContains string
	}{
		{"exact after growing", []int64{0, 4, 10}, nil, ""},
		{"counted twice", []int64{4, 11}, nil, "counted twice"},
		{"system failed", []int64{4}, errors.New("kafka streams peer exited"), "peer exited"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := 0
			err := waitCount(context.Background(), 10, time.Minute, func(context.Context) (int64, error) {
				n := tc.counts[min(i, len(tc.counts)-1)]
				i++
				if i >= len(tc.counts) && tc.err != nil {
					return n, tc.err
				}
				return n, nil
			})
			switch {
			case tc.errContains == "" && err != nil:
				t.Fatalf("waitCount: %v, want nil", err)
			case tc.errContains != "" && (err == nil || !strings.Contains(err.Error(), tc.errContains)):
				t.Fatalf("waitCount: %v, want an error containing %q", err, tc.errContains)
			}
		})
	}
}

// TestRatiosBesideKStreams: logpulse as separate processes is compared with
// Kafka Streams and with the limit; per-process peaks survive the median.
func TestRatiosBesideKStreams(t *testing.T) {
	run := func(stagesEPS, ksEPS float64, ingest uint64) Result {
		r := Result{Phases: []PhaseResult{
			{Name: PhaseLimit, EPS: 800},
			{Name: PhaseStages, EPS: stagesEPS, Procs: []ProcRSS{{"ingest", ingest}, {"aggregate", 2}, {"serve", 3}}},
			{Name: PhaseKStreams, EPS: ksEPS, Procs: []ProcRSS{{"kafka-streams", 9}}},
		}, Latencies: []Latency{{Name: PhaseStages, P99: stagesEPS / 10}}}
		r.ratios()
		return r
	}
	runs := []Result{run(400, 100, 1), run(300, 150, 5), run(600, 200, 3)}
	if got := runs[0].VsKStreams; got != 4 {
		t.Errorf("logpulse-stages/kstreams = %v, want 4", got)
	}
	if got := runs[0].VsLimit; got != 0.5 {
		t.Errorf("logpulse-stages/limit = %v, want 0.5", got)
	}
	med := median(runs)
	if got := med.VsKStreams; got != 3 {
		t.Errorf("median logpulse-stages/kstreams = %v, want 3 (of 4, 2, 3)", got)
	}
	if got := med.Phases[1].Procs[0].HWM; got != 3 {
		t.Errorf("median ingest peak = %v, want 3", got)
	}
	if got := med.Latencies[0].P99; got != 40 {
		t.Errorf("median logpulse-stages p99 = %v, want 40", got)
	}
	if runs[0].Phases[1].Procs[0].HWM != 1 {
		t.Error("median changed a run's figures")
	}
	var b strings.Builder
	med.table(&b)
	for _, want := range []string{"logpulse-stages/kstreams 3.00", "ingest 0 MiB", "logpulse-stages: produce to visible"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
