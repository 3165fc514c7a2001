package httpapi

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serveWith runs one request with headers through h.
func serveWith(tb testing.TB, h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestAPIToken(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h := New(Config{Source: testSource(t), Now: fixedNow(t, testNow), APIToken: "s3cret",
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})})
	const missing = "missing API token: send Authorization: Bearer <token> (the server's --api-token)"
	tests := []struct {
		name, target string
		header       map[string]string
		status       int
		err          string // the 401 message
	}{
		{"no token", "/v1/levels", nil, 401, missing},
		{"no token on a 404 under /v1/", "/v1/nope", nil, 401, missing},
		{"no token on the stream", "/v1/stream", nil, 401, missing},
		{"no token on ingest", "/v1/logs", nil, 401, missing},
		{"wrong bearer", "/v1/levels", map[string]string{"Authorization": "Bearer s3cre"}, 401, "wrong API token"},
		{"wrong query token", "/v1/services?access_token=S3CRET", nil, 401, "wrong API token"},
		{"token as a longer string", "/v1/levels?access_token=s3cret2", nil, 401, "wrong API token"},
		{"other scheme", "/v1/levels", map[string]string{"Authorization": "Basic czNjcmV0"}, 401, missing},
		{"bare token", "/v1/levels", map[string]string{"Authorization": "s3cret"}, 401, missing},
		{"empty bearer", "/v1/levels", map[string]string{"Authorization": "Bearer "}, 401, missing},
		{"bearer", "/v1/levels", map[string]string{"Authorization": "Bearer s3cret"}, 200, ""},
		{"bearer, any case", "/v1/services", map[string]string{"Authorization": "bearer s3cret"}, 200, ""},
		{"query token", "/v1/services?access_token=s3cret", nil, 200, ""},
		{"bearer beats a wrong query token", "/v1/levels?access_token=x", map[string]string{"Authorization": "Bearer s3cret"}, 200, ""},
		{"token then a 404", "/v1/nope?access_token=s3cret", nil, 404, ""},
		{"dashboard open", "/", nil, 200, ""},
		{"healthz open", "/healthz", nil, 200, ""},
		{"readyz open", "/readyz", nil, 200, ""},
		{"metrics open", "/metrics", nil, 200, ""},
		{"unknown path outside /v1/ is a 404", "/nope", nil, 404, ""},
	}
	for _, tt := range tests {
		method := "GET"
		if tt.target == "/v1/logs" {
			method = "POST"
		}
		rec := serveWith(t, h, method, tt.target, tt.header)
		if rec.Code != tt.status {
			t.Errorf("%s: status %d, want %d; body %s", tt.name, rec.Code, tt.status, rec.Body)
			continue
		}
		auth := rec.Header().Get("WWW-Authenticate")
		if tt.status != http.StatusUnauthorized {
			if auth != "" {
				t.Errorf("%s: WWW-Authenticate %q on a %d", tt.name, auth, rec.Code)
			}
			continue
		}
		if auth != `Bearer realm="logpulse"` {
			t.Errorf("%s: WWW-Authenticate = %q", tt.name, auth)
		}
		if diff := cmp.Diff(errorBody{Error: tt.err}, decode[errorBody](t, rec)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestNoAPIToken(t *testing.T) {
	t.Parallel()
	rec := serve(t, testHandler(t, testSource(t)), "GET", "/v1/levels")
	if rec.Code != http.StatusOK || rec.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("without a token configured: %d %v", rec.Code, rec.Header())
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	h := New(Config{Source: testSource(t), Now: fixedNow(t, testNow), APIToken: "tok",
		CORSOrigins: []string{"https://dash.example", "http://localhost:3000"}})
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}

	rec := serveWith(t, h, "GET", "/v1/levels", with("Origin", "https://dash.example", "Authorization", "Bearer tok"))
	if got := rec.Header().Get("Access-Control-Allow-Origin"); rec.Code != 200 || got != "https://dash.example" {
		t.Errorf("listed origin: %d, Allow-Origin %q", rec.Code, got)
	}
	if !slices.Contains(rec.Header().Values("Vary"), "Origin") {
		t.Errorf("listed origin: Vary = %q, want Origin", rec.Header().Values("Vary"))
	}
	// A 401 still names the origin, so the browser shows the error.
	rec = serveWith(t, h, "GET", "/v1/levels", with("Origin", "http://localhost:3000"))
	if got := rec.Header().Get("Access-Control-Allow-Origin"); rec.Code != 401 || got != "http://localhost:3000" {
		t.Errorf("listed origin without token: %d, Allow-Origin %q", rec.Code, got)
	}

	for _, origin := range []string{"https://evil.example", "https://dash.example.evil", "null", "https://DASH.example"} {
		rec := serveWith(t, h, "GET", "/v1/levels", with("Origin", origin, "Authorization", "Bearer tok"))
		for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers"} {
			if v := rec.Header().Get(k); v != "" {
				t.Errorf("unlisted origin %s: %s = %q", origin, k, v)
			}
		}
	}

	// Preflight: no token needed (browsers send none), 204 with the allow
	// headers.
	rec = serveWith(t, h, "OPTIONS", "/v1/levels", with("Origin", "https://dash.example",
		"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization"))
	if rec.Code != http.StatusNoContent {
		t.Errorf("preflight: status %d, want 204", rec.Code)
	}
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":  "https://dash.example",
		"Access-Control-Allow-Methods": "GET, HEAD, POST",
		"Access-Control-Allow-Headers": "Authorization, Content-Type",
		"Access-Control-Max-Age":       "600",
	} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("preflight: %s = %q, want %q", k, got, want)
		}
	}
	// A preflight from an unlisted origin gets no allow headers.
	rec = serveWith(t, h, "OPTIONS", "/v1/levels", with("Origin", "https://evil.example", "Access-Control-Request-Method", "GET"))
	if rec.Code == http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("unlisted preflight: %d %v", rec.Code, rec.Header())
	}
	// An OPTIONS that is no preflight is not answered as one.
	rec = serveWith(t, h, "OPTIONS", "/v1/levels", with("Origin", "https://dash.example"))
	if rec.Code == http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("OPTIONS without Access-Control-Request-Method: %d %v", rec.Code, rec.Header())
	}
}

