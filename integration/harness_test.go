package integration

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/logpulse/logpulse/topology"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// binDir holds the binary built for this test run; TestMain removes it.
var binDir = sync.OnceValues(func() (string, error) { return os.MkdirTemp("", "logpulse-bin") })

func TestMain(m *testing.M) {
	code := m.Run()
	if dir, err := binDir(); err == nil {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// buildOnce builds the binary, with the race detector, once per test run.
var buildOnce = sync.OnceValues(func() (string, error) {
	dir, err := binDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "logpulse")
	out, err := exec.Command("go", "build", "-race", "-o", bin, "github.com/logpulse/logpulse/cmd/logpulse").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func binary(tb testing.TB) string {
	tb.Helper()
	bin, err := buildOnce()
	if err != nil {
		tb.Fatal(err)
	}
	return bin
}

// freeAddr returns a loopback address with a free port for a child process
// to listen on. The port is closed again before the child binds it, so it
// is taken below the kernel's ephemeral range: a port from Listen(":0") is
// one the kernel also hands to outgoing connections, and with the many
// Kafka connections of a test run one took it in that gap (CI saw
// "address already in use").
func freeAddr(tb testing.TB) string {
	tb.Helper()
	const lo = 10000
	hi := ephemeralLow()
	if hi < lo+1000 {
		hi = 32768 // Linux's default start
	}
	for range 200 {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(lo+rand.IntN(hi-lo)))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue // in use: try another
		}
		l.Close()
		return addr
	}
	tb.Fatalf("no free port in [%d, %d) after 200 tries", lo, hi)
	return ""
}

// ephemeralLow is the first port of the kernel's ephemeral range, 0 when
// it cannot be read (not Linux).
func ephemeralLow() int {
	var n int
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		fmt.Sscan(string(b), &n)
	}
	return n
}

// external is the cluster named by LOGPULSE_TEST_BROKERS, if any.
func external() string { return os.Getenv("LOGPULSE_TEST_BROKERS") }

// topicFlags are the flags of `logpulse topics` (and run) for the cluster
// under test: on the three-node cluster of LOGPULSE_TEST_KAFKA_CLUSTER
// every topic is replicated to all three nodes.
func topicFlags() []string {
	if os.Getenv("LOGPULSE_TEST_KAFKA_CLUSTER") != "" {
		return []string{"--replication", "3"}
	}
	return nil
}

// runID tells this run's names from an earlier run's on the same cluster.
var runID = sync.OnceValue(func() string { return strconv.FormatInt(time.Now().UnixMilli()%(1<<40), 36) })

// prefix is the --name-prefix of a test's processes: its own topics, groups
// and transactional IDs, so every test can run against one real cluster
// (LOGPULSE_TEST_BROKERS), again and again. Subtests share their top-level
// test's names. Used on the embedded broker too, so CI checks that no test
// leans on the default names.
func prefix(tb testing.TB) string {
	name, _, _ := strings.Cut(tb.Name(), "/")
	return "it-" + runID() + "-" + strings.TrimPrefix(name, "Test") + "."
}

// names are the topics and groups of a test's pipeline.
func names(tb testing.TB) topology.Topics { return topology.DefaultTopics().WithPrefix(prefix(tb)) }

// pipelineCommands take --name-prefix.
var pipelineCommands = []string{"run", "ingest", "aggregate", "serve", "topics"}

// node is one `logpulse run` child process.
type node struct {
	tb      testing.TB
	cmd     *exec.Cmd
	http    string
	brokers []string
	logPath string
	dataDir string
	// clientOpts are added to the test's own clients (admin, producer),
	// e.g. TLS and SASL for a secured broker.
	clientOpts []kgo.Opt
	topics     topology.Topics // the pipeline's names
	// exited is closed when the process has exited; waitErr is then its
	// exit status (one goroutine waits, so a crash shows at once).
	exited  chan struct{}
	waitErr error
}

// hasExited reports whether the process has exited, and how.
func (n *node) hasExited() (bool, error) {
	select {
	case <-n.exited:
		return true, n.waitErr
	default:
		return false, nil
	}
}

// startRun starts `logpulse run` on dataDir; brokerAddr is reused across
// restarts so clients can reconnect.
func startRun(tb testing.TB, dataDir, brokerAddr string, extra ...string) *node {
	tb.Helper()
	httpAddr := freeAddr(tb)
	args := []string{"run", "--data-dir", dataDir, "--http", httpAddr}
	brokers := []string{brokerAddr}
	if ext := external(); ext != "" {
		brokers = strings.Split(ext, ",")
		args = append(append(args, "--brokers", ext), topicFlags()...)
	} else {
		args = append(args, "--broker-listen", brokerAddr)
	}
	n := start(tb, brokers, append(args, extra...)...)
	n.http, n.dataDir = httpAddr, dataDir
	n.waitReady()
	return n
}

