package stage

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/logpulse/logpulse/processors"
	"github.com/logpulse/logpulse/topology"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Heartbeat writes a heartbeat record to every partition of the input topic
// at each interval, stamped with the wall clock, so the windows of a quiet
// partition close (and become final) instead of waiting for its next event.
// The clock enters through records of the input, so a replay decides
// lateness exactly as the live run did. Opt-in: events that arrive later
// than interval+grace behind the wall clock (a backfill) become late.
func Heartbeat(ctx context.Context, brokers []string, topic string, interval time.Duration, log *slog.Logger, opts ...kgo.Opt) error {
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.MetadataMinAge(interval),
	}, opts...)...)
	if err != nil {
		return fmt.Errorf("heartbeat producer: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		// Partitions may be added to the input topic at any time.
		n, err := topology.Partitions(ctx, adm, topic)
		if err != nil {
			log.Warn("heartbeat", "err", err)
			continue
		}
		now := time.Now()
		recs := make([]*kgo.Record, n)
		for p := range n {
			recs[p] = &kgo.Record{Topic: topic, Partition: p, Timestamp: now,
				Headers: []kgo.RecordHeader{{Key: processors.HeaderHeartbeat, Value: []byte("1")}}}
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil && ctx.Err() == nil {
			log.Warn("heartbeat", "err", err)
		}
	}
}
