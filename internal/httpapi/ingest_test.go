package httpapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// fakeLogs is a LogWriter that keeps what it is given, or fails with err.
type fakeLogs struct {
	mu      sync.Mutex
	err     error
	calls   int
	records []LogRecord
}

func (f *fakeLogs) WriteLogs(_ context.Context, records []LogRecord) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return f.err
	}
	f.records = append(f.records, records...)
	return nil
}

// written returns the records as "key|value" strings.
func (f *fakeLogs) written() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.records {
		out = append(out, string(r.Key)+"|"+string(r.Value))
	}
	return out
}

func ingestHandler(tb testing.TB, logs LogWriter, maxBody int64) http.Handler {
	tb.Helper()
	return New(Config{Source: testSource(tb), Now: fixedNow(tb, testNow), Logs: logs, MaxBodyBytes: maxBody})
}

// post sends body to target with contentType ("" sends none).
func post(tb testing.TB, h http.Handler, target, contentType, body string) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest("POST", target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestIngest(t *testing.T) {
	const (
		jsonEvent  = `{"ts":"2024-05-01T12:30:00Z","level":"error","msg":"disk full","service":"api"}`
		textEvent  = `2024-05-01T12:30:00Z ERROR disk full`
		logfmtLine = `ts=2024-05-01T12:30:00Z level=warn msg="slow query" service=db`
	)
	tests := []struct {
		name        string
		contentType string
		query       string
		body        string
		want        ingestResponse
		written     []string
	}{{
		name:        "json object over several lines",
		contentType: "application/json",
		body:        "{\n  \"ts\": \"2024-05-01T12:30:00Z\",\n  \"level\": \"error\",\n  \"msg\": \"disk full\",\n  \"service\": \"api\"\n}\n",
		want:        ingestResponse{Accepted: 1},
		written:     []string{"|" + jsonEvent},
	}, {
		name:        "json array with bad elements",
		contentType: "application/json; charset=utf-8",
		body:        "[\n " + jsonEvent + ",\n \"just a string\",\n {\"level\": \"info\", \"msg\": \"ok\"},\n {\"ts\": \"yesterday\", \"msg\": \"x\"},\n null\n]",
		want: ingestResponse{Accepted: 2, Rejected: []rejection{
			{Line: 2, Error: "invalid_json: JSON value is a string, want an object"},
			{Line: 4, Error: "bad_timestamp"},
			{Line: 5, Error: "invalid_json"},
		}},
		written: []string{"|" + jsonEvent, `|{"level":"info","msg":"ok"}`},
	}, {
		name:    "json array undeclared",
		body:    "[" + jsonEvent + "]",
		want:    ingestResponse{Accepted: 1},
		written: []string{"|" + jsonEvent},
	}, {
		name:        "ndjson with blank and bad lines",
		contentType: "application/x-ndjson",
		body:        jsonEvent + "\n\n" + textEvent + "\n{\"msg\": \n" + jsonEvent + "\n",
		want: ingestResponse{Accepted: 2, Rejected: []rejection{
			{Line: 3, Error: "invalid_json"},
			{Line: 4, Error: "invalid_json"},
		}},
		written: []string{"|" + jsonEvent, "|" + jsonEvent},
	}, {
		name:        "ndjson declared as json",
		contentType: "application/json",
		body:        jsonEvent + "\r\n" + jsonEvent + "\r\nnot json\r\n",
		want:        ingestResponse{Accepted: 2, Rejected: []rejection{{Line: 3, Error: "invalid_json"}}},
		written:     []string{"|" + jsonEvent, "|" + jsonEvent},
	}, {
		name:    "ndjson detected",
		body:    jsonEvent + "\n  " + jsonEvent + "\n",
		want:    ingestResponse{Accepted: 2},
		written: []string{"|" + jsonEvent, "|  " + jsonEvent},
	}, {
		name:        "text lines",
		contentType: "text/plain",
		body:        textEvent + "\r\n\r\n   \n" + logfmtLine + "\nbinary\x00junk\n" + jsonEvent + "\n{broken\nno level at all",
		want: ingestResponse{Accepted: 4, Rejected: []rejection{
			{Line: 5, Error: "invalid_utf8"},
			{Line: 7, Error: "invalid_json"},
		}},
		written: []string{"|" + textEvent, "|" + logfmtLine, "|" + jsonEvent, "|no level at all"},
	}, {
		name:    "text undeclared, starting with a bracket",
		body:    "[2024-05-01 12:30:00] ERROR disk full\n[2024-05-01 12:30:01] INFO ok\n",
		want:    ingestResponse{Accepted: 2},
		written: []string{"|[2024-05-01 12:30:00] ERROR disk full", "|[2024-05-01 12:30:01] INFO ok"},
	}, {
		name:        "text sent as a form by curl -d",
		contentType: "application/x-www-form-urlencoded",
		body:        textEvent,
		want:        ingestResponse{Accepted: 1},
		written:     []string{"|" + textEvent},
	}, {
		name:        "service sets the key",
		contentType: "text/plain",
		query:       "?service=billing",
		body:        textEvent + "\n" + jsonEvent + "\n",
		want:        ingestResponse{Accepted: 2},
		written:     []string{"billing|" + textEvent, "billing|" + jsonEvent},
	}, {
		name:        "all rejected",
		contentType: "application/x-ndjson",
		body:        "nope\n{\"ts\": \"2030-01-01T00:00:00Z\"}\n",
		want: ingestResponse{Rejected: []rejection{
			{Line: 1, Error: "invalid_json"},
			{Line: 2, Error: "bad_timestamp"},
		}},
	}, {
		name:        "event over 1 MiB",
		contentType: "text/plain",
		body:        "INFO " + strings.Repeat("x", maxEventBytes) + "\n" + textEvent,
		want:        ingestResponse{Accepted: 1, Rejected: []rejection{{Line: 1, Error: "too_large"}}},
		written:     []string{"|" + textEvent},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &fakeLogs{}
			rec := post(t, ingestHandler(t, logs, 0), "/v1/logs"+tt.query, tt.contentType, tt.body)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", rec.Code, rec.Body)
			}
			got := decode[ingestResponse](t, rec)
			if tt.want.Rejected == nil {
				tt.want.Rejected = []rejection{}
			}
			// The reason is the contract; the detail after it may change.
			for i, r := range got.Rejected {
				if i < len(tt.want.Rejected) && !strings.Contains(tt.want.Rejected[i].Error, ": ") {
					got.Rejected[i].Error, _, _ = strings.Cut(r.Error, ": ")
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.written, logs.written(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("written (-want +got):\n%s", diff)
			}
			if len(tt.written) == 0 && logs.calls != 0 {
				t.Errorf("WriteLogs called %d times with nothing to write", logs.calls)
			}
		})
	}
}

// TestIngestNeverWritesRejected: whatever the format, a line that is
// listed as rejected is not in what was written.
func TestIngestNeverWritesRejected(t *testing.T) {
	lines := []string{
		`{"level":"info","msg":"a"}`, `{"msg":`, "\x01\x02", `{"ts": -5, "msg": "1969"}`,
		`ts=2024-05-01T12:00:00Z level=error msg=b`, "\xff\xfe", `{"ts":"2099-01-01T00:00:00Z"}`, "INFO c",
	}
	for _, ct := range []string{"", "text/plain", "application/x-ndjson", "application/json"} {
		logs := &fakeLogs{}
		rec := post(t, ingestHandler(t, logs, 0), "/v1/logs", ct, strings.Join(lines, "\n"))
		got := decode[ingestResponse](t, rec)
		if len(got.Rejected) == 0 {
			t.Errorf("content type %q: nothing rejected", ct)
		}
		written := map[string]bool{}
		for _, w := range logs.written() {
			written[strings.TrimPrefix(w, "|")] = true
		}
		for _, r := range got.Rejected {
			if line := lines[r.Line-1]; written[line] {
				t.Errorf("content type %q: line %d %q was rejected (%s) and written", ct, r.Line, line, r.Error)
			}
		}
		if got.Accepted+len(got.Rejected) != len(lines) || got.Accepted != len(written) {
			t.Errorf("content type %q: accepted %d, rejected %d, written %d, of %d lines",
				ct, got.Accepted, len(got.Rejected), len(written), len(lines))
		}
	}
}

func TestIngestListsAtMostMaxRejections(t *testing.T) {
	body := strings.Repeat("{nope\n", maxListed+5) + "INFO ok\n"
	logs := &fakeLogs{}
	got := decode[ingestResponse](t, post(t, ingestHandler(t, logs, 0), "/v1/logs", "text/plain", body))
	if got.Accepted != 1 || len(got.Rejected) != maxListed || got.Omitted != 5 {
		t.Errorf("accepted %d, listed %d rejected, omitted %d; want 1, %d, 5", got.Accepted, len(got.Rejected), got.Omitted, maxListed)
	}
	if last := got.Rejected[maxListed-1].Line; last != maxListed {
		t.Errorf("last listed rejection is line %d, want %d", last, maxListed)
	}
}

func TestIngestBodyErrors(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		want        string
	}{
		{"empty", "text/plain", "", http.StatusBadRequest, "body is empty"},
		{"blank", "", " \r\n\n\t", http.StatusBadRequest, "body is empty"},
		{"byte order mark only", "application/json", "\uFEFF\n", http.StatusBadRequest, "body is empty"},
		{"malformed array", "application/json", `[{"msg": "a"}, {"msg": }]`, http.StatusBadRequest, "malformed JSON array: invalid character '}' looking for beginning of value at byte 24"},
		{"truncated array", "application/json", `[{"msg": "a"}`, http.StatusBadRequest, "malformed JSON array: unexpected end of JSON input"},
		{"json scalar", "application/json", `42`, http.StatusBadRequest, "an application/json body must be a JSON object"},
		{"over the limit", "text/plain", strings.Repeat("INFO hello\n", 10), http.StatusRequestEntityTooLarge, "body is over the limit of 100 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &fakeLogs{}
			rec := post(t, ingestHandler(t, logs, 100), "/v1/logs", tt.contentType, tt.body)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
			if got := decode[errorBody](t, rec).Error; !strings.HasPrefix(got, tt.want) {
				t.Errorf("error %q, want it to start with %q", got, tt.want)
			}
			if logs.calls != 0 {
				t.Errorf("WriteLogs called %d times", logs.calls)
			}
		})
	}
}

