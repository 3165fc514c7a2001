package processors

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestWatermarksSayCaughtUp: a batch's watermarks carry its partitions'
// newest record timestamps, the idleness and grace, and whether the
// records reached the end the fetch reported (a commit marker after them
// allowed); Announce writes the partitions it is given at their restored
// stream times.
func TestWatermarksSayCaughtUp(t *testing.T) {
	in, err := NewWindower(WindowerConfig{
		Window: time.Minute, Grace: 30 * time.Second, Idle: time.Minute, DeltaPartitions: 2,
		DLQTopic: "logs.dlq", LateTopic: "logs.late",
	})
	if err != nil {
		t.Fatal(err)
	}
	recs := []*kgo.Record{
		textRecord(t, 0, 7, "2026-12-05T10:00:01Z", "INFO", "a"),
		textRecord(t, 1, 3, "2026-12-05T10:00:02Z", "INFO", "b"),
	}
	recs[1].Timestamp = recs[1].Timestamp.Add(time.Hour) // the broker's time, not the event's
	ends := map[int32]int64{0: 9, 1: 10}                 // 0: a commit marker at 8; 1: records 4-9 to read
	b, err := in.Build(context.Background(), recs, ends)
	if err != nil {
		t.Fatal(err)
	}
	in.Commit(b)
	got := map[string]bool{}
	for _, w := range b.Watermarks {
		if w.Delta.IdleMs != 60_000 || w.Delta.GraceMs != 30_000 {
			t.Errorf("%q: idle %d grace %d, want 60000 and 30000", w.Key, w.Delta.IdleMs, w.Delta.GraceMs)
		}
		p := w.Key
		got[p] = w.Delta.CaughtUp
		if want := recs[0].Timestamp.UnixMilli(); w.Delta.CaughtUp && w.Delta.RecordTimeMs != want {
			t.Errorf("%q: record time %d, want %d", w.Key, w.Delta.RecordTimeMs, want)
		}
	}
	caught, behind := 0, 0
	for _, c := range got {
		if c {
			caught++
		} else {
			behind++
		}
	}
	if len(b.Watermarks) != 4 || caught != 2 || behind != 2 {
		t.Errorf("%d watermarks, %d caught up, %d behind; want 4, 2 (partition 0, to each deltas partition) and 2", len(b.Watermarks), caught, behind)
	}

	in.Restore(2, mustTime(t, "2026-12-05T09:00:00Z"))
	wms := in.Announce([]int32{2}, true)
	if len(wms) != 2 {
		t.Fatalf("%d announcements, want one per deltas partition", len(wms))
	}
	if d := wms[0].Delta; !d.CaughtUp || d.StreamTimeMs != mustTime(t, "2026-12-05T09:00:00Z").UnixMilli() || d.RecordTimeMs != 0 {
		t.Errorf("announcement %+v; want caught up at the restored stream time, no record time", d)
	}
}
