package topology_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/processors"
	"github.com/logpulse/logpulse/topology"
	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
)

func TestAggregateGraph(t *testing.T) {
	tt := tester.New(t)
	topics := topology.DefaultTopics()
	proc, err := goka.NewProcessor(nil, topology.AggregateGraph(topics, processors.Aggregator{}), goka.WithTester(tt))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- proc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("processor: %v", err)
		}
	})

	w := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	api, db := table.WindowKey("api", w), table.WindowKey("db", w)
	delta := func(info, errs, late int64) *table.Delta {
		d := &table.Delta{}
		d.Counts[codecs.LevelInfo], d.Counts[codecs.LevelError], d.Late[codecs.LevelInfo] = info, errs, late
		return d
	}
	tt.Consume(topics.Deltas, api, delta(10, 1, 0))
	tt.Consume(topics.Deltas, db, delta(5, 0, 0))
	tt.Consume(topics.Deltas, api, delta(3, 2, 4))
	wm := table.WatermarkKey(0, 0)
	tt.Consume(topics.Deltas, wm, &table.Delta{StreamTimeMs: 2000})
	tt.Consume(topics.Deltas, wm, &table.Delta{StreamTimeMs: 1000}) // stream time never goes back

	counts := func(info, errs int64) table.Counts {
		var c table.Counts
		c[codecs.LevelInfo], c[codecs.LevelError] = info, errs
		return c
	}
	tbl := goka.Table(topics.Table())
	for _, tc := range []struct {
		key          string
		counts, late table.Counts
		streamTime   int64
	}{
		{api, counts(13, 3), counts(4, 0), 0},
		{db, counts(5, 0), table.Counts{}, 0},
		{wm, table.Counts{}, table.Counts{}, 2000},
	} {
		got, ok := tt.TableValue(tbl, tc.key).(*table.Value)
		if !ok {
			t.Fatalf("table value of %q: %#v", tc.key, tt.TableValue(tbl, tc.key))
		}
		if diff := cmp.Diff(tc.counts, got.Counts); diff != "" {
			t.Errorf("counts of %q (-want +got):\n%s", tc.key, diff)
		}
		if diff := cmp.Diff(tc.late, got.Late); diff != "" {
			t.Errorf("late of %q (-want +got):\n%s", tc.key, diff)
		}
		if got.StreamTimeMs != tc.streamTime {
			t.Errorf("stream time of %q = %d, want %d", tc.key, got.StreamTimeMs, tc.streamTime)
		}
	}
}

func timeAt(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// TestAggregateGraphOverflow: with a cap, the graph's loop carries the
// deltas of services past it to the window's overflow key, and the loop
// topic is the one Topics names.
func TestAggregateGraphOverflow(t *testing.T) {
	tt := tester.New(t)
	topics := topology.DefaultTopics()
	w := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tbl := goka.Table(topics.Table())
	var keys []string
	for i := range 5 {
		keys = append(keys, table.WindowKey(fmt.Sprint("req-", i), w))
	}
	count := func(p int32, start int64) int {
		n := 0
		for _, k := range keys {
			if tt.TableValue(tbl, k) != nil {
				n++
			}
		}
		return n
	}
	graph := topology.AggregateGraph(topics, processors.Aggregator{Cap: &processors.ServiceCap{PerWindow: 2, Partitions: 1, Count: count}})
	if got := graph.LoopStream().Topic(); got != topics.Loop() {
		t.Errorf("loop topic %q, Topics.Loop() %q", got, topics.Loop())
	}
	proc, err := goka.NewProcessor(nil, graph, goka.WithTester(tt))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- proc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("processor: %v", err)
		}
	})
	for i, k := range keys {
		d := &table.Delta{}
		d.Counts[codecs.LevelError] = int64(i + 1)
		tt.Consume(topics.Deltas, k, d)
	}
	var admitted []string
	for _, k := range keys {
		if tt.TableValue(tbl, k) != nil {
			admitted = append(admitted, k)
		}
	}
	if diff := cmp.Diff(keys[:2], admitted); diff != "" {
		t.Errorf("admitted services (-want +got):\n%s", diff)
	}
	of, ok := tt.TableValue(tbl, table.OverflowKey(w, 0)).(*table.Value)
	if !ok || of.Counts[codecs.LevelError] != 3+4+5 {
		t.Errorf("overflow key: %+v, want ERROR 12", tt.TableValue(tbl, table.OverflowKey(w, 0)))
	}
}
