package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/internal/generator"
	"github.com/twmb/franz-go/pkg/kgo"
)

// readyz returns /readyz's status and its error field.
func (n *node) readyz() (int, string, error) {
	resp, err := http.Get("http://" + n.http + "/readyz")
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var body struct{ Error string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return resp.StatusCode, "", fmt.Errorf("readyz body is not JSON: %w", err)
	}
	return resp.StatusCode, body.Error, nil
}

// produceCounting produces recs and returns the truth of the acknowledged
// ones and how many failed.
func produceCounting(tb testing.TB, cl *kgo.Client, evs []generator.Event, recs []*kgo.Record) (series, int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	event := make(map[*kgo.Record]generator.Event, len(recs))
	for i, r := range recs {
		event[r] = evs[i]
	}
	acked, failed := series{}, 0
	// Results come in the order the produces finished.
	for _, res := range cl.ProduceSync(ctx, recs...) {
		if res.Err != nil {
			failed++
			continue
		}
		e := event[res.Record]
		acked.add(e.Time.Truncate(time.Minute), e.Level.String(), 1)
	}
	return acked, failed
}

// TestFullDiskMakesNotReady: a full disk is reported, not hidden. While the
// embedded broker cannot write a segment (it is /dev/full, where every write
// fails with ENOSPC as on a full filesystem), /readyz answers 503 naming the
// file and the OS error, and the log says so once at ERROR; when the space
// is back, /readyz is 200 again and every acknowledged event is counted, no
// more.
func TestFullDiskMakesNotReady(t *testing.T) {
	if external() != "" {
		t.Skip("the disk of an external cluster is not ours to fill")
	}
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skipf("needs /dev/full: %v", err)
	}
	dataDir := t.TempDir()
	n := startRun(t, dataDir, freeAddr(t))
	// Nothing has written to the input topic yet, so its first segment
	// is opened at the first produce: make partition 0's a link to
	// /dev/full.
	dir := filepath.Join(dataDir, "broker", "partitions", url.PathEscape(n.topics.Logs)+"-0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	seg := filepath.Join(dir, "0.dat")
	if err := os.Symlink("/dev/full", seg); err != nil {
		t.Fatal(err)
	}

	base := testBase()
	evs, _ := events(3000, base, 20*time.Minute, 7)
	recs := make([]*kgo.Record, len(evs))
	for i, e := range evs {
		recs[i] = generator.Record(n.topics.Logs, "json", e)
		recs[i].Partition = int32(i % 2) // half to the full partition 0
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.brokers...), kgo.DefaultProduceTopic(n.topics.Logs),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	truth, failed := produceCounting(t, cl, evs[:1500], recs[:1500])
	if failed == 0 {
		t.Fatal("no produce failed with partition 0's segment on a full device")
	}
	t.Logf("while the disk was full: %d acknowledged, %d failed", truth.total(), failed)
	poll(t, 10*time.Second, "readyz 503 naming the segment", func() (bool, string) {
		code, reason, err := n.readyz()
		if err != nil {
			return false, err.Error()
		}
		return code == http.StatusServiceUnavailable && strings.Contains(reason, seg) &&
			strings.Contains(reason, "no space left on device"), fmt.Sprint(code, " ", reason)
	})
	logText, _ := os.ReadFile(n.logPath)
	if c := strings.Count(string(logText), "embedded broker cannot write its data dir"); c != 1 ||
		!strings.Contains(string(logText), "level=ERROR") || !strings.Contains(string(logText), seg) {
		t.Fatalf("want one ERROR line naming %s, found %d", seg, c)
	}

	// Space again: the broker creates a real segment at its next write.
	if err := os.Remove(seg); err != nil {
		t.Fatal(err)
	}
	more, failed := produceCounting(t, cl, evs[1500:], recs[1500:])
	if failed != 0 {
		t.Fatalf("%d produces failed with space back", failed)
	}
	for w, ls := range more {
		for l, c := range ls {
			truth.add(w, l, c)
		}
	}
	n.waitReadyWithin(30 * time.Second)
	got := n.settle(base, base.Add(20*time.Minute), truth.total())
	if diff := cmp.Diff(truth, got); diff != "" {
		t.Errorf("per-window per-level counts (-acknowledged +reported):\n%s", diff)
	}
	logText, _ = os.ReadFile(n.logPath)
	if !strings.Contains(string(logText), "embedded broker writes its data dir again") {
		t.Error("no log line says the broker writes again")
	}
}
