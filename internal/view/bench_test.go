package view

import (
	"strconv"
	"testing"
	"time"

	"github.com/logpulse/logpulse/internal/table"
)

// benchIndex is an hour of one-minute windows of 50 services, the shape
// `logpulse bench --http` asks for.
func benchIndex(b *testing.B) (*Index, time.Time) {
	b.Helper()
	ix := New(6, 1, time.Minute, 24*time.Hour)
	from := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for w := range 60 {
		for s := range 50 {
			key := table.WindowKey("svc-"+strconv.Itoa(s), from.Add(time.Duration(w)*time.Minute))
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

// BenchmarkUpdate is the view's cost per table record.
func BenchmarkUpdate(b *testing.B) {
	ix := New(6, 1, time.Minute, 24*time.Hour)
	from := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	v := valueAt(b, 1, 100, 3, 0, 0)
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = table.WindowKey("svc-"+strconv.Itoa(i%50), from.Add(time.Duration(i/50)*time.Minute))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		update(b, ix, 0, keys[i%len(keys)], v)
		i++
	}
}
