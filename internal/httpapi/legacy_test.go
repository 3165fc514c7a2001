package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPostLog: POST /log takes the aiohttp log server's JSON, one event per
// request, answers 200 OK as text, and refuses what POST /v1/logs refuses
// with the same JSON errors.
func TestPostLog(t *testing.T) {
	t.Parallel()
	const seed = `{"timestamp": 1714564800.25, "level": "ERROR", "message": "Database timeout"}`
	logs := &fakeLogs{}
	h := ingestHandler(t, logs, 1024)
	rec := post(t, h, "/log?service=billing", "application/json", seed)
	if rec.Code != http.StatusOK || rec.Body.String() != "OK" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("POST /log: %d %q %q, want 200 \"OK\" text/plain", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	want := []string{`billing|{"timestamp":1714564800.25,"level":"ERROR","message":"Database timeout"}`}
	if diff := cmp.Diff(want, logs.written()); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}

	for _, tt := range []struct {
		name, contentType, body string
		status                  int
		msg                     string
	}{
		{"two events", "application/json", `[` + seed + `,` + seed + `]`, 400, "POST /log takes one event"},
		{"NDJSON", "", seed + "\n" + seed, 400, "POST /log takes one event"},
		{"empty", "application/json", "", 400, "body is empty"},
		{"empty array", "application/json", "[]", 400, "POST /log takes one event"},
		{"binary", "text/plain", "\x00\x01", 400, "event not accepted"},
		{"too large", "application/json", `{"message": "` + strings.Repeat("x", 2000) + `"}`, 413, "over the limit of 1024 bytes"},
	} {
		rec := post(t, h, "/log", tt.contentType, tt.body)
		if got := decode[errorBody](t, rec); rec.Code != tt.status || !strings.Contains(got.Error, tt.msg) {
			t.Errorf("%s: %d %q, want %d with %q", tt.name, rec.Code, got.Error, tt.status, tt.msg)
		}
	}
	if n := len(logs.written()); n != 1 {
		t.Errorf("%d records written, want only the first request's", n)
	}

	rec = post(t, ingestHandler(t, &fakeLogs{err: errors.New("broker down")}, 0), "/log", "application/json", seed)
	if got := decode[errorBody](t, rec); rec.Code != http.StatusServiceUnavailable || !strings.Contains(got.Error, "send it again later") {
		t.Errorf("writer failing: %d %q, want 503 asking to send again", rec.Code, got.Error)
	}
	rec = serve(t, h, "GET", "/log")
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "POST" {
		t.Errorf("GET /log: %d Allow %q, want 405 Allow POST", rec.Code, rec.Header().Get("Allow"))
	}
}
