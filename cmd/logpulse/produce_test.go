package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/internal/embedkafka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// javaException is what logback writes for one logged exception: 10 lines,
// one event.
func javaException() []string {
	return []string{
		"2024-05-01 12:00:00,123 ERROR [main] c.e.Api: request failed",
		"java.lang.IllegalStateException: order 17 is closed",
		"\tat com.example.Orders.close(Orders.java:88)",
		"\tat com.example.Api.handle(Api.java:41)",
		"\tat java.base/java.lang.Thread.run(Thread.java:1583)",
		"Caused by: java.sql.SQLException: connection reset",
		"\tat org.postgresql.Driver.send(Driver.java:310)",
		"\tat org.postgresql.Driver.query(Driver.java:201)",
		"\tat com.example.Orders.close(Orders.java:80)",
		"\t... 12 more",
	}
}

// produceBroker starts an embedded broker with a one-partition topic "logs"
// and returns its address and a client of it.
func produceBroker(tb testing.TB) (string, *kgo.Client) {
	tb.Helper()
	b, err := embedkafka.Start(embedkafka.Config{Listen: "127.0.0.1:0", Partitions: 1})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(cl.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, "logs"); err != nil {
		tb.Fatal(err)
	}
	return b.Addrs()[0], cl
}

// endOffset is how many records "logs" holds.
func endOffset(tb testing.TB, cl *kgo.Client) int64 {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, "logs")
	if err != nil {
		tb.Fatal(err)
	}
	o, _ := ends.Lookup("logs", 0)
	return o.Offset
}

// waitRecords waits until "logs" holds at least n records, failing the test
// after a deadline.
func waitRecords(tb testing.TB, cl *kgo.Client, n int64) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for endOffset(tb, cl) < n {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %d records, have %d", n, endOffset(tb, cl))
		}
		<-tick.C
	}
}

// recordValues reads every record of "logs".
func recordValues(tb testing.TB, addr string, n int64) []string {
	tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("logs"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []string
	for int64(len(out)) < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			tb.Fatalf("read %d of %d records: %v", len(out), n, err)
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, string(r.Value)) })
	}
	return out
}

// TestProduceStdinMultiline: a Java exception of 10 lines on standard
// input is one record; --multiline=false sends the 10 lines as 10.
func TestProduceStdinMultiline(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a broker")
	}
	lines := javaException()
	in := strings.Join(lines, "\n") + "\n"
	for _, tt := range []struct {
		flags []string
		want  []string
	}{
		{nil, []string{strings.Join(lines, "\n")}},
		{[]string{"--multiline=false"}, lines},
	} {
		t.Run(strings.Join(append([]string{"produce"}, tt.flags...), " "), func(t *testing.T) {
			addr, cl := produceBroker(t)
			args := append([]string{"produce", "--brokers", addr, "--stdin", "--key", "api"}, tt.flags...)
			var out, errOut bytes.Buffer
			if err := run(context.Background(), args, strings.NewReader(in), &out, &errOut); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, errOut.String())
			}
			// Every record was acknowledged before run returned.
			n := endOffset(t, cl)
			if diff := cmp.Diff(tt.want, recordValues(t, addr, n)); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

// TestProduceFileMultiline: the same for a followed file, where the last
// event is sent on --multiline-timeout since nothing follows it.
func TestProduceFileMultiline(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a broker")
	}
	lines := javaException()
	for _, tt := range []struct {
		flags []string
		want  []string
	}{
		{[]string{"--multiline-timeout", "50ms"}, []string{strings.Join(lines, "\n")}},
		{[]string{"--multiline=false"}, lines},
	} {
		t.Run(strings.Join(append([]string{"produce"}, tt.flags...), " "), func(t *testing.T) {
			addr, cl := produceBroker(t)
			dir := t.TempDir()
			path := filepath.Join(dir, "api.log")
			if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"produce", "--brokers", addr, "--file", path, "--from-start", "--data-dir", dir}, tt.flags...)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			var out, errOut bytes.Buffer // read only after run returned
			go func() { done <- run(ctx, args, strings.NewReader(""), &out, &errOut) }()
			waitRecords(t, cl, int64(len(tt.want)))
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("%v: %v\n%s", args, err, errOut.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("produce did not stop after cancel")
			}
			n := endOffset(t, cl)
			if diff := cmp.Diff(tt.want, recordValues(t, addr, n)); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}
