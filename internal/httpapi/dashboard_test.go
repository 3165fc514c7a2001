package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

func TestDashboard(t *testing.T) {
	h := testHandler(t, testSource(t))
	rec := serve(t, h, "GET", "/")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	body := rec.Body.String()
	// The page reads the API with relative URLs (so it works behind a path
	// prefix) and loads nothing from elsewhere (it must work offline).
	for _, want := range []string{"v1/levels", "v1/services"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard does not read %s", want)
		}
	}
	for _, bad := range []string{"http://", "https://", "<script src"} {
		if strings.Contains(strings.ReplaceAll(body, "http://www.w3.org/2000/svg", ""), bad) {
			t.Errorf("dashboard loads an external resource (%q)", bad)
		}
	}
}
