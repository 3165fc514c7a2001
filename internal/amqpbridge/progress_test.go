package amqpbridge

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/logpulse/logpulse/internal/embedkafka"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestLoadIDsKeepsToItsQueue: bridges of two queues share the progress
// topic and their publishers number messages alike; a bridge that took the
// other queue's ids for its own would drop its own messages as duplicates.
func TestLoadIDsKeepsToItsQueue(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := embedkafka.Start(embedkafka.Config{Listen: "127.0.0.1:0", Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	opts := []kgo.Opt{kgo.SeedBrokers(b.Addrs()...)}
	cl, err := kgo.NewClient(append(opts, kgo.TransactionalID("progress-test"), kgo.AllowAutoTopicCreation())...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const topic = "logs.amqp-progress"
	write := func(queue string, ids ...string) {
		t.Helper()
		v, _ := json.Marshal(progressRecord{V: progressVersion, IDs: ids})
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte(queue), Value: v}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
			t.Fatal(err)
		}
	}
	write("a", "1", "2")
	write("b", "1", "3")
	write("a", "4")
	mark, err := markStart(ctx, cl, topic, "a")
	if err != nil {
		t.Fatal(err)
	}
	ids := newIDSet(10)
	if _, err := loadIDs(ctx, opts, topic, "a", mark, ids); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"1": true, "2": true, "4": true, "3": false} {
		if ids.has(id) != want {
			t.Errorf("queue a's ids: has(%q) = %v, want %v", id, !want, want)
		}
	}
}
