package httpapi

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

func TestServices(t *testing.T) {
	src := testSource(t)
	// db ties with web over 12:00–12:05 and sorts after it by name.
	src.add("db", ts(t, "2024-05-01T12:04:00Z"), table.Counts{codecs.LevelDebug: 2}, table.Counts{})
	tests := []struct {
		name   string
		target string
		want   servicesResponse
	}{{
		name:   "busiest first, ties by name",
		target: "/v1/services?from=2024-05-01T12:00:00Z&to=2024-05-01T12:05:00Z",
		want: servicesResponse{
			From: ts(t, "2024-05-01T12:00:00Z"), To: ts(t, "2024-05-01T12:05:00Z"), Limit: 100, TotalServices: 3,
			Services: []serviceCount{
				{Name: "api", Counts: map[string]int64{"INFO": 15, "ERROR": 1}, Total: 16, ErrorRatio: 1.0 / 16},
				{Name: "db", Counts: map[string]int64{"DEBUG": 2}, Total: 2},
				{Name: "web", Counts: map[string]int64{"INFO": 2}, Total: 2},
			},
		},
	}, {
		name:   "aligned to the window, relative times",
		target: "/v1/services?from=-2m&to=-20s",
		want: servicesResponse{
			From: ts(t, "2024-05-01T12:32:00Z"), To: ts(t, "2024-05-01T12:35:00Z"), Limit: 100, TotalServices: 2,
			Services: []serviceCount{
				{Name: "api", Counts: map[string]int64{"INFO": 4}, Total: 4},
				{Name: "web", Counts: map[string]int64{"INFO": 1}, Total: 1},
			},
		},
	}, {
		name:   "defaults: the hour before now",
		target: "/v1/services",
		want: servicesResponse{
			From: ts(t, "2024-05-01T11:34:00Z"), To: ts(t, "2024-05-01T12:35:00Z"), Limit: 100, TotalServices: 3,
			Services: []serviceCount{
				{Name: "api", Counts: map[string]int64{"INFO": 19, "ERROR": 3}, Total: 22, ErrorRatio: 3.0 / 22},
				{Name: "web", Counts: map[string]int64{"INFO": 3}, Total: 3},
				{Name: "db", Counts: map[string]int64{"DEBUG": 2}, Total: 2},
			},
		},
	}, {
		name:   "no data is an empty list",
		target: "/v1/services?from=2024-05-01T13:00:00Z&to=2024-05-01T14:00:00Z",
		want: servicesResponse{
			From: ts(t, "2024-05-01T13:00:00Z"), To: ts(t, "2024-05-01T14:00:00Z"), Limit: 100,
			Services: []serviceCount{},
		},
	}}
	h := testHandler(t, src)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, h, "GET", tt.target)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
			}
			if diff := cmp.Diff(tt.want, decode[servicesResponse](t, rec), cmpopts.IgnoreUnexported(serviceCount{})); diff != "" {
				t.Errorf("GET %s (-want +got):\n%s", tt.target, diff)
			}
		})
	}
}

func TestServicesWire(t *testing.T) {
	h := New(Config{Source: testSource(t), Window: time.Minute, Now: fixedNow(t, testNow)})
	rec := serve(t, h, "GET", "/v1/services?from=2024-05-01T12:07:00Z&to=2024-05-01T12:08:00Z")
	const want = `{"from": "2024-05-01T12:07:00Z", "to": "2024-05-01T12:08:00Z", "limit": 100, "total_services": 1, "next": null,
		"services": [{"name": "api", "counts": {"ERROR": 2}, "total": 2, "error_ratio": 1}]}`
	if diff := cmp.Diff(jsonValue(t, want), jsonValue(t, rec.Body.String())); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	rec = serve(t, h, "GET", "/v1/services?from=2024-05-01T13:07:00Z&to=2024-05-01T13:08:00Z")
	const empty = `{"from": "2024-05-01T13:07:00Z", "to": "2024-05-01T13:08:00Z", "limit": 100, "total_services": 0, "next": null,
		"services": []}`
	if diff := cmp.Diff(jsonValue(t, empty), jsonValue(t, rec.Body.String())); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}
