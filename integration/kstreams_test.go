package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/internal/generator"
	"github.com/logpulse/logpulse/internal/kstreams"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKStreamsPeerCountsExactly builds the Kafka Streams peer that `logpulse
// bench` measures logpulse beside (integration/peers/kstreams) and runs it
// on a real Apache Kafka node: its latest window counts must add up, per
// level, to exactly what was produced, or the bench would compare logpulse
// with a wrong answer. No speed is checked. It needs LOGPULSE_TEST_BROKERS
// (Kafka Streams is not run on the embedded broker) and Maven; with
// LOGPULSE_REQUIRE_KSTREAMS=1 (CI) a missing Maven fails instead of skipping.
// LOGPULSE_TEST_KAFKA_VERSION picks the kafka-streams release to build.
func TestKStreamsPeerCountsExactly(t *testing.T) {
	brokers := external()
	if brokers == "" {
		t.Skip("runs the Kafka Streams peer on real Kafka: set LOGPULSE_TEST_BROKERS")
	}
	for _, tool := range []string{"mvn", "java"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("LOGPULSE_REQUIRE_KSTREAMS") != "" {
				t.Fatalf("%s not found; install Maven and Java 17 (LOGPULSE_REQUIRE_KSTREAMS is set)", tool)
			}
			t.Skipf("%s not found: the Kafka Streams peer needs Maven and Java 17", tool)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	jar, err := kstreams.Build(ctx, filepath.Join("peers", "kstreams"), os.Getenv("LOGPULSE_TEST_KAFKA_VERSION"))
	if err != nil {
		t.Fatal(err)
	}

	p := prefix(t)
	input, output := p+"logs", p+"counts"
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	for _, topic := range []string{input, output} {
		if _, err := adm.CreateTopic(ctx, 6, -1, nil, topic); err != nil {
			t.Fatalf("create %s: %v", topic, err)
		}
	}

	// 5,000 generated events over 20 minutes of event time, in order, so
	// none is later than the grace and every one must be counted.
	const n = 5000
	want := make(map[string]int64)
	src := generator.NewSource(7, 20)
	from := time.Now().Add(-30 * time.Minute).Truncate(time.Minute)
	var recs []*kgo.Record
	for i := range n {
		ev := src.Next(from.Add(time.Duration(i) * 20 * time.Minute / n))
		want[ev.Level.String()]++
		r := generator.Record(input, "json", ev)
		r.Key = []byte(ev.Service)
		recs = append(recs, r)
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}

	peer, err := kstreams.Start(kstreams.Config{
		Jar: jar, Brokers: []string{brokers}, Input: input, Output: output,
		ApplicationID: p + "kstreams", StateDir: t.TempDir(), Window: time.Minute, Grace: 5 * time.Minute,
		JavaOpts: []string{"-Xmx256m"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := peer.Stop(); err != nil {
			t.Error(err)
		}
	}()
	counts, err := kstreams.NewCounts([]string{brokers}, output)
	if err != nil {
		t.Fatal(err)
	}
	defer counts.Close()

	// Until the counts reach n, then a little longer: a double count would
	// show as a total above n within a few commit intervals.
	var reached time.Time
	for {
		select {
		case <-peer.Exited():
			t.Fatal(peer.ExitErr())
		default:
		}
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		total, err := counts.Poll(pctx)
		pcancel()
		if err != nil && ctx.Err() == nil && pctx.Err() == nil {
			t.Fatal(err)
		}
		if ctx.Err() != nil {
			t.Fatalf("the peer's counts add up to %d of %d events before the deadline", total, n)
		}
		if total > n {
			t.Fatalf("the peer's counts add up to %d, more than the %d produced", total, n)
		}
		if total == n && reached.IsZero() {
			reached = time.Now()
		}
		if !reached.IsZero() && time.Since(reached) > 2*time.Second {
			break
		}
	}
	got := counts.ByLevel()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the peer's counts per level (-produced +counted):\n%s", diff)
	}
	t.Logf("peer counted %d events exactly: %v; peak RSS %d MiB", n, got, peer.PeakRSS()>>20)
}
