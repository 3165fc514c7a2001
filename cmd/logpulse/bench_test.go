package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/logpulse/logpulse/internal/bench"
)

// TestBenchSmoke is CI's run of `logpulse bench`: every phase, the latency
// and the HTTP runs complete on 20,000 events and count them exactly (the
// command fails otherwise). It checks no speed: the machine is shared.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts brokers and pipelines")
	}
	for _, format := range []string{"json", "avro"} {
		t.Run(format, func(t *testing.T) {
			out, err := runCLI(t, "bench", "--count", "20000", "--format", format, "--log-level", "warn",
				"--latency", "--rate", "5000", "--http", "--duration", "1s", "--clients", "4")
			if err != nil {
				t.Fatalf("bench: %v\n%s", err, out)
			}
			var res bench.Result
			var line string
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, `{"count":`) {
					line = l
				}
			}
			if err := json.Unmarshal([]byte(line), &res); err != nil {
				t.Fatalf("no JSON line in the output: %v\n%s", err, out)
			}
			if res.Count != 20000 || res.Format != format {
				t.Errorf("count %d format %q, want 20000 %s", res.Count, res.Format, format)
			}
			var names []string
			for _, p := range res.Phases {
				names = append(names, p.Name)
				if p.EPS <= 0 {
					t.Errorf("phase %s: %v events/s", p.Name, p.EPS)
				}
			}
			if got, want := strings.Join(names, ","), strings.Join([]string{bench.PhaseLogpulse, bench.PhaseLimit, bench.PhaseGokaMemory, bench.PhaseGokaLevelDB}, ","); got != want {
				t.Errorf("phases %s, want %s", got, want)
			}
			if res.LatencyP99 <= 0 || res.HTTPRPS <= 0 || res.PeakRSS == 0 {
				t.Errorf("latency p99 %v ms, http %v req/s, peak RSS %d: a run did not report", res.LatencyP99, res.HTTPRPS, res.PeakRSS)
			}
		})
	}
}
