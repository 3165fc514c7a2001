// Package durfmt writes durations for people: 5m rather than time's 5m0s.
// The HTTP API's error messages and the alert rules' descriptions both
// print durations a user typed or will type back, so they share this one
// spelling.
package durfmt

import (
	"strings"
	"time"
)

// Short writes d as time.Duration.String does, without trailing zero
// units: 5m, 1h, 1h30m, 90s stays 1m30s. time.ParseDuration reads it back
// to d.
func Short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
