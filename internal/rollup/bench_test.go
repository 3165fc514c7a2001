package rollup

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/httpapi"
)

// benchIndex is an hour of one-minute windows of 50 services, the shape
// `logpulse bench --http` asks for.
func benchIndex(b *testing.B) (*Index, time.Time) {
	b.Helper()
	ix := New(6, 1, time.Minute, 24*time.Hour)
	from := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for w := range 60 {
		for s := range 50 {
			key := codecs.WindowKey("svc-"+strconv.Itoa(s), from.Add(time.Duration(w)*time.Minute))
			update(b, ix, int32(s%6), key, valueAt(b, int64(w), 100, 3, 0, 0))
		}
	}
	return ix, from
}

// BenchmarkWindows is the index's side of a /v1/levels query: an hour of
// windows, summed over services and for one service.
func BenchmarkWindows(b *testing.B) {
	ix, from := benchIndex(b)
	for _, svc := range []string{"", "svc-7"} {
		b.Run("service="+svc, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if n := len(ix.Windows(from, from.Add(time.Hour), svc)); n != 60 {
					b.Fatalf("%d windows, want 60", n)
				}
			}
		})
	}
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
			ix, from := benchIndex(b)
			h := httpapi.New(httpapi.Config{Source: ix, Window: time.Minute})
			target := "/v1/levels?" + url.Values{
				"from": {from.Format(time.RFC3339)}, "to": {from.Add(time.Hour).Format(time.RFC3339)},
			}.Encode()
			key := codecs.WindowKey("svc-0", from)
			offset := int64(1000)
			b.ReportAllocs()
			for b.Loop() {
				if change {
					offset++
					update(b, ix, 0, key, valueAt(b, offset, 100, 3, 0, 0))
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

// BenchmarkUpdate is the view's cost per table record.
func BenchmarkUpdate(b *testing.B) {
	ix := New(6, 1, time.Minute, 24*time.Hour)
	from := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	v := valueAt(b, 1, 100, 3, 0, 0)
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = codecs.WindowKey("svc-"+strconv.Itoa(i%50), from.Add(time.Duration(i/50)*time.Minute))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		update(b, ix, 0, keys[i%len(keys)], v)
		i++
	}
}
