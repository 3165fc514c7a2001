package embedkafka

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// startTest starts a broker with one-partition topics.
func startTest(t *testing.T, topics ...string) *Broker {
	t.Helper()
	b, err := Start(Config{Listen: "127.0.0.1:0", Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if len(topics) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := kadm.NewClient(client(t, b)).CreateTopics(ctx, 1, 1, nil, topics...); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func client(t *testing.T, b *Broker, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.Addrs()...),
		kgo.RetryBackoffFn(func(int) time.Duration { return 20 * time.Millisecond })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func endOffset(t *testing.T, cl *kgo.Client, topic string) int64 {
	t.Helper()
	ends, err := kadm.NewClient(cl).ListEndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := ends.Lookup(topic, 0)
	return o.Offset
}

// A produce failed with REQUEST_TIMED_OUT is applied before the error is
// answered: an idempotent producer's retry is deduplicated, a plain one's
// lands twice.
func TestFailProduceAfterApply(t *testing.T) {
	b := startTest(t, "idempotent", "plain")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct {
		topic string
		opts  []kgo.Opt
		want  int64
	}{
		{"idempotent", nil, 1},
		{"plain", []kgo.Opt{kgo.DisableIdempotentWrite()}, 2},
	} {
		cl := client(t, b, tc.opts...)
		in := b.Fail(Fault{Request: kmsg.Produce, Topic: tc.topic, Err: kerr.RequestTimedOut})
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: tc.topic, Value: []byte("v")}).FirstErr(); err != nil {
			t.Fatalf("%s: produce: %v", tc.topic, err)
		}
		if in.Hits() != 1 {
			t.Errorf("%s: fault fired %d times, want 1", tc.topic, in.Hits())
		}
		if got := endOffset(t, cl, tc.topic); got != tc.want {
			t.Errorf("%s: end offset %d, want %d", tc.topic, got, tc.want)
		}
	}
}

// Fail without a topic fails a request kind everywhere, Count times.
func TestFailCount(t *testing.T) {
	b := startTest(t)
	cl := client(t, b, kgo.RequestRetries(0))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	adm := kadm.NewClient(cl)
	in := b.Fail(Fault{Request: kmsg.CreateTopics, Err: kerr.PolicyViolation, Count: 2})
	for i := range 3 {
		_, err := adm.CreateTopic(ctx, 1, 1, nil, "t"+string(rune('a'+i)))
		if failed := errors.Is(err, kerr.PolicyViolation); failed != (i < 2) {
			t.Errorf("create %d: %v", i, err)
		}
	}
	if err := in.Wait(ctx, 2); err != nil || in.Hits() != 2 {
		t.Errorf("hits %d (%v), want 2", in.Hits(), err)
	}
}

// Dropped fetch connections are reconnected and the consumer reads on.
func TestDropConnections(t *testing.T) {
	b := startTest(t, "t")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p := client(t, b)
	for i := range 10 {
		if err := p.ProduceSync(ctx, &kgo.Record{Topic: "t", Value: []byte{byte(i)}}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	in := b.DropConnections(kmsg.Fetch, 3)
	c := client(t, b, kgo.ConsumeTopics("t"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100*time.Millisecond))
	var got int
	for got < 10 && ctx.Err() == nil {
		got += len(c.PollFetches(ctx).Records())
	}
	if got != 10 {
		t.Fatalf("consumed %d of 10 records", got)
	}
	if err := in.Wait(ctx, 3); err != nil {
		t.Fatalf("drops: %d of 3: %v", in.Hits(), err)
	}
	in.Remove()
	if in.Hits() != 3 {
		t.Errorf("dropped %d connections, want 3", in.Hits())
	}
}

// After AddNode, ShuffleLeaders and RehashCoordinators a group consumer and
// a transactional producer carry on: every committed record is consumed.
// Not exactly once: right after a leader move kfake can answer
// OffsetForLeaderEpoch with "unknown", and the client then resets to the
// start (seen: 6 records consumed for 5); ingest restarts from its committed
// offsets on such a reset (see internal/stage), a plain consumer reads
// again.
func TestMoveLeadersAndCoordinators(t *testing.T) {
	b := startTest(t, "t")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range 2 {
		if _, err := b.AddNode(); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(b.Addrs()); n != 3 {
		t.Fatalf("%d nodes after two AddNode, want 3", n)
	}
	p := client(t, b, kgo.TransactionalID("x"))
	c := client(t, b, kgo.ConsumerGroup("g"), kgo.ConsumeTopics("t"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxWait(100*time.Millisecond))
	seen := make(map[byte]int)
	for i := range 5 {
		if err := p.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := p.ProduceSync(ctx, &kgo.Record{Topic: "t", Value: []byte{byte(i)}}).FirstErr(); err != nil {
			t.Fatalf("produce %d: %v", i, err)
		}
		if err := p.EndTransaction(ctx, kgo.TryCommit); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
		for seen[byte(i)] == 0 && ctx.Err() == nil {
			for _, r := range c.PollFetches(ctx).Records() {
				seen[r.Value[0]]++
			}
		}
		if err := c.CommitUncommittedOffsets(ctx); err != nil {
			t.Fatalf("commit offsets %d: %v", i, err)
		}
		b.ShuffleLeaders()
		b.RehashCoordinators()
	}
	for i := range 5 {
		if seen[byte(i)] == 0 {
			t.Errorf("record %d was committed but never consumed (consumed: %v)", i, seen)
		}
	}
	if len(seen) != 5 {
		t.Errorf("consumed values %v, want 0 to 4", seen)
	}
}
