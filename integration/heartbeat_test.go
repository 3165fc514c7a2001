package integration

import (
	"testing"
	"time"

	"github.com/logpulse/logpulse/internal/generator"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestIdleHeartbeat: events on one partition of six, then silence. Without
// heartbeats the five quiet partitions hold every window open forever;
// with --idle-heartbeat the windows become final, their counts unchanged.
func TestIdleHeartbeat(t *testing.T) {
	n := startRun(t, t.TempDir(), freeAddr(t),
		"--window", "1s", "--grace", "1s", "--retention", "1h", "--idle-heartbeat", "200ms")
	t0 := time.Now().UTC().Truncate(time.Second)
	src := generator.NewSource(9, 1)
	var recs []*kgo.Record
	for i := range 200 {
		e := src.Next(t0.Add(time.Duration(i) * 5 * time.Millisecond))
		r := generator.Record(n.topics.Logs, "text", e) // keyed by service: one partition
		recs = append(recs, r)
	}
	produceSync(t, n.producer(), recs)
	from, to := t0.Add(-2*time.Second), t0.Add(3*time.Second)
	poll(t, time.Minute, "the windows of the events final, all 200 counted", func() (bool, string) {
		lr, err := n.rawLevelsStep(from, to, "1s")
		if err != nil {
			return false, err.Error()
		}
		var total, late int64
		final := true
		for _, w := range lr.Windows {
			for _, c := range w.Counts {
				total += c
			}
			late += w.Late
			final = final && w.Final
		}
		if late != 0 {
			t.Fatalf("%d events counted late: a heartbeat overtook them", late)
		}
		return final && total == 200, "not yet"
	})
}
