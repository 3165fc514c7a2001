package kstreams

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Counts reads the peer's output topic (read_committed: the peer commits
// exactly once) and keeps the latest counts per key, "service|
// windowStartMillis"; their sum is the peer's answer. A value is the
// window's counts per level, 7 big-endian longs in the order of
// codecs.Levels (the peer's LEVELS).
type Counts struct {
	cl *kgo.Client

	mu     sync.Mutex
	latest map[string]table.Counts
	total  int64
}

// NewCounts consumes topic from its start.
func NewCounts(brokers []string, topic string) (*Counts, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxWait(50*time.Millisecond)) // the answer is read as it grows
	if err != nil {
		return nil, fmt.Errorf("kafka streams output consumer: %w", err)
	}
	return &Counts{cl: cl, latest: make(map[string]table.Counts)}, nil
}

// Close closes the consumer.
func (c *Counts) Close() { c.cl.Close() }

// Poll reads what the topic holds now (waiting at most for one fetch) and
// returns the sum of the latest counts.
func (c *Counts) Poll(ctx context.Context) (int64, error) {
	fs := c.cl.PollFetches(ctx)
	if err := ctx.Err(); err != nil {
		return c.Total(), err
	}
	var ferr error
	fs.EachError(func(t string, p int32, err error) {
		if !errors.Is(err, context.Canceled) {
			ferr = errors.Join(ferr, fmt.Errorf("fetch %s/%d: %w", t, p, err))
		}
	})
	if ferr != nil {
		return c.Total(), ferr
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var bad error
	fs.EachRecord(func(r *kgo.Record) { bad = cmp.Or(bad, c.apply(r)) })
	return c.total, bad
}

// apply takes r as the latest counts of its key; c.mu is held.
func (c *Counts) apply(r *kgo.Record) error {
	var counts table.Counts
	if len(r.Value) != 8*len(counts) {
		return fmt.Errorf("kafka streams output %s: value of %q is %d bytes, want %d big-endian longs", r.Topic, r.Key, len(r.Value), len(counts))
	}
	for i := range counts {
		counts[i] = int64(binary.BigEndian.Uint64(r.Value[8*i:]))
	}
	k := string(r.Key)
	old := c.latest[k]
	c.total += counts.Total() - old.Total()
	c.latest[k] = counts
	return nil
}

// Total is the sum of the latest counts read so far.
func (c *Counts) Total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// ByLevel sums the latest counts per level name.
func (c *Counts) ByLevel() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64)
	for _, counts := range c.latest {
		for l, n := range counts {
			if n != 0 {
				out[codecs.Level(l).String()] += n
			}
		}
	}
	return out
}
