package view

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// aggregate is a table value as the aggregate stage writes it.
func aggregate(tb testing.TB, a table.Value) []byte {
	tb.Helper()
	return table.AppendValue(nil, &a)
}

// sample is an event kept at level l, at s seconds into w.
func sample(w time.Time, s int, l codecs.Level, msg string, part int32, off int64) table.Sample {
	return table.Sample{TimeMs: w.Add(time.Duration(s) * time.Second).UnixMilli(), Level: l, Host: "h-" + msg, Message: msg, Partition: part, Offset: off}
}

func messageOf(evs []Event) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.Service+":"+e.Message)
	}
	return out
}

func TestIndexEvents(t *testing.T) {
	t.Parallel()
	ix := New(1, 1, time.Minute, time.Hour)
	w0 := at(t, "2026-11-26T10:00:00Z")
	w1, w5 := w0.Add(time.Minute), w0.Add(5*time.Minute)
	E, W, F := codecs.LevelError, codecs.LevelWarn, codecs.LevelFatal
	update(t, ix, 0, table.WindowKey("api", w0), aggregate(t, table.Value{Offset: 1, Samples: []table.Sample{
		sample(w0, 50, E, "a2", 0, 4), sample(w0, 20, W, "warn", 0, 3), sample(w0, 10, E, "a1", 0, 1)}}))
	update(t, ix, 0, table.WindowKey("db", w0), aggregate(t, table.Value{Offset: 2, Samples: []table.Sample{
		sample(w0, 50, E, "d2", 0, 7), sample(w0, 30, E, "d1", 0, 6)}}))
	// Same millisecond: the input position orders them, newest first.
	update(t, ix, 0, table.WindowKey("api", w1), aggregate(t, table.Value{Offset: 3, Samples: []table.Sample{
		sample(w1, 6, F, "fatal", 0, 12), sample(w1, 5, E, "a3-p1", 1, 2), sample(w1, 5, E, "a3-p0", 0, 9)}}))
	update(t, ix, 0, table.WindowKey("api", w5), aggregate(t, table.Value{Offset: 4, Samples: []table.Sample{
		sample(w5, 0, E, "later", 0, 20)}}))

	to := w0.Add(2 * time.Minute)
	tests := []struct {
		name    string
		level   codecs.Level
		service string
		limit   int
		want    []string
	}{
		// Across windows and services, newest first; ties in time by service.
		{"all", E, "", 10, []string{"api:a3-p1", "api:a3-p0", "api:a2", "db:d2", "db:d1", "api:a1"}},
		{"limit", E, "", 3, []string{"api:a3-p1", "api:a3-p0", "api:a2"}},
		{"service", E, "db", 10, []string{"db:d2", "db:d1"}},
		{"service and limit", E, "api", 1, []string{"api:a3-p1"}},
		{"warn", W, "", 10, []string{"api:warn"}},
		{"fatal", F, "", 10, []string{"api:fatal"}},
		{"unknown service", E, "nope", 10, []string{}},
		{"info is never sampled", codecs.LevelInfo, "", 10, []string{}},
	}
	for _, tt := range tests {
		if got := messageOf(ix.Events(tt.level, tt.service, w0, to, tt.limit)); !cmp.Equal(tt.want, got) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	// The whole event, in UTC.
	got := ix.Events(E, "db", w0, w1, 1)
	want := []Event{{Time: w0.Add(50 * time.Second).UTC(), Level: E, Service: "db", Host: "h-d2", Message: "d2"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
	if got := messageOf(ix.Events(E, "", w5, w5.Add(time.Minute), 10)); !cmp.Equal(got, []string{"api:later"}) {
		t.Errorf("window 10:05 alone: %v", got)
	}
	// A newer value replaces the key's samples; a tombstone removes them.
	update(t, ix, 0, table.WindowKey("api", w0), aggregate(t, table.Value{Offset: 9, Samples: []table.Sample{
		sample(w0, 55, E, "a4", 0, 30)}}))
	update(t, ix, 0, table.WindowKey("db", w0), nil)
	if got := messageOf(ix.Events(E, "", w0, w1, 10)); !cmp.Equal(got, []string{"api:a4"}) {
		t.Errorf("after replace and tombstone: %v", got)
	}
}

func TestIndexMessages(t *testing.T) {
	t.Parallel()
	ix := New(1, 1, time.Minute, time.Hour)
	w0 := at(t, "2026-11-26T10:00:00Z")
	w1, w5 := w0.Add(time.Minute), w0.Add(5*time.Minute)
	E, W := codecs.LevelError, codecs.LevelWarn
	value := func(offset int64, fill func(lm *table.LevelMessages)) []byte {
		a := table.Value{Offset: offset}
		fill(&a.Messages)
		return aggregate(t, a)
	}
	put := func(lm *table.LevelMessages, l codecs.Level, counts map[string]int64, other int64) {
		lm[l] = &table.Messages{Counts: counts, Other: other}
	}
	update(t, ix, 0, table.WindowKey("api", w0), value(1, func(lm *table.LevelMessages) {
		put(lm, E, map[string]int64{"timeout <n>": 3, "disk full": 1}, 2)
		put(lm, W, map[string]int64{"slow": 4}, 0)
	}))
	update(t, ix, 0, table.WindowKey("db", w0), value(2, func(lm *table.LevelMessages) {
		put(lm, E, map[string]int64{"timeout <n>": 5}, 0)
	}))
	update(t, ix, 0, table.WindowKey("api", w1), value(3, func(lm *table.LevelMessages) {
		put(lm, E, map[string]int64{"disk full": 2}, 1)
	}))
	update(t, ix, 0, table.WindowKey("api", w5), value(4, func(lm *table.LevelMessages) {
		put(lm, E, map[string]int64{"out of range": 100}, 100)
	}))
	to := w0.Add(2 * time.Minute)
	tests := []struct {
		name    string
		level   codecs.Level
		service string
		want    map[string]int64
		other   int64
	}{
		{"summed over services and windows", E, "", map[string]int64{"timeout <n>": 8, "disk full": 3}, 3},
		{"api", E, "api", map[string]int64{"timeout <n>": 3, "disk full": 3}, 3},
		{"db", E, "db", map[string]int64{"timeout <n>": 5}, 0},
		{"warn", W, "", map[string]int64{"slow": 4}, 0},
		{"no fatal", codecs.LevelFatal, "", map[string]int64{}, 0},
		{"unknown service", E, "nope", map[string]int64{}, 0},
		{"level out of range", codecs.Level(200), "", map[string]int64{}, 0},
	}
	for _, tt := range tests {
		got, other := ix.Messages(tt.level, tt.service, w0, to)
		if diff := cmp.Diff(tt.want, got); diff != "" || other != tt.other {
			t.Errorf("%s: other %d, want %d; counts (-want +got):\n%s", tt.name, other, tt.other, diff)
		}
	}
	if got, other := ix.Messages(E, "", w1, w1.Add(time.Minute)); !cmp.Equal(got, map[string]int64{"disk full": 2}) || other != 1 {
		t.Errorf("10:01 alone: %v other %d", got, other)
	}
}
