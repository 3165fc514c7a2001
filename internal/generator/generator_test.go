package generator

import (
	"testing"
	"time"

	"github.com/logpulse/logpulse/codecs"
)

// TestRecordsDecode: what the generator writes is what the decoder reads,
// in both formats; the integration tests' ground truth relies on it.
func TestRecordsDecode(t *testing.T) {
	src := NewSource(7, 20)
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for i := range 2000 {
		e := src.Next(at.Add(time.Duration(i) * time.Second))
		for _, format := range []string{"json", "text"} {
			r := Record("logs", format, e)
			got, err := codecs.Decode(codecs.Record{Key: r.Key, Value: r.Value, Timestamp: r.Timestamp}, 1<<20)
			if err != nil {
				t.Fatalf("%s %q: %v", format, r.Value, err)
			}
			if got.Level != e.Level || got.Service != e.Service || !got.Time.Truncate(time.Second).Equal(e.Time) {
				t.Fatalf("%s %q decoded to %+v, want level %s service %s time %s", format, r.Value, got, e.Level, e.Service, e.Time)
			}
		}
	}
}

// TestSourceMix: deterministic for a seed, with a realistic mix: mostly
// INFO, some ERROR, and one service far busier than the last.
func TestSourceMix(t *testing.T) {
	draw := func() ([codecs.NumLevels]int, map[string]int) {
		src := NewSource(42, 8)
		var levels [codecs.NumLevels]int
		services := map[string]int{}
		for range 20000 {
			e := src.Next(time.Unix(0, 0))
			levels[e.Level]++
			services[e.Service]++
		}
		return levels, services
	}
	l1, s1 := draw()
	l2, _ := draw()
	if l1 != l2 {
		t.Error("same seed, different events")
	}
	if info := float64(l1[codecs.LevelInfo]) / 20000; info < 0.6 || info > 0.8 {
		t.Errorf("INFO share %.2f, want about 0.7", info)
	}
	if l1[codecs.LevelError] == 0 || l1[codecs.LevelFatal] == 0 || l1[codecs.LevelTrace] == 0 {
		t.Errorf("levels %v: every level should occur", l1)
	}
	if s1["api"] < 5*s1["gateway"] {
		t.Errorf("services %v: want a Zipf-like skew (api >> gateway)", s1)
	}
}

// TestBurst: in the last quarter of each period one service's errors jump
// (what an alert should catch); outside it the mix is the usual one.
func TestBurst(t *testing.T) {
	src := NewSource(3, 8)
	src.Burst(time.Minute)
	burster := src.BurstService()
	errs := map[bool]int{}
	n := map[bool]int{}
	base := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for i := range 60000 {
		at := base.Add(time.Duration(i) * time.Millisecond)
		e := src.Next(at)
		in := at.Second() >= 45
		n[in]++
		if e.Level == codecs.LevelError && e.Service == burster {
			errs[in]++
		}
	}
	if r := float64(errs[true]) / float64(n[true]); r < 0.3 {
		t.Errorf("%s errors are %.2f of events in the burst, want about 0.4", burster, r)
	}
	if r := float64(errs[false]) / float64(n[false]); r > 0.01 {
		t.Errorf("%s errors are %.3f of events outside the burst, want the base rate", burster, r)
	}
}
