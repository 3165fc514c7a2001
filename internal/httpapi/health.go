package httpapi

import "net/http"

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
