package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/internal/view"
)

func TestService(t *testing.T) {
	t.Parallel()
	f := sampledSource(t)
	// Six more ERROR samples and templates for api at 12:08, so that only
	// the newest five and the top five are served.
	w8 := ts(t, "2024-05-01T12:08:00Z")
	sec := func(i int) time.Duration { return time.Duration(i) * time.Second }
	f.add("api", w8, table.Counts{codecs.LevelError: 7, codecs.LevelFatal: 1}, table.Counts{})
	for i := range 6 {
		f.addEvent(view.Event{Time: w8.Add(sec(i)), Level: codecs.LevelError, Service: "api", Message: fmt.Sprint("e", i)})
		f.addMessage("api", w8, fmt.Sprint("t", i), int64(i+1), 0)
	}
	h := testHandler(t, f)
	rec := serve(t, h, "GET", "/v1/services/api?from=2024-05-01T12:00:00Z&to=2024-05-01T12:10:00Z")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got := decode[serviceResponse](t, rec)
	// api 12:00–12:10: INFO 10+5, ERROR 1+2+7, FATAL 1.
	want := serviceResponse{
		From: ts(t, "2024-05-01T12:00:00Z"), To: ts(t, "2024-05-01T12:10:00Z"),
		serviceCount: serviceCount{Name: "api", Counts: map[string]int64{"INFO": 15, "ERROR": 10, "FATAL": 1}, Total: 26, ErrorRatio: 11.0 / 26},
		RecentErrors: []eventJSON{
			{Time: w8.Add(sec(5)), Level: "ERROR", Service: "api", Message: "e5"},
			{Time: w8.Add(sec(4)), Level: "ERROR", Service: "api", Message: "e4"},
			{Time: w8.Add(sec(3)), Level: "ERROR", Service: "api", Message: "e3"},
			{Time: w8.Add(sec(2)), Level: "ERROR", Service: "api", Message: "e2"},
			{Time: w8.Add(sec(1)), Level: "ERROR", Service: "api", Message: "e1"},
		},
		// Shares are of the service's ERROR count, 10.
		TopErrors: []messageJSON{{"t5", 6, 0.6}, {"t4", 5, 0.5}, {"t3", 4, 0.4}, {"t2", 3, 0.3}, {"t1", 2, 0.2}},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(serviceResponse{}), cmpopts.IgnoreUnexported(serviceCount{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// web has no ERROR in the range: empty lists, not null.
	rec = serve(t, h, "GET", "/v1/services/web?from=2024-05-01T12:33:00Z&to=2024-05-01T12:34:00Z")
	const wantWeb = `{"from": "2024-05-01T12:33:00Z", "to": "2024-05-01T12:34:00Z", "name": "web",
		"counts": {"INFO": 1}, "total": 1, "error_ratio": 0, "recent_errors": [], "top_errors": []}`
	if diff := cmp.Diff(jsonValue(t, wantWeb), jsonValue(t, rec.Body.String())); diff != "" {
		t.Errorf("web wire (-want +got):\n%s", diff)
	}
}

func TestServiceErrors(t *testing.T) {
	t.Parallel()
	h := testHandler(t, testSource(t))
	tests := []struct {
		target string
		status int
		param  string
		msg    string
	}{
		{"/v1/services/nope", http.StatusNotFound, "", `not found: no events of service "nope" from 2024-05-01T11:34:00Z to 2024-05-01T12:35:00Z`},
		// A service with data only outside the range is unknown there.
		{"/v1/services/web?from=2024-05-01T12:01:00Z&to=2024-05-01T12:30:00Z", http.StatusNotFound, "", `no events of service "web"`},
		{"/v1/services/api?from=nope", http.StatusBadRequest, "from", "want RFC 3339"},
		{"/v1/services/api?from=-5m&to=-10m", http.StatusBadRequest, "from", "must be before to"},
		{"/v1/services/api?format=xml", http.StatusBadRequest, "format", "format must be json or csv"},
		{"/v1/services?format=xml", http.StatusBadRequest, "format", "format must be json or csv"},
		{"/v1/services/a/b", http.StatusNotFound, "", "not found"},
	}
	for _, tt := range tests {
		rec := serve(t, h, "GET", tt.target)
		if rec.Code != tt.status {
			t.Errorf("GET %s: status %d, want %d", tt.target, rec.Code, tt.status)
			continue
		}
		got := decode[errorBody](t, rec)
		if got.Param != tt.param || !strings.Contains(got.Error, tt.msg) {
			t.Errorf("GET %s: got %+v, want param %q and an error containing %q", tt.target, got, tt.param, tt.msg)
		}
		if strings.Contains(got.Error, "goroutine") || strings.Contains(got.Error, ".go:") {
			t.Errorf("GET %s: error shows internals: %q", tt.target, got.Error)
		}
	}
}

// TestAlertsNotConfigured: /v1/alerts is a placeholder until the alert
// engine lands.
func TestAlertsNotConfigured(t *testing.T) {
	t.Parallel()
	rec := serve(t, testHandler(t, testSource(t)), "GET", "/v1/alerts")
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", rec.Code)
	}
	if diff := cmp.Diff(errorBody{Error: "alerts not configured"}, decode[errorBody](t, rec)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
