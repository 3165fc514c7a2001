package main

import (
	"fmt"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestComposeDependencies(t *testing.T) { forEachCompose(t, testComposeDependencies) }

func testComposeDependencies(t *testing.T, c composeFile) {
	for name, svc := range c.Services {
		for dep, cond := range svc.DependsOn {
			target, ok := c.Services[dep]
			switch {
			case !ok:
				t.Errorf("service %s depends on %s, which does not exist", name, dep)
				continue
			case len(target.Profiles) > 0 && len(svc.Profiles) == 0:
				t.Errorf("service %s runs in every profile but depends on %s, which runs only in %v", name, dep, target.Profiles)
			}
			hasCheck := target.Healthcheck != nil && len(target.Healthcheck.Test) > 0 && target.Healthcheck.Test[0] != "NONE"
			switch cond {
			case "service_started":
				if hasCheck {
					t.Errorf("service %s starts as soon as %s starts; wait for service_healthy", name, dep)
				}
			case "service_healthy":
				if !hasCheck {
					t.Errorf("service %s waits for %s to be healthy, which has no health check", name, dep)
				}
			case "service_completed_successfully":
				if target.restarts() {
					t.Errorf("service %s waits for %s to complete, which restarts (%s)", name, dep, target.Restart)
				}
			default:
				t.Errorf("service %s: depends_on %s has unknown condition %q", name, dep, cond)
			}
		}
		if c.dependsOn(name, name) {
			t.Errorf("service %s depends on itself", name)
		}
	}
}

func TestComposeKafka(t *testing.T) { forEachCompose(t, testComposeKafka) }

// testedKafkaVersion is the default KAFKA_VERSION of scripts/kafka-node.sh,
// the release CI runs the integration tests on.
func testedKafkaVersion(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile("../../scripts/kafka-node.sh")
	if err != nil {
		tb.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), `KAFKA_VERSION="${KAFKA_VERSION:-`)
	v, _, ok2 := strings.Cut(rest, "}")
	if !ok || !ok2 || v == "" {
		tb.Fatal("no default KAFKA_VERSION in scripts/kafka-node.sh")
	}
	return v
}

