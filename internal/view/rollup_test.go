package view

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func value(tb testing.TB, info, errs int64, late int64, streamMs int64) []byte {
	tb.Helper()
	return valueAt(tb, info+errs+late, info, errs, late, streamMs)
}

// valueAt is a table value that includes deltas up to offset.
func valueAt(tb testing.TB, offset, info, errs int64, late int64, streamMs int64) []byte {
	tb.Helper()
	a := table.Value{StreamTimeMs: streamMs, Offset: offset}
	a.Counts[codecs.LevelInfo], a.Counts[codecs.LevelError], a.Late[codecs.LevelInfo] = info, errs, late
	return table.AppendValue(nil, &a)
}

func update(tb testing.TB, ix *Index, part int32, key string, v []byte) {
	tb.Helper()
	if err := ix.Update(part, key, v); err != nil {
		tb.Fatal(err)
	}
}

func TestIndexReplacesValues(t *testing.T) {
	ix := New(2, 1, time.Minute, time.Hour)
	w := at(t, "2026-11-26T10:00:00Z")
	update(t, ix, 0, table.WindowKey("api", w), value(t, 1, 0, 0, 0))
	update(t, ix, 1, table.WindowKey("db", w), value(t, 2, 1, 0, 0))
	// A table record is the key's whole state: it replaces, never adds.
	update(t, ix, 0, table.WindowKey("api", w), value(t, 5, 2, 1, 0))
	update(t, ix, 0, table.WindowKey("api", w.Add(time.Minute)), value(t, 7, 0, 0, 0))

	var c table.Counts
	c[codecs.LevelInfo], c[codecs.LevelError] = 7, 3
	var late table.Counts
	late[codecs.LevelInfo] = 1
	got := ix.Windows(w, w.Add(time.Minute), "")
	if diff := cmp.Diff([]Window{{Start: w, Counts: c, Late: late}}, got); diff != "" {
		t.Errorf("all services (-want +got):\n%s", diff)
	}
	got = ix.Windows(w, w.Add(2*time.Minute), "db")
	var dbc table.Counts
	dbc[codecs.LevelInfo], dbc[codecs.LevelError] = 2, 1
	if diff := cmp.Diff([]Window{{Start: w, Counts: dbc}}, got); diff != "" {
		t.Errorf("db (-want +got):\n%s", diff)
	}
	svcs := ix.Services(w, w.Add(2*time.Minute))
	if svcs["api"][codecs.LevelInfo] != 12 || svcs["db"][codecs.LevelInfo] != 2 {
		t.Errorf("services = %v", svcs)
	}
	// Tombstone.
	update(t, ix, 1, table.WindowKey("db", w), nil)
	if svcs := ix.Services(w, w.Add(time.Minute)); len(svcs) != 1 {
		t.Errorf("after tombstone, services = %v", svcs)
	}
}

func TestIndexWatermark(t *testing.T) {
	ix := New(2, 1, time.Minute, time.Hour)
	ms := func(s string) int64 { return at(t, s).UnixMilli() }
	if !ix.Watermark().IsZero() {
		t.Fatal("watermark before any record")
	}
	update(t, ix, 0, table.WatermarkKey(0, 1), value(t, 0, 0, 0, ms("2026-11-26T10:10:00Z")))
	if !ix.Watermark().IsZero() {
		t.Error("watermark known while table partition 1 has reported nothing")
	}
	update(t, ix, 1, table.WatermarkKey(0, 2), value(t, 0, 0, 0, ms("2026-11-26T10:08:00Z")))
	if got := ix.Watermark(); !got.Equal(at(t, "2026-11-26T10:08:00Z")) {
		t.Errorf("watermark = %s, want the lower partition's 10:08", got)
	}
	// A second input partition appears (the topic grew) in one table
	// partition only: the watermark never goes back, so what was final
	// stays final (the aggregate counts the new partition's events for
	// those windows as late).
	update(t, ix, 0, table.WatermarkKey(1, 3), value(t, 0, 0, 0, ms("2026-11-26T10:20:00Z")))
	if got := ix.Watermark(); !got.Equal(at(t, "2026-11-26T10:08:00Z")) {
		t.Errorf("watermark = %s while partition 1 lacks input 1, want 10:08 kept", got)
	}
	update(t, ix, 1, table.WatermarkKey(1, 4), value(t, 0, 0, 0, ms("2026-11-26T10:20:00Z")))
	if got := ix.Watermark(); !got.Equal(at(t, "2026-11-26T10:08:00Z")) {
		t.Errorf("watermark = %s, want 10:08", got)
	}
}

