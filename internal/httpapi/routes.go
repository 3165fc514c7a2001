package httpapi

import (
	"net/http"
	"strings"
)

// route is one endpoint: a method and an exact path.
type route struct {
	method  string
	path    string
	handler http.HandlerFunc
}

// routes is the whole HTTP surface.
func (s *server) routes() http.Handler {
	metrics := s.handleNotFound
	if s.metrics != nil {
		metrics = s.metrics.ServeHTTP
	}
	return s.mux([]route{
		{"GET", "/{$}", s.handleDashboard},
		{"GET", "/static/{file}", s.handleStatic},
		{"GET", "/v1/levels", s.handleLevels},
		{"GET", "/v1/levels/{level}", s.handleLevel},
		{"GET", "/v1/services", s.handleServices},
		{"GET", "/v1/services/{name}", s.handleService},
		{"GET", "/v1/events", s.handleEvents},
		{"GET", "/v1/top", s.handleTop},
		{"GET", "/v1/stream", s.handleStream},
		{"GET", "/v1/alerts", s.handleAlerts},
		{"POST", "/v1/logs", s.handleLogs},
		{"POST", "/log", s.handleLog}, // the aiohttp servers' POST /log (legacy.go)
		{"GET", "/healthz", s.handleHealthz},
		{"GET", "/readyz", s.handleReadyz},
		{"GET", "/metrics", metrics},
	})
}

// mux registers each route with its method, a catch-all per path that
// answers 405, and one for everything else that answers 404, so that every
// response is JSON (ServeMux's own 404 and 405 are plain text).
func (s *server) mux(routes []route) http.Handler {
	mux := http.NewServeMux()
	allow := map[string][]string{}
	for _, rt := range routes {
		mux.Handle(rt.method+" "+rt.path, s.instrument(rt.path, rt.handler))
		if rt.method == http.MethodGet {
			// A GET pattern also matches HEAD.
			allow[rt.path] = append(allow[rt.path], http.MethodGet, http.MethodHead)
		} else {
			allow[rt.path] = append(allow[rt.path], rt.method)
		}
	}
	for path, methods := range allow {
		err := &methodError{allow: strings.Join(methods, ", ")}
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			s.writeError(w, r, err)
		})
	}
	mux.Handle("/", s.instrument("other", http.HandlerFunc(s.handleNotFound)))
	return s.recoverPanics(s.cors(s.requireToken(mux)))
}

func (s *server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, errNotFound)
}
