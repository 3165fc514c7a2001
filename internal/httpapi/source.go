package httpapi

import (
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/internal/view"
)

// Source is the view's read side (an in-memory rollup index of the aggregate
// table in production; a map in tests). The handler calls it from many
// goroutines at once.
type Source interface {
	// Windows returns the base windows that have data and start in [from, to),
	// for one service or, when service is "", summed over all services. Any
	// order.
	Windows(from, to time.Time, service string) []view.Window
	// Services returns per-service counts over base windows starting in
	// [from, to).
	Services(from, to time.Time) map[string]table.Counts
	// Earliest is the start of the earliest window held; zero when none.
	// Windows before it have been pruned (or never had data).
	Earliest() time.Time
	// Watermark is the stream time up to which windows can be final; zero
	// when unknown.
	Watermark() time.Time
	// Hold says what the watermark waits for (which input partition
	// holds it, which are idle, which have not reported).
	Hold() view.Hold
	// Events returns up to limit sampled events of level in base windows
	// starting in [from, to), of one service or all, newest first. Only
	// levels from table.SampledLevel up are sampled.
	Events(level codecs.Level, service string, from, to time.Time, limit int) []view.Event
	// Messages returns the counts of the message templates of level over
	// base windows starting in [from, to), of one service or all, and the
	// count of events whose template was not kept (each template's count
	// is exact when that is zero).
	Messages(level codecs.Level, service string, from, to time.Time) (map[string]int64, int64)
	// Changes returns what changed after seq (see view.Change), the seq to
	// ask from next, and reset when the caller fell too far behind.
	Changes(seq uint64) (changes []view.Change, next uint64, reset bool)
}
