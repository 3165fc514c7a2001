package alerts

import (
	"time"

	"github.com/logpulse/logpulse/codecs"
)

// Alert states.
const (
	StateFiring   = "firing"
	StateResolved = "resolved"
)

// Alert is one alert of one rule for one service, as served by the API and
// written to the alerts topic. Every field derives from final window counts
// and the rule; times are event time (window bounds), never the wall clock.
type Alert struct {
	// ID is rule|service|start of the window the alert fired on (RFC 3339):
	// stable across replays, and the key on the alerts topic.
	ID      string `json:"id"`
	Rule    string `json:"rule"`
	Service string `json:"service"`
	// State is StateFiring or StateResolved.
	State string `json:"state"`
	// Kind is the rule's condition: "count", "ratio" or "spike".
	Kind   string         `json:"kind"`
	Levels []codecs.Level `json:"levels"`
	// Condition describes the last evaluated value against the threshold,
	// e.g. "ERROR+FATAL ratio 12.5% > 5% over 5m".
	Condition string `json:"condition"`
	// Value is the last evaluated value: a count, a ratio in [0, 1], or a
	// z-score; Threshold is the rule's.
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	// FiredAt is the end of the window the alert fired on.
	FiredAt time.Time `json:"fired_at"`
	// ResolvedAt is the end of the window the condition stopped holding on.
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	// WindowStart and WindowEnd bound the last evaluated window: the one it
	// resolved on, or for a firing alert the latest one evaluated.
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
}

// alertID is the deterministic ID of the alert rule fired for service on
// the window starting at start.
func alertID(rule, service string, start time.Time) string {
	return rule + "|" + service + "|" + start.UTC().Format(time.RFC3339)
}
