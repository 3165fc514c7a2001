package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/internal/view"
)

// sampledSource is testSource with sampled events and ERROR templates that
// agree with its counts: api has ERROR 1 at 12:00 and 2 at 12:07, FATAL
// and WARN samples are there to be filtered out.
func sampledSource(tb testing.TB) *fakeSource {
	tb.Helper()
	f := testSource(tb)
	for _, e := range []view.Event{
		{Time: ts(tb, "2024-05-01T12:00:10Z"), Level: codecs.LevelError, Service: "api", Host: "h1", Message: "db timeout after 3s"},
		{Time: ts(tb, "2024-05-01T12:07:30Z"), Level: codecs.LevelError, Service: "api", Host: "h2", Message: "disk full, retrying"},
		{Time: ts(tb, "2024-05-01T12:07:50Z"), Level: codecs.LevelError, Service: "api", Message: `said "no"`},
		{Time: ts(tb, "2024-05-01T12:00:40Z"), Level: codecs.LevelError, Service: "web", Host: "w1", Message: "upstream 502"},
		{Time: ts(tb, "2024-05-01T12:07:45Z"), Level: codecs.LevelFatal, Service: "api", Message: "boom"},
		{Time: ts(tb, "2024-05-01T12:33:05Z"), Level: codecs.LevelWarn, Service: "web", Message: "slow"},
		{Time: ts(tb, "2024-05-01T10:00:00Z"), Level: codecs.LevelError, Service: "api", Message: "two hours ago"},
	} {
		f.addEvent(e)
	}
	f.addMessage("api", ts(tb, "2024-05-01T12:00:00Z"), "db timeout after <n>s", 1, 0)
	f.addMessage("api", ts(tb, "2024-05-01T12:07:00Z"), "disk full, retrying", 1, 1)
	return f
}

// eventTimes lists the events' times as HH:MM:SS and their services.
func eventTimes(evs []eventJSON) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.Time.Format("15:04:05")+" "+e.Service)
	}
	return out
}

func TestEvents(t *testing.T) {
	t.Parallel()
	h := testHandler(t, sampledSource(t))
	tests := []struct {
		target string
		want   []string
	}{
		// Range defaults to the hour before now (11:34..12:35), so the
		// event at 10:00 is out; level defaults to ERROR.
		{"/v1/events", []string{"12:07:50 api", "12:07:30 api", "12:00:40 web", "12:00:10 api"}},
		{"/v1/events?limit=2", []string{"12:07:50 api", "12:07:30 api"}},
		{"/v1/events?service=web", []string{"12:00:40 web"}},
		{"/v1/events?service=api&limit=1", []string{"12:07:50 api"}},
		{"/v1/events?level=FATAL", []string{"12:07:45 api"}},
		{"/v1/events?level=warn", []string{"12:33:05 web"}},
		{"/v1/events?from=2024-05-01T09:00:00Z&to=2024-05-01T12:01:00Z", []string{"12:00:40 web", "12:00:10 api", "10:00:00 api"}},
		{"/v1/events?service=nope", []string{}},
	}
	for _, tt := range tests {
		rec := serve(t, h, "GET", tt.target)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d: %s", tt.target, rec.Code, rec.Body)
			continue
		}
		got := decode[eventsResponse](t, rec)
		if diff := cmp.Diff(tt.want, eventTimes(got.Events)); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", tt.target, diff)
		}
	}
}

