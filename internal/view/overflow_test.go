package view

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// TestOverflowKeysShowAsOneService: the overflow keys of a window, one per
// table partition, are one service, codecs.OverflowService; each keeps its
// own offset (an older value of one is skipped, as a service's), and the
// window's sum holds them once.
func TestOverflowKeysShowAsOneService(t *testing.T) {
	ix := New(2, 1, time.Minute, time.Hour)
	w := at(t, "2026-11-26T10:00:00Z")
	of0, of1 := table.OverflowKey(w, 0), table.OverflowKey(w, 3)
	update(t, ix, 0, table.WindowKey("api", w), valueAt(t, 1, 1, 0, 0, 0))
	update(t, ix, 0, of0, valueAt(t, 4, 2, 1, 0, 0))
	update(t, ix, 1, of1, valueAt(t, 2, 10, 0, 1, 0))
	update(t, ix, 0, of0, valueAt(t, 6, 3, 1, 0, 0))
	update(t, ix, 0, of0, valueAt(t, 5, 99, 99, 0, 0)) // older: skipped
	update(t, ix, 1, of1, valueAt(t, 2, 99, 0, 0, 0))  // the same offset again

	counts := func(info, errs int64) table.Counts {
		var c table.Counts
		c[codecs.LevelInfo], c[codecs.LevelError] = info, errs
		return c
	}
	if diff := cmp.Diff(map[string]table.Counts{"api": counts(1, 0), codecs.OverflowService: counts(13, 1)}, ix.Services(w, w.Add(time.Minute))); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
	late := counts(1, 0)
	want := []Window{{Start: w, Counts: counts(14, 1), Late: late}}
	if diff := cmp.Diff(want, ix.Windows(w, w.Add(time.Minute), "")); diff != "" {
		t.Errorf("window sum (-want +got):\n%s", diff)
	}
	want = []Window{{Start: w, Counts: counts(13, 1), Late: late}}
	if diff := cmp.Diff(want, ix.Windows(w, w.Add(time.Minute), codecs.OverflowService)); diff != "" {
		t.Errorf("the overflow service's window (-want +got):\n%s", diff)
	}

	// Tombstones take each part out; the window goes with its last key.
	update(t, ix, 1, of1, nil)
	if diff := cmp.Diff(map[string]table.Counts{"api": counts(1, 0), codecs.OverflowService: counts(3, 1)}, ix.Services(w, w.Add(time.Minute))); diff != "" {
		t.Errorf("services after a tombstone (-want +got):\n%s", diff)
	}
	update(t, ix, 0, of0, nil)
	update(t, ix, 0, table.WindowKey("api", w), nil)
	if got := ix.Windows(w, w.Add(time.Minute), ""); len(got) != 0 {
		t.Errorf("windows after every key's tombstone: %v", got)
	}
}
