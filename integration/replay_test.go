package integration

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestWindowsAcrossRestart: events around window edges and the grace
// boundary, out of order, some late, on fixed partitions; a run with a
// SIGKILL between the two halves of the input must end with the same table
// (counts and late per window and level) as an uninterrupted run.
func TestWindowsAcrossRestart(t *testing.T) {
	base := testBase()
	rng := rand.New(rand.NewPCG(11, 12))
	var recs []*kgo.Record
	for i := range 6000 {
		// Mostly forward in time with jitter of up to ±8 minutes around
		// minute edges: with --grace 5m some events are late, others
		// land just inside the grace.
		at := base.Add(time.Duration(i)*300*time.Millisecond +
			time.Duration(rng.IntN(16*60)-8*60)*time.Second + time.Duration(rng.IntN(3)-1)*time.Millisecond)
		lvl := []string{"INFO", "WARN", "ERROR"}[rng.IntN(3)]
		recs = append(recs, &kgo.Record{Partition: int32(i % 6), Timestamp: at,
			Value: []byte(fmt.Sprintf(`{"ts": %q, "level": %q, "msg": "m%d", "service": "s%d"}`, at.Format(time.RFC3339Nano), lvl, i, i%3))})
	}
	first, second := recs[:3000], recs[3000:]
	from, to := base.Add(-10*time.Minute), base.Add(50*time.Minute)

	answer := func(n *node) levelsResponse {
		t.Helper()
		lr, err := n.rawLevels(from, to, "")
		if err != nil {
			t.Fatal(err)
		}
		return lr
	}
	produce := func(n *node, rs []*kgo.Record) {
		t.Helper()
		// Fresh records per run: kgo keeps a produced record's context.
		cp := make([]*kgo.Record, len(rs))
		for i, r := range rs {
			cp[i] = &kgo.Record{Topic: n.topics.Logs, Partition: r.Partition, Timestamp: r.Timestamp, Value: r.Value}
		}
		rs = cp
		cl, err := kgo.NewClient(kgo.SeedBrokers(n.brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		produceSync(t, cl, rs)
	}
	settleAll := func(n *node) levelsResponse {
		t.Helper()
		var lr levelsResponse
		poll(t, 2*time.Minute, "every event counted or late", func() (bool, string) {
			lr = answer(n)
			var total int64
			for _, w := range lr.Windows {
				for _, c := range w.Counts {
					total += c
				}
				total += w.Late
			}
			return total == int64(len(recs)), fmt.Sprintf("%d of %d", total, len(recs))
		})
		return lr
	}

	// Uninterrupted.
	// Its own names: on a real cluster (LOGPULSE_TEST_BROKERS) the two
	// runs share the broker.
	a := startRun(t, t.TempDir(), freeAddr(t), "--name-prefix", prefix(t)+"uninterrupted.")
	produce(a, first)
	produce(a, second)
	want := settleAll(a)
	a.stop()

	// Killed between the halves, while counting.
	dir, broker := t.TempDir(), freeAddr(t)
	b := startRun(t, dir, broker)
	produce(b, first)
	poll(t, time.Minute, "counting to begin", func() (bool, string) {
		lr := answer(b)
		return lr.Total > 0, "nothing yet"
	})
	b.kill()
	b = startRun(t, dir, broker)
	produce(b, second)
	got := settleAll(b)

	var late int64
	for _, w := range want.Windows {
		late += w.Late
	}
	if late == 0 {
		t.Fatal("the input has no late events; it would not test lateness")
	}
	type win struct {
		Start  time.Time
		Counts map[string]int64
		Late   int64
	}
	strip := func(lr levelsResponse) []win {
		var out []win
		for _, w := range lr.Windows {
			out = append(out, win{w.Start, w.Counts, w.Late})
		}
		return out
	}
	if diff := cmp.Diff(strip(want), strip(got)); diff != "" {
		t.Errorf("table after a crash differs from the uninterrupted run (-uninterrupted +crashed):\n%s", diff)
	}
}