func TestIndexRetention(t *testing.T) {
	ix := New(1, 1, time.Minute, time.Hour)
	old := at(t, "2026-11-26T08:00:00Z")
	update(t, ix, 0, table.WindowKey("api", old), value(t, 1, 0, 0, 0))
	update(t, ix, 0, table.WindowKey("api", at(t, "2026-11-26T09:59:00Z")), value(t, 1, 0, 0, 0))
	update(t, ix, 0, table.WatermarkKey(0, 0), value(t, 0, 0, 0, at(t, "2026-11-26T10:00:00Z").UnixMilli()))
	if got := ix.Windows(old, old.Add(time.Minute), ""); len(got) != 0 {
		t.Errorf("window 2h before the watermark with 1h retention still served: %v", got)
	}
	update(t, ix, 0, table.WindowKey("api", old), value(t, 2, 0, 0, 0))
	if got := ix.Windows(old, old.Add(time.Minute), ""); len(got) != 0 {
		t.Errorf("pruned window came back: %v", got)
	}
}

// TestIndexRetentionKeepsTheNewestCounts: stream time a day past the last
// window with data (heartbeats over a quiet stream) prunes nothing that is
// within the retention of that window.
func TestIndexRetentionKeepsTheNewestCounts(t *testing.T) {
	ix := New(1, 1, time.Minute, time.Hour)
	last := at(t, "2026-11-26T08:00:00Z")
	update(t, ix, 0, table.WindowKey("api", last.Add(-2*time.Hour)), value(t, 1, 0, 0, 0))
	update(t, ix, 0, table.WindowKey("api", last), value(t, 1, 0, 0, 0))
	update(t, ix, 0, table.WatermarkKey(0, 0), value(t, 0, 0, 0, last.Add(24*time.Hour).UnixMilli()))
	if got := ix.Windows(last, last.Add(time.Minute), ""); len(got) != 1 {
		t.Errorf("the newest window was pruned by stream time alone: %v", got)
	}
	if got := ix.Windows(last.Add(-2*time.Hour), last, ""); len(got) != 0 {
		t.Errorf("a window 2h before the newest one with 1h retention still served: %v", got)
	}
}

// TestIndexIgnoresOlderValues: after a reconnect the view replays the table
// from its start; older values of a key must not replace newer ones, or a
// final window would lose counts until the replay caught up.
func TestIndexIgnoresOlderValues(t *testing.T) {
	ix := New(1, 1, time.Minute, time.Hour)
	w := at(t, "2026-11-26T10:00:00Z")
	key := table.WindowKey("api", w)
	update(t, ix, 0, key, valueAt(t, 7, 10, 0, 0, 0))
	update(t, ix, 0, key, valueAt(t, 3, 4, 0, 0, 0)) // replayed, older
	if got := ix.Windows(w, w.Add(time.Minute), "")[0].Counts[codecs.LevelInfo]; got != 10 {
		t.Errorf("INFO = %d after an older value arrived, want 10", got)
	}
	update(t, ix, 0, key, valueAt(t, 9, 12, 0, 0, 0))
	if got := ix.Windows(w, w.Add(time.Minute), "")[0].Counts[codecs.LevelInfo]; got != 12 {
		t.Errorf("INFO = %d after a newer value, want 12", got)
	}
}

// TestIndexWaitsForEveryInputPartition: an input partition that never
// carried an event could still fill any window, so nothing is final.
func TestIndexWaitsForEveryInputPartition(t *testing.T) {
	ix := New(1, 2, time.Minute, time.Hour)
	update(t, ix, 0, table.WatermarkKey(0, 0), value(t, 0, 0, 0, at(t, "2026-11-26T10:10:00Z").UnixMilli()))
	if !ix.Watermark().IsZero() {
		t.Errorf("watermark %s while input partition 1 has reported nothing", ix.Watermark())
	}
	update(t, ix, 0, table.WatermarkKey(1, 0), value(t, 0, 0, 0, at(t, "2026-11-26T10:20:00Z").UnixMilli()))
	if got := ix.Watermark(); !got.Equal(at(t, "2026-11-26T10:10:00Z")) {
		t.Errorf("watermark = %s, want 10:10", got)
	}
}

