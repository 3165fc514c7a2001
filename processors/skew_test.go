package processors

import (
	"fmt"
	"testing"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/twmb/franz-go/pkg/kgo"
)

// skewedRecord is a JSON event stamped at, carried by a record stamped
// recordTS: an application whose clock differs from its producer's.
func skewedRecord(part int32, offset int64, at, recordTS time.Time, level string) *kgo.Record {
	v := fmt.Sprintf(`{"timestamp":%q,"level":%q,"service":"billing","message":"m"}`, at.Format(time.RFC3339Nano), level)
	return &kgo.Record{Topic: "logs", Partition: part, Offset: offset, Value: []byte(v), Timestamp: recordTS}
}

// TestClockSkewCannotPoisonStreamTime replays the attack of a wrong clock:
// 1,000 real ERROR events, then 30 events stamped a day ahead in records
// stamped now, then 500 more real events. The skewed events count at their
// records' timestamp, stream time stays with the records, and nothing real
// turns late. (Before: stream time jumped 23h59m, all 500 counted as late,
// and the 30 opened a window a day ahead.)
func TestClockSkewCannotPoisonStreamTime(t *testing.T) {
	in := newTestIngest(t)
	in.Restore(0, time.Time{})
	now := mustTime(t, "2026-11-26T10:00:00Z")
	var off int64
	batch := func(recs []*kgo.Record) *Batch {
		t.Helper()
		b := mustBuild(t, in, recs)
		in.Commit(b)
		return b
	}
	var real []*kgo.Record
	for i := range 1000 {
		at := now.Add(-2*time.Minute + time.Duration(i)*time.Millisecond)
		real = append(real, skewedRecord(0, off, at, at, "ERROR"))
		off++
	}
	b1 := batch(real)
	var skewed []*kgo.Record
	for range 30 {
		skewed = append(skewed, skewedRecord(0, off, now.Add(23*time.Hour+59*time.Minute), now, "ERROR"))
		off++
	}
	b2 := batch(skewed)
	var more []*kgo.Record
	for i := range 500 {
		at := now.Add(-90*time.Second + time.Duration(i)*time.Millisecond)
		more = append(more, skewedRecord(0, off, at, at, "ERROR"))
		off++
	}
	b3 := batch(more)

	if b2.Skewed != 30 {
		t.Errorf("%d events counted at their record's timestamp, want 30", b2.Skewed)
	}
	if st := b2.StreamTimes[0]; !st.Equal(now) {
		t.Errorf("stream time after the skewed records = %s, want their records' timestamp %s", st, now)
	}
	w := table.WindowKey("billing", now)
	if d := b2.Deltas[w]; d == nil || d.Counts[codecs.LevelError] != 30 {
		t.Errorf("the skewed events' window %s: %+v, want 30 ERROR", w, d)
	}
	var counted, late int64
	for _, b := range []*Batch{b1, b2, b3} {
		counted += b.Counted[codecs.LevelError]
		late += b.LateCounted[codecs.LevelError]
	}
	if counted != 1530 || late != 0 {
		t.Errorf("counted %d in open windows and %d late, want 1530 and 0", counted, late)
	}
}

// TestClockSkewTolerance: an event up to MaxClockSkew ahead of its record
// keeps its own time; one further ahead takes the record's.
func TestClockSkewTolerance(t *testing.T) {
	in, err := NewWindower(WindowerConfig{Window: time.Minute, Grace: 5 * time.Minute, DeltaPartitions: 1,
		MaxClockSkew: 2 * time.Minute, DLQTopic: "logs.dlq", LateTopic: "logs.late"})
	if err != nil {
		t.Fatal(err)
	}
	in.Restore(0, time.Time{})
	rec := mustTime(t, "2026-11-26T10:00:30Z")
	b := mustBuild(t, in, []*kgo.Record{
		skewedRecord(0, 0, rec.Add(2*time.Minute), rec, "INFO"),                  // at the limit: its own time
		skewedRecord(0, 1, rec.Add(2*time.Minute+time.Millisecond), rec, "WARN"), // past it: the record's
	})
	own, moved := table.WindowKey("billing", mustTime(t, "2026-11-26T10:02:00Z")), table.WindowKey("billing", mustTime(t, "2026-11-26T10:00:00Z"))
	if d := b.Deltas[own]; d == nil || d.Counts[codecs.LevelInfo] != 1 {
		t.Errorf("window %s: %+v, want the INFO event at its own time", own, d)
	}
	if d := b.Deltas[moved]; d == nil || d.Counts[codecs.LevelWarn] != 1 {
		t.Errorf("window %s: %+v, want the WARN event at its record's time", moved, d)
	}
	if b.Skewed != 1 {
		t.Errorf("Skewed = %d, want 1", b.Skewed)
	}
	if _, err := NewWindower(WindowerConfig{Window: time.Minute, DeltaPartitions: 1, MaxClockSkew: -time.Second}); err == nil {
		t.Error("NewWindower took a negative MaxClockSkew")
	}
}
