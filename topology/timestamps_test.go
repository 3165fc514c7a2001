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

// TestInputTopicTakesTheBrokersTime checks that the input topic logpulse
// creates stamps records with the broker's clock, so a producer whose clock
// runs a day ahead cannot stamp its records a day ahead (ingest bounds
// event times by record timestamps), and that BrokerStampsInput tells such
// a topic from one that keeps the producers' timestamps.
func TestInputTopicTakesTheBrokersTime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := embedkafka.Start(embedkafka.Config{Listen: "127.0.0.1:0", Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...), kgo.ConsumeTopics("logs", "other"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	topics := topology.DefaultTopics()
	if err := topology.Provision(ctx, adm, topics.Specs(topology.Layout{Partitions: 1, Replication: 1, Retention: time.Hour})); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, "other"); err != nil {
		t.Fatal(err)
	}
	for topic, want := range map[string]bool{"logs": true, "other": false} {
		got, err := topology.BrokerStampsInput(ctx, adm, topic)
		if err != nil || got != want {
			t.Errorf("BrokerStampsInput(%s) = %v, %v; want %v", topic, got, err, want)
		}
	}

	ahead := time.Now().Add(24 * time.Hour)
	before := time.Now()
	for _, topic := range []string{"logs", "other"} {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("x"), Timestamp: ahead}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	after := time.Now()
	got := map[string]time.Time{}
	for len(got) < 2 {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) { got[r.Topic] = r.Timestamp })
	}
	if ts := got["logs"]; ts.Before(before.Truncate(time.Millisecond)) || ts.After(after) {
		t.Errorf("logs: record stamped %s by a producer a day ahead; want the broker's time, in [%s, %s]", ts, before, after)
	}
	if ts := got["other"]; !ts.Equal(ahead.Truncate(time.Millisecond)) {
		t.Errorf("other: record stamped %s, want the producer's %s", ts, ahead)
	}
}
