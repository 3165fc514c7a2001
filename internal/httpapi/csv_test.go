package httpapi

import (
	"encoding/csv"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/view"
)

// serveAccept runs a GET with an Accept header.
func serveAccept(tb testing.TB, h http.Handler, target, accept string) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("Accept", accept)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// cell writes a decoded JSON scalar as the CSV does.
func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return "?"
}

type obj = map[string]any

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// levelCells is one cell per level name, from a counts object.
func levelCells(counts any, names []string) []string {
	out := []string{}
	for _, n := range names {
		c, ok := counts.(obj)[n]
		if !ok {
			c = 0.0
		}
		out = append(out, cell(c))
	}
	return out
}

func allLevelNames() []string {
	var names []string
	for _, l := range codecs.Levels() {
		names = append(names, l.String())
	}
	return names
}

func serviceRow(s obj) []string {
	return append([]string{cell(s["name"]), cell(s["total"]), cell(s["error_ratio"])}, levelCells(s["counts"], allLevelNames())...)
}

// csvFromJSON builds, from an endpoint's JSON answer, the table its CSV
// answer must hold.
var csvFromJSON = map[string]func(v obj) [][]string{
	"levels": func(v obj) [][]string {
		names := allLevelNames()
		if l := list(v["levels"]); l != nil {
			names = nil
			for _, n := range l {
				names = append(names, n.(string))
			}
		}
		out := [][]string{append([]string{"start", "end", "final", "late", "total"}, names...)}
		for _, w := range list(v["windows"]) {
			w := w.(obj)
			row := []string{cell(w["start"]), cell(w["end"]), cell(w["final"]), cell(w["late"]), cell(w["total"])}
			out = append(out, append(row, levelCells(w["counts"], names)...))
		}
		return out
	},
	"series": func(v obj) [][]string {
		out := [][]string{{"start", "end", "count", "late", "final"}}
		for _, w := range list(v["windows"]) {
			w := w.(obj)
			out = append(out, []string{cell(w["start"]), cell(w["end"]), cell(w["count"]), cell(w["late"]), cell(w["final"])})
		}
		return out
	},
	"services": func(v obj) [][]string {
		out := [][]string{append([]string{"name", "total", "error_ratio"}, allLevelNames()...)}
		for _, s := range list(v["services"]) {
			out = append(out, serviceRow(s.(obj)))
		}
		return out
	},
	"service": func(v obj) [][]string {
		return [][]string{append([]string{"name", "total", "error_ratio"}, allLevelNames()...), serviceRow(v)}
	},
	"events": func(v obj) [][]string {
		out := [][]string{{"timestamp", "level", "message", "service", "host"}}
		for _, e := range list(v["events"]) {
			e := e.(obj)
			out = append(out, []string{cell(e["time"]), cell(e["level"]), cell(e["message"]), cell(e["service"]), cell(e["host"])})
		}
		return out
	},
	"top": func(v obj) [][]string {
		out := [][]string{{"template", "count", "share"}}
		for _, m := range list(v["messages"]) {
			m := m.(obj)
			out = append(out, []string{cell(m["template"]), cell(m["count"]), cell(m["share"])})
		}
		return out
	},
}

// sameCell compares CSV cells, numbers by value: the CSV writes a share
// to 6 significant digits where JSON has them all.
var sameCell = cmp.Comparer(func(a, b string) bool {
	if a == b {
		return true
	}
	x, errX := strconv.ParseFloat(a, 64)
	y, errY := strconv.ParseFloat(b, 64)
	return errX == nil && errY == nil && math.Abs(x-y) <= 1e-5*math.Max(math.Abs(x), math.Abs(y))
})