// start starts `logpulse args...` with debug logs to a file that is shown
// if the test fails, and kills it at the end of the test.
func start(tb testing.TB, brokers []string, args ...string) *node {
	tb.Helper()
	n := &node{tb: tb, brokers: brokers, topics: names(tb)}
	if slices.Contains(pipelineCommands, args[0]) {
		// First, so a test's own --name-prefix (later) wins.
		args = append([]string{args[0], "--name-prefix", prefix(tb)}, args[1:]...)
		for i := range len(args) - 1 {
			if args[i] == "--name-prefix" {
				n.topics = topology.DefaultTopics().WithPrefix(args[i+1])
			}
		}
	}
	if args[0] == "aggregate" && !slices.Contains(args, "--instance-id") {
		// Each container of a deployment has its own host name, and so
		// its own default; here every aggregate runs on one host, and
		// two live instances with one ID would fence each other. A test
		// that restarts an instance under its ID passes it.
		args = append(args, "--instance-id", "aggregate-"+strconv.FormatUint(rand.Uint64(), 36))
	}
	// LOGPULSE_TEST_LOGS keeps every child's whole log in that folder,
	// for reading after the run (a failure shows only each log's end).
	logDir := os.Getenv("LOGPULSE_TEST_LOGS")
	if logDir == "" {
		logDir = tb.TempDir()
	}
	logf, err := os.CreateTemp(logDir, strings.ReplaceAll(tb.Name(), "/", "_")+"-"+args[0]+"-*.log")
	if err != nil {
		tb.Fatal(err)
	}
	n.logPath = logf.Name()
	n.cmd = exec.Command(binary(tb), append(args, "--log-level", "debug")...)
	// Stages serve /metrics on :9090 by default; several on one host
	// would collide, so each takes a free port.
	n.cmd.Env = append(os.Environ(), "LOGPULSE_METRICS_ADDR=127.0.0.1:0")
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	if err := n.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	logf.Close()
	n.exited = make(chan struct{})
	go func() {
		n.waitErr = n.cmd.Wait()
		close(n.exited)
	}()
	tb.Cleanup(func() {
		if done, _ := n.hasExited(); !done {
			n.cmd.Process.Kill()
			<-n.exited
		}
		if tb.Failed() {
			b, _ := os.ReadFile(n.logPath)
			tb.Logf("logpulse %s log (%s), last 4 KiB:\n%s", args[0], n.logPath, tail(b, 4096))
		}
	})
	return n
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func (n *node) waitReady() {
	n.tb.Helper()
	n.waitReadyWithin(90 * time.Second)
}

// waitReadyWithin waits until /readyz answers 200, at most within.
func (n *node) waitReadyWithin(within time.Duration) {
	n.tb.Helper()
	poll(n.tb, within, "readyz 200", func() (bool, string) {
		if done, err := n.hasExited(); done {
			n.tb.Fatalf("logpulse %s exited before it was ready: %v", n.cmd.Args[1], err)
		}
		resp, err := http.Get("http://" + n.http + "/readyz")
		if err != nil {
			return false, err.Error()
		}
		defer resp.Body.Close()
		var body map[string]string
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode == 200, fmt.Sprint(resp.StatusCode, body)
	})
}

// kill sends SIGKILL: no shutdown code runs, as in a crash.
func (n *node) kill() {
	n.tb.Helper()
	n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.exited
}

// stop sends SIGINT, as Ctrl-C does, and waits for a clean exit.
func (n *node) stop() {
	n.tb.Helper()
	n.exitOn(os.Interrupt)
}

// term sends SIGTERM, as a container runtime stops a process, and waits for
// a clean exit.
func (n *node) term() {
	n.tb.Helper()
	n.exitOn(syscall.SIGTERM)
}

// exitOn sends sig and waits for a clean exit.
func (n *node) exitOn(sig os.Signal) {
	n.tb.Helper()
	n.cmd.Process.Signal(sig)
	<-n.exited
	if n.waitErr != nil {
		n.tb.Errorf("logpulse %s did not exit cleanly on %v: %v", n.cmd.Args[1], sig, n.waitErr)
	}
}

// poll calls cond until it reports true or the deadline passes.
func poll(tb testing.TB, within time.Duration, what string, cond func() (bool, string)) {
	tb.Helper()
	deadline := time.Now().Add(within)
	last := ""
	for {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		if time.Now().After(deadline) {
			tb.Fatalf("waited %s for %s; last state: %s", within, what, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (n *node) admin() *kadm.Client {
	n.tb.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(n.brokers...)}, n.clientOpts...)...)
	if err != nil {
		n.tb.Fatal(err)
	}
	n.tb.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// producer is a franz-go client with its default (murmur2) partitioner,
// as any Java-compatible client would place keys.
func (n *node) producer() *kgo.Client {
	n.tb.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(n.brokers...), kgo.DefaultProduceTopic(n.topics.Logs),
		kgo.RecordRetries(1000), kgo.ProducerLinger(5 * time.Millisecond)}, n.clientOpts...)...)
	if err != nil {
		n.tb.Fatal(err)
	}
	n.tb.Cleanup(cl.Close)
	return cl
}
