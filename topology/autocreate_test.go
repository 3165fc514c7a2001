package topology_test

import (
	"context"
	"testing"
	"time"

	"github.com/logpulse/logpulse/internal/embedkafka"
	"github.com/logpulse/logpulse/topology"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestAutoCreatesTopics: the embedded broker creates topics on request, as
// Kafka does by default, and says so.
func TestAutoCreatesTopics(t *testing.T) {
	b, err := embedkafka.Start(embedkafka.Config{Listen: "127.0.0.1:0", Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	auto, err := topology.AutoCreatesTopics(ctx, kadm.NewClient(cl))
	if err != nil || !auto {
		t.Errorf("AutoCreatesTopics = %v, %v; want true", auto, err)
	}
}
