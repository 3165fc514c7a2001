package main

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// kafkaSetting is a broker setting whose Kafka default logpulse cannot keep.
type kafkaSetting struct{ key, want, why string }

// checkKafka reports what in the Kafka services would stop the stages, or
// lose what they wrote.
func checkKafka(tb testing.TB, p *types.Project, stages []*composeStage, errorf func(string, ...any)) {
	tb.Helper()
	var kafkas []string
	for _, name := range p.ServiceNames() {
		if strings.HasPrefix(p.Services[name].Image, "apache/kafka:") {
			kafkas = append(kafkas, name)
		}
	}
	if len(kafkas) == 0 {
		errorf("no apache/kafka service")
		return
	}
	tested := testedKafkaVersion(tb)
	brokers := len(kafkas)
	settings := []kafkaSetting{
		{"KAFKA_TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS", "1000", "a dead ingest's transaction is aborted up to 10 s late (docs/guarantees.md, Failover time)"},
		{"KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false", "a topic an early producer auto-creates gets one partition, not topics' layout"},
		{"KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0", "every consumer group waits 3 s before it starts"},
	}
	if brokers >= 3 {
		// A cluster is there to survive a broker: every copy count is 3
		// and every acks=all write waits for 2.
		settings = append(settings,
			kafkaSetting{"KAFKA_MIN_INSYNC_REPLICAS", "2", "an acknowledged write may live on one broker only"},
			kafkaSetting{"KAFKA_DEFAULT_REPLICATION_FACTOR", "3", "a topic created without a factor is not replicated"},
			kafkaSetting{"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3", "committed offsets do not survive a broker"},
			kafkaSetting{"KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3", "ingest's transactions do not survive a broker"},
			kafkaSetting{"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2", "ingest's transaction state may live on one broker only"})
	}
	for _, name := range kafkas {
		svc := p.Services[name]
		if svc.Image != "apache/kafka:"+tested {
			errorf("service %s runs %s; CI tests Kafka %s (scripts/kafka-node.sh)", name, svc.Image, tested)
		}
		// Kafka itself refuses to start on a listener without a protocol or
		// a controller missing from the voters; what it accepts, and clients
		// then cannot reach, is checked here.
		lis := kafkaListeners(svcEnv(svc, "KAFKA_LISTENERS"))
		for l, addr := range kafkaListeners(svcEnv(svc, "KAFKA_ADVERTISED_LISTENERS")) {
			host, port, _ := net.SplitHostPort(addr)
			if _, p, _ := net.SplitHostPort(lis[l]); p != port {
				errorf("service %s: advertises %s %s, but that listener is %q", name, l, addr, lis[l])
			}
			// Advertised as localhost: for clients on the host.
			if host == "localhost" && !slices.ContainsFunc(svc.Ports, func(p types.ServicePortConfig) bool {
				return p.Published == port && fmt.Sprint(p.Target) == port
			}) {
				errorf("service %s: advertises %s to the host but does not publish %s:%s", name, addr, port, port)
			}
		}
		// Kafka's defaults (3, and min ISR 2) cannot be met by fewer
		// brokers; consumer groups and ingest's transactions never start.
		for _, key := range []string{"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
			"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR"} {
			if _, set := svc.Environment[key]; !set && brokers >= 3 {
				continue
			}
			if n, err := strconv.Atoi(svcEnv(svc, key)); err != nil || n < 1 || n > brokers {
				errorf("service %s: %s=%q with %d broker(s)", name, key, svcEnv(svc, key), brokers)
			}
		}
		for _, s := range settings {
			if got := svcEnv(svc, s.key); got != s.want {
				errorf("service %s: %s=%q, want %s: otherwise %s", name, s.key, got, s.want, s.why)
			}
		}
		if !slices.ContainsFunc(svc.Volumes, func(v types.ServiceVolumeConfig) bool {
			return v.Type == types.VolumeTypeVolume && v.Target == svcEnv(svc, "KAFKA_LOG_DIRS")
		}) {
			errorf("service %s: KAFKA_LOG_DIRS=%q is not on a named volume; the data dies with the container", name, svcEnv(svc, "KAFKA_LOG_DIRS"))
		}
		var test []string
		if svc.HealthCheck != nil {
			test = svc.HealthCheck.Test
		}
		i := slices.Index(test, "--bootstrap-server")
		if !slices.Contains(test, "/opt/kafka/bin/kafka-broker-api-versions.sh") || i < 0 || i+1 == len(test) || !listensOn(lis, test[i+1]) {
			errorf("service %s: health check %q does not ask one of its listeners %v for the broker's API versions", name, test, lis)
		}
	}
	for _, st := range stages {
		if st.cmd != "topics" {
			continue
		}
		r, _ := strconv.Atoi(st.value("replication"))
		if r > brokers || (brokers >= 3 && r != 3) {
			errorf("service %s: replication %d with %d broker(s); want %d", st.name, r, brokers, min(brokers, 3))
		}
	}
}

// testedKafkaVersion is the default KAFKA_VERSION of scripts/kafka-node.sh,
// the release CI runs the integration tests on.
func testedKafkaVersion(tb testing.TB) string {
	tb.Helper()
	_, rest, ok := strings.Cut(readRepoFile(tb, "scripts/kafka-node.sh"), `KAFKA_VERSION="${KAFKA_VERSION:-`)
	v, _, ok2 := strings.Cut(rest, "}")
	if !ok || !ok2 || v == "" {
		tb.Fatal("no default KAFKA_VERSION in scripts/kafka-node.sh")
	}
	return v
}

// kafkaListeners parses Kafka's "NAME://host:port,..." into name → host:port.
func kafkaListeners(s string) map[string]string {
	out := map[string]string{}
	for item := range strings.SplitSeq(s, ",") {
		if name, addr, ok := strings.Cut(strings.TrimSpace(item), "://"); ok {
			out[name] = addr
		}
	}
	return out
}

// listensOn reports whether bootstrap, a loopback host:port, reaches one of
// the listeners.
func listensOn(lis map[string]string, bootstrap string) bool {
	host, port, err := net.SplitHostPort(bootstrap)
	if err != nil || host != "localhost" && host != "127.0.0.1" {
		return false
	}
	for _, addr := range lis {
		if h, p, _ := net.SplitHostPort(addr); p == port && (h == "" || h == "0.0.0.0" || h == host) {
			return true
		}
	}
	return false
}
