package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/processors"
	"github.com/twmb/franz-go/pkg/kgo"
)

// runLimit is the fastest possible answer: one plain franz-go consumer, no
// group, no transactions, no durability, decoding with the project's own
// decoder and counting per (service, window, level) in a Go map. It returns
// the distinct (service, window) keys it counted.
func runLimit(ctx context.Context, e *env, n int) (keys int, err error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.ConsumeTopics(e.topics.Logs),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		return 0, fmt.Errorf("limit consumer: %w", err)
	}
	defer cl.Close()
	dec := codecs.NewDecoder(1<<20, nil)
	counts := make(map[string]*table.Counts)
	seen, rejected := 0, 0
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	for seen < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("limit: %d of %d records read: %w", seen, n, err)
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) { ferr = errors.Join(ferr, fmt.Errorf("fetch %s/%d: %w", t, p, err)) })
		if ferr != nil {
			return 0, ferr
		}
		fs.EachRecord(func(r *kgo.Record) {
			seen++
			ev, err := dec.Decode(codecs.Record{Key: r.Key, Value: r.Value, Timestamp: r.Timestamp})
			if err != nil {
				rejected++
				return
			}
			k := table.WindowKey(ev.Service, processors.WindowStart(ev.Time, e.cfg.Window))
			c := counts[k]
			if c == nil {
				c = new(table.Counts)
				counts[k] = c
			}
			c[ev.Level]++
		})
	}
	var total int64
	for _, c := range counts {
		total += c.Total()
	}
	if rejected != 0 || total != int64(n) || seen != n {
		return 0, fmt.Errorf("limit counted %d of %d events (%d records read, %d rejected)", total, n, seen, rejected)
	}
	return len(counts), nil
}
