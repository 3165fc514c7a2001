package stage

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// stallClock tells, from the offsets read at each scrape, how long a
// consumer group has made no progress while work waited for it: the sign of
// a stage stuck in a rebalance, or of partitions that no live member owns.
//
// Work is taken to wait while the group is behind the end of its topic and
// either it made progress (and is still behind) or its source moved: new
// records at the end of the input topic for ingest, newly committed ingest
// transactions (its committed input offsets) for the aggregate. Being behind
// the end is not proof of work, though: a transactional topic read to its
// end keeps its commit marker behind a consumer's committed offset, and a
// transaction aborted after the last commit (in a rebalance, or by its
// timeout after a crash) keeps its records and marker there until more
// come. So before the gauge reports a stall, LagCollector reads the topic
// from the committed offsets as a read_committed consumer does; if nothing
// comes, the group is idle (settle) until it or its source moves again.
type stallClock struct {
	mu     sync.Mutex
	groups map[string]*stallState
}

type stallState struct {
	committed, source int64     // offset sums at the last scrape
	waiting           time.Time // work seen waiting since; zero: none
	idle              bool      // nothing to read at these sums
}

// observe records a scrape at now of group: the sums of its committed
// offsets and of its source's, and whether it is behind the end of its
// topic on some partition. It returns how long work may have waited
// without the group making progress, 0 if none waits.
func (s *stallClock) observe(group string, committed, source int64, behind bool, now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groups == nil {
		s.groups = make(map[string]*stallState)
	}
	st, known := s.groups[group]
	if !known {
		// No history: behind at the first sighting counts as work
		// waiting from now on.
		st = &stallState{committed: committed, source: source}
		s.groups[group] = st
	}
	progressed := committed != st.committed
	fed := !known || source != st.source
	st.committed, st.source = committed, source
	if progressed || fed {
		st.idle = false
	}
	switch {
	case !behind || st.idle:
		st.waiting = time.Time{}
		return 0
	case progressed:
		// Still behind after progress: work waits from now on.
		st.waiting = now
	case fed && st.waiting.IsZero():
		st.waiting = now
	}
	if st.waiting.IsZero() {
		return 0
	}
	return now.Sub(st.waiting)
}

// settle records that group had nothing left to read at its last scrape:
// it reports no stall until it or its source moves.
func (s *stallClock) settle(group string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.groups[group]; ok {
		st.idle, st.waiting = true, time.Time{}
	}
}

// collectStalls exports logpulse_group_stalled_seconds of the ingest and
// aggregate groups among c.groups. It reads the offsets itself rather than
// from kadm's Lag, which reports nothing for a partition the group has
// never committed and no member holds (a group whose only member died
// before its first commit); here such a partition is behind from its start.
func (c *LagCollector) collectStalls(ctx context.Context, ch chan<- prometheus.Metric) error {
	input := map[string]string{c.topics.IngestGroup: c.topics.Logs, c.topics.AggregateGroup: c.topics.Deltas}
	var groups []string
	for _, g := range c.groups {
		if _, ok := input[g]; ok {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		return nil
	}
	ends, err := c.adm.ListEndOffsets(ctx, c.topics.Logs, c.topics.Deltas)
	if err != nil {
		return fmt.Errorf("list end offsets: %w", err)
	}
	starts, err := c.adm.ListStartOffsets(ctx, c.topics.Logs, c.topics.Deltas)
	if err != nil {
		return fmt.Errorf("list start offsets: %w", err)
	}
	// Ingest's commits are the aggregate's source: always read them.
	committed := make(map[string]kadm.OffsetResponses, 2)
	for _, g := range []string{c.topics.IngestGroup, c.topics.AggregateGroup} {
		if g == c.topics.AggregateGroup && !slices.Contains(groups, g) {
			continue
		}
		offs, err := c.adm.FetchOffsets(ctx, g)
		if err != nil {
			return fmt.Errorf("fetch offsets of %s: %w", g, err)
		}
		committed[g] = offs
	}
	now := c.now()
	for _, g := range groups {
		topic := input[g]
		var source int64
		if g == c.topics.IngestGroup {
			ends.Each(func(o kadm.ListedOffset) {
				if o.Topic == topic && o.Err == nil {
					source += o.Offset
				}
			})
		} else {
			source = positions(committed[c.topics.IngestGroup], starts, c.topics.Logs)
		}
		unread := make(map[int32]kgo.Offset)
		ends.Each(func(o kadm.ListedOffset) {
			if at := position(committed[g], starts, topic, o.Partition); o.Topic == topic && o.Err == nil && o.Offset > at {
				unread[o.Partition] = kgo.NewOffset().At(at)
			}
		})
		stalled := c.clock.observe(g, positions(committed[g], starts, topic), source, len(unread) > 0, now)
		if stalled > 0 {
			waiting, err := c.readable(ctx, topic, unread)
			if err != nil {
				return fmt.Errorf("read %s after the committed offsets of %s: %w", topic, g, err)
			}
			if !waiting {
				c.clock.settle(g)
				stalled = 0
			}
		}
		ch <- prometheus.MustNewConstMetric(c.stalled, prometheus.GaugeValue, stalled.Seconds(), g)
	}
	return nil
}

// readable reports whether a read_committed consumer gets a record of topic
// from the given offsets on. A broker answers a fetch that has records at
// once; an answer with none means that what follows the offsets is
// transaction markers and aborted records, which the client skips.
func (c *LagCollector) readable(ctx context.Context, topic string, from map[int32]kgo.Offset) (bool, error) {
	cl, err := kgo.NewClient(append(slices.Clone(c.probe),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: from}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(100*time.Millisecond))...)
	if err != nil {
		return false, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	fs := cl.PollRecords(ctx, 1)
	if fs.NumRecords() > 0 {
		return true, nil
	}
	if ctx.Err() != nil {
		return false, nil // nothing came
	}
	return false, fs.Err0()
}

// position is where a group resumes on a partition: its committed offset,
// else the partition's start.
func position(offs kadm.OffsetResponses, starts kadm.ListedOffsets, topic string, p int32) int64 {
	if o, ok := offs.Lookup(topic, p); ok && o.Err == nil && o.At >= 0 {
		return o.At
	}
	if s, ok := starts.Lookup(topic, p); ok && s.Err == nil {
		return s.Offset
	}
	return 0
}

// positions sums position over topic's partitions.
func positions(offs kadm.OffsetResponses, starts kadm.ListedOffsets, topic string) int64 {
	var sum int64
	starts.Each(func(s kadm.ListedOffset) {
		if s.Topic == topic {
			sum += position(offs, starts, topic, s.Partition)
		}
	})
	return sum
}
