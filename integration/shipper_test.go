package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestProduceFile: `logpulse produce --file` follows a file, survives a
// restart without losing or repeating a line, and --stdin ships a pipe.
func TestProduceFile(t *testing.T) {
	n := startRun(t, t.TempDir(), freeAddr(t))
	base := testBase()
	dir := t.TempDir()
	logPath := filepath.Join(dir, "checkout.log")
	truth := series{}
	i := 0
	write := func(count int) {
		t.Helper()
		f, err := os.OpenFile(logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for range count {
			at := base.Add(time.Duration(i) * 3 * time.Second)
			lvl := []string{"INFO", "WARN", "ERROR", "DEBUG"}[i%4]
			fmt.Fprintf(f, "%s %s order %d\n", at.Format("2006-01-02 15:04:05.000"), lvl, i)
			truth.add(at.Truncate(time.Minute), lvl, 1)
			i++
		}
	}
	b := strings.Join(n.brokers, ",")
	ship := func() *node {
		return start(t, n.brokers, "produce", "--brokers", b, "--topic", n.topics.Logs, "--file", logPath, "--from-start", "--data-dir", dir)
	}
	write(500) // before the shipper starts: --from-start reads it
	p := ship()
	write(300)
	n.settle(base, base.Add(time.Hour), truth.total())
	p.stop()
	write(200) // while stopped
	p = ship()
	write(100)
	got := n.settle(base, base.Add(time.Hour), truth.total())
	if diff := cmp.Diff(truth, got); diff != "" {
		t.Errorf("counts after a restart of the shipper (-written +counted):\n%s", diff)
	}
	svc, err := n.levels(base, base.Add(time.Hour), "checkout")
	if err != nil || svc.total() != truth.total() {
		t.Errorf("service=checkout (the file's name) counted %d, %v; want %d", svc.total(), err, truth.total())
	}
	p.stop()

	// --stdin ends with its input. Its key puts it on a partition that
	// carried nothing so far, so idle: its events come after the file's,
	// as events for windows final meanwhile would count as late.
	var in strings.Builder
	after := base.Add(time.Duration(i) * 3 * time.Second)
	for j := range 50 {
		at := after.Add(time.Duration(j) * time.Second)
		fmt.Fprintf(&in, "%d FATAL crash %d\n", at.Unix(), j)
		truth.add(at.Truncate(time.Minute), "FATAL", 1)
	}
	cmd := exec.Command(binary(t), "produce", "--brokers", b, "--topic", n.topics.Logs, "--stdin", "--key", "batch")
	cmd.Stdin = strings.NewReader(in.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("produce --stdin: %v\n%s", err, out)
	}
	got = n.settle(base, base.Add(time.Hour), truth.total())
	if diff := cmp.Diff(truth, got); diff != "" {
		t.Errorf("counts after --stdin (-written +counted):\n%s", diff)
	}
}