// TestIndexWatermarkNeverGoesBack: an idle input partition that carries
// records again rejoins the minimum with its lower stream time, but the
// watermark stays where it was, so a final window stays final; a view
// started later reads the highest from the values' FinalMs.
func TestIndexWatermarkNeverGoesBack(t *testing.T) {
	ms := func(s string) int64 { return at(t, s).UnixMilli() }
	wm := func(stream, record string, caughtUp bool, final int64) []byte {
		v := table.Value{StreamTimeMs: ms(stream), RecordTimeMs: ms(record), IdleMs: 60_000, CaughtUp: caughtUp, FinalMs: final}
		return table.AppendValue(nil, &v)
	}
	ix := New(1, 2, time.Minute, time.Hour)
	update(t, ix, 0, table.WatermarkKey(0, 0), wm("2026-11-26T10:20:00Z", "2026-11-26T10:30:00Z", true, 0))
	update(t, ix, 0, table.WatermarkKey(1, 0), wm("2026-11-26T10:05:00Z", "2026-11-26T10:25:00Z", true, 0)) // idle: 5 min quiet
	if got := ix.Watermark(); !got.Equal(at(t, "2026-11-26T10:20:00Z")) {
		t.Fatalf("watermark = %s with input 1 idle, want 10:20", got)
	}
	update(t, ix, 0, table.WatermarkKey(1, 0), wm("2026-11-26T10:06:00Z", "2026-11-26T10:31:00Z", true, ms("2026-11-26T10:20:00Z")))
	if got := ix.Watermark(); !got.Equal(at(t, "2026-11-26T10:20:00Z")) {
		t.Errorf("watermark = %s after input 1 came back at 10:06, want 10:20 kept", got)
	}
	// A view started now reads the latest values only.
	again := New(1, 2, time.Minute, time.Hour)
	update(t, again, 0, table.WatermarkKey(0, 0), wm("2026-11-26T10:20:00Z", "2026-11-26T10:30:00Z", true, 0))
	update(t, again, 0, table.WatermarkKey(1, 0), wm("2026-11-26T10:06:00Z", "2026-11-26T10:31:00Z", true, ms("2026-11-26T10:20:00Z")))
	if got := again.Watermark(); !got.Equal(at(t, "2026-11-26T10:20:00Z")) {
		t.Errorf("a new view's watermark = %s, want 10:20 from FinalMs", got)
	}
}

func TestIndexSumIsWhatWindowsAddUpTo(t *testing.T) {
	ix := New(2, 1, time.Minute, time.Hour)
	w := at(t, "2026-11-26T10:00:00Z")
	update(t, ix, 0, table.WindowKey("api", w), value(t, 5, 2, 1, 0))
	update(t, ix, 1, table.WindowKey("db", w), value(t, 2, 1, 0, 0))
	update(t, ix, 0, table.WindowKey("api", w.Add(time.Minute)), value(t, 7, 0, 3, 0))
	update(t, ix, 1, table.WindowKey("db", w.Add(2*time.Minute)), value(t, 4, 0, 0, 0))
	for _, q := range []struct {
		from, to time.Time
		service  string
	}{
		{w, w.Add(3 * time.Minute), ""},
		{w, w.Add(3 * time.Minute), "api"},
		{w.Add(time.Minute), w.Add(3 * time.Minute), "db"},
		{w.Add(time.Minute), w.Add(2 * time.Minute), ""},
		{w, w.Add(time.Minute), "nobody"},
	} {
		var want, wantLate table.Counts
		for _, win := range ix.Windows(q.from, q.to, q.service) {
			want.Add(win.Counts)
			wantLate.Add(win.Late)
		}
		got, gotLate := ix.Sum(q.from, q.to, q.service)
		if got != want || gotLate != wantLate {
			t.Errorf("Sum(%s, %s, %q) = %v, late %v; the windows add up to %v, late %v", q.from, q.to, q.service, got, gotLate, want, wantLate)
		}
	}
	if got, late := ix.Sum(w, w.Add(3*time.Minute), ""); got.Total() != 21 || late.Total() != 4 {
		t.Errorf("Sum of everything = %d, late %d; want 21, late 4", got.Total(), late.Total())
	}
}
