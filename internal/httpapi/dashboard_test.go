package httpapi

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// dashboardAssets are the files of the page and their content types.
func dashboardAssets() []struct{ path, contentType string } {
	return []struct{ path, contentType string }{
		{"/", "text/html; charset=utf-8"},
		{"/static/dashboard.js", "text/javascript; charset=utf-8"},
		{"/static/dashboard.css", "text/css; charset=utf-8"},
	}
}

func TestDashboardServed(t *testing.T) {
	h := testHandler(t, testSource(t))
	for _, a := range dashboardAssets() {
		rec := serve(t, h, "GET", a.path)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != a.contentType {
			t.Errorf("GET %s: %d %q, want 200 %q", a.path, rec.Code, rec.Header().Get("Content-Type"), a.contentType)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q does not start from default-src 'none'", a.path, csp)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no X-Content-Type-Options: nosniff", a.path)
		}
	}
	for _, path := range []string{"/static/nope.js", "/static/", "/static/..%2fdashboard.go"} {
		if rec := serve(t, h, "GET", path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
	page := serve(t, h, "GET", "/").Body.String()
	for _, want := range []string{`src="static/dashboard.js"`, `href="static/dashboard.css"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page does not load %s", want)
		}
	}
}

// The page must work offline (no external resource) and behind a path
// prefix (relative URLs only), and must never turn log text into markup.
func TestDashboardSelfContained(t *testing.T) {
	h := testHandler(t, testSource(t))
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	rooted := regexp.MustCompile(`(?i)(src|href|action)\s*=\s*["']/|(fetch|EventSource)\(\s*["'` + "`" + `]/|url\(\s*["']?/`)
	for _, a := range dashboardAssets() {
		body := serve(t, h, "GET", a.path).Body.String()
		// The SVG namespace is a name, not a resource.
		body = strings.ReplaceAll(body, "http://www.w3.org/2000/svg", "")
		if m := external.FindString(body); m != "" {
			t.Errorf("%s refers to an external resource: %q", a.path, m)
		}
		if m := rooted.FindString(body); m != "" {
			t.Errorf("%s has a root-relative URL %q: it breaks behind a path prefix", a.path, m)
		}
	}
	js := serve(t, h, "GET", "/static/dashboard.js").Body.String()
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(js, bad) {
			t.Errorf("dashboard.js uses %s: log messages are untrusted, set textContent instead", bad)
		}
	}
	for _, want := range []string{`"levels"`, `"services"`, `"events"`, `"top"`, `"alerts"`, `"v1/stream"`, `"v1/"`} {
		if !strings.Contains(js, want) {
			t.Errorf("dashboard.js does not read %s", want)
		}
	}
}

// With an API token the page still loads (it asks for the token in the
// URL fragment); only /v1/ needs it.
func TestDashboardOpenWithToken(t *testing.T) {
	h := New(Config{Source: testSource(t), Window: time.Minute, APIToken: "s3cret", Now: fixedNow(t, testNow)})
	for _, a := range dashboardAssets() {
		if rec := serve(t, h, "GET", a.path); rec.Code != http.StatusOK {
			t.Errorf("GET %s with a token configured: %d, want 200", a.path, rec.Code)
		}
	}
	if rec := serve(t, h, "GET", "/v1/levels"); rec.Code != http.StatusUnauthorized {
		t.Errorf("GET /v1/levels without the token: %d, want 401", rec.Code)
	}
}
