package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// fileMistake is an edit of a real repository file that a check must report
// with a message containing want.
type fileMistake struct{ file, old, new, want string }

const (
	composeSingle  = "docker-compose.yml"
	composeCluster = "docker-compose.cluster.yml"
)

func TestComposeCatches(t *testing.T) {
	for _, m := range []fileMistake{
		{composeSingle, `restart: "no"`, `restrat: "no"`, "services.topics.restrat"}, // the compose schema
		{composeSingle, `command: ["ingest"]`, "command: [\"ingest\"]\n    depends_on: [demo]", `undefined service "demo"`},
		{composeSingle, `command: ["ingest"]`, `command: ["ingester"]`, `"ingester" is not a logpulse subcommand`},
		{composeSingle, `command: ["ingest"]`, `command: []`, "service ingest: no command"},
		{composeSingle, `"--rate", "200"`, `"--rates", "200"`, "flag provided but not defined: -rates"},
		{composeSingle, `"--rate", "200"`, `"--rate", "fast"`, `invalid value "fast" for flag -rate`},
		{composeSingle, `LOGPULSE_GRACE: 5m`, `LOGPULSE_GRACE: 5 minutes`, `invalid value "5 minutes" for flag -grace`},
		{composeSingle, `LOGPULSE_LOG_FORMAT: json`, `LOGPULSE_LOG_FROMAT: json`, "has no flag for LOGPULSE_LOG_FROMAT"},
		{composeSingle, `command: ["ingest"]`, `command: ["ingest", "now"]`, `ingest takes no arguments, got ["now"]`},
		{composeSingle, `restart: "no"`, `restart: on-failure`, `service topics: restart "on-failure"`},
		{composeSingle, "  restart: unless-stopped\n\nservices:", "\nservices:", `service ingest: restart ""`},
		{composeSingle, `condition: service_healthy`, `condition: service_started`, "topics starts as soon as kafka starts"},
		{composeSingle, "    healthcheck:\n      test: [\"CMD\", \"/opt", "    x-off:\n      test: [\"CMD\", \"/opt", "waits for kafka to be healthy, which has no health check"},
		{composeSingle, `  build: .`, `  build: ./cmd`, "service serve: image logpulse:latest is not built from this repository's Dockerfile"},
		{composeSingle, `command: ["serve"]`, "command: [\"serve\"]\n    entrypoint: [\"/bin/sh\"]", "service serve: entrypoint is set"},
		{composeSingle, `    profiles: ["demo"]`, ``, "service demo: generated traffic runs in every deployment"},
		{composeSingle, `LOGPULSE_BROKERS: kafka:9092`, `LOGPULSE_BROKERS: kafka:9093`, "broker kafka:9093 is not advertised"},
		{composeSingle, `LOGPULSE_BROKERS: kafka:9092`, `LOGPULSE_BROKERS: ""`, `broker "": missing port`},
		{composeSingle, `command: ["ingest"]`, "command: [\"ingest\"]\n    depends_on: []", "ingest: does not depend (directly or through others) on broker kafka"},
		{composeSingle, `- "8080:8080"`, `- "8081:8081"`, "serve: listens on :8080 but does not publish it"},
		{composeSingle, `8080/readyz`, `8080/healthz`, "serve: health check is not"},
		{composeSingle, `"wget", "-qO-", "http://127.0.0.1:8080/readyz"`, `"wget", "-qO-", "http://127.0.0.1:9090/readyz"`, "serve: health check is not"},
		{composeSingle, `replicas: 2`, "replicas: 2\n    hostname: agg", "2 instances share hostname agg"},
		{composeSingle, `command: ["aggregate"]`, `command: ["aggregate", "--instance-id", "agg"]`, "2 instances share --instance-id agg"},
		{composeSingle, `command: ["ingest"]`, "command: [\"ingest\", \"--transactional-id\", \"t\"]\n  ingest2:\n    <<: *logpulse\n    command: [\"ingest\", \"--transactional-id\", \"t\"]",
			"services ingest and ingest2 share --transactional-id t"},
		{composeSingle, `command: ["aggregate"]`, `command: ["ingest"]`, "no service runs logpulse aggregate"},
		{composeSingle, `LOGPULSE_HTTP: ":8080"`, "LOGPULSE_HTTP: \":8080\"\n      LOGPULSE_WINDOW: 2m", "--window differs between services"},
		{composeSingle, `apache/kafka:4.4.0`, `apache/kafka:4.3.0`, "kafka runs apache/kafka:4.3.0; CI tests Kafka 4.4.0"},
		{composeSingle, `EXTERNAL://localhost:9094`, `EXTERNAL://localhost:9095`, "advertises EXTERNAL localhost:9095, but that listener is"},
		{composeSingle, `- "9094:9094"`, `- "19094:9094"`, "advertises localhost:9094 to the host but does not publish 9094:9094"},
		{composeSingle, `KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 1`, `KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 3`, `KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR="3" with 1 broker(s)`},
		{composeSingle, "      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 1\n", "", `KAFKA_TRANSACTION_STATE_LOG_MIN_ISR="" with 1 broker(s)`},
		{composeSingle, "      KAFKA_TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS: 1000\n", "", `KAFKA_TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS="", want 1000`},
		{composeSingle, `KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false"`, `KAFKA_AUTO_CREATE_TOPICS_ENABLE: "true"`, `KAFKA_AUTO_CREATE_TOPICS_ENABLE="true", want false`},
		{composeSingle, `KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: 0`, `KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: 3000`, `KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS="3000", want 0`},
		{composeSingle, `kafka-data:/var/lib/kafka/data`, `kafka-data:/var/lib/kafka/other`, "not on a named volume"},
		{composeSingle, `"localhost:9092"]`, `"localhost:9099"]`, "does not ask one of its listeners"},
		{composeSingle, `LOGPULSE_REPLICATION: "1"`, `LOGPULSE_REPLICATION: "3"`, "replication 3 with 1 broker(s)"},
		{composeCluster, `,kafka-3:9092`, `,kafka-4:9092`, "broker kafka-4:9092 is not advertised"},
		{composeCluster, `LOGPULSE_REPLICATION: "3"`, `LOGPULSE_REPLICATION: "2"`, "replication 2 with 3 broker(s); want 3"},
		{composeCluster, `KAFKA_MIN_INSYNC_REPLICAS: 2`, `KAFKA_MIN_INSYNC_REPLICAS: 1`, `KAFKA_MIN_INSYNC_REPLICAS="1", want 2`},
		{composeCluster, `KAFKA_DEFAULT_REPLICATION_FACTOR: 3`, `KAFKA_DEFAULT_REPLICATION_FACTOR: 2`, `KAFKA_DEFAULT_REPLICATION_FACTOR="2", want 3`},
		{composeCluster, `KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 3`, `KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 2`, `KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR="2", want 3`},
		{composeCluster, `KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 3`, `KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 2`, `KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR="2", want 3`},
		{composeCluster, `KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 2`, `KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 1`, `KAFKA_TRANSACTION_STATE_LOG_MIN_ISR="1", want 2`},
	} {
		checkCatches(t, m, func(content string, errorf func(string, ...any)) {
			p, err := loadCompose(t.Context(), m.file, content)
			if err != nil {
				errorf("%v", err)
				return
			}
			checkCompose(t, p, errorf)
		})
	}
}

