package processors

import (
	"context"
	"testing"
	"time"

	"github.com/logpulse/logpulse/internal/generator"
	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkBuild is ingest's work per polled batch: decode and pre-aggregate
// 10,000 generated events into deltas and watermarks (per event in ns/op
// terms: divide by 10,000). Events span an hour, so a batch touches many
// windows, as during a catch-up.
func BenchmarkBuild(b *testing.B) {
	for _, format := range []string{"json", "text"} {
		b.Run(format, func(b *testing.B) {
			records := benchRecords(format, 10_000)
			in, err := NewWindower(WindowerConfig{Window: time.Minute, Grace: 5 * time.Minute, DeltaPartitions: 6,
				DLQTopic: "dlq", LateTopic: "late"})
			if err != nil {
				b.Fatal(err)
			}
			for p := range int32(6) {
				in.Restore(p, time.Time{})
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := in.Build(context.Background(), records, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(records)), "ns/event")
		})
	}
}

// benchRecords are n generated events over an hour, spread over 6
// partitions in offset order.
func benchRecords(format string, n int) []*kgo.Record {
	src := generator.NewSource(1, 100)
	from := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	out := make([]*kgo.Record, n)
	for i := range out {
		r := generator.Record("logs", format, src.Next(from.Add(time.Duration(i)*time.Hour/time.Duration(n))))
		r.Partition, r.Offset = int32(i%6), int64(i/6)
		out[i] = r
	}
	return out
}
