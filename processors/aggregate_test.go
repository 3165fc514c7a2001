package processors

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
)

// TestApplySkipsRedelivery is the exactness rule of the aggregate stage:
// goka redelivers deltas after a crash, and each must count once.
func TestApplySkipsRedelivery(t *testing.T) {
	agg := &table.Value{Offset: -1}
	d := &table.Delta{}
	d.Counts[codecs.LevelError] = 2
	key := "api|1700000000"
	for _, step := range []struct {
		offset  int64
		applied bool
		errors  int64
	}{
		{0, true, 2},
		{0, false, 2}, // redelivered
		{5, true, 4},
		{3, false, 4}, // older than the last applied
		{5, false, 4},
		{6, true, 6},
	} {
		if got := Apply(agg, d, key, step.offset); got != step.applied {
			t.Errorf("Apply at offset %d = %v, want %v", step.offset, got, step.applied)
		}
		if got := agg.Counts[codecs.LevelError]; got != step.errors {
			t.Errorf("after offset %d: ERROR = %d, want %d", step.offset, got, step.errors)
		}
	}
}

// TestRecoverKeepsNewest: a stale table record (a late write of a processor
// that lost its partition) must not take a key back in time on recovery.
func TestRecoverKeepsNewest(t *testing.T) {
	st := storage.NewMemory()
	enc := func(offset, errs int64) []byte {
		a := table.Value{Offset: offset}
		a.Counts[codecs.LevelError] = errs
		b, err := table.ValueCodec{}.Encode(&a)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ctx := &goka.DefaultUpdateContext{}
	for _, v := range [][]byte{enc(5, 10), enc(3, 6), enc(8, 12)} {
		if err := Recover(ctx, st, "api|1", v); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := st.Get("api|1")
	if string(got) != string(enc(8, 12)) {
		t.Errorf("recovered %s, want the value with the highest offset", got)
	}
	if err := Recover(ctx, st, "api|1", nil); err != nil { // a tombstone still deletes
		t.Fatal(err)
	}
	if got, _ := st.Get("api|1"); got != nil {
		t.Errorf("after tombstone: %s", got)
	}
}

// TestExpiredWindowIgnoresDeltas: a window the local store dropped past the
// retention must not start again from a late delta (see
// table.ExpiredValue).
func TestExpiredWindowIgnoresDeltas(t *testing.T) {
	exp := table.ExpiredValue()
	agg := &exp
	d := &table.Delta{}
	d.Late[codecs.LevelError] = 1
	if Apply(agg, d, "api|1700000000", 10) || agg.Late.Total() != 0 {
		t.Errorf("applied a delta to an expired window: %+v", agg)
	}
}

// TestSamplesSameUnderRebatching: a window's samples and message counts in
// the table do not depend on how ingest batched the records, and a
// redelivered delta changes neither (the offset check covers them too).
func TestSamplesSameUnderRebatching(t *testing.T) {
	var recs []*kgo.Record
	for i := range 120 {
		lvl := []string{"ERROR", "WARN", "FATAL", "INFO"}[i%4]
		at := fmt.Sprintf("2026-11-26T10:00:%02dZ", (i*7)%60)
		recs = append(recs, textRecord(t, int32(i%3), int64(i/3), at, lvl, "job failed: code "+string(rune('a'+i%26))+string(rune('a'+i/26))))
	}
	tableOf := func(batch int, redeliver bool) map[string]*table.Value {
		in := newTestIngest(t)
		for p := range int32(3) {
			in.Restore(p, time.Time{})
		}
		out := map[string]*table.Value{}
		var offset int64
		for i := 0; i < len(recs); i += batch {
			b := mustBuild(t, in, recs[i:min(i+batch, len(recs))])
			in.Commit(b)
			for _, k := range slices.Sorted(maps.Keys(b.Deltas)) {
				agg := out[k]
				if agg == nil {
					agg = &table.Value{Offset: -1}
					out[k] = agg
				}
				Apply(agg, b.Deltas[k], k, offset)
				if redeliver && Apply(agg, b.Deltas[k], k, offset) {
					t.Fatalf("redelivered delta at offset %d applied again", offset)
				}
				offset++
			}
		}
		for _, agg := range out {
			agg.Offset = 0 // offsets differ with the batching, by design
		}
		return out
	}
	want := tableOf(len(recs), false)
	for _, batch := range []int{1, 7, 50} {
		if diff := cmp.Diff(want, tableOf(batch, batch == 7)); diff != "" {
			t.Errorf("batches of %d give another table (-one batch +batched):\n%s", batch, diff)
		}
	}
}
