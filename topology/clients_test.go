package topology_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/processors"
	"github.com/logpulse/logpulse/topology"
	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestSaramaConfig pins the settings that must not stay at goka's defaults
// (docs/design.md, Settings that must not stay default).
func TestSaramaConfig(t *testing.T) {
	c := topology.SaramaConfig(topology.Security{})
	if c.Consumer.Offsets.Initial != sarama.OffsetOldest {
		t.Error("Consumer.Offsets.Initial is not OffsetOldest: events before the group's first start would be skipped")
	}
	if c.Consumer.IsolationLevel != sarama.ReadCommitted {
		t.Error("Consumer.IsolationLevel is not ReadCommitted: aborted deltas would be counted")
	}
	if c.Producer.RequiredAcks != sarama.WaitForAll || !c.Producer.Idempotent || c.Net.MaxOpenRequests != 1 {
		t.Errorf("producer: acks=%v idempotent=%v max open requests=%d, want WaitForAll, true, 1",
			c.Producer.RequiredAcks, c.Producer.Idempotent, c.Net.MaxOpenRequests)
	}
	// A JoinGroup may be held for the whole rebalance timeout; sarama
	// gives up on it after its read timeout, and goka's processor ends.
	if c.Net.ReadTimeout <= c.Consumer.Group.Rebalance.Timeout {
		t.Errorf("Net.ReadTimeout %s is not longer than Consumer.Group.Rebalance.Timeout %s: a held JoinGroup would time out",
			c.Net.ReadTimeout, c.Consumer.Group.Rebalance.Timeout)
	}
	if c.Consumer.Group.Session.Timeout > 15*time.Second {
		t.Errorf("Consumer.Group.Session.Timeout %s: a dead aggregate's partitions would wait that long", c.Consumer.Group.Session.Timeout)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("config does not validate: %v", err)
	}
	// Static membership needs Version >= 2.3; sarama refuses it otherwise.
	g := topology.GroupSaramaConfig(topology.Security{}, "logpulse-aggregate-host-1")
	if g.Consumer.Group.InstanceId != "logpulse-aggregate-host-1" {
		t.Errorf("GroupSaramaConfig: InstanceId %q, want the instance ID", g.Consumer.Group.InstanceId)
	}
	if err := g.Validate(); err != nil {
		t.Errorf("GroupSaramaConfig does not validate: %v", err)
	}
	if topology.SaramaConfig(topology.Security{}) == c {
		t.Error("SaramaConfig returned a shared config; goka builders mutate theirs")
	}
}

// TestPartitionerAgreement: a key's delta (franz-go, GokaPartitioner), its
// table record (goka's sarama producer) and the view's look-up (goka hash)
// must all pick the same partition, or state is lost on restart.
func TestPartitionerAgreement(t *testing.T) {
	for _, n := range []int{1, 2, 6, 12, 100} {
		kp := topology.GokaPartitioner().ForTopic("logpulse-deltas")
		sp := sarama.NewCustomHashPartitioner(goka.DefaultHasher())("logpulse-aggregate-table")
		for i := range 2000 {
			key := table.WindowKey(fmt.Sprintf("service-%d", i%97), timeAt(int64(i)*60))
			if i%10 == 0 {
				key = table.WatermarkKey(int32(i%7), i)
			}
			franz := kp.Partition(&kgo.Record{Key: []byte(key)}, n)
			sar, err := sp.Partition(&sarama.ProducerMessage{Key: sarama.StringEncoder(key)}, int32(n))
			if err != nil {
				t.Fatal(err)
			}
			ours := processors.GokaPartition(key, int32(n))
			if int32(franz) != sar || sar != ours {
				t.Fatalf("n=%d key %q: franz-go %d, goka/sarama %d, processors.GokaPartition %d", n, key, franz, sar, ours)
			}
		}
	}
}
