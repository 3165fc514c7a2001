package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics is the request histogram; nil records nothing.
type httpMetrics struct {
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	if reg == nil {
		return nil
	}
	m := &httpMetrics{duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "logpulse_http_request_duration_seconds",
		Help:    "HTTP requests by route and status code (streams count when they end).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60},
	}, []string{"route", "code"})}
	reg.MustRegister(m.duration)
	return m
}

// statusRecorder remembers the status a handler wrote. Unwrap lets
// http.ResponseController reach the connection (streams flush and set
// deadlines through it).
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// instrument times every request under its route pattern (never the raw
// path: that would let clients create label values).
func (s *server) instrument(route string, next http.Handler) http.Handler {
	if s.httpMetrics == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		began := time.Now()
		defer func() {
			code := rec.status
			if code == 0 {
				code = http.StatusOK
			}
			s.httpMetrics.duration.WithLabelValues(route, strconv.Itoa(code)).Observe(time.Since(began).Seconds())
		}()
		next.ServeHTTP(rec, r)
	})
}

// requireToken guards /v1/ with the API token when one is set: an
// "Authorization: Bearer <token>" header, or ?access_token= for clients that
// cannot set headers (a browser's EventSource). Comparing SHA-256 sums in
// constant time leaks neither the token nor its length.
func (s *server) requireToken(next http.Handler) http.Handler {
	if s.tokenSum == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/") || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		got := r.URL.Query().Get("access_token")
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, tok, _ := strings.Cut(h, " ")
			if strings.EqualFold(scheme, "Bearer") {
				got = strings.TrimSpace(tok)
			}
		}
		sum := sha256.Sum256([]byte(got))
		if got == "" || subtle.ConstantTimeCompare(sum[:], s.tokenSum) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="logpulse"`)
			msg := "missing API token: send Authorization: Bearer <token> (the server's --api-token)"
			if got != "" {
				msg = "wrong API token"
			}
			s.writeError(w, r, &bodyError{http.StatusUnauthorized, msg})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// cors answers browsers on the origins listed exactly in --cors-origin and
// adds no CORS header for any other origin (the browser then refuses).
func (s *server) cors(next http.Handler) http.Handler {
	if len(s.corsOrigins) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Answers differ by origin: caches must key on it, for every
		// origin, allowed or not.
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if origin == "" || !slices.Contains(s.corsOrigins, origin) {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
