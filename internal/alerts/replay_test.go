package alerts

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

const replayWindows = 150

// replayCounts is a deterministic workload: five services with a noisy
// baseline, error bursts and quiet stretches.
func replayCounts() map[int]map[string]table.Counts {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make(map[int]map[string]table.Counts)
	for i := range replayWindows {
		m := make(map[string]table.Counts)
		for j, s := range []string{"api", "billing", "checkout", "search", "worker"} {
			if (i/20+j)%5 == 4 {
				continue // quiet: no events at all
			}
			n := int64(20 + rng.IntN(60))
			e := int64(rng.IntN(3))
			if rng.IntN(12) == 0 {
				e += int64(10 + rng.IntN(30)) // burst
			}
			var c table.Counts
			c[codecs.LevelInfo], c[codecs.LevelError] = n, e
			c[codecs.LevelFatal] = int64(rng.IntN(2))
			m[s] = c
		}
		out[i] = m
	}
	return out
}

func replayRules() []Rule {
	return append(DefaultRules(testWindow),
		Rule{Name: "errors-3m", Over: 3 * time.Minute, For: 2, Count: ptr[int64](40)},
		Rule{Name: "billing-fatal", Service: "billing", Levels: []codecs.Level{codecs.LevelFatal}, Count: ptr[int64](0)},
	)
}

// fill copies the workload into src.
func fill(src *fakeSource, counts map[int]map[string]table.Counts) {
	for i, m := range counts {
		for s, c := range m {
			src.set(i, s, c)
		}
	}
}