func TestDockerfileCatches(t *testing.T) {
	goMod, need := readRepoFile(t, "go.mod"), buildInputs(t)
	for _, m := range []fileMistake{
		{"Dockerfile", `golang:1.26.8-`, `golang:1.26.0-`, "Go 1.26.0 is older than go.mod's go 1.26.8"},
		{"Dockerfile", "COPY third_party/ third_party/\n", "", "COPY it before RUN go mod download"},
		{"Dockerfile", "CGO_ENABLED=0 ", "", "without CGO_ENABLED=0"},
		{"Dockerfile", "-o /out/logpulse ./cmd/logpulse", "-o /out/logpulse ./cmd/logpulse/..", "does not build ./cmd/logpulse"},
		{"Dockerfile", `ENTRYPOINT ["/logpulse"]`, `ENTRYPOINT /logpulse`, "in exec form"},
		{"Dockerfile", `/out/logpulse /logpulse`, `/out/logpulse /bin/logpulse`, `ENTRYPOINT ["/logpulse"] is not`},
		{"Dockerfile", `USER 10001:10001`, `USER root`, "runs as root"},
		{"Dockerfile", `FROM busybox:1.37-musl`, `FROM gcr.io/distroless/static-debian12`, "health check of serve runs busybox wget"},
		{".dockerignore", "**/*.test\n", "**/*.test\n**/*.avsc\n", "excludes codecs/logevent.avsc"},
		{".dockerignore", "**/*.test\n", "**/*.test\nthird_party/kfake/*.go\n", "excludes third_party/kfake/"},
		{".dockerignore", "**/*.test\n", "**/*.test\ninternal/httpapi/static\n", "excludes internal/httpapi/static/index.html"},
		{".dockerignore", ".git\n", "", "sends .git/HEAD"},
	} {
		checkCatches(t, m, func(content string, errorf func(string, ...any)) {
			if m.file == ".dockerignore" {
				checkDockerignore(content, need, errorf)
			} else {
				checkDockerfile(parseDockerfile(content), goMod, errorf)
			}
		})
	}
}

// checkCatches runs check on the mistaken copy of m.file, and fails unless it
// reports m.want.
func checkCatches(t *testing.T, m fileMistake, check func(content string, errorf func(string, ...any))) {
	t.Helper()
	orig := readRepoFile(t, m.file)
	if !strings.Contains(orig, m.old) {
		t.Errorf("%s no longer contains %q: update this case", m.file, m.old)
		return
	}
	var got []string
	check(strings.Replace(orig, m.old, m.new, 1), func(format string, args ...any) {
		got = append(got, fmt.Sprintf(format, args...))
	})
	if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, m.want) }) {
		t.Errorf("%s with %q for %q: want a report containing %q, got:\n%s", m.file, m.new, m.old, m.want, strings.Join(got, "\n"))
	}
}
