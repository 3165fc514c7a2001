package processors

import (
	"fmt"
	"testing"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/lovoo/goka"
)

// partitionSim is one table partition of the aggregate as goka runs it:
// its local table, the table topic's writes in order, and the loop topic.
type partitionSim struct {
	t      *testing.T
	p      int32
	table  map[string]*table.Value
	writes []write // the table topic, in order
	loop   []write // the loop topic, in order
}

type write struct {
	key string
	agg *table.Value // a *table.Delta on the loop
	d   *table.Delta
}

func newPartitionSim(t *testing.T, p int32) *partitionSim {
	return &partitionSim{t: t, p: p, table: map[string]*table.Value{}}
}

// count is ServiceCap.Count over the local table.
func (s *partitionSim) count(p int32, start int64) int {
	if p != s.p {
		s.t.Fatalf("count asked for partition %d, not %d", p, s.p)
	}
	n := 0
	for k := range s.table {
		if table.IsWatermarkKey(k) || table.IsOverflowKey(k) {
			continue
		}
		if _, ws, err := table.ParseWindowKey(k); err == nil && ws.Unix() == start {
			n++
		}
	}
	return n
}

// simCtx is the goka.Context of one message; the methods the aggregator
// does not use stay nil and would panic.
type simCtx struct {
	gokaContext
	s      *partitionSim
	key    string
	offset int64
}

// gokaContext is embedded under another name: goka.Context has a method
// Context.
type gokaContext = goka.Context

func (c *simCtx) Key() string      { return c.key }
func (c *simCtx) Partition() int32 { return c.s.p }
func (c *simCtx) Offset() int64    { return c.offset }
func (c *simCtx) Fail(err error)   { c.s.t.Fatalf("ctx.Fail: %v", err) }
func (c *simCtx) Value() any {
	v := c.s.table[c.key]
	if v == nil {
		return nil
	}
	cp := *v // goka decodes a fresh value on every call
	return &cp
}
func (c *simCtx) SetValue(v any, _ ...goka.ContextOption) {
	agg := *v.(*table.Value)
	c.s.table[c.key] = &agg
	c.s.writes = append(c.s.writes, write{key: c.key, agg: &agg})
}
func (c *simCtx) Loopback(key string, v any, _ ...goka.ContextOption) {
	d := *v.(*table.Delta)
	c.s.loop = append(c.s.loop, write{key: key, d: &d})
}

// run processes deltas (offset i is deltas[i]) from offset from, then the
// loop topic from record loopFrom.
func (s *partitionSim) run(a Aggregator, keys []string, from, loopFrom int) {
	for i := from; i < len(keys); i++ {
		d := &table.Delta{}
		d.Counts[codecs.LevelError] = 1
		a.Process(&simCtx{s: s, key: keys[i], offset: int64(i)}, d)
	}
	for i := loopFrom; i < len(s.loop); i++ {
		a.Overflow(&simCtx{s: s, key: s.loop[i].key, offset: int64(i)}, s.loop[i].d)
	}
}

