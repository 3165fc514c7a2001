package stage

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/internal/table"
)

func TestMemStoreDropsWindowsPastRetention(t *testing.T) {
	st, err := memStoreBuilder(time.Minute, time.Hour, 2, nil)("t", 0)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for i := range 180 { // three hours of windows
		if err := st.Set(table.WindowKey("api", base.Add(time.Duration(i)*time.Minute)), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	wm := func(in int32, at time.Time) {
		t.Helper()
		v := fmt.Sprintf(`{"stream_time_ms":%d}`, at.UnixMilli())
		if err := st.Set(table.WatermarkKey(in, 0), []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	has := func(at time.Time) bool {
		ok, _ := st.Has(table.WindowKey("api", at))
		return ok
	}
	wm(0, base.Add(3*time.Hour))
	if !has(base) {
		t.Error("swept while input partition 1 had not reported")
	}
	wm(1, base.Add(150*time.Minute)) // the lowest input partition decides
	// Watermark 2:30, retention 1h: windows that ended by 1:29 are gone.
	if !has(base.Add(89*time.Minute)) || !has(base.Add(120*time.Minute)) {
		t.Error("dropped a window within the retention of the lowest stream time")
	}
	if has(base) || has(base.Add(60*time.Minute)) || has(base.Add(88*time.Minute)) {
		t.Error("kept a window that ended more than the retention before the watermark")
	}
	if ok, _ := st.Has(table.WatermarkKey(0, 0)); !ok {
		t.Error("dropped a watermark key")
	}

	// A late delta for a dropped window must not start it again from zero
	// (its counts in the table would be replaced by the delta's).
	v, _ := st.Get(table.WindowKey("api", base))
	agg, err := table.ValueCodec{}.Decode(v)
	if err != nil || !agg.(*table.Value).Expired() {
		t.Errorf("Get of a dropped window = %s, %v; want an expired value", v, err)
	}
	st.Set(table.WindowKey("api", base), []byte(`{"offset":99}`)) // recovery replaying it
	if has(base) {
		t.Error("a dropped window came back through Set")
	}
}

// TestMemStoreKeepsTheNewestCounts checks that stream time alone does not
// empty the state: a day of stream time past the last counted window (a
// quiet service and heartbeats, or a producer stamping records ahead) drops
// only windows that are older than the retention by the newest counts too.
func TestMemStoreKeepsTheNewestCounts(t *testing.T) {
	st, err := memStoreBuilder(time.Minute, time.Hour, 1, nil)("t", 0)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for i := range 180 {
		if err := st.Set(table.WindowKey("api", base.Add(time.Duration(i)*time.Minute)), []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	v := fmt.Sprintf(`{"stream_time_ms":%d}`, base.Add(27*time.Hour).UnixMilli())
	if err := st.Set(table.WatermarkKey(0, 0), []byte(v)); err != nil {
		t.Fatal(err)
	}
	has := func(at time.Time) bool {
		ok, _ := st.Has(table.WindowKey("api", at))
		return ok
	}
	// The newest window starts at 2:59 and ends at 3:00: the hour before
	// it stays, the rest goes.
	if !has(base.Add(179*time.Minute)) || !has(base.Add(120*time.Minute)) {
		t.Error("dropped a window within the retention of the newest counts")
	}
	if has(base) || has(base.Add(118*time.Minute)) {
		t.Error("kept a window older than the retention by stream time and by the newest counts")
	}
}

func TestMemStoreIterator(t *testing.T) {
	st, _ := memStoreBuilder(time.Minute, time.Hour, 1, nil)("t", 0)
	for _, k := range []string{"c", "a", "d", "b"} {
		st.Set(k, []byte(k+"!"))
	}
	it, _ := st.IteratorWithRange([]byte("b"), []byte("d"))
	var got []string
	for it.Next() {
		v, _ := it.Value()
		got = append(got, string(it.Key())+"="+string(v))
	}
	if diff := cmp.Diff([]string{"b=b!", "c=c!"}, got); diff != "" {
		t.Errorf("range [b, d) (-want +got):\n%s", diff)
	}
	it, _ = st.Iterator()
	if !it.Seek([]byte("bb")) || !it.Next() || string(it.Key()) != "c" {
		t.Errorf("Seek(bb) then Next: want c")
	}
}
