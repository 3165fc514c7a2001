package view

import (
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// Window is one base window of counts.
type Window struct {
	Start  time.Time
	Counts table.Counts
	// Late counts the events that arrived after the window was final.
	Late table.Counts
}

// Event is one sampled log event.
type Event struct {
	Time    time.Time
	Level   codecs.Level
	Service string
	Host    string
	Message string
}
