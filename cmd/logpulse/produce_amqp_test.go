package main

import (
	"strings"
	"testing"
)

// TestProduceAMQPBadFlags: wrong --amqp flags are refused at once, by name,
// before any connection is tried.
func TestProduceAMQPBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--amqp", "http://localhost/", "--queue", "q"}, "--amqp \"http://localhost/\""},
		{[]string{"--amqp", "amqp://localhost/"}, "--queue is required with --amqp"},
		{[]string{"--queue", "log_queue", "--stdin"}, "--queue needs --amqp"},
		{[]string{"--amqp", "amqp://localhost/", "--queue", "q", "--stdin"}, "say what to produce, once"},
		{[]string{"--amqp", "amqp://localhost/", "--queue", "q", "--amqp-prefetch", "0"}, "--amqp-prefetch must be from 1 to 65535"},
	} {
		args := append([]string{"produce", "--brokers", "127.0.0.1:1"}, tc.args...)
		out, err := runCLI(t, args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v (%s), want an error with %q", tc.args, err, out, tc.want)
		}
	}
}
