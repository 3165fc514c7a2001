package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/internal/view"
)

// fakeSource is a Source over a map of (service, window start) → window.
type fakeSource struct {
	mu        sync.Mutex
	windows   map[fakeKey]view.Window
	watermark time.Time
	events    []view.Event                 // any order
	messages  map[fakeKey]map[string]int64 // templates of ERROR
	other     map[fakeKey]int64            // ERROR events without a kept template
	changes   []view.Change                // Seq i+1 at index i
}

type fakeKey struct {
	service string
	start   int64 // unix seconds
}

func newFakeSource() *fakeSource {
	return &fakeSource{windows: map[fakeKey]view.Window{}}
}

// add adds counts and late counts to one service's window at start.
func (f *fakeSource) add(service string, start time.Time, counts, late table.Counts) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := fakeKey{service, start.Unix()}
	w := f.windows[k]
	w.Start = start.UTC()
	w.Counts.Add(counts)
	w.Late.Add(late)
	f.windows[k] = w
	f.changes = append(f.changes, view.Change{Seq: uint64(len(f.changes) + 1), Start: k.start, Service: service})
}

// setWatermark moves the watermark and logs the change.
func (f *fakeSource) setWatermark(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.watermark = t
	f.changes = append(f.changes, view.Change{Seq: uint64(len(f.changes) + 1), Watermark: true})
}

// addEvent adds a sampled event.
func (f *fakeSource) addEvent(e view.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
}

// addMessage counts an ERROR template in a service's window; other adds to
// the events whose template was not kept.
func (f *fakeSource) addMessage(service string, start time.Time, template string, n, other int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := fakeKey{service, start.Unix()}
	if f.messages == nil {
		f.messages, f.other = map[fakeKey]map[string]int64{}, map[fakeKey]int64{}
	}
	if f.messages[k] == nil {
		f.messages[k] = map[string]int64{}
	}
	f.messages[k][template] += n
	f.other[k] += other
}

func (f *fakeSource) Events(level codecs.Level, service string, from, to time.Time, limit int) []view.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []view.Event
	for _, e := range f.events {
		ws := e.Time.Truncate(time.Minute)
		if e.Level == level && (service == "" || e.Service == service) && !ws.Before(from) && ws.Before(to) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b view.Event) int { return b.Time.Compare(a.Time) })
	return out[:min(len(out), limit)]
}

func (f *fakeSource) Messages(level codecs.Level, service string, from, to time.Time) (map[string]int64, int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out, other := map[string]int64{}, int64(0)
	if level != codecs.LevelError {
		return out, 0
	}
	for k, m := range f.messages {
		if k.start < from.Unix() || k.start >= to.Unix() || (service != "" && k.service != service) {
			continue
		}
		for t, n := range m {
			out[t] += n
		}
		other += f.other[k]
	}
	return out, other
}

func (f *fakeSource) Changes(seq uint64) ([]view.Change, uint64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	next := uint64(len(f.changes))
	if seq > next {
		return nil, next, true
	}
	return slices.Clone(f.changes[seq:]), next, false
}

func (f *fakeSource) Windows(from, to time.Time, service string) []view.Window {
	f.mu.Lock()
	defer f.mu.Unlock()
	byStart := map[int64]view.Window{}
	for k, w := range f.windows {
		if k.start < from.Unix() || k.start >= to.Unix() || (service != "" && k.service != service) {
			continue
		}
		sum := byStart[k.start]
		sum.Start = w.Start
		sum.Counts.Add(w.Counts)
		sum.Late.Add(w.Late)
		byStart[k.start] = sum
	}
	out := make([]view.Window, 0, len(byStart))
	for _, w := range byStart {
		out = append(out, w)
	}
	return out
}

func (f *fakeSource) Services(from, to time.Time) map[string]table.Counts {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]table.Counts{}
	for k, w := range f.windows {
		if k.start < from.Unix() || k.start >= to.Unix() {
			continue
		}
		c := out[k.service]
		c.Add(w.Counts)
		out[k.service] = c
	}
	return out
}

func (f *fakeSource) Earliest() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	var first time.Time
	for _, w := range f.windows {
		if first.IsZero() || w.Start.Before(first) {
			first = w.Start
		}
	}
	return first
}

func (f *fakeSource) Watermark() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.watermark
}

// panicSource is a broken Source.
type panicSource struct{}

func (panicSource) Windows(time.Time, time.Time, string) []view.Window    { panic("index corrupt") }
func (panicSource) Services(time.Time, time.Time) map[string]table.Counts { panic("index corrupt") }
func (panicSource) Watermark() time.Time                                  { return time.Time{} }
func (panicSource) Earliest() time.Time                                   { return time.Time{} }
func (panicSource) Events(codecs.Level, string, time.Time, time.Time, int) []view.Event {
	panic("index corrupt")
}
func (panicSource) Messages(codecs.Level, string, time.Time, time.Time) (map[string]int64, int64) {
	panic("index corrupt")
}
func (panicSource) Changes(uint64) ([]view.Change, uint64, bool) { return nil, 0, false }

// ts parses an RFC 3339 time.
func ts(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t.UTC()
}

// fixedNow returns a clock stopped at s.
func fixedNow(tb testing.TB, s string) func() time.Time {
	tb.Helper()
	t := ts(tb, s)
	return func() time.Time { return t }
}

// serve runs one request through h.
func serve(tb testing.TB, h http.Handler, method, target string) *httptest.ResponseRecorder {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

// decode checks the headers every response carries and decodes the body,
// rejecting fields that T does not have.
func decode[T any](tb testing.TB, rec *httptest.ResponseRecorder) T {
	tb.Helper()
	if got := rec.Header().Get("Content-Type"); got != "application/json" {
		tb.Errorf("Content-Type = %q, want application/json", got)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		tb.Errorf("Cache-Control = %q, want no-store", got)
	}
	var v T
	dec := json.NewDecoder(strings.NewReader(rec.Body.String()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("decode %T from %s: %v", v, rec.Body, err)
	}
	return v
}

// Hold says input partition 0 holds a known watermark, as one partition of
// one would.
func (f *fakeSource) Hold() view.Hold {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.watermark.IsZero() {
		return view.Hold{HeldBy: -1, NotReported: []int32{0}, TablePartitions: 1, Partitions: 1}
	}
	return view.Hold{HeldBy: 0, TablePartitions: 1, Partitions: 1}
}

func (panicSource) Hold() view.Hold { return view.Hold{HeldBy: -1} }
