package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSeedSystem runs the code paths of the system logpulse replaces
// against it: producers publishing {"timestamp", "level", "message"} JSON
// to a RabbitMQ queue with aio-pika (read by `produce --amqp`), the same
// JSON posted to POST /log with aiohttp, the generator's text lines through
// `produce --file`, and a level read back with pandas. The bridge is killed
// with SIGKILL mid-stream and RabbitMQ restarted mid-stream while aio-pika
// publishes; the per-level counts over HTTP are exactly what was sent, and
// the logs topic holds each message id once. Embedded broker only: it
// proves the bridge, which is the same on Apache Kafka.
func TestSeedSystem(t *testing.T) {
	if external() != "" {
		t.Skip("the RabbitMQ bridge runs on the embedded-broker pass of the suite only")
	}
	python, seed := seedPython(t)
	rmq := startRabbitMQ(t)
	n := startRun(t, t.TempDir(), freeAddr(t))
	base := testBase()
	queue := prefix(t) + "log_queue"
	truth := series{}
	// Event i of seed.py: level LEVELS[i%3], timestamp base + i*10ms.
	levels := []string{"INFO", "WARN", "ERROR"}
	seedEvents := func(first, count int) {
		for i := first; i < first+count; i++ {
			truth.add(base.Add(time.Duration(i)*10*time.Millisecond).Truncate(time.Minute), levels[i%3], 1)
		}
	}
	baseArg := strconv.FormatInt(base.Unix(), 10)

	// aio-pika publishes for ~12s while the bridge is killed and RabbitMQ
	// restarted.
	const published = 6000
	pub := startPublisher(t, python, seed, rmq.url, queue, "0", strconv.Itoa(published), "500", baseArg)
	seedEvents(0, published)
	bridge := func(queue string, extra ...string) *node {
		return start(t, n.brokers, append([]string{"produce", "--brokers", strings.Join(n.brokers, ","), "--topic", n.topics.Logs,
			"--amqp", rmq.url, "--queue", queue}, extra...)...)
	}
	counted := func(service string, at int64) func() (bool, string) {
		return func() (bool, string) {
			s, err := n.levels(base, base.Add(time.Hour), service)
			if err != nil {
				return false, err.Error()
			}
			return s.total() >= at, fmt.Sprintf("%d counted", s.total())
		}
	}
	br := bridge(queue, "--amqp-prefetch", "200")
	poll(t, time.Minute, "a fifth counted", counted(queue, published/5))
	pub.running(t, "the SIGKILL")
	br.kill()
	br = bridge(queue, "--amqp-prefetch", "200")
	poll(t, time.Minute, "half counted", counted(queue, published/2))
	pub.running(t, "the RabbitMQ restart")
	rmq.restart(t)
	t.Logf("aio-pika: %s", pub.wait(t))

	// POST /log with aiohttp, events 10000 on.
	const posted = 300
	var post struct{ Posted int }
	seedRun(t, python, seed, &post, "post", "http://"+n.http+"/log?service=web", "10000", strconv.Itoa(posted), baseArg)
	seedEvents(10000, posted)

	// The generator's lines, "2024-05-01 12:00:00 LEVEL message", by
	// produce --file.
	dir := t.TempDir()
	var lines strings.Builder
	for j := range 240 {
		at := base.Add(30*time.Minute + time.Duration(j)*time.Second)
		lvl := levels[j%3]
		fmt.Fprintf(&lines, "%s %s generated line %d\n", at.Format(time.DateTime), lvl, j)
		truth.add(at.Truncate(time.Minute), lvl, 1)
	}
	logPath := filepath.Join(dir, "generator.log")
	if err := os.WriteFile(logPath, []byte(lines.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ship := start(t, n.brokers, "produce", "--brokers", strings.Join(n.brokers, ","), "--topic", n.topics.Logs,
		"--file", logPath, "--from-start", "--data-dir", dir)

	total := truth.total()
	got := n.settle(base, base.Add(time.Hour), total)
	if diff := cmp.Diff(truth, got); diff != "" {
		t.Errorf("per-window per-level counts (-sent +reported):\n%s", diff)
	}
	ship.stop()
	br.stop()

	// Each message id once on the topic, with the message's properties.
	ids := map[string]int{}
	for _, r := range consume(t, n, n.topics.Logs, int(total)) {
		var id, ct string
		for _, h := range r.Headers {
			switch h.Key {
			case "amqp.message-id":
				id = string(h.Value)
			case "content-type":
				ct = string(h.Value)
			}
		}
		if string(r.Key) == queue {
			ids[id]++
			if ct != "application/json" {
				t.Errorf("record of message %q: content-type %q, want application/json from the message", id, ct)
			}
		}
	}
	for i := range published {
		if c := ids[fmt.Sprintf("m%d", i)]; c != 1 {
			t.Errorf("message m%d is on the topic %d times, want once", i, c)
		}
	}

	// pandas reads a level the way the replaced CSV store was queried.
	rng := "from=" + url.QueryEscape(base.Format(time.RFC3339)) + "&to=" + url.QueryEscape(base.Add(time.Hour).Format(time.RFC3339))
	var pd struct {
		Columns []string
		Rows    int
		Levels  []string
	}
	seedRun(t, python, seed, &pd, "query", "http://"+n.http+"/v1/events?level=ERROR&format=csv&limit=1000&"+rng)
	if len(pd.Columns) < 3 || !cmp.Equal(pd.Columns[:3], []string{"timestamp", "level", "message"}) || pd.Rows == 0 ||
		!cmp.Equal(pd.Levels, []string{"ERROR"}) {
		t.Errorf("pandas.read_csv(/v1/events?level=ERROR&format=csv): %+v, want columns timestamp, level, message first and ERROR rows", pd)
	}
	// INFO is counted, not sampled: the answer says how many there were.
	resp, err := http.Get("http://" + n.http + "/v1/events?level=INFO&" + rng)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct {
		Count   int64 `json:"count"`
		Sampled bool  `json:"sampled"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /v1/events?level=INFO: %d %v", resp.StatusCode, err)
	}
	var wantInfo int64
	for _, w := range truth {
		wantInfo += w["INFO"]
	}
	if info.Count != wantInfo || info.Sampled {
		t.Errorf("GET /v1/events?level=INFO: count %d, sampled %v; want %d, false", info.Count, info.Sampled, wantInfo)
	}

	// Without message ids the bridge is at least once: a SIGKILL writes
	// again at most the unacknowledged window (--amqp-prefetch).
	const noIDs, window = 3000, 100
	queue2 := prefix(t) + "noid_queue"
	pub = startPublisher(t, python, seed, rmq.url, queue2, "20000", strconv.Itoa(noIDs), "500", baseArg, "noid")
	br = bridge(queue2, "--amqp-prefetch", strconv.Itoa(window), "--key", "noid")
	poll(t, time.Minute, "a fifth counted", counted("noid", noIDs/5))
	pub.running(t, "the SIGKILL")
	br.kill()
	br = bridge(queue2, "--amqp-prefetch", strconv.Itoa(window), "--key", "noid")
	pub.wait(t)
	poll(t, 2*time.Minute, "every message counted", counted("noid", noIDs))
	br.stop()
	c := n.drainedCount(base, base.Add(time.Hour), "noid")
	t.Logf("messages without ids: %d sent, %d counted after a SIGKILL of the bridge", noIDs, c)
	if c < noIDs || c > noIDs+window {
		t.Errorf("messages without ids: %d counted after a SIGKILL, want %d to %d (at most the prefetch window again)", c, noIDs, noIDs+window)
	}
}

// drainedCount waits until the pipeline has consumed everything (both
// groups at zero lag) and returns the service's total count.
func (n *node) drainedCount(from, to time.Time, service string) int64 {
	n.tb.Helper()
	adm := n.admin()
	var got int64
	poll(n.tb, 2*time.Minute, "zero lag", func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		lags, err := adm.Lag(ctx, n.topics.IngestGroup, n.topics.AggregateGroup)
		if err != nil {
			return false, err.Error()
		}
		var lag int64
		for _, g := range lags {
			if g.FetchErr != nil || g.DescribeErr != nil {
				return false, fmt.Sprint(g.FetchErr, g.DescribeErr)
			}
			for _, ps := range g.Lag {
				for _, l := range ps {
					lag += max(l.Lag-1, 0) // a commit marker is never delivered (see settle)
				}
			}
		}
		s, err := n.levels(from, to, service)
		if err != nil {
			return false, err.Error()
		}
		got = s.total()
		return lag == 0, fmt.Sprintf("lag %d, counted %d", lag, got)
	})
	return got
}
