package alerts

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

const testWindow = time.Minute

// at is the start of window i; window 0 starts at 2026-11-26T10:00:00Z.
func at(i int) time.Time {
	return time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * testWindow)
}

// fakeSource is a map-backed Reader with a settable watermark.
type fakeSource struct {
	mu   sync.Mutex
	wins map[time.Time]map[string]table.Counts
	wm   time.Time
}

func newFakeSource() *fakeSource {
	return &fakeSource{wins: make(map[time.Time]map[string]table.Counts)}
}

// set replaces service's counts in window i.
func (f *fakeSource) set(i int, service string, c table.Counts) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.wins[at(i)]
	if m == nil {
		m = make(map[string]table.Counts)
		f.wins[at(i)] = m
	}
	m[service] = c
}

// series sets service's counts in windows 0, 1, ... to cs.
func (f *fakeSource) series(service string, cs ...table.Counts) {
	for i, c := range cs {
		f.set(i, service, c)
	}
}

func (f *fakeSource) setWatermark(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.wm = t
}

func (f *fakeSource) Services(from, to time.Time) map[string]table.Counts {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]table.Counts)
	for s, m := range f.wins {
		if s.Before(from) || !s.Before(to) {
			continue
		}
		for name, c := range m {
			sum := out[name]
			sum.Add(c)
			out[name] = sum
		}
	}
	return out
}

func (f *fakeSource) Watermark() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.wm
}

func (f *fakeSource) Earliest() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	var first time.Time
	for s := range f.wins {
		if first.IsZero() || s.Before(first) {
			first = s
		}
	}
	return first
}

// ec is counts with e ERRORs among n events (the rest INFO).
func ec(e, n int64) table.Counts {
	var c table.Counts
	c[codecs.LevelError] = e
	c[codecs.LevelInfo] = n - e
	return c
}

// errs is a series of counts of only ERRORs.
func errs(ns ...int64) []table.Counts {
	out := make([]table.Counts, len(ns))
	for i, n := range ns {
		out[i] = ec(n, n)
	}
	return out
}

// recorder is a Publish that records transitions and can be made to fail.
type recorder struct {
	mu    sync.Mutex
	got   []Alert
	fails int // calls left that fail
	calls int
}

func (r *recorder) publish(_ context.Context, a Alert) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fails > 0 {
		r.fails--
		return fmt.Errorf("broker unreachable")
	}
	r.got = append(r.got, a)
	return nil
}

// brief lists transitions as "state service w<window index>".
func (r *recorder) brief() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return briefs(r.got)
}

func briefs(as []Alert) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, fmt.Sprintf("%s %s %s w%d", a.Rule, a.State, a.Service, int(a.WindowStart.Sub(at(0))/testWindow)))
	}
	return out
}

// newTestEngine returns an engine over src with a recorder as Publish.
func newTestEngine(tb testing.TB, src Reader, grace time.Duration, rules ...Rule) (*Engine, *recorder) {
	tb.Helper()
	rec := &recorder{}
	e, err := New(Config{Window: testWindow, Grace: grace, Rules: rules, Source: src, Publish: rec.publish, Logger: testLogger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	return e, rec
}

func step(tb testing.TB, e *Engine) {
	tb.Helper()
	if err := e.Step(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

// testLogger writes to the test's output, shown on failure or with -v.
func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tb.Output(), nil))
}

func ptr[T any](v T) *T { return &v }
