package integration

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestTopicsWarnsWhenBrokersAutoCreate: `logpulse topics --check` warns
// exactly when the brokers create a topic a client merely asks for (a
// producer started before `logpulse topics` would otherwise get a topic
// with the broker's defaults). Whether they do is found out as a client
// would: by asking for a topic that does not exist. The embedded broker
// creates it; CI's single Apache Kafka node does not
// (auto.create.topics.enable=false) and its three-node cluster does (Kafka's
// default), so both answers are checked on real Kafka.
func TestTopicsWarnsWhenBrokersAutoCreate(t *testing.T) {
	c := startCluster(t)
	auto := c.autoCreates(prefix(t) + "probe")
	out, err := exec.Command(binary(t), append([]string{"topics", "--check", "--brokers", c.brokerFlag(),
		"--name-prefix", prefix(t)}, topicFlags()...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("logpulse topics --check: %v\n%s", err, out)
	}
	warned := strings.Contains(string(out), "auto.create.topics.enable=true")
	t.Logf("the brokers create topics on request: %v; logpulse warned: %v", auto, warned)
	if warned != auto {
		t.Errorf("the brokers create topics on request: %v, but logpulse topics --check warned: %v; its output:\n%s", auto, warned, out)
	}
}

// autoCreates asks the brokers for topic, which does not exist, allowing
// them to create it, and reports whether they did. Kafka 4.x answers the
// first request UNKNOWN_TOPIC_OR_PARTITION either way and creates the topic
// in the background, so a refusal counts only once the topic has not
// appeared for autoCreateWait.
func (c *cluster) autoCreates(topic string) bool {
	c.tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.brokers...))
	if err != nil {
		c.tb.Fatal(err)
	}
	defer cl.Close()
	ask := func(create bool) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req := kmsg.NewPtrMetadataRequest()
		req.AllowAutoTopicCreation = create
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(topic)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			c.tb.Fatal(err)
		}
		if len(resp.Topics) != 1 {
			c.tb.Fatalf("metadata for %s: %d topics in the answer", topic, len(resp.Topics))
		}
		return kerr.ErrorForCode(resp.Topics[0].ErrorCode)
	}
	// Created: no error, or LEADER_NOT_AVAILABLE while the new topic
	// gets its leaders.
	created := func(err error) bool { return err == nil || errors.Is(err, kerr.LeaderNotAvailable) }
	if err := ask(true); created(err) {
		return true
	} else if !errors.Is(err, kerr.UnknownTopicOrPartition) {
		c.tb.Fatalf("metadata for %s: %v", topic, err)
	}
	for deadline := time.Now().Add(autoCreateWait); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if created(ask(false)) {
			return true
		}
	}
	return false
}

// autoCreateWait is how long a topic asked for may take to appear: Kafka
// creates it through its controller, within a second here.
const autoCreateWait = 10 * time.Second
