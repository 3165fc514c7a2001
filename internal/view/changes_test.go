package view

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/logpulse/logpulse/internal/table"
)

// changesAfter asserts Changes(seq) is not a reset and returns its changes
// and next.
func changesAfter(tb testing.TB, ix *Index, seq uint64) ([]Change, uint64) {
	tb.Helper()
	changes, next, reset := ix.Changes(seq)
	if reset {
		tb.Fatalf("Changes(%d): reset, want changes", seq)
	}
	return changes, next
}

func TestIndexChanges(t *testing.T) {
	t.Parallel()
	ix := New(1, 1, time.Minute, time.Hour)
	w0 := at(t, "2026-11-26T10:00:00Z")
	w1 := w0.Add(time.Minute)
	if got, next := changesAfter(t, ix, 0); len(got) != 0 || next != 0 {
		t.Fatalf("empty index: %v, next %d", got, next)
	}
	update(t, ix, 0, table.WindowKey("api", w0), valueAt(t, 1, 1, 0, 0, 0))
	update(t, ix, 0, table.WindowKey("db", w1), valueAt(t, 2, 1, 0, 0, 0))
	update(t, ix, 0, table.WindowKey("api", w0), valueAt(t, 3, 2, 0, 0, 0))
	all := []Change{
		{Seq: 1, Start: w0.Unix(), Service: "api"},
		{Seq: 2, Start: w1.Unix(), Service: "db"},
		{Seq: 3, Start: w0.Unix(), Service: "api"},
	}
	for seq := uint64(0); seq <= 3; seq++ {
		got, next := changesAfter(t, ix, seq)
		if diff := cmp.Diff(all[seq:], got, cmpopts.EquateEmpty()); diff != "" || next != 3 {
			t.Errorf("Changes(%d): next %d, want 3; (-want +got):\n%s", seq, next, diff)
		}
	}
	// Ahead of the log (a seq from before a restart): reset, and the seq
	// to go on from. A stream starts from Changes(MaxUint64).
	for _, seq := range []uint64{4, 100, math.MaxUint64} {
		if got, next, reset := ix.Changes(seq); !reset || next != 3 || len(got) != 0 {
			t.Errorf("Changes(%d) = %v, %d, %v; want a reset to 3", seq, got, next, reset)
		}
	}

	// Replayed values (offset not newer) change nothing.
	update(t, ix, 0, table.WindowKey("api", w0), valueAt(t, 3, 2, 0, 0, 0))
	update(t, ix, 0, table.WindowKey("api", w0), valueAt(t, 2, 9, 0, 0, 0))
	if got, _ := changesAfter(t, ix, 3); len(got) != 0 {
		t.Errorf("older offsets logged changes: %v", got)
	}
	// A tombstone is a change.
	update(t, ix, 0, table.WindowKey("db", w1), nil)
	if got, _ := changesAfter(t, ix, 3); !cmp.Equal(got, []Change{{Seq: 4, Start: w1.Unix(), Service: "db"}}) {
		t.Errorf("tombstone: %v", got)
	}
}

func TestIndexChangesWatermark(t *testing.T) {
	t.Parallel()
	ix := New(1, 2, time.Minute, time.Hour)
	ms := func(s string) int64 { return at(t, s).UnixMilli() }
	wmValue := func(s string) []byte { return value(t, 0, 0, 0, ms(s)) }
	// Input partition 1 has reported nothing: the watermark stays unknown,
	// but what holds it changed (the table partition reports, input 1 does
	// not), which /v1/levels shows: one change.
	update(t, ix, 0, table.WatermarkKey(0, 0), wmValue("2026-11-26T10:10:00Z"))
	if got, _ := changesAfter(t, ix, 0); !cmp.Equal(got, []Change{{Seq: 1, Watermark: true}}) {
		t.Errorf("first report: changes %v, want one", got)
	}
	if !ix.Watermark().IsZero() {
		t.Errorf("watermark %s with input partition 1 unreported", ix.Watermark())
	}
	update(t, ix, 0, table.WatermarkKey(0, 0), wmValue("2026-11-26T10:11:00Z")) // nothing moves, nothing else holds it
	if got, _ := changesAfter(t, ix, 1); len(got) != 0 {
		t.Errorf("nothing moved, yet changes %v", got)
	}
	update(t, ix, 0, table.WatermarkKey(1, 0), wmValue("2026-11-26T10:08:00Z"))
	update(t, ix, 0, table.WatermarkKey(0, 0), wmValue("2026-11-26T10:12:00Z")) // the minimum is still 10:08
	update(t, ix, 0, table.WatermarkKey(1, 0), wmValue("2026-11-26T10:05:00Z")) // stream time never goes back
	update(t, ix, 0, table.WatermarkKey(1, 0), wmValue("2026-11-26T10:09:00Z"))
	want := []Change{{Seq: 2, Watermark: true}, {Seq: 3, Watermark: true}}
	if got, next := changesAfter(t, ix, 1); !cmp.Equal(want, got) || next != 3 {
		t.Errorf("watermark changes %v next %d, want %v", got, next, want)
	}
	if got := ix.Watermark(); !got.Equal(at(t, "2026-11-26T10:09:00Z")) {
		t.Errorf("watermark = %s, want 10:09", got)
	}
	// A window pruned by retention changes nothing when it comes back.
	old := at(t, "2026-11-26T08:00:00Z")
	update(t, ix, 0, table.WindowKey("api", old), valueAt(t, 5, 1, 0, 0, 0))
	if got, _ := changesAfter(t, ix, 3); len(got) != 0 {
		t.Errorf("pruned window logged %v", got)
	}
}

