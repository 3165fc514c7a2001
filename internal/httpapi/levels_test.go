package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

const testNow = "2024-05-01T12:34:30Z"

// testSource holds a few windows around 2024-05-01T12:00Z, with the
// watermark at 12:10, so with a 1m window and 1m grace the windows that
// start up to 12:08 are final.
func testSource(tb testing.TB) *fakeSource {
	tb.Helper()
	f := newFakeSource()
	none := table.Counts{}
	f.add("api", ts(tb, "2024-05-01T12:00:00Z"), table.Counts{codecs.LevelInfo: 10, codecs.LevelError: 1}, none)
	f.add("web", ts(tb, "2024-05-01T12:00:00Z"), table.Counts{codecs.LevelInfo: 2}, table.Counts{codecs.LevelWarn: 1})
	f.add("api", ts(tb, "2024-05-01T12:01:00Z"), table.Counts{codecs.LevelInfo: 5}, none)
	f.add("api", ts(tb, "2024-05-01T12:07:00Z"), table.Counts{codecs.LevelError: 2}, table.Counts{codecs.LevelError: 3})
	f.add("web", ts(tb, "2024-05-01T12:33:00Z"), table.Counts{codecs.LevelInfo: 1}, none)
	f.add("api", ts(tb, "2024-05-01T12:34:00Z"), table.Counts{codecs.LevelInfo: 4}, none)
	f.watermark = ts(tb, "2024-05-01T12:10:00Z")
	return f
}

func testHandler(tb testing.TB, src Source) http.Handler {
	tb.Helper()
	return New(Config{
		Source: src,
		Window: time.Minute,
		Grace:  time.Minute,
		Now:    fixedNow(tb, testNow),
	})
}

// win is an expected window with data; series fills in End and Final.
func win(tb testing.TB, start string, counts map[string]int64, late int64) levelsWindow {
	tb.Helper()
	var total int64
	for _, n := range counts {
		total += n
	}
	return levelsWindow{Start: ts(tb, start), Counts: counts, Total: total, Late: late}
}

// series is the expected dense series of n steps from from: empty steps
// except those in filled, final when they start before finalBefore.
func series(tb testing.TB, from string, step time.Duration, n int, finalBefore string, filled ...levelsWindow) []levelsWindow {
	tb.Helper()
	start, fb := ts(tb, from), ts(tb, finalBefore)
	out := make([]levelsWindow, n)
	for i := range out {
		out[i] = levelsWindow{Start: start, Counts: map[string]int64{}}
		for _, f := range filled {
			if f.Start.Equal(start) {
				out[i] = f
			}
		}
		out[i].End = start.Add(step)
		out[i].Final = start.Before(fb)
		start = start.Add(step)
	}
	return out
}

