package httpapi

import (
	"embed"
	"net/http"
	"path"
)

// dashboardFiles is the dashboard: one page, its script and its styles,
// plain HTML/CSS/JS with no external assets (the machines it runs on may be
// offline) and no build step. It reads the API with relative URLs, so it
// works behind a path prefix.
//
//go:embed static/index.html static/dashboard.js static/dashboard.css
var dashboardFiles embed.FS

// dashboardCSP lets the page load only its own files and talk only to its
// own origin: a log message that slipped past escaping still could not run
// script, and a stray external URL fails in the browser test rather than
// on an offline machine.
const dashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (s *server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	s.serveStatic(w, r, "index.html")
}

// handleStatic serves the dashboard's script and styles.
func (s *server) handleStatic(w http.ResponseWriter, r *http.Request) {
	s.serveStatic(w, r, r.PathValue("file"))
}

func (s *server) serveStatic(w http.ResponseWriter, r *http.Request, name string) {
	// ReadFile refuses names with .. or a leading slash, and the pattern
	// holds one path segment.
	b, err := dashboardFiles.ReadFile(path.Join("static", name))
	if err != nil {
		s.writeError(w, r, errNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", staticType(name))
	// no-cache: revalidate, so a new binary's page is never mixed with an
	// old script.
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", dashboardCSP)
	h.Set("Referrer-Policy", "no-referrer")
	w.Write(b)
}

// staticType is a dashboard file's content type, fixed rather than read
// from the system's MIME tables, which differ between machines.
func staticType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	}
	return "application/octet-stream"
}