func TestIngestDefaultLimit(t *testing.T) {
	body := strings.Repeat("INFO "+strings.Repeat("x", 1000)+"\n", DefaultMaxBodyBytes/1006+1)
	rec := post(t, ingestHandler(t, &fakeLogs{}, 0), "/v1/logs", "text/plain", body)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("%d bytes: status %d, want 413", len(body), rec.Code)
	}
	rec = post(t, ingestHandler(t, &fakeLogs{}, 0), "/v1/logs", "text/plain", body[:DefaultMaxBodyBytes])
	if rec.Code != http.StatusOK {
		t.Errorf("%d bytes: status %d, want 200", DefaultMaxBodyBytes, rec.Code)
	}
}

// TestIngestWriterFails: nothing is reported accepted, and the cause is
// logged but not shown.
func TestIngestWriterFails(t *testing.T) {
	var logBuf bytes.Buffer
	logs := &fakeLogs{err: errors.New("broker 3: NOT_ENOUGH_REPLICAS")}
	h := New(Config{Source: testSource(t), Now: fixedNow(t, testNow), Logs: logs,
		Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	rec := post(t, h, "/v1/logs", "text/plain", "INFO one\nbad\x00\nWARN two\n")
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", rec.Code)
	}
	want := errorBody{Error: "cannot write to the logs topic now: nothing was accepted, send the request again later"}
	if diff := cmp.Diff(want, decode[errorBody](t, rec)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, s := range []string{"level=ERROR", `msg="write logs"`, "records=2", "NOT_ENOUGH_REPLICAS"} {
		if !strings.Contains(logBuf.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, logBuf.String())
		}
	}
}

func TestIngestNotConfigured(t *testing.T) {
	rec := post(t, ingestHandler(t, nil, 0), "/v1/logs", "text/plain", "INFO hello")
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", rec.Code)
	}
	if diff := cmp.Diff(errorBody{Error: "ingest not configured"}, decode[errorBody](t, rec)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestIngestMethodNotAllowed(t *testing.T) {
	for _, method := range []string{"GET", "PUT", "HEAD"} {
		rec := serve(t, ingestHandler(t, &fakeLogs{}, 0), method, "/v1/logs")
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", method, rec.Code)
		}
		if got := rec.Header().Get("Allow"); got != "POST" {
			t.Errorf("%s: Allow = %q, want POST", method, got)
		}
		if method == "HEAD" {
			continue // no body to decode
		}
		if diff := cmp.Diff(errorBody{Error: "method not allowed, use POST"}, decode[errorBody](t, rec)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", method, diff)
		}
	}
}