// TestIndexChangesRing: a reader that fell more than changeLogSize behind
// is told to reset; one exactly changeLogSize behind still gets them all.
func TestIndexChangesRing(t *testing.T) {
	t.Parallel()
	ix := New(1, 1, time.Minute, time.Hour)
	w := at(t, "2026-11-26T10:00:00Z")
	key := table.WindowKey("api", w)
	const n = changeLogSize + 1
	for i := range int64(n) {
		update(t, ix, 0, key, valueAt(t, i+1, i, 0, 0, 0))
	}
	if got, next, reset := ix.Changes(0); !reset || next != n || len(got) != 0 {
		t.Errorf("Changes(0) after %d changes: %d changes, next %d, reset %v; want a reset", n, len(got), next, reset)
	}
	got, next := changesAfter(t, ix, 1)
	if len(got) != changeLogSize || next != n {
		t.Fatalf("Changes(1): %d changes, next %d; want %d, %d", len(got), next, changeLogSize, n)
	}
	for i, c := range got {
		if want := (Change{Seq: uint64(i + 2), Start: w.Unix(), Service: "api"}); c != want {
			t.Fatalf("change %d = %+v, want %+v", i, c, want)
		}
	}
	if got, _ := changesAfter(t, ix, n-1); len(got) != 1 || got[0].Seq != n {
		t.Errorf("Changes(%d) = %v, want the last change", n-1, got)
	}
}

func TestIndexEarliest(t *testing.T) {
	t.Parallel()
	ix := New(1, 1, time.Minute, time.Hour)
	if got := ix.Earliest(); !got.IsZero() {
		t.Errorf("empty index: Earliest = %s", got)
	}
	w0 := at(t, "2026-11-26T10:00:00Z")
	w1, w3 := w0.Add(time.Minute), w0.Add(3*time.Minute)
	update(t, ix, 0, table.WindowKey("api", w3), value(t, 1, 0, 0, 0))
	update(t, ix, 0, table.WindowKey("api", w1), value(t, 1, 0, 0, 0))
	update(t, ix, 0, table.WindowKey("db", w0), value(t, 1, 0, 0, 0))
	if got := ix.Earliest(); !got.Equal(w0) || got.Location() != time.UTC {
		t.Errorf("Earliest = %s, want %s in UTC", got, w0)
	}
	update(t, ix, 0, table.WindowKey("db", w0), nil) // the window's last service
	if got := ix.Earliest(); !got.Equal(w1) {
		t.Errorf("after the tombstone, Earliest = %s, want %s", got, w1)
	}
	// Retention prunes 10:01 (ended more than 1h before 11:02:30, and
	// before the newest window, 11:02); 10:03 stays.
	update(t, ix, 0, table.WindowKey("api", w0.Add(62*time.Minute)), value(t, 1, 0, 0, 0))
	update(t, ix, 0, table.WatermarkKey(0, 0), value(t, 0, 0, 0, at(t, "2026-11-26T11:02:30Z").UnixMilli()))
	if got := ix.Earliest(); !got.Equal(w3) {
		t.Errorf("after pruning, Earliest = %s, want %s", got, w3)
	}
}

// TestIndexHoldTiesLogNothing: two table partitions at the same watermark,
// held by different input partitions. What holds it must not follow the
// map's order, or every update that changes nothing would log a change.
func TestIndexHoldTiesLogNothing(t *testing.T) {
	t.Parallel()
	ix := New(2, 2, time.Minute, time.Hour)
	ms := func(s string) int64 { return at(t, s).UnixMilli() }
	wm := func(s string) []byte { return value(t, 0, 0, 0, ms(s)) }
	set := func() {
		update(t, ix, 0, table.WatermarkKey(0, 0), wm("2026-11-26T10:00:00Z"))
		update(t, ix, 0, table.WatermarkKey(1, 0), wm("2026-11-26T10:01:00Z"))
		update(t, ix, 1, table.WatermarkKey(0, 1), wm("2026-11-26T10:01:00Z"))
		update(t, ix, 1, table.WatermarkKey(1, 1), wm("2026-11-26T10:00:00Z"))
	}
	set()
	_, seq, _ := ix.Changes(0)
	want := ix.Hold()
	for range 50 {
		set()
		if got := ix.Hold(); got.HeldBy != want.HeldBy {
			t.Fatalf("held by input partition %d, then %d, with nothing changed", want.HeldBy, got.HeldBy)
		}
	}
	if got, _ := changesAfter(t, ix, seq); len(got) != 0 {
		t.Errorf("updates that changed nothing logged %d changes", len(got))
	}
	if want.HeldBy != 0 {
		t.Errorf("held by input partition %d, want 0 (table partition 0's, the first)", want.HeldBy)
	}
}
