package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// TestLevelsFilter: level= keeps only the chosen levels in every window,
// in totals and in late, however it is written.
func TestLevelsFilter(t *testing.T) {
	t.Parallel()
	src := testSource(t)
	// WARN late at 12:00 (web) and ERROR late at 12:07 (api) are already
	// there; a WARN count makes the mask visible in counts too.
	src.add("api", ts(t, "2024-05-01T12:01:00Z"), table.Counts{codecs.LevelWarn: 4}, table.Counts{})
	h := testHandler(t, src)
	const rng = "from=2024-05-01T12:00:00Z&to=2024-05-01T12:10:00Z&step=5m"
	wm := ts(t, "2024-05-01T12:10:00Z")
	base := levelsResponse{From: ts(t, "2024-05-01T12:00:00Z"), To: ts(t, "2024-05-01T12:10:00Z"), StepSeconds: 300, SizeSeconds: 300, Watermark: &wm}
	errWarn := base
	errWarn.Levels = []string{"WARN", "ERROR"}
	errWarn.Windows = series(t, "2024-05-01T12:00:00Z", 5*time.Minute, 2, "2024-05-01T12:05:00Z",
		win(t, "2024-05-01T12:00:00Z", map[string]int64{"WARN": 4, "ERROR": 1}, 1),
		win(t, "2024-05-01T12:05:00Z", map[string]int64{"ERROR": 2}, 3))
	errWarn.Totals, errWarn.Total = map[string]int64{"WARN": 4, "ERROR": 3}, 7
	info := base
	info.Levels = []string{"INFO"}
	info.Windows = series(t, "2024-05-01T12:00:00Z", 5*time.Minute, 2, "2024-05-01T12:05:00Z",
		win(t, "2024-05-01T12:00:00Z", map[string]int64{"INFO": 17}, 0))
	info.Totals, info.Total = map[string]int64{"INFO": 17}, 17
	tests := []struct {
		query string
		want  levelsResponse
	}{
		{"level=ERROR&level=WARN", errWarn},
		{"level=ERROR,WARN", errWarn},
		{"level=warn,%20error,&level=ERROR", errWarn}, // case, spaces, empty and repeated names
		{"level=INFO", info},
	}
	for _, tt := range tests {
		rec := serve(t, h, "GET", "/v1/levels?"+rng+"&"+tt.query)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: status %d: %s", tt.query, rec.Code, rec.Body)
			continue
		}
		if diff := cmp.Diff(tt.want, decode[levelsResponse](t, rec), cmpopts.IgnoreUnexported(levelsResponse{}), cmpopts.IgnoreFields(levelsResponse{}, "WatermarkBy")); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.query, diff)
		}
	}
	// The filter is echoed on the wire in level order.
	rec := serve(t, h, "GET", "/v1/levels?"+rng+"&level=ERROR,WARN")
	if got := jsonValue(t, rec.Body.String()).(map[string]any)["levels"]; !cmp.Equal(got, []any{"WARN", "ERROR"}) {
		t.Errorf("levels = %v, want [WARN ERROR]", got)
	}
	for _, bad := range []string{"level=ERROR,NOPE", "level=warning", "level=INFO&level=E"} {
		rec := serve(t, h, "GET", "/v1/levels?"+bad)
		body := decode[errorBody](t, rec)
		if rec.Code != http.StatusBadRequest || body.Param != "level" || !strings.Contains(body.Error, "want one of UNKNOWN, TRACE, DEBUG, INFO, WARN, ERROR, FATAL") {
			t.Errorf("%s: %d %+v, want 400 on param level listing the levels", bad, rec.Code, body)
		}
	}
}

// TestLevelSeries: /v1/levels/{level} is the level's column of /v1/levels
// for the same query.
func TestLevelSeries(t *testing.T) {
	t.Parallel()
	h := testHandler(t, testSource(t))
	for _, q := range []string{
		"from=2024-05-01T12:00:00Z&to=2024-05-01T12:10:00Z",
		"from=2024-05-01T12:00:00Z&to=2024-05-01T12:10:00Z&step=5m&service=api",
		"from=2024-05-01T11:58:00Z&to=2024-05-01T12:09:00Z&size=3m",
		"",
	} {
		for _, lv := range []string{"ERROR", "INFO", "WARN", "error"} {
			all := decode[levelsResponse](t, serve(t, h, "GET", "/v1/levels?"+q))
			rec := serve(t, h, "GET", "/v1/levels/"+lv+"?"+q)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s %s: status %d: %s", lv, q, rec.Code, rec.Body)
			}
			got := decode[seriesResponse](t, rec)
			name := strings.ToUpper(lv)
			want := seriesResponse{Level: name, From: all.From, To: all.To, StepSeconds: all.StepSeconds,
				SizeSeconds: all.SizeSeconds, Service: all.Service, Watermark: all.Watermark, Total: all.Totals[name]}
			for _, w := range all.Windows {
				want.Windows = append(want.Windows, seriesWindow{Start: w.Start, End: w.End, Count: w.Counts[name], Final: w.Final})
			}
			// Late is per level too: take it from a filtered /v1/levels.
			one := decode[levelsResponse](t, serve(t, h, "GET", "/v1/levels?level="+lv+"&"+q))
			for i, w := range one.Windows {
				want.Windows[i].Late = w.Late
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("/v1/levels/%s?%s (-want +got):\n%s", lv, q, diff)
			}
		}
	}
	rec := serve(t, h, "GET", "/v1/levels/ERROR?from=2024-05-01T12:07:00Z&to=2024-05-01T12:08:00Z")
	const want = `{"level": "ERROR", "from": "2024-05-01T12:07:00Z", "to": "2024-05-01T12:08:00Z", "step_seconds": 60,
		"size_seconds": 60, "watermark": "2024-05-01T12:10:00Z", "total": 2,
		"windows": [{"start": "2024-05-01T12:07:00Z", "end": "2024-05-01T12:08:00Z", "count": 2, "final": true, "late": 3}]}`
	if diff := cmp.Diff(jsonValue(t, want), jsonValue(t, rec.Body.String())); diff != "" {
		t.Errorf("wire (-want +got):\n%s", diff)
	}
}

func TestLevelSeriesBadParams(t *testing.T) {
	t.Parallel()
	h := testHandler(t, testSource(t))
	tests := []struct {
		target, param, msg string
	}{
		{"/v1/levels/NOPE", "level", `unknown level "NOPE"`},
		{"/v1/levels/ERROR?level=WARN", "level", "the level is in the path"},
		{"/v1/levels/ERROR?level=ERROR", "level", "the level is in the path"},
		{"/v1/levels/ERROR?from=later", "from", "want RFC 3339"},
		{"/v1/levels/ERROR?from=2024-05-01T12:10:00Z&to=2024-05-01T12:00:00Z", "from", "must be before to"},
		{"/v1/levels/ERROR?step=90s", "step", "multiple of the window"},
		{"/v1/levels/ERROR?from=-1000h", "step", "more than the limit of 10000"},
		{"/v1/levels/ERROR?size=2m&step=3m", "size", "multiple of step"},
		{"/v1/levels/ERROR?format=xml", "format", "format must be json or csv"},
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
