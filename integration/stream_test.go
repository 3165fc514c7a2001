package integration

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/internal/generator"
	"github.com/twmb/franz-go/pkg/kgo"
)

// stream produces in-order events to logs from a goroutine until stopped,
// in batches that it waits to be acknowledged (ProduceSync). The broker keeps
// every record it acknowledged (it is not faulted in the tests that use a
// stream), so the acknowledged events are the truth the view must report.
type stream struct {
	tb    testing.TB
	topic string
	base  time.Time
	stopc chan struct{}
	done  chan struct{}
	once  sync.Once

	mu    sync.Mutex
	truth series
	acked int64
	err   error
}

const (
	// streamStep is the event time between consecutive events: 100
	// events per window.
	streamStep = 10 * time.Millisecond
	// streamSpan bounds the event times (base to base+streamSpan) and so
	// the events one stream produces: 720,000.
	streamSpan = 2 * time.Hour
	// streamTick paces the stream: one batch per tick. 250 events per
	// batch is 5,000 events/s, a rate a race-built pipeline keeps up with
	// on 2 cores, so a fault rather than a backlog dominates what a test
	// sees.
	streamTick = 50 * time.Millisecond
)

// startStream starts producing batches of batch events from base on; stop
// ends it.
func startStream(tb testing.TB, brokers []string, base time.Time, seed uint64, batch int) *stream {
	tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(names(tb).Logs),
		kgo.RecordRetries(1000), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		tb.Fatal(err)
	}
	s := &stream{tb: tb, topic: names(tb).Logs, base: base, stopc: make(chan struct{}), done: make(chan struct{}), truth: series{}}
	go s.run(cl, seed, batch)
	tb.Cleanup(func() { s.halt(); cl.Close() })
	return s
}

func (s *stream) run(cl *kgo.Client, seed uint64, size int) {
	defer close(s.done)
	src := generator.NewSource(seed, 12)
	tick := time.NewTicker(streamTick)
	defer tick.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// A stop interrupts a batch that cannot be delivered.
		select {
		case <-s.stopc:
			time.AfterFunc(30*time.Second, cancel)
		case <-s.done:
		}
	}()
	for i := 0; ; {
		select {
		case <-s.stopc:
			return
		case <-tick.C:
		}
		recs := make([]*kgo.Record, 0, size)
		batch := series{}
		for range size {
			at := s.base.Add(time.Duration(i) * streamStep)
			if at.Sub(s.base) >= streamSpan {
				break
			}
			e := src.Next(at)
			format := "json" // unkeyed: franz-go's sticky partitioner
			if i%4 == 0 {
				format = "text" // keyed by service: murmur2
			}
			recs = append(recs, generator.Record(s.topic, format, e))
			batch.add(at.Truncate(time.Minute), e.Level.String(), 1)
			i++
		}
		if len(recs) == 0 {
			return // streamSpan is full
		}
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			s.mu.Lock()
			s.err = fmt.Errorf("produce after %d acknowledged events: %w", s.acked, err)
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
		for t, m := range batch {
			for l, n := range m {
				s.truth.add(t, l, n)
			}
		}
		s.acked += int64(len(recs))
		s.mu.Unlock()
	}
}

// produced reports how many events were acknowledged so far, and whether
// the stream is still producing (it ends on stop, on a produce error, or
// when streamSpan is full).
func (s *stream) produced() (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.done:
		return s.acked, false
	default:
		return s.acked, s.err == nil
	}
}

// running fails the test unless the stream is still producing: what a
// "mid-stream" fault needs.
func (s *stream) running(what string) int64 {
	s.tb.Helper()
	n, ok := s.produced()
	if !ok {
		s.tb.Fatalf("%s: the stream had already ended after %d events (err %v); the fault would not be mid-stream", what, n, s.error())
	}
	return n
}

func (s *stream) error() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *stream) halt() {
	s.once.Do(func() { close(s.stopc) })
	<-s.done
}

// stop ends the stream and returns the acknowledged events per window and
// level.
func (s *stream) stop() series {
	s.tb.Helper()
	s.halt()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		s.tb.Fatal(s.err)
	}
	return s.truth
}

// waitCounted waits until the view shows more than n events in the
// stream's span, and returns what it shows.
func (s *stream) waitCounted(v *node, n int64, within time.Duration, what string) int64 {
	s.tb.Helper()
	var counted int64
	poll(s.tb, within, what, func() (bool, string) {
		got, err := v.levels(s.base, s.base.Add(streamSpan), "")
		if err != nil {
			return false, err.Error()
		}
		counted = got.total()
		acked, _ := s.produced()
		return counted > n, fmt.Sprintf("counted %d, want more than %d (%d produced)", counted, n, acked)
	})
	return counted
}

// settleExact waits until the view reports exactly want over [from, to)
// with both groups at zero lag (node.settle), and compares per window and
// level. A total above want fails at once: table values only grow and the
// view never goes back to an older one, so an over-count never heals.
func settleExact(t *testing.T, v *node, from, to time.Time, want series, after string) {
	t.Helper()
	poll(t, 2*time.Minute, fmt.Sprintf("%d events counted", want.total()), func() (bool, string) {
		got, err := v.levels(from, to, "")
		if err != nil {
			return false, err.Error()
		}
		if got.total() > want.total() {
			t.Fatalf("%s: counted %d events, %d acknowledged (-acknowledged +reported):\n%s",
				after, got.total(), want.total(), cmp.Diff(want, got))
		}
		return got.total() == want.total(), fmt.Sprintf("counted %d of %d", got.total(), want.total())
	})
	got := v.settle(from, to, want.total())
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: per-window per-level counts (-acknowledged +reported):\n%s", after, diff)
	}
}
