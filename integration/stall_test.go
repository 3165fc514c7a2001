package integration

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStallMetric: an aggregate instance that stops making progress while
// deltas wait for it shows on /metrics as logpulse_group_stalled_seconds
// of the aggregate group growing past stallShown, while ingest's stays
// below; once it runs again the gauge goes back to zero and the counts
// are exact. The instance is frozen with SIGSTOP: it holds its partitions
// until its session expires, then the group has no member, as after a
// crash with no replacement.
//
// It fails if the gauge is not exported, stays at zero during the stall, or
// does not return to zero once the group catches up.
func TestStallMetric(t *testing.T) {
	r := newChurnRig(t)
	r.stage("ingest", "--transactional-id", "stall-ingest")
	agg := r.stage("aggregate")
	r.serve().waitReady()
	r.settled("at the start")
	r.produce(5000)
	topics := r.view.topics
	poll(t, churnProgress, "5,000 events counted", func() (bool, string) {
		got, err := r.view.levels(r.from, r.to, "")
		if err != nil {
			return false, err.Error()
		}
		return got.total() == 5000, fmt.Sprintf("counted %d", got.total())
	})

	agg.cmd.Process.Signal(syscall.SIGSTOP)
	r.logf("stopped the aggregate with SIGSTOP")
	r.produce(5000)
	poll(t, churnProgress, "the aggregate group reported stalled", func() (bool, string) {
		m, err := scrape(r.view.http)
		if err != nil {
			return false, err.Error()
		}
		// Ingest's gauge counts while a batch is in flight too (the time
		// since its last commit while records wait), but never long.
		if s := m[stalledKey(topics.IngestGroup)]; s >= stallShown.Seconds() {
			t.Fatalf("ingest reported stalled for %v s while it keeps up", s)
		}
		s := m[stalledKey(topics.AggregateGroup)]
		var lags []string
		for k, v := range m {
			if strings.HasPrefix(k, "logpulse_consumer_lag") || strings.HasPrefix(k, "logpulse_group") {
				lags = append(lags, fmt.Sprintf("%s=%v", k, v))
			}
		}
		return s >= stallShown.Seconds(), fmt.Sprintf("aggregate stalled %v s, ingest %v s; %v", s, m[stalledKey(topics.IngestGroup)], lags)
	})
	r.logf("the aggregate group reported stalled")

	agg.cmd.Process.Signal(syscall.SIGCONT)
	r.logf("continued the aggregate with SIGCONT")
	poll(t, time.Minute, "the aggregate group caught up, stall cleared", func() (bool, string) {
		m, err := scrape(r.view.http)
		if err != nil {
			return false, err.Error()
		}
		got, err := r.view.levels(r.from, r.to, "")
		if err != nil {
			return false, err.Error()
		}
		s := m[stalledKey(topics.AggregateGroup)]
		return got.total() == 10000 && s == 0, fmt.Sprintf("counted %d, aggregate stalled %v s", got.total(), s)
	})
}

// stallShown is the stall the aggregate must show, and more than ingest may
// show while it keeps up.
const stallShown = 10 * time.Second

func stalledKey(group string) string {
	return `logpulse_group_stalled_seconds{group="` + group + `"}`
}

// scrape reads the samples of a Prometheus text exposition at addr.
func scrape(addr string) (map[string]float64, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("metric line %q: %w", line, err)
		}
		m[line[:i]] = v
	}
	return m, sc.Err()
}
