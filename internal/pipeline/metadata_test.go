package pipeline

import (
	"testing"
	"time"
)

// TestOffsetMetadata: what ingest commits beside each offset reads back the
// same, the split state included, and metadata written before the split
// state existed still reads.
func TestOffsetMetadata(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 123e6, time.UTC)
	for _, split := range []uint8{0, 1, 2, 3} {
		m := partitionMetadata(at, split)
		got, gotSplit, ok, err := parseMetadata(m)
		if err != nil || !ok || !got.Equal(at) || gotSplit != split {
			t.Errorf("parseMetadata(%q) = %v, %d, %v, %v; want %v, %d", m, got, gotSplit, ok, err, at, split)
		}
	}
	if got, split, ok, err := parseMetadata("logpulse:stream_time_ms=1795687200123"); err != nil || !ok || !got.Equal(at) || split != 0 {
		t.Errorf("metadata of an older version: %v, %d, %v, %v", got, split, ok, err)
	}
	if _, _, ok, err := parseMetadata(""); ok || err != nil {
		t.Errorf("empty metadata: ok %v, %v; want not ours", ok, err)
	}
	for _, bad := range []string{"logpulse:stream_time_ms=x", "logpulse:stream_time_ms=1;split=999"} {
		if _, _, _, err := parseMetadata(bad); err == nil {
			t.Errorf("parseMetadata(%q): no error", bad)
		}
	}
}
