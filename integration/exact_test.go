package integration

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/internal/generator"
	"github.com/twmb/franz-go/pkg/kgo"
)

// events draws n in-order events spread over span from base, and the truth
// the view must report for them.
func events(n int, base time.Time, span time.Duration, seed uint64) ([]generator.Event, series) {
	src := generator.NewSource(seed, 12)
	truth := series{}
	evs := make([]generator.Event, n)
	for i := range evs {
		at := base.Add(time.Duration(int64(span) * int64(i) / int64(n)))
		evs[i] = src.Next(at)
		truth.add(at.Truncate(time.Minute), evs[i].Level.String(), 1)
	}
	return evs, truth
}

// testBase is a fixed hour in the recent past: event times are realistic
// (the record timestamp check allows at most a day into the future) and
// windows are whole.
func testBase() time.Time { return time.Now().UTC().Truncate(time.Hour).Add(-3 * time.Hour) }

func produceSync(tb testing.TB, cl *kgo.Client, recs []*kgo.Record) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := 0; i < len(recs); i += 5000 {
		if err := cl.ProduceSync(ctx, recs[i:min(i+5000, len(recs))]...).FirstErr(); err != nil {
			tb.Fatalf("produce: %v", err)
		}
	}
}

// TestExactCountsFromFranzGo: JSON, logfmt and text records, keyed and unkeyed,
// placed by franz-go's murmur2 partitioner (not goka's hash), plus junk that
// must go to the dead-letter topic without stopping anything.
func TestExactCountsFromFranzGo(t *testing.T) {
	n := startRun(t, t.TempDir(), freeAddr(t))
	base := testBase()
	evs, truth := events(20000, base, 30*time.Minute, 1)
	var recs []*kgo.Record
	for i, e := range evs {
		var r *kgo.Record
		switch i % 3 {
		case 0:
			r = generator.Record(n.topics.Logs, "text", e)
		case 1:
			r = generator.Record(n.topics.Logs, "json", e)
		case 2:
			r = &kgo.Record{Topic: n.topics.Logs, Timestamp: e.Time, Value: []byte(fmt.Sprintf("ts=%s level=%s msg=%q service=%s",
				e.Time.Format(time.RFC3339Nano), e.Level, e.Message, e.Service))}
		}
		recs = append(recs, r)
		if i%1000 == 0 {
			recs = append(recs, &kgo.Record{Topic: n.topics.Logs, Key: []byte("junk"), Value: []byte{'{', 0xff, 0xfe}})
		}
	}
	cl := n.producer()
	produceSync(t, cl, recs)

	got := n.settle(base, base.Add(30*time.Minute), truth.total())
	if diff := cmp.Diff(truth, got); diff != "" {
		t.Errorf("per-window per-level counts (-produced +reported):\n%s", diff)
	}
	checkFinalAndLate(t, n, base)

	// The 20 junk records are in the dead-letter topic, unchanged, with a
	// reason.
	for _, r := range consume(t, n, n.topics.DLQ, 20) {
		hs := map[string]string{}
		for _, h := range r.Headers {
			hs[h.Key] = string(h.Value)
		}
		if string(r.Value) != "{\xff\xfe" || string(r.Key) != "junk" || hs["logpulse.error"] == "" || hs["logpulse.origin.topic"] != n.topics.Logs {
			t.Errorf("dead-letter record key %q value %q headers %v", r.Key, r.Value, hs)
		}
	}
}

