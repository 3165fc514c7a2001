package kfake

import (
	"context"
	"errors"
	"hash/crc32"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// The tests of the logpulse patch write_health.go: a failed segment write
// is reported once to WriteHealthFn, the produce is answered with the OS
// error, and its retry is appended rather than taken for a duplicate.

// idempotentBatch encodes one record with the producer's sequence seq.
func idempotentBatch(pid int64, epoch int16, seq int32, value string) []byte {
	rec := kmsg.Record{Value: []byte(value)}
	rec.Length = int32(len(rec.AppendTo(nil)) - 1)
	now := time.Now().UnixMilli()
	b := kmsg.RecordBatch{
		PartitionLeaderEpoch: -1, Magic: 2,
		FirstTimestamp: now, MaxTimestamp: now,
		ProducerID: pid, ProducerEpoch: epoch, FirstSequence: seq,
		NumRecords: 1, Records: rec.AppendTo(nil),
	}
	enc := b.AppendTo(nil)
	b.Length = int32(len(enc) - 12)
	b.CRC = int32(crc32.Checksum(enc[21:], crc32c))
	return b.AppendTo(nil)
}

func TestWriteFailureReportedAndRetryAppended(t *testing.T) {
	mfs := newMemFS()
	var (
		mu     sync.Mutex
		states []error
	)
	c, err := NewCluster(withFS(mfs), DataDir("/data"), SyncWrites(), NumBrokers(1), SeedTopics(1, "t"),
		WriteHealthFn(func(err error) { mu.Lock(); states = append(states, err); mu.Unlock() }))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Produce v12 and below name topics; v13+ would need their IDs.
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.MaxVersions(kversion.V3_7_0()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	initResp, err := kmsg.NewPtrInitProducerIDRequest().RequestWith(ctx, cl)
	if err != nil || initResp.ErrorCode != 0 {
		t.Fatalf("init producer id: %v %v", err, kerr.ErrorForCode(initResp.ErrorCode))
	}
	produce := func(seq int32, value string) kmsg.ProduceResponseTopicPartition {
		t.Helper()
		req := kmsg.NewPtrProduceRequest()
		req.Acks, req.TimeoutMillis = -1, 5000
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = "t"
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Records = idempotentBatch(initResp.ProducerID, initResp.ProducerEpoch, seq, value)
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		return resp.Topics[0].Partitions[0]
	}

	if p := produce(0, "a"); p.ErrorCode != 0 || p.BaseOffset != 0 {
		t.Fatalf("first produce: %v at %d", kerr.ErrorForCode(p.ErrorCode), p.BaseOffset)
	}
	enospc := &os.PathError{Op: "write", Path: "/data/partitions/t-0/seg", Err: syscall.ENOSPC}
	mfs.mu.Lock()
	mfs.failNextWrite = enospc
	mfs.mu.Unlock()
	p := produce(1, "b")
	if p.ErrorCode != kerr.UnknownServerError.Code || p.ErrorMessage == nil || !strings.Contains(*p.ErrorMessage, "no space left on device") {
		t.Fatalf("produce on a full disk: %v %v, want UNKNOWN_SERVER_ERROR saying no space left", kerr.ErrorForCode(p.ErrorCode), p.ErrorMessage)
	}
	// The retry of the failed batch must be appended, not answered as a
	// duplicate of a batch that never reached the log.
	if p := produce(1, "b"); p.ErrorCode != 0 || p.BaseOffset != 1 {
		t.Fatalf("retry: %v at %d, want offset 1", kerr.ErrorForCode(p.ErrorCode), p.BaseOffset)
	}
	if p := produce(2, "c"); p.ErrorCode != 0 || p.BaseOffset != 2 {
		t.Fatalf("next produce: %v at %d, want offset 2", kerr.ErrorForCode(p.ErrorCode), p.BaseOffset)
	}
	var hwm int64
	c.admin(func() { pd, _ := c.data.tps.getp("t", 0); hwm = pd.highWatermark })
	if hwm != 3 {
		t.Fatalf("high watermark %d, want 3", hwm)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(states) != 2 || !errors.Is(states[0], syscall.ENOSPC) || states[1] != nil {
		t.Fatalf("write health reports %v, want [ENOSPC, nil]", states)
	}
}
