package processors

import (
	"testing"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/twmb/franz-go/pkg/kgo"
)

// criRecord is a CRI line of the container key on partition 0.
func criRecord(tb testing.TB, off int64, key, stream, tag, text string) *kgo.Record {
	tb.Helper()
	return &kgo.Record{Topic: "logs", Partition: 0, Offset: off, Key: []byte(key), Timestamp: mustTime(tb, "2026-11-26T10:00:01Z"),
		Value: []byte("2026-11-26T10:00:00.5Z " + stream + " " + tag + " " + text)}
}

func levelCounts(pairs ...any) table.Counts {
	var c table.Counts
	for i := 0; i < len(pairs); i += 2 {
		c[pairs[i].(codecs.Level)] += int64(pairs[i+1].(int))
	}
	return c
}

// TestIngestCountsASplitLineOnce: a line a container runtime wrote in parts
// (CRI "P" lines, then "F") counts once, with the level of its first part,
// also when its parts fall into different batches and the state between
// them is restored as from the offset commit; stdout and stderr are
// followed apart.
func TestIngestCountsASplitLineOnce(t *testing.T) {
	in := newTestIngest(t)
	in.Restore(0, time.Time{})
	b := mustBuild(t, in, []*kgo.Record{
		criRecord(t, 0, "pod-a", "stdout", "P", "ERROR a line longer than"),
		criRecord(t, 1, "pod-a", "stderr", "F", "WARN a whole line between the parts"),
		criRecord(t, 2, "pod-a", "stdout", "P", " sixteen kilobytes, in"),
	})
	if want := levelCounts(codecs.LevelError, 1, codecs.LevelWarn, 1); b.Counted != want {
		t.Fatalf("first batch counted %v, want one ERROR and one WARN", b.Counted)
	}
	if len(b.Splits[0]) != 1 {
		t.Fatalf("split state %v after the first batch, want one source open", b.Splits[0])
	}
	in.Commit(b)

	// A restart: a new Windower restores the state from the commit.
	again := newTestIngest(t)
	again.Restore(0, b.StreamTimes[0])
	again.RestoreSplits(0, in.Splits(0))
	b = mustBuild(t, again, []*kgo.Record{
		criRecord(t, 3, "pod-a", "stdout", "F", " three parts"),
		criRecord(t, 4, "pod-a", "stdout", "F", "INFO the next line"),
	})
	if want := levelCounts(codecs.LevelInfo, 1); b.Counted != want {
		t.Errorf("second batch counted %v, want one INFO: the final part is no new event", b.Counted)
	}
	if len(b.Splits[0]) != 0 {
		t.Errorf("split state %v after the final part, want none open", b.Splits[0])
	}
}

// TestIngestSplitLinesOfInterleavedSources: containers sharing a partition
// (keyed by a shipper per container) are followed apart.
func TestIngestSplitLinesOfInterleavedSources(t *testing.T) {
	in := newTestIngest(t)
	in.Restore(0, time.Time{})
	b := mustBuild(t, in, []*kgo.Record{
		criRecord(t, 0, "pod-a", "stdout", "P", "ERROR pod a, first part"),
		criRecord(t, 1, "pod-b", "stdout", "F", "WARN pod b, a whole line"),
		criRecord(t, 2, "pod-a", "stdout", "F", " pod a, the tail"),
	})
	if want := levelCounts(codecs.LevelError, 1, codecs.LevelWarn, 1); b.Counted != want {
		t.Errorf("counted %v, want pod a's ERROR and pod b's WARN", b.Counted)
	}
}

// TestIngestRejectedPartsKeepTheSplitState: a part that cannot be counted
// (here a time out of range) goes to the dead-letter topic and still moves
// the split state, so the next line of its source counts; a part cut
// inside a character is no reason to reject it.
func TestIngestRejectedPartsKeepTheSplitState(t *testing.T) {
	in := newTestIngest(t)
	in.Restore(0, time.Time{})
	far := &kgo.Record{Topic: "logs", Partition: 0, Offset: 1, Key: []byte("pod-a"), Timestamp: mustTime(t, "2026-11-26T10:00:01Z"),
		Value: []byte("2026-12-26T10:00:00Z stdout F  tail, stamped a month ahead")}
	b := mustBuild(t, in, []*kgo.Record{
		criRecord(t, 0, "pod-a", "stdout", "P", "ERROR cut in a character \xe2\x82"),
		far,
		criRecord(t, 2, "pod-a", "stdout", "F", "WARN the next line"),
	})
	if want := levelCounts(codecs.LevelError, 1, codecs.LevelWarn, 1); b.Counted != want {
		t.Errorf("counted %v, want the first part's ERROR and the next line's WARN", b.Counted)
	}
	if len(b.Rejected) != 1 || len(b.Splits[0]) != 0 {
		t.Errorf("%d rejected, split state %v; want the far part rejected and no source open", len(b.Rejected), b.Splits[0])
	}
}

// TestOpenSplitsString: the split state's text form reads back.
func TestOpenSplitsString(t *testing.T) {
	s := OpenSplits{{Key: 0xdeadbeef, Stream: 1}, {Key: 7, Stream: 2}}
	got, err := ParseOpenSplits(s.String())
	if err != nil || len(got) != 2 || got[0] != s[0] || got[1] != s[1] {
		t.Errorf("ParseOpenSplits(%q) = %v, %v", s.String(), got, err)
	}
	for _, bad := range []string{"x", "deadbeef.3", "deadbeef", "1.1,"} {
		if _, err := ParseOpenSplits(bad); err == nil {
			t.Errorf("ParseOpenSplits(%q): no error", bad)
		}
	}
}