func TestLevels(t *testing.T) {
	wm := ts(t, "2024-05-01T12:10:00Z")
	first5 := []levelsWindow{
		win(t, "2024-05-01T12:00:00Z", map[string]int64{"INFO": 12, "ERROR": 1}, 1),
		win(t, "2024-05-01T12:01:00Z", map[string]int64{"INFO": 5}, 0),
	}
	tests := []struct {
		name   string
		target string
		want   levelsResponse
	}{{
		name:   "dense 1m series",
		target: "/v1/levels?from=2024-05-01T12:00:00Z&to=2024-05-01T12:05:00Z",
		want: levelsResponse{
			From: ts(t, "2024-05-01T12:00:00Z"), To: ts(t, "2024-05-01T12:05:00Z"), StepSeconds: 60, SizeSeconds: 60, Watermark: &wm,
			Windows: series(t, "2024-05-01T12:00:00Z", time.Minute, 5, "2024-05-01T12:09:00Z", first5...),
			Totals:  map[string]int64{"INFO": 17, "ERROR": 1}, Total: 18,
		},
	}, {
		name:   "step 5m sums base windows and is final only when its last window is",
		target: "/v1/levels?from=2024-05-01T12:00:00Z&to=2024-05-01T12:10:00Z&step=5m",
		want: levelsResponse{
			From: ts(t, "2024-05-01T12:00:00Z"), To: ts(t, "2024-05-01T12:10:00Z"), StepSeconds: 300, SizeSeconds: 300, Watermark: &wm,
			Windows: series(t, "2024-05-01T12:00:00Z", 5*time.Minute, 2, "2024-05-01T12:05:00Z",
				win(t, "2024-05-01T12:00:00Z", map[string]int64{"INFO": 17, "ERROR": 1}, 1),
				win(t, "2024-05-01T12:05:00Z", map[string]int64{"ERROR": 2}, 3)),
			Totals: map[string]int64{"INFO": 17, "ERROR": 3}, Total: 20,
		},
	}, {
		name:   "step in seconds",
		target: "/v1/levels?from=2024-05-01T12:00:00Z&to=2024-05-01T12:05:00Z&step=300",
		want: levelsResponse{
			From: ts(t, "2024-05-01T12:00:00Z"), To: ts(t, "2024-05-01T12:05:00Z"), StepSeconds: 300, SizeSeconds: 300, Watermark: &wm,
			Windows: series(t, "2024-05-01T12:00:00Z", 5*time.Minute, 1, "2024-05-01T12:05:00Z",
				win(t, "2024-05-01T12:00:00Z", map[string]int64{"INFO": 17, "ERROR": 1}, 1)),
			Totals: map[string]int64{"INFO": 17, "ERROR": 1}, Total: 18,
		},
	}, {
		name:   "service filter",
		target: "/v1/levels?from=2024-05-01T12:00:00Z&to=2024-05-01T12:02:00Z&service=web",
		want: levelsResponse{
			From: ts(t, "2024-05-01T12:00:00Z"), To: ts(t, "2024-05-01T12:02:00Z"), StepSeconds: 60, SizeSeconds: 60, Service: "web", Watermark: &wm,
			Windows: series(t, "2024-05-01T12:00:00Z", time.Minute, 2, "2024-05-01T12:09:00Z",
				win(t, "2024-05-01T12:00:00Z", map[string]int64{"INFO": 2}, 1)),
			Totals: map[string]int64{"INFO": 2}, Total: 2,
		},
	}, {
		name:   "unknown service is an empty series",
		target: "/v1/levels?from=2024-05-01T12:00:00Z&to=2024-05-01T12:02:00Z&service=nope",
		want: levelsResponse{
			From: ts(t, "2024-05-01T12:00:00Z"), To: ts(t, "2024-05-01T12:02:00Z"), StepSeconds: 60, SizeSeconds: 60, Service: "nope", Watermark: &wm,
			Windows: series(t, "2024-05-01T12:00:00Z", time.Minute, 2, "2024-05-01T12:09:00Z"),
			Totals:  map[string]int64{},
		},
	}, {
		name:   "from aligned down, to aligned up to the window",
		target: "/v1/levels?from=2024-05-01T12:00:30Z&to=2024-05-01T12:01:10Z",
		want: levelsResponse{
			From: ts(t, "2024-05-01T12:00:00Z"), To: ts(t, "2024-05-01T12:02:00Z"), StepSeconds: 60, SizeSeconds: 60, Watermark: &wm,
			Windows: series(t, "2024-05-01T12:00:00Z", time.Minute, 2, "2024-05-01T12:09:00Z", first5...),
			Totals:  map[string]int64{"INFO": 17, "ERROR": 1}, Total: 18,
		},
	}, {
		name:   "from and to aligned to the step",
		target: "/v1/levels?from=2024-05-01T12:03:00Z&to=2024-05-01T12:06:00Z&step=5m",
		want: levelsResponse{
			From: ts(t, "2024-05-01T12:00:00Z"), To: ts(t, "2024-05-01T12:10:00Z"), StepSeconds: 300, SizeSeconds: 300, Watermark: &wm,
			Windows: series(t, "2024-05-01T12:00:00Z", 5*time.Minute, 2, "2024-05-01T12:05:00Z",
				win(t, "2024-05-01T12:00:00Z", map[string]int64{"INFO": 17, "ERROR": 1}, 1),
				win(t, "2024-05-01T12:05:00Z", map[string]int64{"ERROR": 2}, 3)),
			Totals: map[string]int64{"INFO": 17, "ERROR": 3}, Total: 20,
		},
	}, {
		name:   "offsets are converted to UTC, an unescaped + included",
		target: "/v1/levels?from=2024-05-01T14:00:00+02:00&to=2024-05-01T08:02:00%2D04:00",
		want: levelsResponse{
			From: ts(t, "2024-05-01T12:00:00Z"), To: ts(t, "2024-05-01T12:02:00Z"), StepSeconds: 60, SizeSeconds: 60, Watermark: &wm,
			Windows: series(t, "2024-05-01T12:00:00Z", time.Minute, 2, "2024-05-01T12:09:00Z", first5...),
			Totals:  map[string]int64{"INFO": 17, "ERROR": 1}, Total: 18,
		},
	}, {
		name:   "unix seconds",
		target: "/v1/levels?from=1714564800&to=1714564920",
		want: levelsResponse{
			From: ts(t, "2024-05-01T12:00:00Z"), To: ts(t, "2024-05-01T12:02:00Z"), StepSeconds: 60, SizeSeconds: 60, Watermark: &wm,
			Windows: series(t, "2024-05-01T12:00:00Z", time.Minute, 2, "2024-05-01T12:09:00Z", first5...),
			Totals:  map[string]int64{"INFO": 17, "ERROR": 1}, Total: 18,
		},
	}, {
		name:   "relative from, to defaults to now and the partial window is served",
		target: "/v1/levels?from=-5m",
		want: levelsResponse{
			From: ts(t, "2024-05-01T12:29:00Z"), To: ts(t, "2024-05-01T12:35:00Z"), StepSeconds: 60, SizeSeconds: 60, Watermark: &wm,
			Windows: series(t, "2024-05-01T12:29:00Z", time.Minute, 6, "2024-05-01T12:09:00Z",
				win(t, "2024-05-01T12:33:00Z", map[string]int64{"INFO": 1}, 0),
				win(t, "2024-05-01T12:34:00Z", map[string]int64{"INFO": 4}, 0)),
			Totals: map[string]int64{"INFO": 5}, Total: 5,
		},
	}, {
		name:   "relative from and to, now",
		target: "/v1/levels?from=-1h30m&to=now&step=1h",
		want: levelsResponse{
			From: ts(t, "2024-05-01T11:00:00Z"), To: ts(t, "2024-05-01T13:00:00Z"), StepSeconds: 3600, SizeSeconds: 3600, Watermark: &wm,
			Windows: series(t, "2024-05-01T11:00:00Z", time.Hour, 2, "2024-05-01T12:00:00Z",
				win(t, "2024-05-01T12:00:00Z", map[string]int64{"INFO": 22, "ERROR": 3}, 4)),
			Totals: map[string]int64{"INFO": 22, "ERROR": 3}, Total: 25,
		},
	}, {
		name:   "defaults: the hour before now",
		target: "/v1/levels",
		want: levelsResponse{
			From: ts(t, "2024-05-01T11:34:00Z"), To: ts(t, "2024-05-01T12:35:00Z"), StepSeconds: 60, SizeSeconds: 60, Watermark: &wm,
			Windows: series(t, "2024-05-01T11:34:00Z", time.Minute, 61, "2024-05-01T12:09:00Z",
				append(first5,
					win(t, "2024-05-01T12:07:00Z", map[string]int64{"ERROR": 2}, 3),
					win(t, "2024-05-01T12:33:00Z", map[string]int64{"INFO": 1}, 0),
					win(t, "2024-05-01T12:34:00Z", map[string]int64{"INFO": 4}, 0))...),
			Totals: map[string]int64{"INFO": 22, "ERROR": 3}, Total: 25,
		},
	}}
	h := testHandler(t, testSource(t))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(t, h, "GET", tt.target)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200; body %s", rec.Code, rec.Body)
			}
			got := decode[levelsResponse](t, rec)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreUnexported(levelsResponse{}), cmpopts.IgnoreFields(levelsResponse{}, "WatermarkBy")); diff != "" {
				t.Errorf("GET %s (-want +got):\n%s", tt.target, diff)
			}
		})
	}
}

