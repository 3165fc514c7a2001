package stage

import (
	"fmt"
	"testing"
	"time"

	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/processors"
	"github.com/lovoo/goka"
)

// TestMemStoreCountsServices: the count of services per window that the cap
// reads follows every key in and out — Set (as recovery and the aggregate
// write), a second Set of the same key, Delete (a tombstone in recovery),
// and the sweep past the retention — and leaves watermark and overflow keys
// out. It is read per table partition, from the partition's latest store.
func TestMemStoreCountsServices(t *testing.T) {
	stores := &partitionStores{}
	build := memStoreBuilder(time.Minute, time.Hour, 1, stores)
	if _, err := build("t", 0); err != nil {
		t.Fatal(err)
	}
	st, err := build("t", 1)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	later := base.Add(3 * time.Hour)
	replay := func(key string, v []byte) {
		t.Helper()
		// What goka calls for each table record it recovers.
		if err := processors.Recover(&goka.DefaultUpdateContext{}, st, key, v); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		replay(table.WindowKey(fmt.Sprint("svc-", i), base), []byte(`{"offset":1}`))
		replay(table.WindowKey(fmt.Sprint("svc-", i), later), []byte(`{"offset":1}`))
	}
	replay(table.WindowKey("svc-0", base), []byte(`{"offset":2}`)) // the same key again
	replay(table.OverflowKey(base, 3), []byte(`{"offset":9}`))
	replay(table.WatermarkKey(0, 0), []byte(`{"offset":3}`))
	count := func(what string, p int32, at time.Time, want int) {
		t.Helper()
		if got := stores.Count(p, at.Unix()); got != want {
			t.Errorf("%s: partition %d holds %d services at %s, want %d", what, p, got, at.Format(time.TimeOnly), want)
		}
	}
	count("recovered", 1, base, 5)
	count("recovered", 1, later, 5)
	count("another partition", 0, base, 0)
	replay(table.WindowKey("svc-1", base), nil)
	replay(table.WindowKey("svc-1", base), nil) // a tombstone for a key gone already
	count("after a tombstone", 1, base, 4)

	// Watermark 3:00 on the only input partition, retention 1h: the base
	// window is swept, overflow key and all.
	if err := st.Set(table.WatermarkKey(0, 0), fmt.Appendf(nil, `{"stream_time_ms":%d}`, later.UnixMilli())); err != nil {
		t.Fatal(err)
	}
	count("after the sweep", 1, base, 0)
	count("after the sweep", 1, later, 5)
	if ok, _ := st.Has(table.OverflowKey(base, 3)); ok {
		t.Error("the overflow key outlived its window")
	}
	// A key of a swept window (recovery replaying it) does not count.
	replay(table.WindowKey("svc-9", base), []byte(`{"offset":4}`))
	count("a swept window's key again", 1, base, 0)

	// A partition assigned again gets a new store, counted from zero.
	if _, err := build("t", 1); err != nil {
		t.Fatal(err)
	}
	count("a new store", 1, later, 0)
}
