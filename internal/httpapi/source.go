package httpapi

import (
	"time"

	"github.com/logpulse/logpulse/codecs"
)

// Source is the view's read side (an in-memory rollup index of the aggregate
// table in production; a map in tests). The handler calls it from many
// goroutines at once.
type Source interface {
	// Windows returns the base windows that have data and start in [from, to),
	// for one service or, when service is "", summed over all services. Any
	// order.
	Windows(from, to time.Time, service string) []Window
	// Services returns per-service counts over base windows starting in
	// [from, to).
	Services(from, to time.Time) map[string]codecs.Counts
	// Watermark is the stream time up to which windows can be final; zero
	// when unknown.
	Watermark() time.Time
}

// Window is one base window of counts.
type Window struct {
	Start  time.Time
	Counts codecs.Counts
	// Late counts the events that arrived after the window was final.
	Late codecs.Counts
}
