package stage

import (
	"slices"
	"testing"
	"time"

	"github.com/logpulse/logpulse/processors"
)

// TestOffsetMetadata: what ingest commits beside each offset reads back the
// same, the split state included; metadata of the version before the split
// state, and fields a later version may add, still read.
func TestOffsetMetadata(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 0, 0, 123e6, time.UTC)
	for _, split := range []processors.OpenSplits{nil, {{Key: 1, Stream: 1}}, {{Key: 0xffffffff, Stream: 2}, {Key: 9, Stream: 1}}} {
		m := partitionMetadata(at, split)
		got, gotSplit, ok, err := parseMetadata(m)
		if err != nil || !ok || !got.Equal(at) || !slices.Equal(gotSplit, split) {
			t.Errorf("parseMetadata(%q) = %v, %v, %v, %v; want %v, %v", m, got, gotSplit, ok, err, at, split)
		}
	}
	for _, m := range []string{"logpulse:stream_time_ms=1795687200123", "logpulse:stream_time_ms=1795687200123;later=x"} {
		if got, split, ok, err := parseMetadata(m); err != nil || !ok || !got.Equal(at) || split != nil {
			t.Errorf("parseMetadata(%q) = %v, %v, %v, %v", m, got, split, ok, err)
		}
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
