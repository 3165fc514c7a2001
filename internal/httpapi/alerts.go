package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/logpulse/logpulse/internal/alerts"
)

// AlertSource is the alert engine as the API sees it (*alerts.Engine).
type AlertSource interface {
	// Alerts returns the firing alerts and the recently resolved ones.
	Alerts() (active, recent []alerts.Alert)
	// Version changes whenever Alerts would answer differently.
	Version() uint64
}

// alertsResponse is the body of GET /v1/alerts and of the stream's alerts
// events.
type alertsResponse struct {
	Active []alerts.Alert `json:"active"`
	Recent []alerts.Alert `json:"recent"`
}

func (s *server) alertsNow() alertsResponse {
	active, recent := s.alerts.Alerts()
	if active == nil {
		active = []alerts.Alert{}
	}
	if recent == nil {
		recent = []alerts.Alert{}
	}
	return alertsResponse{Active: active, Recent: recent}
}

func (s *server) handleAlerts(w http.ResponseWriter, r *http.Request) {
	if s.alerts == nil {
		s.writeError(w, r, &bodyError{http.StatusServiceUnavailable, "alerts not configured"})
		return
	}
	s.respond(w, r, s.alertsNow())
}

// csvTable: one row per alert, the firing ones first.
func (ar alertsResponse) csvTable() ([]string, [][]string) {
	header := []string{"id", "rule", "service", "state", "kind", "levels", "condition", "value", "threshold",
		"fired_at", "resolved_at", "window_start", "window_end"}
	var rows [][]string
	for _, a := range append(append([]alerts.Alert{}, ar.Active...), ar.Recent...) {
		levels := make([]string, len(a.Levels))
		for i, l := range a.Levels {
			levels[i] = l.String()
		}
		resolved := ""
		if a.ResolvedAt != nil {
			resolved = csvTime(*a.ResolvedAt)
		}
		rows = append(rows, []string{a.ID, a.Rule, a.Service, a.State, a.Kind, strings.Join(levels, "+"), a.Condition,
			strconv.FormatFloat(a.Value, 'g', -1, 64), strconv.FormatFloat(a.Threshold, 'g', -1, 64),
			csvTime(a.FiredAt), resolved, csvTime(a.WindowStart), a.WindowEnd.UTC().Format(time.RFC3339)})
	}
	return header, rows
}
