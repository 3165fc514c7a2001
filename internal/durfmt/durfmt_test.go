package durfmt

import (
	"testing"
	"time"
)

func TestShort(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{5 * time.Minute, "5m"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{25 * time.Hour, "25h"},
		{30 * time.Second, "30s"},
		{90 * time.Second, "1m30s"},
		{time.Hour + 30*time.Second, "1h0m30s"},
		{1500 * time.Millisecond, "1.5s"},
		{0, "0s"},
		{-5 * time.Minute, "-5m"},
	} {
		got := Short(tt.d)
		if got != tt.want {
			t.Errorf("Short(%v) = %q, want %q", tt.d, got, tt.want)
		}
		if back, err := time.ParseDuration(got); err != nil || back != tt.d {
			t.Errorf("ParseDuration(Short(%v) = %q) = %v, %v; want it back", tt.d, got, back, err)
		}
	}
}
