package topology

import (
	"hash/fnv"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"
)

// SaramaConfig returns a fresh sarama config for one goka builder. goka's
// *BuilderWithConfig mutate the config they are given (client ID,
// partitioner), so each builder needs its own: sharing one is a data race.
//
// Every setting here departs from goka's default on purpose (DESIGN.md §3);
// sec adds TLS and SASL.
func SaramaConfig(sec Security) *sarama.Config {
	c := goka.DefaultConfig()
	sec.applySarama(c)
	c.Version = sarama.V2_8_0_0
	// goka starts a new group at the newest offset: events produced before
	// the first start would never be counted.
	c.Consumer.Offsets.Initial = sarama.OffsetOldest
	// Deltas are written in transactions; aborted ones must not count.
	c.Consumer.IsolationLevel = sarama.ReadCommitted
	c.Producer.RequiredAcks = sarama.WaitForAll
	c.Producer.Idempotent = true
	c.Net.MaxOpenRequests = 1
	// goka commits an input offset once a later message's table write
	// succeeded, even if an earlier one failed: a table write must not give
	// up while a broker restarts. ~10 minutes of retries, backing off to 1s.
	c.Producer.Retry.Max = 600
	c.Producer.Retry.BackoffFunc = func(retries, _ int) time.Duration {
		return min(50*time.Millisecond<<min(retries, 5), time.Second)
	}
	return c
}

// TopicManagerConfig is goka's topic manager config. Provision and Check
// own topic creation and checks (partition counts, cleanup policy), so goka
// creates nothing and ignores config differences: with its checks on, a
// stage started without --replication 3 would refuse a correctly replicated
// production table.
func TopicManagerConfig(replication int16) *goka.TopicManagerConfig {
	c := goka.NewTopicManagerConfig()
	c.Table.Replication = int(replication)
	c.Stream.Replication = int(replication)
	c.Table.CleanupPolicy = "compact,delete"
	c.MismatchBehavior = goka.TMConfigMismatchBehaviorIgnore
	// Topics are created by Provision with their full configs; goka
	// creating one on its own would miss them.
	c.NoCreate = true
	return c
}

// GokaPartitioner places keys where goka looks for them: sarama's hash
// partitioner over FNV-1a. Every franz-go producer of a topic that goka reads
// keyed (the deltas topic) must use it.
func GokaPartitioner() kgo.Partitioner {
	return kgo.StickyKeyPartitioner(kgo.SaramaCompatHasher(func(b []byte) uint32 {
		h := fnv.New32a()
		h.Write(b)
		return h.Sum32()
	}))
}
