package integration

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logpulse/logpulse/topology"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// cluster is a `logpulse broker` child process (or the cluster named by
// LOGPULSE_TEST_BROKERS) with every topic provisioned by `logpulse topics`;
// the stages run against it as separate processes, as in production.
type cluster struct {
	tb      testing.TB
	brokers []string
}

func startCluster(tb testing.TB) *cluster {
	tb.Helper()
	c := &cluster{tb: tb}
	if ext := external(); ext != "" {
		c.brokers = strings.Split(ext, ",")
	} else {
		addr := freeAddr(tb)
		start(tb, nil, "broker", "--listen", addr, "--data-dir", tb.TempDir())
		poll(tb, 30*time.Second, "broker listening", func() (bool, string) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				return false, err.Error()
			}
			conn.Close()
			return true, ""
		})
		c.brokers = []string{addr}
	}
	args := append([]string{"topics", "--brokers", c.brokerFlag(), "--name-prefix", prefix(tb)}, topicFlags()...)
	if out, err := exec.Command(binary(tb), args...).CombinedOutput(); err != nil {
		tb.Fatalf("logpulse topics: %v\n%s", err, out)
	}
	return c
}

func (c *cluster) brokerFlag() string { return strings.Join(c.brokers, ",") }

// stage starts `logpulse name --brokers ...` (ingest, aggregate).
func (c *cluster) stage(name string, extra ...string) *node {
	c.tb.Helper()
	return start(c.tb, c.brokers, append([]string{name, "--brokers", c.brokerFlag()}, extra...)...)
}

// serve starts `logpulse serve` on addr (a free one if empty) and waits for
// /readyz.
func (c *cluster) serve(addr string) *node {
	c.tb.Helper()
	if addr == "" {
		addr = freeAddr(c.tb)
	}
	n := c.stage("serve", "--http", addr)
	n.http = addr
	n.waitReady()
	return n
}

// waitMembers waits until group is stable with want members, each holding
// at least one partition of topic and every partition of topic assigned, and
// no longer made of exactly the members in old (a dead member stays in the
// group until its session expires); it returns the member IDs.
func (c *cluster) waitMembers(group, topic string, want int, old []string, within time.Duration) []string {
	c.tb.Helper()
	adm := c.admin()
	var sh share
	poll(c.tb, within, fmt.Sprintf("group %s stable with %d members sharing %s", group, want, topic), func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var err error
		if sh, err = describeShare(ctx, adm, group, topic); err != nil {
			return false, err.Error()
		}
		if !sh.settled(want) {
			return false, sh.String()
		}
		if slices.Equal(sh.ids, old) {
			return false, sh.String() + ", the same members as before"
		}
		return true, sh.String()
	})
	return sh.ids
}

// share is how a group's members share the partitions of one topic.
type share struct {
	state string
	ids   []string // member IDs, sorted
	held  []int    // partitions of the topic per member, in ids' order
	parts int32    // partitions of the topic
}

// describeShare reads how group's members share topic.
func describeShare(ctx context.Context, adm *kadm.Client, group, topic string) (share, error) {
	parts, err := topology.Partitions(ctx, adm, topic)
	if err != nil {
		return share{}, err
	}
	gs, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return share{}, err
	}
	g := gs[group]
	if g.Err != nil {
		return share{}, g.Err
	}
	sh := share{state: g.State, parts: parts}
	members := slices.SortedFunc(slices.Values(g.Members), func(a, b kadm.DescribedGroupMember) int {
		return strings.Compare(a.MemberID, b.MemberID)
	})
	for _, m := range members {
		n := 0
		if a, ok := m.Assigned.AsConsumer(); ok {
			for _, t := range a.Topics {
				if t.Topic == topic {
					n += len(t.Partitions)
				}
			}
		}
		sh.ids = append(sh.ids, m.MemberID)
		sh.held = append(sh.held, n)
	}
	return sh, nil
}

// settled reports whether the group is stable with exactly members members,
// each holding a partition, and every partition assigned.
func (sh share) settled(members int) bool {
	total := 0
	for _, n := range sh.held {
		total += n
	}
	return sh.state == "Stable" && len(sh.ids) == members && total == int(sh.parts) && !slices.Contains(sh.held, 0)
}

func (sh share) String() string {
	return fmt.Sprintf("state %s, %d members holding %v of %d partitions", sh.state, len(sh.ids), sh.held, sh.parts)
}

// killInTransaction SIGKILLs n, a stage writing transactionally as txnID, as
// soon as the broker shows it a transaction open on topic, and reports
// whether that transaction was still open after the kill: then the kill hit
// it, rather than the gap after its commit.
func (c *cluster) killInTransaction(n *node, txnID, topic string, within time.Duration) bool {
	c.tb.Helper()
	adm := c.admin()
	describe := func() (kadm.DescribedTransaction, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ts, err := adm.DescribeTransactions(ctx, txnID)
		if err != nil {
			return kadm.DescribedTransaction{}, err
		}
		t := ts[txnID]
		return t, t.Err
	}
	var open kadm.DescribedTransaction
	poll(c.tb, within, fmt.Sprintf("a transaction of %s open on %s", txnID, topic), func() (bool, string) {
		t, err := describe()
		if err != nil {
			return false, err.Error()
		}
		open = t
		return t.State == "Ongoing" && len(t.Topics[topic]) > 0, fmt.Sprintf("state %s, partitions %v", t.State, t.Topics)
	})
	n.kill()
	after, err := describe()
	if err != nil {
		c.tb.Fatal(err)
	}
	return after.State == "Ongoing" && after.ProducerEpoch == open.ProducerEpoch && after.StartTimestamp == open.StartTimestamp
}

// ends is the sum of the end offsets of topic's partitions.
func (c *cluster) ends(topic string) int64 {
	c.tb.Helper()
	adm := c.admin()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	listed, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		c.tb.Fatal(err)
	}
	var sum int64
	for _, o := range listed[topic] {
		if o.Err != nil {
			c.tb.Fatal(o.Err)
		}
		sum += o.Offset
	}
	return sum
}

// waitCommitted waits until group's committed offsets on topic sum to more
// than mark: with mark the topic's ends at some moment, the group has then
// consumed and committed records written after it.
func (c *cluster) waitCommitted(group, topic string, mark int64, within time.Duration, what string) {
	c.tb.Helper()
	adm := c.admin()
	poll(c.tb, within, what, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		committed, err := adm.FetchOffsets(ctx, group)
		if err != nil {
			return false, err.Error()
		}
		var sum int64
		for _, o := range committed[topic] {
			if o.Err == nil {
				sum += o.At
			}
		}
		return sum > mark, fmt.Sprintf("%s committed %d of %s, want more than %d", group, sum, topic, mark)
	})
}

func (c *cluster) admin() *kadm.Client {
	c.tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.brokers...))
	if err != nil {
		c.tb.Fatal(err)
	}
	c.tb.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}
