package codecs

import (
	"flag"
	"testing"
	"time"
)

// rfc3339 parses a time written in a test table.
func rfc3339(tb testing.TB, s string) time.Time {
	tb.Helper()
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatalf("bad time in test table: %v", err)
	}
	return t
}

// event is a LogEvent as a test table writes it: the time in RFC 3339, the
// level by name.
type event struct {
	Time    string
	Level   string
	Service string
	Host    string
	Message string
}

func eventOf(ev LogEvent) event {
	return event{
		Time:    ev.Time.Format(time.RFC3339Nano),
		Level:   ev.Level.String(),
		Service: ev.Service,
		Host:    ev.Host,
		Message: ev.Message,
	}
}

var update = flag.Bool("update", false, "rewrite the golden files")
