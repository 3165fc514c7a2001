package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/internal/certs"
	"github.com/logpulse/logpulse/internal/embedkafka"
	"github.com/logpulse/logpulse/internal/generator"
	"github.com/logpulse/logpulse/topology"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// commandACLs is what each command's user may do: exactly the table in
// docs/operations.md ("ACLs"), for the names under prefix. TestSecuredCluster runs
// every stage as its own user with only these, so a missing grant fails the
// test and a grant the docs list but no command needs shows up in
// review.
func commandACLs(prefix string) map[string][]embedkafka.ACL {
	t := topology.DefaultTopics().WithPrefix(prefix)
	topic := func(name string, ops ...kmsg.ACLOperation) []embedkafka.ACL {
		var out []embedkafka.ACL
		for _, op := range ops {
			out = append(out, embedkafka.ACL{Resource: kmsg.ACLResourceTypeTopic, Name: name, Operation: op})
		}
		return out
	}
	group := func(name string) embedkafka.ACL {
		return embedkafka.ACL{Resource: kmsg.ACLResourceTypeGroup, Name: name, Operation: kmsg.ACLOperationRead}
	}
	txnPrefix := func(prefix string) embedkafka.ACL {
		return embedkafka.ACL{Resource: kmsg.ACLResourceTypeTransactionalId, Name: prefix, Prefixed: true, Operation: kmsg.ACLOperationWrite}
	}
	var topics []embedkafka.ACL
	for _, spec := range t.Specs(topology.Layout{Partitions: 1, Replication: 1, Retention: time.Hour}) {
		topics = append(topics, topic(spec.Name, kmsg.ACLOperationCreate, kmsg.ACLOperationDescribe, kmsg.ACLOperationDescribeConfigs)...)
	}
	join := func(parts ...[]embedkafka.ACL) []embedkafka.ACL {
		var out []embedkafka.ACL
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	return map[string][]embedkafka.ACL{
		"topics": topics,
		"ingest": join(
			topic(t.Logs, kmsg.ACLOperationRead),
			topic(t.DLQ, kmsg.ACLOperationWrite), topic(t.Late, kmsg.ACLOperationWrite), topic(t.Deltas, kmsg.ACLOperationWrite),
			[]embedkafka.ACL{group(t.IngestGroup), txnPrefix(prefix + "logpulse-ingest-")},
		),
		"aggregate": join(
			topic(t.Logs, kmsg.ACLOperationDescribe),
			topic(t.Deltas, kmsg.ACLOperationRead),
			// goka's topic manager reads the table's cleanup policy.
			topic(t.Table(), kmsg.ACLOperationRead, kmsg.ACLOperationWrite, kmsg.ACLOperationDescribeConfigs),
			// Deltas of services past the cap go round the loop; goka's
			// topic manager reads its config as the table's.
			topic(t.Loop(), kmsg.ACLOperationRead, kmsg.ACLOperationWrite, kmsg.ACLOperationDescribeConfigs),
			[]embedkafka.ACL{group(t.AggregateGroup)},
		),
		"serve": join(
			topic(t.Logs, kmsg.ACLOperationWrite),
			topic(t.Table(), kmsg.ACLOperationRead, kmsg.ACLOperationDescribeConfigs),
			// --publish-alerts (on by default) reads what is published,
			// then writes transitions.
			topic(t.Alerts, kmsg.ACLOperationRead, kmsg.ACLOperationWrite),
			// logpulse_consumer_lag of both groups (the aggregate
			// also reads its loop topic).
			topic(t.Deltas, kmsg.ACLOperationDescribe),
			topic(t.Loop(), kmsg.ACLOperationDescribe),
			[]embedkafka.ACL{
				{Resource: kmsg.ACLResourceTypeGroup, Name: t.IngestGroup, Operation: kmsg.ACLOperationDescribe},
				{Resource: kmsg.ACLResourceTypeGroup, Name: t.AggregateGroup, Operation: kmsg.ACLOperationDescribe},
				txnPrefix(prefix + "logpulse-http-"),
			},
		),
		"produce": topic(t.Logs, kmsg.ACLOperationWrite),
	}
}

const (
	secAdminPassword = "admin-Pa55-for-tests"
	secUserPassword  = "stage-Pa55-for-tests"
	secWrongPassword = "not-the-Pa55word"
)

// securedBroker is the embedded broker with TLS, SCRAM-SHA-512 logins and
// ACLs, as a secured production cluster runs.
type securedBroker struct {
	addr     string
	caFile   string
	pwFile   string // holds secUserPassword
	otherCA  string // a CA that did not sign the broker's certificate
	adminOpt []kgo.Opt
}

func startSecuredBroker(tb testing.TB) securedBroker {
	tb.Helper()
	dir := tb.TempDir()
	local, err := certs.NewLocal(dir)
	if err != nil {
		tb.Fatal(err)
	}
	other, err := certs.NewCA("an unrelated CA")
	if err != nil {
		tb.Fatal(err)
	}
	b := securedBroker{caFile: local.CAFile, otherCA: filepath.Join(dir, "other-ca.crt"), pwFile: filepath.Join(dir, "password")}
	for name, content := range map[string][]byte{b.otherCA: other.PEM, b.pwFile: []byte(secUserPassword + "\n")} {
		if err := os.WriteFile(name, content, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	users := []embedkafka.User{{Mechanism: topology.SASLScramSHA512, Name: "admin", Password: secAdminPassword, Super: true}}
	for cmd, acls := range commandACLs(prefix(tb)) {
		users = append(users, embedkafka.User{Mechanism: topology.SASLScramSHA512, Name: cmd, Password: secUserPassword, Allow: acls})
	}
	bk, err := embedkafka.Start(embedkafka.Config{Listen: "127.0.0.1:0", Partitions: 6, Auth: &embedkafka.Auth{
		TLS:   local.Server,
		Users: users, ACLs: true,
	}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(bk.Close)
	b.addr = bk.Addrs()[0]
	tlsCfg, err := topology.LoadTLS(topology.TLSFiles{CA: b.caFile})
	if err != nil {
		tb.Fatal(err)
	}
	b.adminOpt = topology.Security{TLS: tlsCfg, SASLMechanism: topology.SASLScramSHA512, User: "admin", Password: secAdminPassword}.KgoOpts()
	return b
}

// args are the flags that log command's user in.
func (b securedBroker) args(user string) []string {
	return []string{"--brokers", b.addr, "--tls-ca", b.caFile, "--sasl-mechanism", "scram-sha-512",
		"--sasl-user", user, "--sasl-password-file", b.pwFile}
}

// TestSecuredCluster runs the production shape (topics, ingest, two
// aggregates, serve, produce) against a broker with TLS, SCRAM and ACLs,
// each command as its own user holding only the ACLs of docs/operations.md, and expects
// exact counts; no log shows a password.
func TestSecuredCluster(t *testing.T) {
	if external() != "" {
		t.Skip("needs the embedded broker with TLS, SASL and ACLs; LOGPULSE_TEST_BROKERS points elsewhere")
	}
	b := startSecuredBroker(t)
	brokers := []string{b.addr}
	if out, err := exec.Command(binary(t), append([]string{"topics", "--name-prefix", prefix(t)}, b.args("topics")...)...).CombinedOutput(); err != nil {
		t.Fatalf("logpulse topics: %v\n%s", err, out)
	}
	procs := []*node{
		start(t, brokers, append([]string{"ingest"}, b.args("ingest")...)...),
		start(t, brokers, append([]string{"aggregate"}, b.args("aggregate")...)...),
		start(t, brokers, append([]string{"aggregate"}, b.args("aggregate")...)...),
	}
	httpAddr := freeAddr(t)
	serve := start(t, brokers, append([]string{"serve", "--http", httpAddr}, b.args("serve")...)...)
	serve.http, serve.clientOpts = httpAddr, b.adminOpt
	procs = append(procs, serve)
	serve.waitReady()

	base := testBase()
	const n = 5000
	evs, truth := events(n, base, 20*time.Minute, 7)
	// Half from the test as admin, half through `logpulse produce` as its
	// own user.
	recs := make([]*kgo.Record, n/2)
	for i, e := range evs[:n/2] {
		recs[i] = generator.Record(serve.topics.Logs, "json", e)
	}
	produceSync(t, serve.producer(), recs)
	var lines strings.Builder
	for _, e := range evs[n/2:] {
		lines.Write(generator.Record(serve.topics.Logs, "json", e).Value)
		lines.WriteByte('\n')
	}
	prod := exec.Command(binary(t), append([]string{"produce", "--stdin", "--topic", serve.topics.Logs}, b.args("produce")...)...)
	prod.Stdin = strings.NewReader(lines.String())
	out, err := prod.CombinedOutput()
	if err != nil {
		t.Fatalf("logpulse produce --stdin: %v\n%s", err, out)
	}
	got := serve.settle(base, base.Add(20*time.Minute), truth.total())
	if diff := cmp.Diff(truth, got); diff != "" {
		t.Errorf("per-window per-level counts (-produced +reported):\n%s", diff)
	}
	// serve exports both groups' lag: its grants cover reading them.
	metrics := serve.getBody(t, "/metrics")
	for _, want := range []string{
		`logpulse_consumer_lag{group="` + serve.topics.IngestGroup + `"`,
		`logpulse_consumer_lag{group="` + serve.topics.AggregateGroup + `"`,
		"logpulse_consumer_lag_errors_total 0",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("serve's /metrics lacks %s", want)
		}
	}
	for _, p := range procs {
		log, err := os.ReadFile(p.logPath)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(log), secUserPassword) {
			t.Errorf("%s shows the SASL password", p.logPath)
		}
		// A grant missing for a side path (alerts, lag metrics) only
		// logs; franz-go says AUTHORIZATION_FAILED, sarama "not authorized".
		if l := strings.ToLower(string(log)); strings.Contains(l, "authorization_failed") || strings.Contains(l, "not authorized") {
			t.Errorf("%s shows a refused operation: a grant docs/operations.md lists is missing", p.logPath)
		}
		if !strings.Contains(string(log), "sasl SCRAM-SHA-512 user") {
			t.Errorf("%s does not say how it connected (want the security settings, without the password)", p.logPath)
		}
	}
}

// TestSecurityMistakes: a wrong password, plaintext to the TLS listener and
// an untrusted CA each end every Kafka-facing command within seconds, with a
// message that names the flag to fix and never the password.
func TestSecurityMistakes(t *testing.T) {
	if external() != "" {
		t.Skip("needs the embedded broker with TLS, SASL and ACLs; LOGPULSE_TEST_BROKERS points elsewhere")
	}
	bin := binary(t) // built before the clocks below start
	b := startSecuredBroker(t)
	sasl := []string{"--sasl-mechanism", "scram-sha-512", "--sasl-user", "ingest"}
	mistakes := []struct {
		name string
		args []string
		want string
	}{
		{"wrong password", append([]string{"--brokers", b.addr, "--tls-ca", b.caFile, "--sasl-password", secWrongPassword}, sasl...), "--sasl-password"},
		{"plaintext to TLS", append([]string{"--brokers", b.addr, "--sasl-password", secWrongPassword}, sasl...), "set --tls"},
		{"untrusted CA", append([]string{"--brokers", b.addr, "--tls-ca", b.otherCA, "--sasl-password", secWrongPassword}, sasl...), "--tls-ca"},
	}
	commands := [][]string{{"ingest"}, {"aggregate"}, {"serve", "--http", "127.0.0.1:0"}, {"topics"}, {"produce", "--generate", "--count", "1"}}
	for _, m := range mistakes {
		for _, c := range commands {
			t.Run(m.name+"/"+c[0], func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
				defer cancel()
				begin := time.Now()
				out, err := exec.CommandContext(ctx, bin, append(c, m.args...)...).CombinedOutput()
				took := time.Since(begin)
				if err == nil || ctx.Err() != nil {
					t.Fatalf("exit %v after %s; want a failure within seconds:\n%s", err, took, out)
				}
				if !strings.Contains(string(out), m.want) {
					t.Errorf("output does not name %s:\n%s", m.want, out)
				}
				if strings.Contains(string(out), secWrongPassword) {
					t.Errorf("output shows the password:\n%s", out)
				}
				if took > 15*time.Second {
					t.Errorf("took %s to fail", took)
				}
			})
		}
	}
}