// TestKcatProducesExactCounts: librdkafka (kcat) is a real non-Go client
// with its own partitioner (CRC32); text, JSON and logfmt lines keyed by
// service.
func TestKcatProducesExactCounts(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skip("kcat is not installed (apt-get install kcat; .ci/run installs it): skipping the librdkafka client test")
	}
	n := startRun(t, t.TempDir(), freeAddr(t))
	base := testBase()
	evs, truth := events(5000, base, 20*time.Minute, 2)
	var in strings.Builder
	auth := series{}
	for i, e := range evs {
		// Text, JSON and logfmt lines, keyed by service.
		var value string
		switch i % 3 {
		case 0:
			value = string(generator.Record(n.topics.Logs, "text", e).Value)
		case 1:
			value = string(generator.Record(n.topics.Logs, "json", e).Value)
		case 2:
			value = fmt.Sprintf("ts=%s level=%s msg=%q", e.Time.Format(time.RFC3339), strings.ToLower(e.Level.String()), e.Message)
		}
		in.WriteString(e.Service + "\t" + value + "\n")
		if e.Service == "auth" {
			auth.add(e.Time.Truncate(time.Minute), e.Level.String(), 1)
		}
	}
	cmd := exec.Command(kcat, "-P", "-b", strings.Join(n.brokers, ","), "-t", n.topics.Logs, "-K", "\t",
		"-X", "enable.idempotence=true")
	cmd.Stdin = strings.NewReader(in.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat: %v\n%s", err, out)
	}
	got := n.settle(base, base.Add(20*time.Minute), truth.total())
	if diff := cmp.Diff(truth, got); diff != "" {
		t.Errorf("per-window per-level counts (-produced +reported):\n%s", diff)
	}
	gotAuth, err := n.levels(base, base.Add(20*time.Minute), "auth")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(auth, gotAuth); diff != "" || auth.total() == 0 {
		t.Errorf("service=auth counts (-produced +reported):\n%s", diff)
	}
}

// checkFinalAndLate: with events up to base+30m on every input partition,
// windows that ended more than the grace (5m) before that are final; an
// event for one of them that arrives now is counted in its late field, not
// in its counts, and is kept on logs.late.
func checkFinalAndLate(t *testing.T, n *node, base time.Time) {
	t.Helper()
	before, err := n.rawLevels(base, base.Add(30*time.Minute), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range before.Windows {
		if w.Start.Before(base.Add(20*time.Minute)) && !w.Final {
			t.Fatalf("window %s not final; the watermark should be past base+24m", w.Start)
		}
		if w.Late != 0 {
			t.Errorf("window %s: late %d with in-order input", w.Start, w.Late)
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	at := base.Add(90 * time.Second)
	late := &kgo.Record{Topic: n.topics.Logs, Partition: 0, Timestamp: at,
		Value: []byte(fmt.Sprintf(`{"timestamp": %d, "level": "ERROR", "service": "api", "message": "too late"}`, at.UnixMilli()))}
	if err := cl.ProduceSync(context.Background(), late).FirstErr(); err != nil {
		t.Fatal(err)
	}
	poll(t, time.Minute, "the late event in its window's late field", func() (bool, string) {
		lr, err := n.rawLevels(base.Add(time.Minute), base.Add(2*time.Minute), "")
		if err != nil {
			return false, err.Error()
		}
		w := lr.Windows[0]
		return w.Late == 1, fmt.Sprintf("window %s late %d final %v", w.Start, w.Late, w.Final)
	})
	after, err := n.rawLevels(base, base.Add(30*time.Minute), "")
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range after.Windows {
		if diff := cmp.Diff(before.Windows[i].Counts, w.Counts); diff != "" && before.Windows[i].Final {
			t.Errorf("final window %s changed its counts (-before +after):\n%s", w.Start, diff)
		}
	}
	lateRecs := consume(t, n, n.topics.Late, 1)
	if string(lateRecs[0].Value) != string(late.Value) {
		t.Errorf("logs.late holds %q, want the late event", lateRecs[0].Value)
	}
}

// consume reads want records of topic from its start.
func consume(tb testing.TB, n *node, topic string, want int) []*kgo.Record {
	tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < want && ctx.Err() == nil {
		recs = append(recs, cl.PollFetches(ctx).Records()...)
	}
	if len(recs) != want {
		tb.Fatalf("%s: %d records, want %d", topic, len(recs), want)
	}
	return recs
}
