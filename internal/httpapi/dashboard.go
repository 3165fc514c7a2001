package httpapi

import (
	_ "embed"
	"net/http"
)

// dashboardHTML is a single page with no external assets (the machines it
// runs on may be offline): a stacked per-level chart and a service table,
// refreshed from /v1/levels and /v1/services.
//
//go:embed static/index.html
var dashboardHTML []byte

func (s *server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(dashboardHTML)
}
