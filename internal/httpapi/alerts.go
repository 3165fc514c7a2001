package httpapi

import (
	"net/http"
)

// AlertSource is the alert engine as the API sees it.
type AlertSource interface {
	// Snapshot returns the active alerts, the recently resolved ones, and
	// a version that changes whenever an alert fires or resolves.
	Snapshot() (active, recent any, version uint64)
}

// alertsResponse is the body of GET /v1/alerts and of the stream's alerts
// events.
type alertsResponse struct {
	Active any `json:"active"`
	Recent any `json:"recent"`
}

func (s *server) handleAlerts(w http.ResponseWriter, r *http.Request) {
	if s.alerts == nil {
		s.writeError(w, r, &bodyError{http.StatusServiceUnavailable, "alerts not configured"})
		return
	}
	active, recent, _ := s.alerts.Snapshot()
	s.respond(w, r, alertsResponse{Active: active, Recent: recent})
}