func TestCSV(t *testing.T) {
	t.Parallel()
	h := testHandler(t, sampledSource(t))
	const rng = "from=2024-05-01T12:00:00Z&to=2024-05-01T12:10:00Z"
	tests := []struct {
		shape, target string
		rows          int // data rows expected, so an empty table cannot pass
	}{
		{"levels", "/v1/levels?" + rng, 10},
		{"levels", "/v1/levels?" + rng + "&step=5m&service=api", 2},
		{"levels", "/v1/levels?" + rng + "&level=ERROR,INFO", 10},
		{"series", "/v1/levels/ERROR?" + rng, 10},
		{"series", "/v1/levels/INFO?" + rng + "&step=5m", 2},
		{"services", "/v1/services", 2},
		{"service", "/v1/services/api?" + rng, 1},
		{"events", "/v1/events?" + rng, 4},
		{"events", "/v1/events?level=WARN", 1},
		{"top", "/v1/top?" + rng, 2},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			t.Parallel()
			rec := serve(t, h, "GET", tt.target)
			if rec.Code != http.StatusOK {
				t.Fatalf("JSON: status %d: %s", rec.Code, rec.Body)
			}
			want := csvFromJSON[tt.shape](jsonValue(t, rec.Body.String()).(obj))
			if len(want) != tt.rows+1 {
				t.Fatalf("JSON answer has %d rows, want %d: %s", len(want)-1, tt.rows, rec.Body)
			}
			sep := "?"
			if strings.Contains(tt.target, "?") {
				sep = "&"
			}
			for name, rec := range map[string]*httptest.ResponseRecorder{
				"format=csv":        serve(t, h, "GET", tt.target+sep+"format=csv"),
				"format=CSV":        serve(t, h, "GET", tt.target+sep+"format=CSV"),
				"Accept: text/csv":  serveAccept(t, h, tt.target, "text/csv"),
				"Accept: csv first": serveAccept(t, h, tt.target, "text/html;q=0.9, text/csv; charset=utf-8, application/json"),
			} {
				if rec.Code != http.StatusOK {
					t.Errorf("%s: status %d: %s", name, rec.Code, rec.Body)
					continue
				}
				if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
					t.Errorf("%s: Content-Type %q", name, ct)
				}
				got, err := csv.NewReader(rec.Body).ReadAll()
				if err != nil {
					t.Fatalf("%s: parse CSV: %v\n%s", name, err, rec.Body)
				}
				if diff := cmp.Diff(want, got, sameCell); diff != "" {
					t.Errorf("%s: CSV (-from JSON +got):\n%s", name, diff)
				}
			}
			// JSON wins when it is asked for explicitly or listed first.
			for name, rec := range map[string]*httptest.ResponseRecorder{
				"format=json over Accept": serveAccept(t, h, tt.target+sep+"format=json", "text/csv"),
				"Accept: json first":      serveAccept(t, h, tt.target, "application/json, text/csv"),
				"Accept: other":           serveAccept(t, h, tt.target, "text/html"),
			} {
				if ct := rec.Header().Get("Content-Type"); rec.Code != http.StatusOK || ct != "application/json" {
					t.Errorf("%s: %d %q, want 200 JSON", name, rec.Code, ct)
				}
			}
			rec = serve(t, h, "GET", tt.target+sep+"format=xml")
			if body := decode[errorBody](t, rec); rec.Code != http.StatusBadRequest || body.Param != "format" {
				t.Errorf("format=xml: %d %+v, want 400 on param format", rec.Code, body)
			}
		})
	}
}

// TestCSVQuoting: a message with a comma, quotes or a newline stays one
// cell.
func TestCSVQuoting(t *testing.T) {
	t.Parallel()
	f := newFakeSource()
	msg := "a, \"b\"\nc"
	f.addEvent(view.Event{Time: ts(t, "2024-05-01T12:00:00.25Z"), Level: codecs.LevelError, Service: "x,y", Message: msg})
	rec := serve(t, testHandler(t, f), "GET", "/v1/events?format=csv")
	got, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"timestamp", "level", "message", "service", "host"}, {"2024-05-01T12:00:00.25Z", "ERROR", msg, "x,y", ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestCSVErrorsStayJSON: an error answers JSON even when CSV was asked for.
func TestCSVErrorsStayJSON(t *testing.T) {
	t.Parallel()
	h := testHandler(t, testSource(t))
	for _, target := range []string{"/v1/levels?step=7s&format=csv", "/v1/services/nope?format=csv", "/v1/events?level=nope&format=csv"} {
		rec := serve(t, h, "GET", target)
		if rec.Code < 400 {
			t.Errorf("GET %s: status %d, want an error", target, rec.Code)
		}
		decode[errorBody](t, rec) // checks application/json
	}
}