// Two engines over the same data give the same transitions and the same
// Alerts, whether stepped once at the end, after every window, or in
// uneven strides while later windows still change.
func TestDeterministicReplay(t *testing.T) {
	counts := replayCounts()
	const grace = 15 * time.Second
	end := at(replayWindows).Add(grace)

	once := newFakeSource()
	fill(once, counts)
	once.setWatermark(end)
	a, ra := newTestEngine(t, once, grace, replayRules()...)
	step(t, a)

	every := newFakeSource()
	fill(every, counts)
	b, rb := newTestEngine(t, every, grace, replayRules()...)
	for i := 0; i <= replayWindows; i++ {
		every.setWatermark(at(i).Add(grace))
		step(t, b)
	}

	// Strides of 1 to 7 windows at uneven offsets; windows not yet final
	// hold wrong counts until just before they become final.
	strided := newFakeSource()
	c, rc := newTestEngine(t, strided, grace, replayRules()...)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < replayWindows; i++ {
		strided.set(i, "api", ec(500, 500))
	}
	for i := 0; i < replayWindows; {
		next := min(i+1+rng.IntN(7), replayWindows)
		for ; i < next; i++ {
			strided.set(i, "api", table.Counts{}) // no api events, unless the workload has some
			for s, cs := range counts[i] {
				strided.set(i, s, cs)
			}
		}
		strided.setWatermark(at(i).Add(grace + time.Duration(rng.IntN(40))*time.Second))
		step(t, c)
	}
	strided.setWatermark(end)
	step(t, c)

	want := ra.got
	var firing, resolved int
	for _, x := range want {
		if x.State == StateFiring {
			firing++
		} else {
			resolved++
		}
	}
	if firing < 5 || resolved < 5 {
		t.Fatalf("workload gave %d firing and %d resolved transitions; want a few of each: %v", firing, resolved, ra.brief())
	}
	wantActive, wantRecent := a.Alerts()
	for name, e := range map[string]struct {
		e   *Engine
		rec *recorder
	}{"every window": {b, rb}, "strided": {c, rc}} {
		if diff := cmp.Diff(want, e.rec.got); diff != "" {
			t.Errorf("%s: transitions differ from one step (-once +%s):\n%s", name, name, diff)
		}
		active, recent := e.e.Alerts()
		if diff := cmp.Diff(wantActive, active); diff != "" {
			t.Errorf("%s: active alerts (-once +%s):\n%s", name, name, diff)
		}
		if diff := cmp.Diff(wantRecent, recent); diff != "" {
			t.Errorf("%s: recent alerts (-once +%s):\n%s", name, name, diff)
		}
	}

	// A restart re-derives the same alerts and, told what the topic holds,
	// publishes nothing again.
	published := make(map[string]string)
	for _, x := range ra.got {
		published[x.ID] = x.State
	}
	rd := &recorder{}
	d, err := New(Config{Window: testWindow, Grace: grace, Rules: replayRules(), Source: once,
		Publish: rd.publish, Published: published, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	step(t, d)
	if len(rd.got) != 0 {
		t.Errorf("restart republished %v", rd.brief())
	}
	active, recent := d.Alerts()
	if diff := cmp.Diff(wantActive, active); diff != "" {
		t.Errorf("restart: active alerts (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(wantRecent, recent); diff != "" {
		t.Errorf("restart: recent alerts (-before +after):\n%s", diff)
	}
}

// Published skips exactly the transitions the topic already has: a
// firing whose resolve is missing gets only its resolve.
func TestPublishedDedupe(t *testing.T) {
	src := newFakeSource()
	src.series("api", errs(9, 0, 9, 0)...)
	src.setWatermark(at(4))
	rec := &recorder{}
	e, err := New(Config{Window: testWindow, Rules: []Rule{{Name: "c", Count: ptr[int64](5)}}, Source: src,
		Publish: rec.publish, Logger: testLogger(t), Published: map[string]string{
			"c|api|2026-11-26T10:00:00Z": StateResolved,
			"c|api|2026-11-26T10:02:00Z": StateFiring,
		}})
	if err != nil {
		t.Fatal(err)
	}
	step(t, e)
	if diff := cmp.Diff([]string{"c resolved api w3"}, rec.brief()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A failing Publish keeps the transition and every later one, in order,
// and the next Step publishes them; evaluation goes on meanwhile.
func TestPublishRetry(t *testing.T) {
	src := newFakeSource()
	src.series("api", errs(9, 0, 9, 0, 9)...)
	e, rec := newTestEngine(t, src, 0, Rule{Name: "c", Count: ptr[int64](5)})
	rec.fails = 3
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		src.setWatermark(at(i))
		if err := e.Step(ctx); err == nil {
			t.Fatalf("step %d: want the publish error", i)
		}
	}
	if got := e.Pending(); got != 3 {
		t.Errorf("pending %d, want 3", got)
	}
	if active, _ := e.Alerts(); len(active) != 1 || active[0].ID != "c|api|2026-11-26T10:02:00Z" {
		t.Errorf("active %v: evaluation must not wait for Publish", active)
	}
	src.setWatermark(at(5))
	step(t, e)
	want := []string{"c firing api w0", "c resolved api w1", "c firing api w2", "c resolved api w3", "c firing api w4"}
	if diff := cmp.Diff(want, rec.brief()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if rec.calls != 3+len(want) || e.Pending() != 0 {
		t.Errorf("%d publish calls and %d pending; want each transition published once after 3 failures", rec.calls, e.Pending())
	}
}

// A Publish that hangs is cut off by PublishTimeout; Step returns.
func TestPublishTimeout(t *testing.T) {
	src := newFakeSource()
	src.series("api", errs(9)...)
	src.setWatermark(at(1))
	e, err := New(Config{Window: testWindow, Rules: []Rule{{Name: "c", Count: ptr[int64](5)}}, Source: src,
		Logger: testLogger(t), PublishTimeout: 20 * time.Millisecond,
		Publish: func(ctx context.Context, _ Alert) error { <-ctx.Done(); return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Step(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("step: %v, want the publish deadline", err)
	}
	if e.Pending() != 1 {
		t.Errorf("pending %d, want the transition kept", e.Pending())
	}
}

// Run steps until ctx is done and retries a failed Publish.
func TestRun(t *testing.T) {
	src := newFakeSource()
	src.series("api", errs(9, 0)...)
	src.setWatermark(at(2))
	e, rec := newTestEngine(t, src, 0, Rule{Name: "c", Count: ptr[int64](5)})
	rec.fails = 2
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, 5*time.Millisecond) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(rec.brief()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
	if diff := cmp.Diff([]string{"c firing api w0", "c resolved api w1"}, rec.brief()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Past MaxServices, new services are evaluated as OverflowService, except
// those a rule names; the busiest are admitted first, and among equals
// which ones does not depend on map order.
func TestMaxServices(t *testing.T) {
	src := newFakeSource()
	for _, s := range []string{"d", "c", "b", "a"} {
		src.set(0, s, ec(9, 9))
	}
	src.set(0, "e", ec(1, 1)) // quiet: past the cap, with c
	src.setWatermark(at(1))
	rec := &recorder{}
	e, err := New(Config{Window: testWindow, Source: src, Publish: rec.publish, Logger: testLogger(t), MaxServices: 2,
		Rules: []Rule{{Name: "c", Count: ptr[int64](5)}, {Name: "d-only", Service: "d", Count: ptr[int64](5)}}})
	if err != nil {
		t.Fatal(err)
	}
	step(t, e)
	// c's 9 errors and e's 1 fire on the overflow.
	want := []string{"c firing _overflow w0", "c firing a w0", "c firing b w0", "c firing d w0", "d-only firing d w0"}
	if diff := cmp.Diff(want, rec.brief()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if active, _ := e.Alerts(); len(active) == 0 || !strings.Contains(active[0].Condition, "count 10 > 5") {
		t.Errorf("overflow alert %+v, want the count of c and e: 10", active)
	}
}

// Alerts and Version are safe while Step runs (go test -race).
func TestConcurrentReads(t *testing.T) {
	src := newFakeSource()
	fill(src, replayCounts())
	e, _ := newTestEngine(t, src, 0, replayRules()...)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				e.Alerts()
				e.Version()
			}
		}
	}()
	var last uint64
	for i := 0; i <= replayWindows; i += 10 {
		src.setWatermark(at(i))
		step(t, e)
		if v := e.Version(); v < last {
			t.Errorf("version went back from %d to %d", last, v)
		} else {
			last = v
		}
	}
	close(stop)
	wg.Wait()
	if last == 0 {
		t.Error("version never changed")
	}
}