// TestLevelsWire pins the JSON field names and shapes, which the decoded
// comparisons above would not notice if both sides changed together.
func TestLevelsWire(t *testing.T) {
	h := testHandler(t, testSource(t))
	rec := serve(t, h, "GET", "/v1/levels?from=2024-05-01T12:06:00Z&to=2024-05-01T12:08:00Z&service=api")
	const want = `{
		"from": "2024-05-01T12:06:00Z", "to": "2024-05-01T12:08:00Z", "step_seconds": 60, "size_seconds": 60,
		"service": "api", "watermark": "2024-05-01T12:10:00Z",
		"watermark_by": {"partition": 0, "idle": [], "not_reported": [], "table_partitions": "1/1"},
		"windows": [
			{"start": "2024-05-01T12:06:00Z", "end": "2024-05-01T12:07:00Z", "counts": {}, "total": 0, "final": true, "late": 0},
			{"start": "2024-05-01T12:07:00Z", "end": "2024-05-01T12:08:00Z", "counts": {"ERROR": 2}, "total": 2, "final": true, "late": 3}
		],
		"totals": {"ERROR": 2}, "total": 2
	}`
	if diff := cmp.Diff(jsonValue(t, want), jsonValue(t, rec.Body.String())); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func jsonValue(tb testing.TB, s string) any {
	tb.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		tb.Fatalf("unmarshal %s: %v", s, err)
	}
	return v
}

