package alerts

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/internal/embedkafka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

const alertsTopic = "logpulse-alerts"

// startBroker starts an embedded broker with the alerts topic as topology
// creates it: one partition, compacted.
func startBroker(tb testing.TB) *kgo.Client {
	tb.Helper()
	b, err := embedkafka.Start(embedkafka.Config{Listen: "127.0.0.1:0", Partitions: 1, Logger: testLogger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...),
		kgo.RetryBackoffFn(func(int) time.Duration { return 20 * time.Millisecond }))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(cl.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	policy := "compact,delete"
	res, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, map[string]*string{"cleanup.policy": &policy}, alertsTopic)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		tb.Fatal(err)
	}
	return cl
}

// Transitions reach the topic keyed by ID with the state header; after a
// restart, LoadPublished lets the engine skip what is already there and
// publish only what is new.
func TestPublishAndReload(t *testing.T) {
	cl := startBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	if got, err := LoadPublished(ctx, cl, alertsTopic); err != nil || len(got) != 0 {
		t.Fatalf("empty topic: %v, %v", got, err)
	}
	if got, err := LoadPublished(ctx, cl, "no-such-topic"); err != nil || len(got) != 0 {
		t.Fatalf("missing topic: %v, %v", got, err)
	}

	src := newFakeSource()
	src.series("api", errs(9, 0, 9, 9, 9, 0)...)
	rules := []Rule{{Name: "c", Count: ptr[int64](5)}}
	newEngine := func(published map[string]string) *Engine {
		e, err := New(Config{Window: testWindow, Rules: rules, Source: src, Logger: testLogger(t),
			Publish: NewPublisher(cl, alertsTopic), Published: published})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}

	// First run: windows 0-3 (firing, resolved, firing).
	src.setWatermark(at(4))
	if err := newEngine(nil).Step(ctx); err != nil {
		t.Fatal(err)
	}
	published, err := LoadPublished(ctx, cl, alertsTopic)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"c|api|2026-11-26T10:00:00Z": StateResolved, "c|api|2026-11-26T10:02:00Z": StateFiring}
	if diff := cmp.Diff(want, published); diff != "" {
		t.Fatalf("published (-want +got):\n%s", diff)
	}

	// Restart with two more windows final: only the resolve is new.
	src.setWatermark(at(6))
	if err := newEngine(published).Step(ctx); err != nil {
		t.Fatal(err)
	}
	recs := readAll(ctx, t, cl)
	var got []string
	for _, r := range recs {
		var a Alert
		if err := json.Unmarshal(r.Value, &a); err != nil {
			t.Fatal(err)
		}
		if string(r.Key) != a.ID || len(r.Headers) != 1 || r.Headers[0].Key != StateHeader || string(r.Headers[0].Value) != a.State {
			t.Errorf("record key %q headers %v for alert %s %s", r.Key, r.Headers, a.ID, a.State)
		}
		got = append(got, a.State+" "+a.ID)
	}
	wantRecs := []string{
		"firing c|api|2026-11-26T10:00:00Z", "resolved c|api|2026-11-26T10:00:00Z",
		"firing c|api|2026-11-26T10:02:00Z", "resolved c|api|2026-11-26T10:02:00Z",
	}
	if diff := cmp.Diff(wantRecs, got); diff != "" {
		t.Errorf("records on %s (-want +got):\n%s", alertsTopic, diff)
	}
}

// readAll reads every record of the alerts topic.
func readAll(ctx context.Context, tb testing.TB, cl *kgo.Client) []*kgo.Record {
	tb.Helper()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, alertsTopic)
	if err != nil {
		tb.Fatal(err)
	}
	end, _ := ends.Lookup(alertsTopic, 0)
	rd, err := kgo.NewClient(append(cl.Opts(), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		alertsTopic: {0: kgo.NewOffset().AtStart()}}))...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rd.Close()
	var out []*kgo.Record
	for int64(len(out)) < end.Offset {
		fs := rd.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			tb.Fatalf("read %d of %d records: %v", len(out), end.Offset, err)
		}
		out = append(out, fs.Records()...)
	}
	return out
}

// LoadPublished reads committed transactions only, and returns although
// the topic ends with a commit marker rather than a record.
func TestLoadPublishedReadCommitted(t *testing.T) {
	cl := startBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tx, err := kgo.NewClient(append(cl.Opts(), kgo.TransactionalID("alerts-test"))...)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	write := func(id, state string, commit kgo.TransactionEndTry) {
		t.Helper()
		if err := tx.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		v, _ := json.Marshal(Alert{ID: id, State: state})
		if err := tx.ProduceSync(ctx, &kgo.Record{Topic: alertsTopic, Key: []byte(id), Value: v}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if err := tx.EndTransaction(ctx, commit); err != nil {
			t.Fatal(err)
		}
	}
	write("a", StateFiring, kgo.TryCommit)
	write("b", StateFiring, kgo.TryAbort)
	write("a", StateResolved, kgo.TryAbort)
	got, err := LoadPublished(ctx, cl, alertsTopic)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"a": StateFiring}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// LoadPublished refuses a client whose options would make its reader
// fence a transactional producer or join a group.
func TestLoadPublishedNeedsPlainClient(t *testing.T) {
	cl, err := kgo.NewClient(kgo.SeedBrokers("127.0.0.1:1"), kgo.TransactionalID("x"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := LoadPublished(context.Background(), cl, alertsTopic); err == nil {
		t.Error("LoadPublished accepted a transactional client")
	}
}