// TestOverflowExactUnderCrashes: partition 1 of 3 admits its share (2) of
// a cap of 5 services per window; 6 more services go round the loop to its
// overflow key. After a crash at any point — the table kept up to any of
// its writes, the loop topic up to any of its records, everything
// redelivered from the start — every event counts once, the window holds
// no more services than the share, and the overflow key lands on the
// partition.
func TestOverflowExactUnderCrashes(t *testing.T) {
	w := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	var keys []string
	for i := range 8 {
		keys = append(keys, table.WindowKey(fmt.Sprintf("req-%d", i), w))
	}
	first := newPartitionSim(t, 1)
	capOf := func(s *partitionSim) Aggregator {
		return Aggregator{Cap: &ServiceCap{PerWindow: 5, Partitions: 3, Count: s.count}}
	}
	first.run(capOf(first), keys, 0, 0)
	check := func(what string, s *partitionSim) {
		t.Helper()
		var total, services int64
		for k, agg := range s.table {
			total += agg.Counts.Total()
			if !table.IsOverflowKey(k) {
				services++
			} else if p := GokaPartition(k, 3); p != 1 {
				t.Errorf("%s: overflow key %q is on partition %d, not 1", what, k, p)
			}
		}
		if total != int64(len(keys)) || services != 2 {
			t.Errorf("%s: %d events counted in %d services, want %d in 2 (table %v)", what, total, services, len(keys), s.table)
		}
	}
	check("no crash", first)
	if len(first.loop) != 6 {
		t.Fatalf("%d loop records, want 6", len(first.loop))
	}
	for x := range len(first.writes) + 1 {
		for k := range len(first.loop) + 1 {
			s := newPartitionSim(t, 1)
			for _, wr := range first.writes[:x] {
				s.table[wr.key] = wr.agg
			}
			s.loop = append(s.loop, first.loop[:k]...)
			// A table write of an overflow key follows its loop record.
			if o := s.table[first.loop[0].key]; o != nil && o.Offset >= 0 && !hasOrigin(s.loop, o.Offset) {
				continue
			}
			s.run(capOf(s), keys, 0, 0)
			check(fmt.Sprintf("crash after %d table writes and %d loop records", x, k), s)
		}
	}
}

func hasOrigin(loop []write, origin int64) bool {
	for _, r := range loop {
		if r.d.Origin == origin {
			return true
		}
	}
	return false
}

// TestWatermarkFollowsTheOverflow: with a cap, a watermark goes round the
// loop behind the deltas diverted before it, so the table never shows a
// partition's stream time past a window whose overflow counts are not in
// yet (the view would call the window final without them).
func TestWatermarkFollowsTheOverflow(t *testing.T) {
	w := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	keys := []string{table.WindowKey("a", w), table.WindowKey("b", w), table.WindowKey("c", w), table.WatermarkKey(0, 0)}
	s := newPartitionSim(t, 0)
	a := Aggregator{Cap: &ServiceCap{PerWindow: 1, Partitions: 1, Count: s.count}}
	s.run(a, keys, 0, 0)
	var order []string
	for _, wr := range s.writes {
		order = append(order, wr.key)
	}
	want := []string{keys[0], table.OverflowKey(w, 0), table.OverflowKey(w, 0), keys[3]}
	if len(order) != len(want) || order[0] != want[0] || !table.IsOverflowKey(order[1]) || !table.IsOverflowKey(order[2]) || order[3] != want[3] {
		t.Errorf("table writes in order %q; want the service, its window's overflow twice, then the watermark", order)
	}
	if wm := s.table[keys[3]]; wm == nil || wm.Offset != 3 {
		t.Errorf("watermark value %+v, want one applied at deltas offset 3", wm)
	}
}

// TestNoCapAdmitsAll: without a Cap every service gets its own key.
func TestNoCapAdmitsAll(t *testing.T) {
	w := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	s := newPartitionSim(t, 0)
	var keys []string
	for i := range 50 {
		keys = append(keys, table.WindowKey(fmt.Sprint(i), w))
	}
	s.run(Aggregator{}, keys, 0, 0)
	if len(s.table) != 50 || len(s.loop) != 0 {
		t.Errorf("%d keys, %d loop records; want 50 and 0", len(s.table), len(s.loop))
	}
}

// TestShareAddsUpToTheCap: the partitions' shares sum to the cap.
func TestShareAddsUpToTheCap(t *testing.T) {
	for _, tc := range []struct {
		cap int
		n   int32
	}{{10000, 6}, {5, 3}, {2, 6}, {7, 1}} {
		c := &ServiceCap{PerWindow: tc.cap, Partitions: tc.n}
		sum := 0
		for p := range tc.n {
			sum += c.Share(p)
		}
		if sum != tc.cap {
			t.Errorf("cap %d over %d partitions: shares add up to %d", tc.cap, tc.n, sum)
		}
	}
}
