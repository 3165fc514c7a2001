package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestKafkajsProducesExactCounts: a Node service with kafkajs (its own
// murmur2 partitioner) sends JSON with other field names, logfmt and text;
// junk goes to the dead-letter topic while counting goes on.
func TestKafkajsProducesExactCounts(t *testing.T) {
	dir, _ := filepath.Abs(filepath.Join("testdata", "kafkajs"))
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: skipping the kafkajs client test")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "kafkajs")); err != nil {
		t.Skipf("kafkajs is not installed (npm ci --prefix %s; .ci/run does it): skipping", dir)
	}
	n := startRun(t, t.TempDir(), freeAddr(t))
	base := testBase()
	type rec struct {
		Key   *string `json:"key"`
		Value string  `json:"value"`
	}
	truth := series{}
	var recs []rec
	levels := []string{"error", "warning", "info", "debug", "critical", "trace"}
	canon := map[string]string{"error": "ERROR", "warning": "WARN", "info": "INFO", "debug": "DEBUG", "critical": "FATAL", "trace": "TRACE"}
	for i := range 3000 {
		at := base.Add(time.Duration(i) * time.Second)
		lvl := levels[i%len(levels)]
		var v string
		switch i % 3 {
		case 0: // JSON with other field names, ISO time
			v = fmt.Sprintf(`{"@timestamp":%q,"severity":%q,"msg":"job %d","app":"worker"}`, at.Format(time.RFC3339Nano), lvl, i)
		case 1: // logfmt
			v = fmt.Sprintf(`ts=%s level=%s msg="job %d done" service=worker`, at.Format(time.RFC3339), lvl, i)
		case 2: // text line, service from the key
			v = fmt.Sprintf(`%s [%s] job %d`, at.Format("2006-01-02 15:04:05,000"), strings.ToUpper(lvl), i)
		}
		key := "worker"
		recs = append(recs, rec{Key: &key, Value: v})
		truth.add(at.Truncate(time.Minute), canon[lvl], 1)
		if i%500 == 0 {
			recs = append(recs, rec{Value: `{"level": "error", "msg": unquoted}`})
		}
	}
	body, _ := json.Marshal(recs)
	cmd := exec.Command(node, filepath.Join(dir, "produce.js"), strings.Join(n.brokers, ","), n.topics.Logs)
	cmd.Stdin = strings.NewReader(string(body))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kafkajs: %v\n%s", err, out)
	}
	got := n.settle(base, base.Add(time.Hour), truth.total())
	if diff := cmp.Diff(truth, got); diff != "" {
		t.Errorf("per-window per-level counts (-produced +reported):\n%s", diff)
	}
	for _, r := range consume(t, n, n.topics.DLQ, 6) {
		var reason string
		for _, h := range r.Headers {
			if h.Key == "logpulse.error" {
				reason = string(h.Value)
			}
		}
		if reason != "invalid_json" {
			t.Errorf("dead-letter record %q: reason %q, want invalid_json", r.Value, reason)
		}
	}
}