func TestEventsWire(t *testing.T) {
	t.Parallel()
	h := testHandler(t, sampledSource(t))
	rec := serve(t, h, "GET", "/v1/events?service=api&from=2024-05-01T12:07:00Z&to=2024-05-01T12:08:00Z")
	const want = `{"level": "ERROR", "service": "api", "from": "2024-05-01T12:07:00Z", "to": "2024-05-01T12:08:00Z",
		"count": 2, "sampled": true, "sampled_levels": ["WARN", "ERROR", "FATAL"], "samples_per_window": 3,
		"note": "2 ERROR events in the range; events lists the newest kept ones, at most 3 per service and window",
		"events": [
			{"time": "2024-05-01T12:07:50Z", "level": "ERROR", "service": "api", "message": "said \"no\""},
			{"time": "2024-05-01T12:07:30Z", "level": "ERROR", "service": "api", "host": "h2", "message": "disk full, retrying"}
		]}`
	if diff := cmp.Diff(jsonValue(t, want), jsonValue(t, rec.Body.String())); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	rec = serve(t, h, "GET", "/v1/events?from=2024-05-01T13:00:00Z&to=2024-05-01T13:01:00Z")
	const empty = `{"level": "ERROR", "from": "2024-05-01T13:00:00Z", "to": "2024-05-01T13:01:00Z", "events": [],
		"count": 0, "sampled": true, "sampled_levels": ["WARN", "ERROR", "FATAL"], "samples_per_window": 3,
		"note": "0 ERROR events in the range; events lists the newest kept ones, at most 3 per service and window"}`
	if diff := cmp.Diff(jsonValue(t, empty), jsonValue(t, rec.Body.String())); diff != "" {
		t.Errorf("empty body (-want +got):\n%s", diff)
	}
}

func TestTop(t *testing.T) {
	t.Parallel()
	f := sampledSource(t)
	// web: 12:00 gets 4 ERROR counted, 3 kept as "conn reset", 1 as "b".
	f.add("web", ts(t, "2024-05-01T12:00:00Z"), table.Counts{codecs.LevelError: 4}, table.Counts{})
	f.addMessage("web", ts(t, "2024-05-01T12:00:00Z"), "conn reset", 3, 0)
	f.addMessage("web", ts(t, "2024-05-01T12:00:00Z"), "b", 1, 0)
	h := testHandler(t, f)
	range10 := "from=2024-05-01T12:00:00Z&to=2024-05-01T12:10:00Z"
	from, to := ts(t, "2024-05-01T12:00:00Z"), ts(t, "2024-05-01T12:10:00Z")
	tests := []struct {
		target string
		want   topResponse
	}{{
		// Most frequent first, ties by template; other=1 makes it inexact.
		target: "/v1/top?" + range10,
		want: topResponse{Level: "ERROR", From: from, To: to, Total: 7, Other: 1, Messages: []messageJSON{
			{"conn reset", 3, 3.0 / 7}, {"b", 1, 1.0 / 7}, {"db timeout after <n>s", 1, 1.0 / 7}, {"disk full, retrying", 1, 1.0 / 7},
		}},
	}, {
		target: "/v1/top?k=2&" + range10,
		want: topResponse{Level: "ERROR", From: from, To: to, Total: 7, Other: 1, Messages: []messageJSON{
			{"conn reset", 3, 3.0 / 7}, {"b", 1, 1.0 / 7},
		}},
	}, {
		target: "/v1/top?service=web&" + range10,
		want: topResponse{Level: "ERROR", Service: "web", From: from, To: to, Total: 4, Exact: true, Messages: []messageJSON{
			{"conn reset", 3, 0.75}, {"b", 1, 0.25},
		}},
	}, {
		target: "/v1/top?service=api&" + range10,
		want: topResponse{Level: "ERROR", Service: "api", From: from, To: to, Total: 3, Other: 1, Messages: []messageJSON{
			{"db timeout after <n>s", 1, 1.0 / 3}, {"disk full, retrying", 1, 1.0 / 3},
		}},
	}, {
		// No ERROR at all: no share divides by zero.
		target: "/v1/top?from=2024-05-01T12:30:00Z&to=2024-05-01T12:35:00Z",
		want: topResponse{Level: "ERROR", From: ts(t, "2024-05-01T12:30:00Z"), To: ts(t, "2024-05-01T12:35:00Z"),
			Exact: true, Messages: []messageJSON{}},
	}}
	for _, tt := range tests {
		rec := serve(t, h, "GET", tt.target)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d: %s", tt.target, rec.Code, rec.Body)
			continue
		}
		if diff := cmp.Diff(tt.want, decode[topResponse](t, rec)); diff != "" {
			t.Errorf("GET %s (-want +got):\n%s", tt.target, diff)
		}
	}
	rec := serve(t, h, "GET", "/v1/top?service=web&k=1&"+range10)
	const want = `{"level": "ERROR", "service": "web", "from": "2024-05-01T12:00:00Z", "to": "2024-05-01T12:10:00Z",
		"total": 4, "other": 0, "untracked": 0, "exact": true, "messages": [{"template": "conn reset", "count": 3, "share": 0.75}]}`
	if diff := cmp.Diff(jsonValue(t, want), jsonValue(t, rec.Body.String())); diff != "" {
		t.Errorf("wire (-want +got):\n%s", diff)
	}
}

