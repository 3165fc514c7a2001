package processors

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/twmb/franz-go/pkg/kgo"
)

func newTestIngest(tb testing.TB) *Windower {
	tb.Helper()
	in, err := NewWindower(WindowerConfig{
		Window: time.Minute, Grace: 5 * time.Minute, DeltaPartitions: 4,
		DLQTopic: "logs.dlq", LateTopic: "logs.late",
	})
	if err != nil {
		tb.Fatal(err)
	}
	return in
}

func textRecord(tb testing.TB, part int32, offset int64, at, level, msg string) *kgo.Record {
	tb.Helper()
	ts := mustTime(tb, at)
	return &kgo.Record{
		Topic: "logs", Partition: part, Offset: offset, Key: []byte("api"),
		Value: []byte(strconv.FormatInt(ts.Unix(), 10) + " " + level + " " + msg), Timestamp: ts,
	}
}

// messages builds LevelMessages from (level, template) pairs, one each.
func messages(pairs ...any) table.LevelMessages {
	var lm table.LevelMessages
	for i := 0; i < len(pairs); i += 2 {
		lm.Add(pairs[i].(codecs.Level), pairs[i+1].(string), 1, table.MessageCapacity)
	}
	return lm
}

func TestIngestBuild(t *testing.T) {
	in := newTestIngest(t)
	in.Restore(0, time.Time{})
	in.Restore(1, time.Time{})
	recs := []*kgo.Record{
		textRecord(t, 0, 0, "2026-11-26T10:00:05Z", "ERROR", "disk full"),
		textRecord(t, 0, 1, "2026-11-26T10:00:59Z", "INFO", "ok"),
		textRecord(t, 0, 2, "2026-11-26T10:07:00Z", "INFO", "ok"),
		// 10:00 window closed at 10:06; stream time is 10:07 on partition 0
		textRecord(t, 0, 3, "2026-11-26T10:00:30Z", "WARN", "late"),
		// partition 1 has its own stream time: not late there
		textRecord(t, 1, 0, "2026-11-26T10:00:30Z", "WARN", "on time"),
		{Topic: "logs", Partition: 1, Offset: 1, Value: []byte{0xff, 0x00, 0x01}, Headers: []kgo.RecordHeader{{Key: "trace", Value: []byte("x")}}},
	}
	b := mustBuild(t, in, recs)

	w10 := table.WindowKey("api", mustTime(t, "2026-11-26T10:00:00Z"))
	w17 := table.WindowKey("api", mustTime(t, "2026-11-26T10:07:00Z"))
	want := map[string]table.Delta{
		w10: {
			Counts: counts(codecs.LevelError, 1, codecs.LevelInfo, 1, codecs.LevelWarn, 1), Late: counts(codecs.LevelWarn, 1),
			// WARN and up are sampled, newest first; late events are not.
			Samples: []table.Sample{
				{TimeMs: mustTime(t, "2026-11-26T10:00:30Z").UnixMilli(), Level: codecs.LevelWarn, Message: "on time", Partition: 1},
				{TimeMs: mustTime(t, "2026-11-26T10:00:05Z").UnixMilli(), Level: codecs.LevelError, Message: "disk full"},
			},
			Messages: messages(codecs.LevelWarn, "on time", codecs.LevelError, "disk full"),
		},
		w17: {Counts: counts(codecs.LevelInfo, 1)},
	}
	for k, d := range b.Deltas {
		if diff := cmp.Diff(want[k], *d); diff != "" {
			t.Errorf("delta %q (-want +got):\n%s", k, diff)
		}
		delete(want, k)
	}
	for k := range want {
		t.Errorf("missing delta %q", k)
	}
	if len(b.Late) != 1 || string(b.Late[0].Value) != string(recs[3].Value) || b.Late[0].Topic != "logs.late" {
		t.Errorf("late records = %v, want the 10:00:30 WARN of partition 0 on logs.late", b.Late)
	}
	if len(b.Rejected) != 1 {
		t.Fatalf("rejected = %d records, want 1", len(b.Rejected))
	}
	rej := b.Rejected[0]
	hs := map[string]string{}
	for _, h := range rej.Headers {
		hs[h.Key] = string(h.Value)
	}
	if rej.Topic != "logs.dlq" || string(rej.Value) != "\xff\x00\x01" || hs["trace"] != "x" ||
		hs[HeaderError] == "" || hs[HeaderErrorMessage] == "" || hs[HeaderOriginTopic] != "logs" ||
		hs[HeaderOriginPart] != "1" || hs[HeaderOriginOffset] != "1" {
		t.Errorf("dead-letter record %s: value %q headers %v", rej.Topic, rej.Value, hs)
	}

	// Every input partition's stream time goes to every deltas partition.
	if len(b.Watermarks) != 2*4 {
		t.Errorf("%d watermark records, want 2 input × 4 deltas partitions", len(b.Watermarks))
	}
	for _, w := range b.Watermarks {
		in, _ := table.ParseWatermarkKey(w.Key)
		if want := b.StreamTimes[in].UnixMilli(); w.Delta.StreamTimeMs != want {
			t.Errorf("watermark %q = %d, want %d", w.Key, w.Delta.StreamTimeMs, want)
		}
	}

	// Build does not move stream time; Commit does.
	if st, _ := in.StreamTime(0); !st.IsZero() {
		t.Error("stream time moved before Commit")
	}
	in.Commit(b)
	if st, _ := in.StreamTime(0); !st.Equal(mustTime(t, "2026-11-26T10:07:00Z")) {
		t.Errorf("stream time of partition 0 = %s, want 10:07", st)
	}
	if st, _ := in.StreamTime(1); !st.Equal(mustTime(t, "2026-11-26T10:00:30Z")) {
		t.Errorf("stream time of partition 1 = %s, want 10:00:30", st)
	}
}