func TestNoCORS(t *testing.T) {
	t.Parallel()
	h := testHandler(t, testSource(t))
	for _, method := range []string{"GET", "OPTIONS"} {
		rec := serveWith(t, h, method, "/v1/levels", map[string]string{"Origin": "https://dash.example", "Access-Control-Request-Method": "GET"})
		for k := range rec.Header() {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Errorf("%s without CORSOrigins: %s = %q", method, k, rec.Header().Get(k))
			}
		}
		if method == "OPTIONS" && rec.Code == http.StatusNoContent {
			t.Error("preflight answered without CORSOrigins")
		}
	}
}

// TestRequestMetrics: each request is observed under its route pattern
// and status; paths no route serves share the label "other".
func TestRequestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h := New(Config{Source: testSource(t), Now: fixedNow(t, testNow), Registerer: reg,
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})})
	for _, target := range []string{
		"/v1/levels", "/v1/levels?step=7s", "/v1/levels/ERROR", "/v1/levels/INFO", "/v1/levels/NOPE",
		"/v1/services/api", "/v1/services/nope", "/v1/events", "/v1/top", "/healthz",
		"/no/such/path", "/v1/levels/ERROR/extra", "/secret-probe-1", "/metrics",
	} {
		serve(t, h, "GET", target)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{} // "route code" → samples
	for _, mf := range families {
		if mf.GetName() != "logpulse_http_request_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			got[labels["route"]+" "+labels["code"]] += m.GetHistogram().GetSampleCount()
		}
	}
	want := map[string]uint64{
		"/v1/levels 200": 1, "/v1/levels 400": 1,
		"/v1/levels/{level} 200": 2, "/v1/levels/{level} 400": 1,
		"/v1/services/{name} 200": 1, "/v1/services/{name} 404": 1,
		"/v1/events 200": 1, "/v1/top 200": 1, "/healthz 200": 1,
		"other 404":    3,
		"/metrics 200": 1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("samples by route and code (-want +got):\n%s", diff)
	}
}

// TestStreamMetrics: a stream is observed when it ends, under its route.
func TestStreamMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	done := make(chan struct{})
	srv := httptest.NewServer(New(Config{Source: newFakeSource(), Registerer: reg, Done: done, StreamEvery: 20 * time.Millisecond}))
	t.Cleanup(srv.Close)
	c, _ := openStream(t, srv.URL+"/v1/stream")
	c.next(t) // hello: ResponseController reached the connection through the recorder
	close(done)
	c.waitEnd(t)
	deadline := time.Now().Add(waitTimeout)
	for {
		n, err := streamSamples(reg)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d samples for /v1/stream 200, want 1", n)
		}
	}
}

func streamSamples(reg *prometheus.Registry) (uint64, error) {
	families, err := reg.Gather()
	var n uint64
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			var route, code string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "route":
					route = l.GetValue()
				case "code":
					code = l.GetValue()
				}
			}
			if route == "/v1/stream" && code == "200" {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n, err
}
