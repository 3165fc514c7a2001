package httpapi

import (
	"log/slog"
	"net/http"
)

// healthResponse is the body of /healthz and /readyz.
type healthResponse struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// handleHealthz answers while the process can serve HTTP at all.
func (s *server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, http.StatusOK, healthResponse{Status: "ok"})
}

// handleReadyz answers 503 until Config.Ready reports ready (in production,
// until the views have recovered), so a load balancer holds traffic back.
func (s *server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if err := s.ready(); err != nil {
		s.writeJSON(w, r, http.StatusServiceUnavailable, healthResponse{Status: "not ready", Error: err.Error()})
		return
	}
	s.writeJSON(w, r, http.StatusOK, healthResponse{Status: "ready"})
}

// Ops is the HTTP surface of a stage without the API (ingest, aggregate):
// /healthz, /readyz (ready reports, nil means ready) and /metrics, with the
// same JSON errors as the API.
func Ops(metrics http.Handler, ready func() error) http.Handler {
	s := &server{ready: ready, metrics: metrics, log: slog.New(slog.DiscardHandler)}
	if s.ready == nil {
		s.ready = func() error { return nil }
	}
	return s.mux([]route{
		{"GET", "/healthz", s.handleHealthz},
		{"GET", "/readyz", s.handleReadyz},
		{"GET", "/metrics", metrics.ServeHTTP},
	})
}