// TestWatermarkKeysCoverEveryPartition: a window can only be final once every
// deltas partition has seen the stream time, so each needs its own key.
func TestWatermarkKeysCoverEveryPartition(t *testing.T) {
	for _, n := range []int32{1, 3, 6, 64} {
		keys := watermarkKeys(2, n, table.WatermarkKey)
		for q, k := range keys {
			if p := GokaPartition(k, n); p != int32(q) {
				t.Errorf("n=%d: key %q for partition %d lands on %d", n, k, q, p)
			}
			if in, err := table.ParseWatermarkKey(k); err != nil || in != 2 {
				t.Errorf("key %q: input partition %d, %v", k, in, err)
			}
		}
	}
}

// TestIngestDeterministic: the table must not depend on how polls cut the
// stream into batches (docs/design.md, Invariants: deterministic).
func TestIngestDeterministic(t *testing.T) {
	var recs []*kgo.Record
	base := mustTime(t, "2026-11-26T10:00:00Z")
	// More than parallelMin records per partition, so that one batch is
	// decoded in parallel while batches of 1, 7 and 50 are not.
	for i := range 3 * parallelMin {
		// jitter back and forth by up to 9 minutes so some events are late
		at := base.Add(time.Duration(i)*7*time.Second - time.Duration(i%5)*2*time.Minute)
		lvl := []string{"INFO", "ERROR", "WARN", "DEBUG"}[i%4]
		recs = append(recs, textRecord(t, int32(i%2), int64(i/2), at.Format(time.RFC3339), lvl, fmt.Sprint("m", i)))
	}
	run := func(batch int) map[string]table.Delta {
		in := newTestIngest(t)
		in.Restore(0, time.Time{})
		in.Restore(1, time.Time{})
		total := map[string]table.Delta{}
		for i := 0; i < len(recs); i += batch {
			b := mustBuild(t, in, recs[i:min(i+batch, len(recs))])
			in.Commit(b)
			for k, d := range b.Deltas {
				s := total[k]
				s.Counts.Add(d.Counts)
				s.Late.Add(d.Late)
				total[k] = s
			}
		}
		return total
	}
	one := run(len(recs))
	var late int64
	for _, d := range one {
		late += d.Late.Total()
	}
	if late == 0 {
		t.Fatal("test data has no late events; it would not test lateness")
	}
	for _, batch := range []int{1, 7, 50} {
		if diff := cmp.Diff(one, run(batch)); diff != "" {
			t.Errorf("batches of %d differ from one batch (-one +batched):\n%s", batch, diff)
		}
	}
}

func counts(kv ...any) table.Counts {
	var c table.Counts
	for i := 0; i < len(kv); i += 2 {
		c[kv[i].(codecs.Level)] = int64(kv[i+1].(int))
	}
	return c
}

// TestCommitAfterForget: a partition revoked while its transaction ended
// must not come back with this instance's stream time; its next owner may
// have moved it on.
func TestCommitAfterForget(t *testing.T) {
	in := newTestIngest(t)
	in.Restore(0, time.Time{})
	b := mustBuild(t, in, []*kgo.Record{textRecord(t, 0, 0, "2026-11-26T10:00:05Z", "INFO", "x")})
	in.Forget(0)
	in.Commit(b)
	if _, ok := in.StreamTime(0); ok {
		t.Error("Commit brought back a forgotten partition")
	}
}

func mustBuild(tb testing.TB, in *Windower, recs []*kgo.Record) *Batch {
	tb.Helper()
	b, err := in.Build(context.Background(), recs, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestHeartbeatMovesStreamTime: a heartbeat counts nothing and closes the
// windows its timestamp has passed, like an event would.
func TestHeartbeatMovesStreamTime(t *testing.T) {
	in := newTestIngest(t)
	in.Restore(0, time.Time{})
	hb := &kgo.Record{Topic: "logs", Partition: 0, Offset: 1, Timestamp: mustTime(t, "2026-11-26T10:07:00Z"),
		Headers: []kgo.RecordHeader{{Key: HeaderHeartbeat, Value: []byte("1")}}}
	b := mustBuild(t, in, []*kgo.Record{
		textRecord(t, 0, 0, "2026-11-26T10:00:05Z", "INFO", "on time"),
		hb,
		textRecord(t, 0, 2, "2026-11-26T10:00:30Z", "WARN", "late: the heartbeat passed 10:06"),
	})
	if got := b.Counted.Total() + b.LateCounted.Total(); got != 2 || b.LateCounted[codecs.LevelWarn] != 1 {
		t.Errorf("counted %v, late %v: want the INFO on time, the WARN late, the heartbeat not at all", b.Counted, b.LateCounted)
	}
	if len(b.Rejected) != 0 {
		t.Errorf("heartbeat went to the DLQ: %v", b.Rejected)
	}
	if st := b.StreamTimes[0]; !st.Equal(mustTime(t, "2026-11-26T10:07:00Z")) {
		t.Errorf("stream time %s, want the heartbeat's 10:07", st)
	}
}
