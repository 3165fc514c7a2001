package processors

import (
	"testing"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestIngestCountsASplitLineOnce: a line a container runtime wrote in parts
// (CRI "P" lines, then "F") counts once, with the level of its first part,
// also when its parts fall into different batches and the state between
// them is restored as from the offset commit; stdout and stderr are
// followed apart.
func TestIngestCountsASplitLineOnce(t *testing.T) {
	cri := func(off int64, stream, tag, text string) *kgo.Record {
		ts := mustTime(t, "2026-11-26T10:00:01Z")
		return &kgo.Record{Topic: "logs", Partition: 0, Offset: off, Key: []byte("api"), Timestamp: ts,
			Value: []byte("2026-11-26T10:00:00.5Z " + stream + " " + tag + " " + text)}
	}
	in := newTestIngest(t)
	in.Restore(0, time.Time{})
	b := mustBuild(t, in, []*kgo.Record{
		cri(0, "stdout", "P", "ERROR a line longer than"),
		cri(1, "stderr", "F", "WARN a whole line between the parts"),
		cri(2, "stdout", "P", " sixteen kilobytes, in"),
	})
	first := codecs.Counts{}
	first[codecs.LevelError], first[codecs.LevelWarn] = 1, 1
	if b.Counted != first {
		t.Fatalf("first batch counted %v, want one ERROR and one WARN", b.Counted)
	}
	if b.Splits[0] != SplitStdout {
		t.Fatalf("split state %d after the first batch, want stdout open", b.Splits[0])
	}
	in.Commit(b)

	// A restart: a new Ingest restores the state from the commit.
	again := newTestIngest(t)
	again.Restore(0, b.StreamTimes[0])
	again.RestoreSplit(0, in.Split(0))
	b = mustBuild(t, again, []*kgo.Record{
		cri(3, "stdout", "F", " three parts"),
		cri(4, "stdout", "F", "INFO the next line"),
	})
	want := codecs.Counts{}
	want[codecs.LevelInfo] = 1
	if b.Counted != want {
		t.Errorf("second batch counted %v, want one INFO: the final part is no new event", b.Counted)
	}
	if b.Splits[0] != 0 {
		t.Errorf("split state %d after the final part, want none open", b.Splits[0])
	}
}
