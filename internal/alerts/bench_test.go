package alerts

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// BenchmarkWindow measures evaluating one final window of 1,000 services
// with the default rules (ns/op is per window).
func BenchmarkWindow(b *testing.B) {
	src := newFakeSource()
	const services = 1000
	for i := range 64 {
		for s := range services {
			var c table.Counts
			c[codecs.LevelInfo], c[codecs.LevelError] = int64(50+(i*s)%30), int64((i+s)%4)
			src.set(i, fmt.Sprintf("svc-%04d", s), c)
		}
	}
	src.setWatermark(at(64))
	b.ResetTimer()
	for b.Loop() {
		e, err := New(Config{Window: testWindow, Rules: DefaultRules(testWindow), Source: src,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Step(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*64), "ns/window")
}
