package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/httpapi"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/internal/view"
)

// hourIndex is an hour of one-minute windows of 50 services, the shape
// `logpulse bench --http` asks for.
func hourIndex(b *testing.B) (*view.Index, time.Time) {
	b.Helper()
	ix := view.New(6, 1, time.Minute, 24*time.Hour)
	from := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for w := range 60 {
		for s := range 50 {
			key := table.WindowKey("svc-"+strconv.Itoa(s), from.Add(time.Duration(w)*time.Minute))
			update(b, ix, key, table.Value{Offset: int64(w), Counts: counts(100, 3)})
		}
	}
	return ix, from
}

// counts is info INFO and errs ERROR events.
func counts(info, errs int64) table.Counts {
	var c table.Counts
	c[codecs.LevelInfo], c[codecs.LevelError] = info, errs
	return c
}

// BenchmarkLevelsHTTP is a whole GET /v1/levels for the hour through the
// handler. cached: the index does not change between requests, as between
// two transactions of the view, and the answer comes from the handler's
// cache; built: one table record is applied before each request, so every
// answer is built (parsing, the index, the dense series, the JSON), plus
// the record's ~10 µs.
func BenchmarkLevelsHTTP(b *testing.B) {
	for _, change := range []bool{false, true} {
		b.Run(map[bool]string{false: "cached", true: "built"}[change], func(b *testing.B) {
			ix, from := hourIndex(b)
			h := httpapi.New(httpapi.Config{Source: ix, Window: time.Minute})
			target := "/v1/levels?" + url.Values{
				"from": {from.Format(time.RFC3339)}, "to": {from.Add(time.Hour).Format(time.RFC3339)},
			}.Encode()
			key := table.WindowKey("svc-0", from)
			offset := int64(1000)
			b.ReportAllocs()
			for b.Loop() {
				if change {
					offset++
					update(b, ix, key, table.Value{Offset: offset, Counts: counts(100, 3)})
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