// TestTopUntracked: errors counted in windows that kept no templates (as
// written before templates were kept) make the answer inexact.
func TestTopUntracked(t *testing.T) {
	src := newFakeSource()
	w := ts(t, "2024-05-01T12:00:00Z")
	src.add("legacy", w, table.Counts{codecs.LevelError: 5}, table.Counts{})
	src.addMessage("legacy", w, "conn reset", 2, 1)
	h := New(Config{Source: src, Window: time.Minute, Now: fixedNow(t, testNow)})
	got := decode[topResponse](t, serve(t, h, "GET", "/v1/top?from=2024-05-01T12:00:00Z&to=2024-05-01T12:01:00Z"))
	if got.Total != 5 || got.Other != 1 || got.Untracked != 2 || got.Exact {
		t.Errorf("top = %+v, want total 5, other 1, untracked 2, not exact", got)
	}
}

// TestEventsTopBadParams: every bad parameter of /v1/events and /v1/top is
// a 400 naming it.
func TestEventsTopBadParams(t *testing.T) {
	t.Parallel()
	h := testHandler(t, sampledSource(t))
	tests := []struct {
		target, param, msg string
	}{
		{"/v1/top?level=INFO", "level", "WARN and more severe levels only, not INFO"},
		{"/v1/top?level=UNKNOWN", "level", "not UNKNOWN"},
		{"/v1/events?level=warning", "level", `unknown level "warning"`},
		{"/v1/events?limit=0", "limit", "from 1 to 1000"},
		{"/v1/events?limit=1001", "limit", "from 1 to 1000"},
		{"/v1/events?limit=ten", "limit", `got "ten"`},
		{"/v1/events?limit=-1", "limit", "from 1 to 1000"},
		{"/v1/events?from=soon", "from", "want RFC 3339"},
		{"/v1/events?from=-5m&to=-10m", "from", "must be before to"},
		{"/v1/events?format=xml", "format", "format must be json or csv"},
		{"/v1/top?level=TRACE", "level", "not TRACE"},
		{"/v1/top?level=nope", "level", "unknown level"},
		{"/v1/top?k=0", "k", "from 1 to 100"},
		{"/v1/top?k=101", "k", "from 1 to 100"},
		{"/v1/top?k=1.5", "k", `got "1.5"`},
		{"/v1/top?to=yesterday", "to", "want RFC 3339"},
		{"/v1/top?from=2024-05-01T13:00:00Z", "from", "must be before to"},
		{"/v1/top?format=xml", "format", "format must be json or csv"},
	}
	for _, tt := range tests {
		rec := serve(t, h, "GET", tt.target)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400", tt.target, rec.Code)
			continue
		}
		if got := decode[errorBody](t, rec); got.Param != tt.param || !strings.Contains(got.Error, tt.msg) {
			t.Errorf("GET %s: got %+v, want param %q and an error containing %q", tt.target, got, tt.param, tt.msg)
		}
	}
}

// TestNoHTMLEscaping: templates like "<*>" read as they are in JSON and in
// stream events, not as \u003c*\u003e.
func TestNoHTMLEscaping(t *testing.T) {
	t.Parallel()
	f := newFakeSource()
	w := ts(t, "2024-05-01T12:00:00Z")
	f.add("api", w, table.Counts{codecs.LevelError: 1}, table.Counts{})
	f.addMessage("api", w, "conn to <*> & back", 1, 0)
	f.addEvent(view.Event{Time: w, Level: codecs.LevelError, Service: "api", Message: "<b>"})
	h := testHandler(t, f)
	for target, want := range map[string]string{"/v1/top": `"conn to <*> & back"`, "/v1/events": `"<b>"`} {
		if body := serve(t, h, "GET", target).Body.String(); !strings.Contains(body, want) {
			t.Errorf("GET %s: body lacks %s: %s", target, want, body)
		}
	}
}
