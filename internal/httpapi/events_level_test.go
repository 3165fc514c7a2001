package httpapi

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEventsUnsampledLevel: /v1/events?level=INFO answers how many INFO
// events the range held (the same count as /v1/levels) and says that INFO
// events are counted, not kept, naming the levels that are; its CSV has the
// columns of a CSV log store and no rows.
func TestEventsUnsampledLevel(t *testing.T) {
	t.Parallel()
	h := testHandler(t, sampledSource(t))
	const rng = "from=2024-05-01T12:00:00Z&to=2024-05-01T12:10:00Z"
	// What /v1/levels?from=...&to=... answers in totals for the fixture.
	const want, wantErrors = 17, 3
	rec := serve(t, h, "GET", "/v1/events?level=info&"+rng)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	got := decode[eventsResponse](t, rec)
	if got.Level != "INFO" || got.Count != want || got.Sampled || len(got.Events) != 0 {
		t.Errorf("level=info: %+v, want INFO, count %d, not sampled, no events", got, want)
	}
	if diff := cmp.Diff([]string{"WARN", "ERROR", "FATAL"}, got.SampledLevels); diff != "" {
		t.Errorf("sampled_levels (-want +got):\n%s", diff)
	}
	for _, part := range []string{"INFO events are counted, not kept", "kept for WARN, ERROR, FATAL only", "/v1/levels/INFO"} {
		if !strings.Contains(got.Note, part) {
			t.Errorf("note %q does not say %q", got.Note, part)
		}
	}

	rec = serve(t, h, "GET", "/v1/events?level=INFO&format=csv&"+rng)
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if rec.Code != http.StatusOK || err != nil {
		t.Fatalf("CSV: %d %v", rec.Code, err)
	}
	if diff := cmp.Diff([][]string{{"timestamp", "level", "message", "service", "host"}}, rows); diff != "" {
		t.Errorf("CSV (-want +got):\n%s", diff)
	}

	// A sampled level counts all of its events, not only the kept ones.
	got = decode[eventsResponse](t, serve(t, h, "GET", "/v1/events?level=ERROR&limit=1&"+rng))
	if !got.Sampled || got.Count != wantErrors || len(got.Events) != 1 {
		t.Errorf("level=ERROR&limit=1: sampled %v, count %d (want %d), %d events (want 1)", got.Sampled, got.Count, wantErrors, len(got.Events))
	}
}