func testComposeKafka(t *testing.T, c composeFile) {
	var kafkas []string
	for name, svc := range c.Services {
		if strings.HasPrefix(svc.Image, "apache/kafka:") {
			kafkas = append(kafkas, name)
		}
	}
	if len(kafkas) == 0 {
		t.Fatal("no apache/kafka service")
	}
	// The release compose runs is the one CI proves the suite on.
	tested := testedKafkaVersion(t)
	for _, name := range kafkas {
		if img := c.Services[name].Image; img != "apache/kafka:"+tested {
			t.Errorf("service %s runs %s; CI tests Kafka %s (scripts/kafka-node.sh)", name, img, tested)
		}
	}
	brokers := len(kafkas)
	for _, name := range kafkas {
		svc := c.Services[name]
		env := svc.Environment
		intEnv := func(key string) int {
			n, err := strconv.Atoi(env[key])
			if err != nil {
				t.Errorf("service %s: %s=%q: want a number", name, key, env[key])
			}
			return n
		}
		if roles := strings.Split(env["KAFKA_PROCESS_ROLES"], ","); !slices.Contains(roles, "broker") || !slices.Contains(roles, "controller") {
			t.Errorf("service %s: KAFKA_PROCESS_ROLES=%q; a single KRaft node is broker,controller", name, env["KAFKA_PROCESS_ROLES"])
		}
		lis := kafkaListeners(t, env["KAFKA_LISTENERS"])
		_, ctrlPort, _ := net.SplitHostPort(lis[env["KAFKA_CONTROLLER_LISTENER_NAMES"]])
		voter := fmt.Sprintf("%d@%s:%s", intEnv("KAFKA_NODE_ID"), name, ctrlPort)
		if !slices.Contains(strings.Split(env["KAFKA_CONTROLLER_QUORUM_VOTERS"], ","), voter) {
			t.Errorf("service %s: KAFKA_CONTROLLER_QUORUM_VOTERS=%q lacks itself, %s", name, env["KAFKA_CONTROLLER_QUORUM_VOTERS"], voter)
		}
		// NAME:PROTOCOL pairs, read as listeners NAME://PROTOCOL.
		protocols := kafkaListeners(t, strings.ReplaceAll(env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"], ":", "://"))
		for l := range lis {
			if _, ok := protocols[l]; !ok {
				t.Errorf("service %s: listener %s has no security protocol", name, l)
			}
		}
		for l, addr := range kafkaListeners(t, env["KAFKA_ADVERTISED_LISTENERS"]) {
			host, port, _ := net.SplitHostPort(addr)
			if _, p, _ := net.SplitHostPort(lis[l]); p != port {
				t.Errorf("service %s: advertised %s %s, but the listener is %q", name, l, addr, lis[l])
			}
			// A listener advertised as localhost is for clients on the host.
			if host == "localhost" && !slices.Contains(svc.Ports, portMapping{Published: port, Target: port}) {
				t.Errorf("service %s: advertises %s to the host but does not publish %s:%s", name, addr, port, port)
			}
		}
		// Kafka's defaults (3) cannot be met by fewer brokers, and then
		// consumer groups and ingest's transactions never start.
		for _, key := range []string{"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
			"KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR"} {
			if _, set := env[key]; !set && brokers >= 3 {
				continue // Kafka's defaults (3, 2) fit three brokers
			}
			if n := intEnv(key); n < 1 || n > brokers {
				t.Errorf("service %s: %s=%d with %d broker(s)", name, key, n, brokers)
			}
		}
		if n := intEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"); n != 0 {
			t.Errorf("service %s: KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=%d delays every stage's start", name, n)
		}
		if i := slices.IndexFunc(svc.Volumes, func(v composeMount) bool { return v.Target == env["KAFKA_LOG_DIRS"] }); i < 0 {
			t.Errorf("service %s: KAFKA_LOG_DIRS=%q is not on a volume %v", name, env["KAFKA_LOG_DIRS"], svc.Volumes)
		} else if _, ok := c.Volumes[svc.Volumes[i].Source]; !ok {
			t.Errorf("service %s: volume %q is not declared under volumes:", name, svc.Volumes[i].Source)
		}
		if hc := svc.Healthcheck; hc == nil || !slices.Contains(hc.Test, "/opt/kafka/bin/kafka-broker-api-versions.sh") {
			t.Errorf("service %s: health check %v does not ask the broker for its API versions", name, hc)
		} else if i := slices.Index(hc.Test, "--bootstrap-server"); i < 0 || i+1 == len(hc.Test) || !listensOn(lis, hc.Test[i+1]) {
			t.Errorf("service %s: health check %v does not reach one of its listeners %v", name, hc.Test, lis)
		}
	}
	for _, st := range resolveStages(t, c) {
		if st.cmd.Name != "topics" {
			continue
		}
		r, _ := strconv.Atoi(st.mustValue(t, "replication"))
		if r > brokers {
			t.Errorf("service %s: replication %d with %d broker(s)", st.name, r, brokers)
		}
		if brokers < 3 {
			continue
		}
		// A cluster is there to survive a broker: every copy count is
		// 3 and every acks=all write waits for 2, so one broker may stop
		// without losing an acknowledged event or refusing writes.
		if r < 3 {
			t.Errorf("service %s: replication %d on %d brokers; want 3", st.name, r, brokers)
		}
		for _, name := range kafkas {
			env := c.Services[name].Environment
			for key, want := range map[string]string{
				"KAFKA_MIN_INSYNC_REPLICAS": "2", "KAFKA_DEFAULT_REPLICATION_FACTOR": "3",
				"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "3", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "3",
				"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "2",
			} {
				if env[key] != want {
					t.Errorf("service %s: %s=%q on a %d-broker cluster; want %s", name, key, env[key], brokers, want)
				}
			}
		}
	}
}

// kafkaListeners parses Kafka's "NAME://host:port,..." into name → host:port.
func kafkaListeners(tb testing.TB, s string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for item := range strings.SplitSeq(s, ",") {
		name, addr, ok := strings.Cut(strings.TrimSpace(item), "://")
		if !ok {
			tb.Errorf("listener %q: want NAME://host:port", item)
			continue
		}
		out[name] = addr
	}
	return out
}

// listensOn reports whether bootstrap, a loopback host:port, reaches one of
// the listeners.
func listensOn(lis map[string]string, bootstrap string) bool {
	host, port, err := net.SplitHostPort(bootstrap)
	if err != nil || !isLoopback(host) {
		return false
	}
	return slices.ContainsFunc(slices.Collect(maps.Values(lis)), func(addr string) bool {
		h, p, _ := net.SplitHostPort(addr)
		return p == port && (h == "" || h == "0.0.0.0" || h == host)
	})
}
