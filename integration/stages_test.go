package integration

import (
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/internal/generator"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestSeparateStages runs the production shape: a broker, `topics`, one
// ingest, two aggregate instances sharing the table's partitions, and a
// serve, each its own process, and expects exact counts.
func TestSeparateStages(t *testing.T) {
	brokers := []string{external()}
	if brokers[0] == "" {
		addr := freeAddr(t)
		start(t, nil, "broker", "--listen", addr, "--data-dir", t.TempDir())
		poll(t, 30*time.Second, "broker listening", func() (bool, string) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				return false, err.Error()
			}
			c.Close()
			return true, ""
		})
		brokers = []string{addr}
	}
	b := strings.Join(brokers, ",")
	if out, err := exec.Command(binary(t), "topics", "--brokers", b, "--name-prefix", prefix(t)).CombinedOutput(); err != nil {
		t.Fatalf("logpulse topics: %v\n%s", err, out)
	}
	start(t, brokers, "ingest", "--brokers", b)
	start(t, brokers, "aggregate", "--brokers", b)
	start(t, brokers, "aggregate", "--brokers", b)
	httpAddr := freeAddr(t)
	serve := start(t, brokers, "serve", "--brokers", b, "--http", httpAddr)
	serve.http = httpAddr
	serve.waitReady()

	base := testBase()
	evs, truth := events(30000, base, 30*time.Minute, 4)
	recs := make([]*kgo.Record, len(evs))
	for i, e := range evs {
		recs[i] = generator.Record(serve.topics.Logs, "json", e)
	}
	produceSync(t, serve.producer(), recs)
	got := serve.settle(base, base.Add(30*time.Minute), truth.total())
	if diff := cmp.Diff(truth, got); diff != "" {
		t.Errorf("per-window per-level counts (-produced +reported):\n%s", diff)
	}
}
