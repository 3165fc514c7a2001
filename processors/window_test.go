package processors

import (
	"testing"
	"time"
)

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatalf("parse %q: %v", s, err)
	}
	return t
}

func TestWindowStart(t *testing.T) {
	for _, tc := range []struct {
		at   string
		size time.Duration
		want string
	}{
		{"2026-11-26T10:00:00Z", time.Minute, "2026-11-26T10:00:00Z"},
		{"2026-11-26T10:00:59.999Z", time.Minute, "2026-11-26T10:00:00Z"},
		{"2026-11-26T10:01:00Z", time.Minute, "2026-11-26T10:01:00Z"},
		{"2026-11-26T10:07:30Z", 5 * time.Minute, "2026-11-26T10:05:00Z"},
		{"2026-11-26T10:59:59Z", time.Hour, "2026-11-26T10:00:00Z"},
		// Zones do not move window edges: windows are aligned in UTC.
		{"2026-11-26T11:30:10+01:30", time.Hour, "2026-11-26T10:00:00Z"},
		{"2026-11-26T23:59:59Z", 24 * time.Hour, "2026-11-26T00:00:00Z"},
		{"1970-01-01T00:00:00Z", time.Minute, "1970-01-01T00:00:00Z"},
	} {
		got := WindowStart(mustTime(t, tc.at), tc.size)
		if want := mustTime(t, tc.want); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("WindowStart(%s, %s) = %s, want %s UTC", tc.at, tc.size, got, tc.want)
		}
	}
}

func TestClosed(t *testing.T) {
	const size, grace = time.Minute, 5 * time.Minute
	start := mustTime(t, "2026-11-26T10:00:00Z")
	for _, tc := range []struct {
		streamTime string
		want       bool
	}{
		{"2026-11-26T10:00:30Z", false},
		{"2026-11-26T10:01:00Z", false},     // window ended, grace running
		{"2026-11-26T10:05:59.999Z", false}, // last instant of grace
		{"2026-11-26T10:06:00Z", true},      // end + grace reached
		{"2026-11-26T11:00:00Z", true},
	} {
		if got := Closed(start, size, grace, mustTime(t, tc.streamTime)); got != tc.want {
			t.Errorf("Closed(10:00 window, stream time %s) = %v, want %v", tc.streamTime, got, tc.want)
		}
	}
}
