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
// Every setting here departs from goka's default on purpose (docs/design.md,
// Settings that must not stay default);
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
	// A table write must not give up while a broker restarts: a failed
	// write stops the aggregate's processor (its successor redoes the
	// delta; internal/stage commits no offset past a message that is not
	// done, see inorder.go), and every restart costs seconds of
	// freshness. ~10 minutes of retries, backing off to 1s
	// (sarama >= v1.49.0: before, an idempotent producer resent a failed
	// batch at once and spent these retries in ~0.2 s;
	// TestSaramaTableWriteOutlastsALeaderElection, and on Apache Kafka
	// integration.TestKafkaClusterNotEnoughReplicas).
	c.Producer.Retry.Max = 600
	c.Producer.Retry.BackoffFunc = func(retries, _ int) time.Duration {
		return min(50*time.Millisecond<<min(retries, 5), time.Second)
	}
	// Group membership (docs/guarantees.md, Failover time). A dead
	// member that is not restarted is noticed after SessionTimeout; the
	// survivors learn of the rebalance at their next heartbeat, so
	// HeartbeatInterval adds at most itself. RebalanceTimeout is how long
	// the coordinator waits for live members to rejoin. sarama waits for a
	// JoinGroup answer no longer than Net.ReadTimeout and then gives up on
	// the join, which ends the goka processor: the read timeout must
	// outlast the longest join the coordinator may hold, or a member that
	// rejoins early in a long rebalance fails it and comes back as a new
	// member, which starts the next one (seen as an i/o timeout every 30 s
	// with sarama's 60 s default rebalance timeout).
	c.Consumer.Group.Session.Timeout = SessionTimeout
	c.Consumer.Group.Heartbeat.Interval = HeartbeatInterval
	c.Consumer.Group.Rebalance.Timeout = RebalanceTimeout
	c.Net.ReadTimeout = RebalanceTimeout + 10*time.Second
	return c
}

// GroupSaramaConfig is SaramaConfig for a goka processor's consumer group,
// a static member under instanceID (KIP-345): a restarted instance with
// the same ID takes its predecessor's place and partitions at once, with
// no rebalance and no wait for the dead member's session, and fences the
// predecessor. Two live instances with one ID fence each other.
func GroupSaramaConfig(sec Security, instanceID string) *sarama.Config {
	c := SaramaConfig(sec)
	c.Consumer.Group.InstanceId = instanceID // needs Version >= 2.3
	return c
}

// SessionTimeout is how long a group member may go without a heartbeat
// before the coordinator takes its partitions away: the failover time
// after a crash, for members that are not restarted under the same
// identity. 6 s is Kafka's lowest by default (group.min.session.timeout.ms,
// also kfake's); a member that stalls longer (a GC pause, a frozen VM)
// loses its partitions and rejoins.
const SessionTimeout = 6 * time.Second

// HeartbeatInterval is how often group members heartbeat: how long a live
// member may take to learn that a rebalance began (a dead member's
// partitions wait for it). Kafka's guideline is at most a third of the
// session timeout.
const HeartbeatInterval = time.Second

// TransactionTimeout is how long the broker lets an ingest transaction stay
// open: a dead ingest's open transaction holds back every read_committed
// reader of the deltas until the broker aborts it, so it bounds the
// failover of an ingest that is not restarted under its transactional ID
// (a restarted one aborts it at once). A transaction lasts well under a
// second (60,000 records in 0.3 s with the race detector); Apache Kafka
// looks for timed-out transactions every 10 s
// (transaction.abort.timed.out.transaction.cleanup.interval.ms), kfake
// aborts at the deadline.
const TransactionTimeout = 10 * time.Second

// RebalanceTimeout bounds how long a rebalance waits for the members that
// have not rejoined: those are dropped from the next generation.
const RebalanceTimeout = 20 * time.Second

// TopicManagerConfig is goka's topic manager config. Provision and Check
// own topic creation and checks (partition counts, cleanup policy, segment
// settings), so goka creates nothing and ignores config differences: with
// its checks on, a stage started without --replication 3 would refuse a
// correctly replicated production table.
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
