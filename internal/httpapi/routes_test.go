package httpapi

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestNotFound(t *testing.T) {
	h := testHandler(t, testSource(t))
	for _, target := range []string{"/nope", "/v1", "/v1/levels/", "/v1/levels/ERROR/extra", "/v1/services/", "/v2/levels"} {
		rec := serve(t, h, "GET", target)
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", target, rec.Code)
		}
		if diff := cmp.Diff(errorBody{Error: "not found"}, decode[errorBody](t, rec)); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", target, diff)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h := testHandler(t, testSource(t))
	for _, req := range []struct{ method, target string }{
		{"POST", "/v1/levels"},
		{"PUT", "/v1/services?from=-5m"},
		{"DELETE", "/healthz"},
		{"POST", "/readyz"},
	} {
		rec := serve(t, h, req.method, req.target)
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: status %d, want 405", req.method, req.target, rec.Code)
		}
		if got := rec.Header().Get("Allow"); got != "GET, HEAD" {
			t.Errorf("%s %s: Allow = %q, want GET, HEAD", req.method, req.target, got)
		}
		want := errorBody{Error: "method not allowed, use GET, HEAD"}
		if diff := cmp.Diff(want, decode[errorBody](t, rec)); diff != "" {
			t.Errorf("%s %s (-want +got):\n%s", req.method, req.target, diff)
		}
	}
}

func TestHead(t *testing.T) {
	rec := serve(t, testHandler(t, testSource(t)), "HEAD", "/v1/levels")
	if rec.Code != http.StatusOK {
		t.Errorf("HEAD /v1/levels: status %d, want 200", rec.Code)
	}
}

func TestHealthz(t *testing.T) {
	rec := serve(t, testHandler(t, testSource(t)), "GET", "/healthz")
	if rec.Code != http.StatusOK {
		t.Errorf("status %d, want 200", rec.Code)
	}
	if diff := cmp.Diff(healthResponse{Status: "ok"}, decode[healthResponse](t, rec)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReadyz(t *testing.T) {
	tests := []struct {
		name   string
		ready  func() error
		status int
		want   string
	}{
		{"no check", nil, http.StatusOK, `{"status": "ready"}`},
		{"ready", func() error { return nil }, http.StatusOK, `{"status": "ready"}`},
		{"not ready", func() error { return errors.New("view logpulse-aggregate-table recovering") },
			http.StatusServiceUnavailable, `{"status": "not ready", "error": "view logpulse-aggregate-table recovering"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(Config{Source: testSource(t), Ready: tt.ready})
			rec := serve(t, h, "GET", "/readyz")
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
			decode[healthResponse](t, rec) // checks the headers
			if diff := cmp.Diff(jsonValue(t, tt.want), jsonValue(t, rec.Body.String())); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInternalError checks that a 500 is logged in full and the client
// sees only a short message.
func TestInternalError(t *testing.T) {
	for _, target := range []string{"/v1/levels", "/v1/services"} {
		var logs bytes.Buffer
		h := New(Config{Source: panicSource{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		rec := serve(t, h, "GET", target)
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("GET %s: status %d, want 500", target, rec.Code)
		}
		if diff := cmp.Diff(errorBody{Error: "internal error"}, decode[errorBody](t, rec)); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", target, diff)
		}
		for _, want := range []string{"level=ERROR", "msg=\"internal error\"", "path=" + target, "index corrupt", "goroutine"} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("GET %s: log lacks %q:\n%s", target, want, logs.String())
			}
		}
	}
}

func TestNewPanicsOnBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"nil source":        {},
		"fractional window": {Source: newFakeSource(), Window: 1500 * time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("New did not panic")
				}
			}()
			New(cfg)
		})
	}
}
