package topology_test

import (
	"context"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/logpulse/logpulse/internal/embedkafka"
	"github.com/logpulse/logpulse/topology"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestSaramaTableWriteOutlastsALeaderElection: a goka table write (sarama's
// idempotent producer, as SaramaConfig sets it up) must ride out a leader
// election — NOT_LEADER_OR_FOLLOWER for as long as the election takes —
// because goka commits past a failed write, losing its delta. sarama
// v1.46.3 resent a failed batch of an idempotent producer at once, ignoring
// the backoff (asyncProducer.retryBatch, fixed in v1.49.0): its 600 retries
// were spent in a fraction of the second this test refuses writes for,
// and the write failed.
func TestSaramaTableWriteOutlastsALeaderElection(t *testing.T) {
	b, err := embedkafka.Start(embedkafka.Config{Listen: "127.0.0.1:0", Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopics(ctx, 1, 1, nil, "table"); err != nil {
		t.Fatal(err)
	}

	cfg := topology.SaramaConfig(topology.Security{})
	cfg.Producer.Return.Successes = true
	p, err := sarama.NewSyncProducer(b.Addrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "table", Value: sarama.StringEncoder("warm-up")}); err != nil {
		t.Fatal(err)
	}

	const election = 2 * time.Second
	in := b.Fail(embedkafka.Fault{Request: kmsg.Produce, Topic: "table", Err: kerr.NotLeaderForPartition, Count: -1})
	time.AfterFunc(election, in.Remove)
	start := time.Now()
	_, _, err = p.SendMessage(&sarama.ProducerMessage{Topic: "table", Value: sarama.StringEncoder("delta")})
	if err != nil {
		t.Fatalf("table write failed after %d refused attempts in %s: %v", in.Hits(), time.Since(start).Round(time.Millisecond), err)
	}
	if took := time.Since(start); took < election || in.Hits() < 2 {
		t.Fatalf("the write took %s and %d refusals; want it refused for %s first", took, in.Hits(), election)
	}
	t.Logf("written after %d refusals in %s", in.Hits(), time.Since(start).Round(time.Millisecond))
}
