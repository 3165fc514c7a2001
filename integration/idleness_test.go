package integration

import (
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// logLine is a JSON event of service at t, keyed by key.
func logLine(topic, key, service, level string, t time.Time, msg string) *kgo.Record {
	v := fmt.Sprintf(`{"timestamp":%q,"level":%q,"service":%q,"message":%q}`, t.Format(time.RFC3339Nano), level, service, msg)
	return &kgo.Record{Topic: topic, Key: []byte(key), Value: []byte(v)}
}

// windowState is one window of /v1/levels for a service.
type windowState struct {
	total, late int64
	final       bool
}

// windowsOf returns the windows of service over [from, to) by start, by
// minute, or by second if the range is shorter.
func windowsOf(n *node, from, to time.Time, service string) (map[time.Time]windowState, error) {
	step := "1m"
	if to.Sub(from) < time.Minute {
		step = "1s"
	}
	lr, err := n.query(fmt.Sprintf("from=%s&to=%s&step=%s&service=%s", from.Format(time.RFC3339), to.Format(time.RFC3339), step, service))
	if err != nil {
		return nil, err
	}
	out := map[time.Time]windowState{}
	for _, w := range lr.Windows {
		var total int64
		for _, c := range w.Counts {
			total += c
		}
		out[w.Start] = windowState{total: total, late: w.Late, final: w.Final}
	}
	return out, nil
}

// TestOneKeyClosesWindows is the first thing a new user tries: every event
// under one key, so on one partition of six, with the default settings but
// for the grace. The five partitions that never carried a record must not
// hold the windows open: once stream time passes a window's end plus the
// grace it is final, and the default error-ratio rule fires on it.
func TestOneKeyClosesWindows(t *testing.T) {
	n := startRun(t, t.TempDir(), freeAddr(t), "--grace", "30s")
	// Eight minutes back, so that the 5-minute rule has its five windows.
	w0 := time.Now().UTC().Truncate(time.Minute).Add(-8 * time.Minute)
	w7 := w0.Add(7 * time.Minute)
	var recs []*kgo.Record
	for _, w := range []time.Time{w0, w7} {
		for i := range 50 {
			recs = append(recs, logLine(n.topics.Logs, "billing", "billing", "ERROR", w.Add(10*time.Second+time.Duration(i)*time.Millisecond), "disk full"))
		}
	}
	// Stream time w7+1m30s: the end of w7 plus the grace.
	recs = append(recs, logLine(n.topics.Logs, "billing", "billing", "INFO", w7.Add(90*time.Second), "recovered"))
	produceSync(t, n.producer(), recs)

	poll(t, time.Minute, "the windows of billing's errors final with 50 events each", func() (bool, string) {
		ws, err := windowsOf(n, w0, w7.Add(2*time.Minute), "billing")
		if err != nil {
			return false, err.Error()
		}
		a, b := ws[w0], ws[w7]
		return a == windowState{total: 50, final: true} && b == windowState{total: 50, final: true}, fmt.Sprintf("%+v", ws)
	})
	type alert struct {
		Rule    string `json:"rule"`
		Service string `json:"service"`
	}
	var got struct {
		Active []alert `json:"active"`
	}
	poll(t, 30*time.Second, "the error-ratio alert of billing firing", func() (bool, string) {
		n.getJSON(t, "/v1/alerts", &got)
		for _, a := range got.Active {
			if a.Rule == "error-ratio" && a.Service == "billing" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", got)
	})
}

// TestQuietPartitionComesBack: two keys on two partitions. One goes quiet
// while the other carries on; once the quiet one has carried nothing for
// --idle-after (by the other's record times) it stops holding the windows
// open, and they become final. When it carries records again, its events
// for windows that are final count as late: a final window never changes.
func TestQuietPartitionComesBack(t *testing.T) {
	n := startRun(t, t.TempDir(), freeAddr(t), "--grace", "1s", "--window", "1s", "--idle-after", "2s")
	cl := n.producer()
	p := partitionsOf(t, 6, "alpha", "beta")
	t0 := time.Now().UTC().Truncate(time.Second).Add(-10 * time.Second)
	// beta's one event, in the first window; then alpha's, a second apart,
	// for as long as it takes beta to be idle.
	produceSync(t, cl, []*kgo.Record{logLine(n.topics.Logs, "beta", "beta", "INFO", t0, "hello")})
	var alpha int64
	deadline := time.Now().Add(time.Minute)
	idle := false
	for !idle && time.Now().Before(deadline) {
		produceSync(t, cl, []*kgo.Record{logLine(n.topics.Logs, "alpha", "alpha", "INFO", t0.Add(time.Duration(alpha)*time.Second), "tick")})
		alpha++
		ws, err := windowsOf(n, t0, t0.Add(time.Second), "beta")
		if err != nil {
			t.Fatal(err)
		}
		idle = ws[t0].final
		time.Sleep(200 * time.Millisecond) // a steady producer, not a wait for a result
	}
	if !idle {
		lr, _ := n.query(fmt.Sprintf("from=%s&to=%s&service=beta", t0.Format(time.RFC3339), t0.Add(time.Minute).Format(time.RFC3339)))
		t.Fatalf("beta's window never became final while beta (partition %d) was quiet and alpha (partition %d) carried %d events; watermark %v by %+v", p["beta"], p["alpha"], alpha, lr.Watermark, lr.WatermarkBy)
	}
	// beta comes back with events for its first window, now final, in
	// two transactions: after the first, beta holds the watermark again
	// with its own older stream time, and the window must stay final.
	for i := range int64(2) {
		produceSync(t, cl, []*kgo.Record{logLine(n.topics.Logs, "beta", "beta", "INFO", t0.Add(100*time.Millisecond), "again")})
		poll(t, 30*time.Second, fmt.Sprintf("beta's event %d after its return counted late in its final window", i+1), func() (bool, string) {
			ws, err := windowsOf(n, t0, t0.Add(time.Second), "beta")
			if err != nil {
				return false, err.Error()
			}
			return ws[t0] == windowState{total: 1, late: i + 1, final: true}, fmt.Sprintf("%+v", ws[t0])
		})
	}
}

// TestBackfillCountsNoLate: a day of old events, under several keys,
// produced into a fresh pipeline before it starts, is counted in its
// windows with the default settings: nothing is late, and the windows of
// the day are final once stream time has passed them.
func TestBackfillCountsNoLate(t *testing.T) {
	dir, addr := t.TempDir(), freeAddr(t)
	n := startRun(t, dir, addr)
	day := time.Now().UTC().Truncate(time.Hour).Add(-48 * time.Hour)
	var recs []*kgo.Record
	keys := []string{"api", "db", "web", "auth", "mail"}
	for m := range 24 * 60 { // one event per minute per key, in order
		for _, k := range keys {
			recs = append(recs, logLine(n.topics.Logs, k, k, "INFO", day.Add(time.Duration(m)*time.Minute+time.Duration(len(k))*time.Second), "line"))
		}
	}
	produceSync(t, n.producer(), recs)
	want := int64(len(recs))
	poll(t, 2*time.Minute, fmt.Sprintf("the %d events of the day counted, none late", want), func() (bool, string) {
		lr, err := n.rawLevelsStep(day, day.Add(24*time.Hour), "1h")
		if err != nil {
			return false, err.Error()
		}
		var late int64
		final := 0
		for _, w := range lr.Windows {
			late += w.Late
			if w.Final {
				final++
			}
		}
		if late != 0 {
			t.Fatalf("%d events of the backfill counted late", late)
		}
		return lr.Total == want && final >= 23, fmt.Sprintf("total %d, %d hours final", lr.Total, final)
	})
}

// partitionsOf returns where the producer's default partitioner (murmur2,
// as Java's) puts each key on a topic of n partitions, and fails unless
// they are all on different partitions.
func partitionsOf(t *testing.T, n int, keys ...string) map[string]int32 {
	t.Helper()
	part := kgo.StickyKeyPartitioner(nil).ForTopic("")
	out := map[string]int32{}
	seen := map[int32]string{}
	for _, k := range keys {
		p := int32(part.Partition(&kgo.Record{Key: []byte(k)}, n))
		if other, ok := seen[p]; ok {
			t.Fatalf("keys %q and %q share partition %d: pick others", other, k, p)
		}
		out[k], seen[p] = p, k
	}
	return out
}

// TestReplaySameFigures: three keys on six partitions, ten minutes of
// events and a few that come after their window closed, produced into one
// fresh pipeline and then, the same records, into another. Both count
// every event, call the same windows final and count the same events late:
// finality comes from the records, not from when they were read.
func TestReplaySameFigures(t *testing.T) {
	w0 := time.Now().UTC().Truncate(time.Minute).Add(-12 * time.Minute)
	records := func(topic string) []*kgo.Record {
		var recs []*kgo.Record
		for s := 0; s < 600; s += 3 {
			for _, k := range []string{"api", "db", "web"} {
				recs = append(recs, logLine(topic, k, k, "INFO", w0.Add(time.Duration(s)*time.Second), "tick"))
			}
		}
		// Late by ingest's own rule: their partitions' stream time is
		// ten minutes past their windows.
		for _, k := range []string{"api", "web"} {
			recs = append(recs, logLine(topic, k, k, "ERROR", w0.Add(30*time.Second), "late"))
		}
		return recs
	}
	figures := func() map[time.Time]windowState {
		n := startRun(t, t.TempDir(), freeAddr(t), "--grace", "30s")
		recs := records(n.topics.Logs)
		produceSync(t, n.producer(), recs)
		var got map[time.Time]windowState
		poll(t, time.Minute, fmt.Sprintf("all %d events counted, the first eight windows final", len(recs)), func() (bool, string) {
			ws, err := windowsOf(n, w0, w0.Add(10*time.Minute), "")
			if err != nil {
				return false, err.Error()
			}
			var total, final int64
			for at, w := range ws {
				total += w.total + w.late
				if w.final && at.Before(w0.Add(8*time.Minute)) {
					final++
				}
			}
			got = ws
			return total == int64(len(recs)) && final == 8, fmt.Sprintf("%d counted, %d of the first 8 windows final: %+v", total, final, ws)
		})
		n.stop()
		return got
	}
	a, b := figures(), figures()
	if a[w0].late != 2 {
		t.Errorf("first window: %+v, want the 2 late events", a[w0])
	}
	for at, w := range a {
		if b[at] != w {
			t.Errorf("window %s: %+v in one run, %+v in the replay", at.Format(time.TimeOnly), w, b[at])
		}
	}
}