func TestLevelsNoWatermark(t *testing.T) {
	src := testSource(t)
	src.watermark = time.Time{}
	rec := serve(t, testHandler(t, src), "GET", "/v1/levels?from=2024-05-01T12:00:00Z&to=2024-05-01T12:02:00Z")
	if got := jsonValue(t, rec.Body.String()).(map[string]any)["watermark"]; got != nil {
		t.Errorf("watermark = %v, want null", got)
	}
	for _, w := range decode[levelsResponse](t, rec).Windows {
		if w.Final {
			t.Errorf("window %s is final with no watermark", w.Start)
		}
	}
}

// TestLevelsTooManyPoints checks that the step the error suggests is
// accepted for the same range.
func TestLevelsTooManyPoints(t *testing.T) {
	tests := []struct {
		maxPoints int
		query     string
	}{
		{10, "from=2024-05-01T12:00:00Z&to=2024-05-01T12:11:00Z"},
		{10, "from=2024-05-01T12:00:30Z&to=2024-05-01T12:10:30Z"},
		{1, "from=2024-05-01T12:00:00Z&to=2024-05-01T12:02:00Z"},
		{0, "from=-1000h"},
		{0, "from=2024-01-01T00:00:00Z&to=2024-05-01T00:00:00Z&step=2m"},
	}
	suggested := regexp.MustCompile(`e\.g\. (\w+),`)
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			h := New(Config{Source: testSource(t), MaxPoints: tt.maxPoints, Now: fixedNow(t, testNow)})
			rec := serve(t, h, "GET", "/v1/levels?"+tt.query)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", rec.Code)
			}
			body := decode[errorBody](t, rec)
			m := suggested.FindStringSubmatch(body.Error)
			if body.Param != "step" || m == nil {
				t.Fatalf("got %+v, want param step and a suggested step", body)
			}
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			q.Set("step", m[1])
			if rec := serve(t, h, "GET", "/v1/levels?"+q.Encode()); rec.Code != http.StatusOK {
				t.Errorf("with the suggested step %s: status %d, body %s", m[1], rec.Code, rec.Body)
			}
		})
	}
}

