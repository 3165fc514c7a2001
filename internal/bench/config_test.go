package bench

import (
	"strings"
	"testing"
	"time"
)

// TestPhasesThatCollideAreRefused: two pipelines in one run would share the
// pipeline's topics (the second finds the first one's table full and
// answers at once), as would a phase given twice.
func TestPhasesThatCollideAreRefused(t *testing.T) {
	for _, tc := range []struct {
		phases []string
		want   string
	}{
		{[]string{PhaseLogpulse, PhaseLimit, PhaseStages}, "share the pipeline's topics"},
		{[]string{PhaseLimit, PhaseLogpulse, PhaseLogpulse}, `"logpulse" given twice`},
		{[]string{PhaseStages, PhaseStages}, `"logpulse-stages" given twice`},
	} {
		cfg := validConfig()
		cfg.Phases = tc.phases
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("phases %v: Validate() = %v, want an error saying %q", tc.phases, err, tc.want)
		}
	}
	cfg := validConfig()
	cfg.Phases = []string{PhaseLimit, PhaseLogpulse, PhaseGokaMemory}
	if err := cfg.Validate(); err != nil {
		t.Errorf("phases %v: Validate() = %v, want nil", cfg.Phases, err)
	}
}

func validConfig() Config {
	return Config{Count: 1000, Format: "json", Services: 10, Partitions: 6, Replication: 1, Window: time.Minute,
		Grace: 5 * time.Minute, Retention: 24 * time.Hour, Runs: 1}
}
