package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestClockSkewCannotEraseCounts replays what one application with a wrong
// clock did to a running pipeline: 1,000 ERROR events two minutes old, then
// 30 events stamped 23h59m ahead (half in records stamped now, half in
// records its producer stamped a day ahead too), then 500 more real events.
// Before --max-clock-skew, the 30 moved their partition's stream time a day
// ahead: the retention dropped the windows of the 1,000
// (/v1/levels?from=-15m answered 0), also after a restart, and the 500
// counted only as late. Now the 30 count at the time the broker took them,
// every real event counts on time, and so after a restart.
func TestClockSkewCannotEraseCounts(t *testing.T) {
	dir, broker := t.TempDir(), freeAddr(t)
	n := startRun(t, dir, broker, "--grace", "5m")
	now := time.Now().UTC()
	event := func(at, recordTS time.Time) *kgo.Record {
		v := fmt.Sprintf(`{"timestamp":%q,"level":"ERROR","service":"billing","message":"payment failed"}`, at.Format(time.RFC3339Nano))
		// One key: one partition, so every event shares its stream time.
		return &kgo.Record{Topic: n.topics.Logs, Key: []byte("billing"), Value: []byte(v), Timestamp: recordTS}
	}
	var real, skewed, more []*kgo.Record
	for i := range 1000 {
		at := now.Add(-2*time.Minute + time.Duration(i)*time.Millisecond)
		real = append(real, event(at, at))
	}
	ahead := now.Add(23*time.Hour + 59*time.Minute)
	for i := range 30 {
		// Half from a producer that keeps time, half from one whose
		// clock is as wrong as its application's: the broker stamps
		// the input topic's records (LogAppendTime), so those too count
		// at the time they arrived.
		recordTS := now
		if i%2 == 1 {
			recordTS = ahead
		}
		skewed = append(skewed, event(ahead, recordTS))
	}
	for i := range 500 {
		at := now.Add(-90*time.Second + time.Duration(i)*time.Millisecond)
		more = append(more, event(at, at))
	}
	from, to := now.Add(-15*time.Minute).Truncate(time.Minute), now.Add(5*time.Minute).Truncate(time.Minute)
	cl := n.producer()
	produceSync(t, cl, real)
	n.settle(from, to, 1000)
	produceSync(t, cl, skewed)
	n.settle(from, to, 1030)
	produceSync(t, cl, more)
	n.settle(from, to, 1530)
	checkNoLate(t, n, from, to)
	if m := n.getBody(t, "/metrics"); !strings.Contains(m, "logpulse_clock_skewed_events_total 30\n") {
		t.Errorf("/metrics does not count the 30 events moved to their records' timestamp:\n%s", grepLines(m, "clock_skewed"))
	}

	n.stop()
	n = startRun(t, dir, broker, "--grace", "5m")
	n.settle(from, to, 1530)
	checkNoLate(t, n, from, to)
}

// checkNoLate fails the test if a window over [from, to) counted a late
// event.
func checkNoLate(t *testing.T, n *node, from, to time.Time) {
	t.Helper()
	lr, err := n.rawLevels(from, to, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range lr.Windows {
		if w.Late != 0 {
			t.Errorf("window %s counted %d late events; every event was on time", w.Start.Format(time.RFC3339), w.Late)
		}
	}
}

// grepLines returns the lines of s holding sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