func BenchmarkLevels(b *testing.B) {
	src := newFakeSource()
	from := ts(b, "2024-05-01T11:00:00Z")
	for s := range 50 {
		service := "service-" + string(rune('a'+s%26)) + string(rune('a'+s/26))
		for m := range 60 {
			src.add(service, from.Add(time.Duration(m)*time.Minute),
				table.Counts{codecs.LevelInfo: int64(100 + m), codecs.LevelWarn: int64(s), codecs.LevelError: 1},
				table.Counts{codecs.LevelError: int64(m % 2)})
		}
	}
	src.setWatermark(ts(b, "2024-05-01T11:50:00Z"))
	h := New(Config{Source: src, Now: fixedNow(b, "2024-05-01T12:00:00Z")})
	req := "/v1/levels?from=2024-05-01T11:00:00Z&to=2024-05-01T12:00:00Z"
	// The source does not change, so after the first this is the cached
	// answer; BenchmarkLevelsHTTP/built (levels_bench_test.go) has the cost of
	// building one.
	b.ReportAllocs()
	for b.Loop() {
		if rec := serve(b, h, "GET", req); rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// TestLevelsCachedUntilTheSourceChanges: a repeated query gets the same
// bytes, and any change of the source (a window, the watermark) is in the
// next answer.
func TestLevelsCachedUntilTheSourceChanges(t *testing.T) {
	src := testSource(t)
	h := testHandler(t, src)
	const q = "/v1/levels?from=2024-05-01T12:00:00Z&to=2024-05-01T12:10:00Z"
	first := serve(t, h, "GET", q).Body.String()
	// The same query spelled differently shares the answer.
	if again := serve(t, h, "GET", "/v1/levels?to=2024-05-01T12:10:00Z&from=2024-05-01T12:00:00Z&step=1m").Body.String(); again != first {
		t.Fatalf("the same query answered differently:\n%s\n%s", first, again)
	}
	src.add("api", ts(t, "2024-05-01T12:02:00Z"), table.Counts{codecs.LevelFatal: 7}, table.Counts{})
	got := decode[levelsResponse](t, serve(t, h, "GET", q))
	if got.Totals["FATAL"] != 7 {
		t.Fatalf("after a new window: totals %v, want FATAL 7", got.Totals)
	}
	src.setWatermark(ts(t, "2024-05-01T12:30:00Z"))
	for _, w := range decode[levelsResponse](t, serve(t, h, "GET", q)).Windows {
		if !w.Final {
			t.Fatalf("after the watermark moved past every window: %s is not final", w.Start)
		}
	}
	// CSV is built every time, and agrees.
	if rec := serve(t, h, "GET", q+"&format=csv"); !strings.Contains(rec.Body.String(), ",7,") {
		t.Errorf("CSV after a new window: %s", rec.Body)
	}
}

// TestLevelsCachedConcurrently: many requests share one cached answer
// (-race: nothing writes into it; CI's bench smoke found a newline appended
// in place).
func TestLevelsCachedConcurrently(t *testing.T) {
	h := testHandler(t, testSource(t))
	const q = "/v1/levels?from=2024-05-01T12:00:00Z&to=2024-05-01T12:10:00Z"
	want := serve(t, h, "GET", q).Body.String()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, q, nil))
				if got := rec.Body.String(); got != want {
					t.Errorf("concurrent answer differs:\n%s\nwant\n%s", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestLevelsCache(t *testing.T) {
	var c levelsCache
	c.put(5, "a", []byte("a5"))
	if b, ok := c.get(5, "a"); !ok || string(b) != "a5" {
		t.Fatalf("get(5, a) = %q, %v", b, ok)
	}
	if _, ok := c.get(6, "a"); ok {
		t.Fatal("an answer of seq 5 served at seq 6")
	}
	c.put(4, "b", []byte("b4")) // built while the source moved on: not kept
	if _, ok := c.get(4, "b"); ok {
		t.Fatal("an answer of an older seq was kept")
	}
	c.put(6, "b", []byte("b6"))
	if _, ok := c.get(5, "a"); ok {
		t.Fatal("answers of seq 5 survived seq 6")
	}
	for i := range levelsCacheSize + 1 {
		c.put(6, strconv.Itoa(i), nil)
	}
	if n := len(c.entries); n > levelsCacheSize {
		t.Fatalf("%d entries, want at most %d", n, levelsCacheSize)
	}
}
