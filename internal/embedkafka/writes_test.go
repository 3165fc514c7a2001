package embedkafka

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logpulse/logpulse/internal/syncbuf"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// fullSegment makes the first segment of topic's partition 0 under dataDir
// a link to /dev/full, where every write fails with ENOSPC as on a full
// filesystem, and returns the segment's path. Removing the link is freeing
// the space: the broker creates a real file at its next write.
func fullSegment(tb testing.TB, dataDir, topic string) string {
	tb.Helper()
	if _, err := os.Stat("/dev/full"); err != nil {
		tb.Skipf("needs /dev/full: %v", err)
	}
	dir := filepath.Join(dataDir, "partitions", topic+"-0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	seg := filepath.Join(dir, "0.dat")
	os.Remove(seg)
	if err := os.Symlink("/dev/full", seg); err != nil {
		tb.Fatal(err)
	}
	return seg
}

func TestWriteErrorOnFullDisk(t *testing.T) {
	dir := t.TempDir()
	var logs syncbuf.Buffer
	b, err := Start(Config{Listen: "127.0.0.1:0", DataDir: dir, SyncWrites: true, Partitions: 1,
		WriteSettle: 200 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl := client(t, b, kgo.DefaultProduceTopic("t"))
	if _, err := kadm.NewClient(cl).CreateTopics(ctx, 1, 1, nil, "t"); err != nil {
		t.Fatal(err)
	}
	seg := fullSegment(t, dir, "t")

	for range 3 {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("x")}).FirstErr(); err == nil {
			t.Fatal("a produce to a segment on a full disk succeeded")
		}
	}
	werr := b.WriteError()
	if werr == nil || !strings.Contains(werr.Error(), seg) || !strings.Contains(werr.Error(), "no space left on device") {
		t.Fatalf("WriteError() = %v, want the segment %s and 'no space left on device'", werr, seg)
	}
	if n := strings.Count(logs.String(), "embedded broker cannot write its data dir"); n != 1 {
		t.Fatalf("%d error lines for one failing state, want 1:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "path="+seg) {
		t.Fatalf("the error line does not name the path at ERROR:\n%s", logs.String())
	}

	if err := os.Remove(seg); err != nil {
		t.Fatal(err)
	}
	acked := 0
	for range 5 {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("y")}).FirstErr(); err != nil {
			t.Fatalf("produce after the space came back: %v", err)
		}
		acked++
	}
	for b.WriteError() != nil {
		if ctx.Err() != nil {
			t.Fatalf("WriteError() still %v after writes succeeded", b.WriteError())
		}
		time.Sleep(20 * time.Millisecond) // polling a condition with the deadline above
	}
	if !strings.Contains(logs.String(), "embedded broker writes its data dir again") {
		t.Fatalf("no recovery line:\n%s", logs.String())
	}
	if got := endOffset(t, cl, "t"); got != int64(acked) {
		t.Fatalf("partition holds %d records, %d were acknowledged", got, acked)
	}
}
