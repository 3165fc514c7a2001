package kfake

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The tests of the logpulse patch (txn_recover.go). A crash is a cluster
// that stops listening and persisting at once, without Close's snapshot;
// everything it acknowledged is on disk (SyncWrites).

const recoverTopic = "t"

func recoverCluster(t *testing.T, dir string) *Cluster {
	t.Helper()
	c, err := NewCluster(DataDir(dir), SyncWrites(), NumBrokers(1), SeedTopics(2, recoverTopic))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// crash stops c as a SIGKILL would, as far as its data dir can tell.
func crash(c *Cluster) {
	c.admin(func() {
		c.dead.Store(true)
		for _, b := range c.bs {
			b.ln.Close()
		}
	})
}

func txnClient(t *testing.T, c *Cluster) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.TransactionalID("tx"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.TransactionTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// produceTxn produces value to each partition in a new transaction and
// commits it when commit is set, or leaves it open.
func produceTxn(t *testing.T, cl *kgo.Client, value string, commit bool, parts ...int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		r := &kgo.Record{Topic: recoverTopic, Partition: p, Value: []byte(value)}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if commit {
		if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
			t.Fatal(err)
		}
	}
}

// committed commits a last "end" on every partition through cl, then
// reads each partition read_committed up to it and returns the values
// before it, in order.
func committed(t *testing.T, c *Cluster, cl *kgo.Client) map[int32][]string {
	t.Helper()
	produceTxn(t, cl, "end", true, 0, 1)
	rd, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(recoverTopic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(map[int32][]string)
	ended := make(map[int32]bool)
	for len(ended) < 2 {
		f := rd.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %v, no end marker on every partition", got)
		}
		f.EachRecord(func(r *kgo.Record) {
			switch {
			case ended[r.Partition]:
			case string(r.Value) == "end":
				ended[r.Partition] = true
			default:
				got[r.Partition] = append(got[r.Partition], string(r.Value))
			}
		})
	}
	return got
}

// TestCrashAbortIsDurable: a transaction open at a crash is aborted, and
// stays aborted after the same producer commits on that partition and the
// broker restarts again (upstream: the in-memory abort was forgotten and
// the later commit marker made the aborted batch visible).
func TestCrashAbortIsDurable(t *testing.T) {
	dir := t.TempDir()
	c1 := recoverCluster(t, dir)
	cl1 := txnClient(t, c1)
	produceTxn(t, cl1, "a", true, 0, 1)
	produceTxn(t, cl1, "b", false, 0, 1)
	crash(c1)
	cl1.Close()

	c2 := recoverCluster(t, dir)
	cl2 := txnClient(t, c2)
	produceTxn(t, cl2, "c", true, 0)
	crash(c2)
	cl2.Close()

	c3 := recoverCluster(t, dir)
	defer c3.Close()
	cl3 := txnClient(t, c3)
	defer cl3.Close()
	want := map[int32][]string{0: {"a", "c"}, 1: {"a"}}
	if got := committed(t, c3, cl3); !equalValues(got, want) {
		t.Fatalf("read_committed after two crashes: got %v, want %v", got, want)
	}
}

// TestLostIndexEntryStaysTransactional: a crash between the segment write
// and the index write of an open transaction's batch must not make the
// batch read as non-transactional (upstream: it became visible, never
// aborted).
func TestLostIndexEntryStaysTransactional(t *testing.T) {
	dir := t.TempDir()
	c1 := recoverCluster(t, dir)
	cl1 := txnClient(t, c1)
	produceTxn(t, cl1, "a", true, 0, 1)
	produceTxn(t, cl1, "b", false, 0)
	crash(c1)
	cl1.Close()
	idx := filepath.Join(partDir(dir, recoverTopic, 0), indexFileName(0))
	info, err := os.Stat(idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(idx, info.Size()-indexEntrySize); err != nil {
		t.Fatal(err)
	}

	c2 := recoverCluster(t, dir)
	cl2 := txnClient(t, c2)
	produceTxn(t, cl2, "c", true, 0)
	crash(c2)
	cl2.Close()

	c3 := recoverCluster(t, dir)
	defer c3.Close()
	cl3 := txnClient(t, c3)
	defer cl3.Close()
	want := map[int32][]string{0: {"a", "c"}, 1: {"a"}}
	if got := committed(t, c3, cl3); !equalValues(got, want) {
		t.Fatalf("read_committed after a lost index entry: got %v, want %v", got, want)
	}
}

// TestPreparedCommitCompletes: a crash after the commit decision is
// persisted but before (all) its markers are written commits the whole
// transaction on restart and applies its staged offsets (upstream: the
// partitions without a marker were aborted and the offsets dropped, so a
// consume-transform-produce client processed the committed part again).
func TestPreparedCommitCompletes(t *testing.T) {
	for _, markersWritten := range []int{0, 1} {
		dir := t.TempDir()
		c1 := recoverCluster(t, dir)
		cl1 := txnClient(t, c1)
		produceTxn(t, cl1, "a", true, 0, 1)
		produceTxn(t, cl1, "b", false, 0, 1)
		c1.admin(func() {
			pidinf := c1.pids.byTxid["tx"]
			staged := tps[offsetCommit]{}
			staged.set("logs", 3, offsetCommit{offset: 42})
			pidinf.txGroups = []string{"g"}
			pidinf.txOffsets = map[string]tps[offsetCommit]{"g": staged}
			c1.prepareCommit(pidinf, 5)
			// The first markers of endTx, then the crash.
			pidinf.txParts.each(func(t string, p int32, pd *partData) {
				if p >= int32(markersWritten) {
					return
				}
				delete(pd.uncommittedPIDs, pidinf.id)
				b, n := txnMarkerBatch(pidinf.id, pidinf.epoch, true, 0)
				c1.pushBatch(pd, n, b, false)
				pd.recalculateLSO()
			})
		})
		crash(c1)
		cl1.Close()

		c2 := recoverCluster(t, dir)
		var offset int64 = -1
		c2.admin(func() {
			if g, ok := c2.groups.gs["g"]; ok {
				if oc, ok := g.commits.getp("logs", 3); ok {
					offset = oc.offset
				}
			}
		})
		if offset != 42 {
			t.Errorf("%d markers written: staged offset after restart %d, want 42", markersWritten, offset)
		}
		cl2 := txnClient(t, c2)
		want := map[int32][]string{0: {"a", "b"}, 1: {"a", "b"}}
		if got := committed(t, c2, cl2); !equalValues(got, want) {
			t.Errorf("%d markers written: read_committed got %v, want %v", markersWritten, got, want)
		}
		cl2.Close()
		c2.Close()
	}
}

func equalValues(a, b map[int32][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for p, v := range a {
		if !slices.Equal(v, b[p]) {
			return false
		}
	}
	return true
}

// TestRestoredOpenTxnIsLeftOpen: after a clean shutdown the session state
// restores an open transaction for its client to end; a partition replayed
// in full (its snapshot gone) must not abort it at start.
func TestRestoredOpenTxnIsLeftOpen(t *testing.T) {
	dir := t.TempDir()
	c1 := recoverCluster(t, dir)
	cl1 := txnClient(t, c1)
	produceTxn(t, cl1, "a", true, 0, 1)
	produceTxn(t, cl1, "b", false, 0, 1)
	c1.Close()
	cl1.Close()
	if err := os.Remove(filepath.Join(partDir(dir, recoverTopic, 0), "snapshot.json")); err != nil {
		t.Fatal(err)
	}

	c2 := recoverCluster(t, dir)
	defer c2.Close()
	// The client's EndTxn(commit) after the restart.
	c2.admin(func() {
		pidinf := c2.pids.byTxid["tx"]
		if pidinf == nil || !pidinf.inTx {
			t.Errorf("transaction not restored as open: %+v", pidinf)
			return
		}
		pidinf.endTx(true)
	})
	cl2 := txnClient(t, c2)
	defer cl2.Close()
	want := map[int32][]string{0: {"a", "b"}, 1: {"a", "b"}}
	if got := committed(t, c2, cl2); !equalValues(got, want) {
		t.Fatalf("read_committed after a restored transaction committed: got %v, want %v", got, want)
	}
}
