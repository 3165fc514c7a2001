package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

func runCLI(tb testing.TB, args ...string) (string, error) {
	tb.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String() + errOut.String(), err
}

// TestHelpListsEnvironment: -h shows every flag with its LOGPULSE_ variable.
func TestHelpListsEnvironment(t *testing.T) {
	for _, cmd := range subcommands(&cliEnv{}) {
		sub := cmd.Name
		out, err := runCLI(t, sub, "-h")
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s -h: err %v, want flag.ErrHelp", sub, err)
		}
		cmd.FlagSet.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(out, "--"+f.Name) || !strings.Contains(out, envName(f.Name)) {
				t.Errorf("%s -h does not list --%s with %s", sub, f.Name, envName(f.Name))
			}
		})
	}
}

// TestBadFlags: every bad value is refused before anything starts, with a
// message that says what to do.
func TestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"run", "--window", "7m"}, nil, "does not divide a day"},
		{[]string{"run", "--window", "1500ms"}, nil, "whole number of seconds"},
		{[]string{"run", "--retention", "2m"}, nil, "--retention 2m0s must be at least --window + --grace"},
		{[]string{"run", "--grace", "-1s"}, nil, "--grace must be a non-negative"},
		{[]string{"run", "--partitions", "0"}, nil, "--partitions must be between 1 and 10000"},
		{[]string{"run", "--brokers", "kafka"}, nil, "has no port"},
		{[]string{"run", "--log-level", "loud"}, nil, "--log-level must be"},
		{[]string{"ingest"}, nil, "--brokers is required"},
		{[]string{"serve"}, nil, "LOGPULSE_BROKERS"},
		{[]string{"produce", "--brokers", "localhost:9092"}, nil, "--generate"},
		{[]string{"produce", "--generate", "--brokers", "x:1", "--format", "xml"}, nil, "--format must be json, text or mixed"},
		{[]string{"ingest", "--brokers", "k:9092", "--sasl-mechanism", "gssapi"}, nil, "--sasl-mechanism must be plain, scram-sha-256 or scram-sha-512"},
		{[]string{"ingest", "--brokers", "k:9092", "--sasl-mechanism", "scram-sha-256", "--sasl-user", "u"}, nil, "needs --sasl-user and --sasl-password"},
		{[]string{"ingest", "--brokers", "k:9092", "--sasl-user", "u", "--sasl-password", "p"}, nil, "--sasl-mechanism is not"},
		{[]string{"ingest", "--brokers", "k:9092", "--sasl-mechanism", "plain", "--sasl-user", "u", "--sasl-password-file", "/nonexistent"}, nil, "--sasl-password-file"},
		{[]string{"ingest", "--brokers", "k:9092", "--tls-ca", "/nonexistent/ca.pem"}, nil, "--tls-ca"},
		{[]string{"ingest", "--brokers", "k:9092", "--tls-cert", "c.pem"}, nil, "--tls-cert and --tls-key go together"},
		{[]string{"run", "--tls"}, nil, "the embedded broker is plaintext"},
		// ingest's own flags, validated under `ingest` as under `run`.
		{[]string{"ingest", "--brokers", "k:9092", "--max-event-bytes", "-1"}, nil, "--max-event-bytes must be positive"},
		{[]string{"ingest", "--brokers", "k:9092", "--transactional-id", ""}, nil, "--transactional-id must not be empty"},
		{[]string{"ingest", "--brokers", "k:9092", "--idle-heartbeat", "-1s"}, nil, "--idle-heartbeat must not be negative"},
		{[]string{"ingest", "--brokers", "k:9092", "--max-clock-skew", "0s"}, nil, "--max-clock-skew must be"},
		{[]string{"run", "--max-clock-skew", "1500us"}, nil, "--max-clock-skew must be a whole number of milliseconds"},
		// aggregate's own flags, under `aggregate` as under `run`.
		{[]string{"aggregate", "--brokers", "k:9092", "--max-services", "0"}, nil, "--max-services must be between 1 and"},
		{[]string{"run", "--max-services", "-5"}, nil, "--max-services must be between 1 and"},
		{[]string{"aggregate"}, map[string]string{"LOGPULSE_BROKERS": "k:9092", "LOGPULSE_MAX_SERVICES": "20000000"}, "--max-services must be between 1 and 10000000"},
		{[]string{"aggregate", "--brokers", "k:9092", "--instance-id", ""}, nil, "--instance-id must not be empty"},
		{[]string{"run", "--instance-id", "host/1"}, nil, `--instance-id "host/1": use only`},
		{[]string{"aggregate", "--brokers", "k:9092", "--instance-id", strings.Repeat("a", 250)}, nil, "Kafka allows 249"},
		{[]string{"aggregate", "--brokers", "k:9092", "--name-prefix", "", "--instance-id", ".."}, nil, `--instance-id "..": Kafka refuses "." and ".."`},
		{[]string{"serve", "--brokers", "k:9092", "--name-prefix", "team a/"}, nil, "--name-prefix"},
		{[]string{"produce", "--stdin", "--brokers", "x:1", "--multiline-max-lines", "0"}, nil, "--multiline-max-lines must be at least 1"},
		{[]string{"produce", "--stdin", "--brokers", "x:1", "--multiline-timeout", "soon"}, nil, "multiline-timeout"},
		{[]string{"parse", "--multiline", "--multiline-max-lines", "-1"}, nil, "--multiline-max-lines must be at least 1"},
		// Environment variables feed the same validation.
		{[]string{"run"}, map[string]string{"LOGPULSE_WINDOW": "7m"}, "--window 7m0s does not divide a day"},
		{[]string{"aggregate"}, map[string]string{"LOGPULSE_BROKERS": "localhost:9092", "LOGPULSE_GRACE": "-5m"}, "--grace must be a non-negative"},
		{[]string{"produce", "--file", "a.log", "--brokers", "x:1"}, map[string]string{"LOGPULSE_MULTILINE_TIMEOUT": "0s"}, "--multiline-timeout must be positive"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := runCLI(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v %v: err %v, want it to say %q", tc.env, tc.args, err, tc.want)
			}
		})
	}
}

func TestUnknownFlag(t *testing.T) {
	out, err := runCLI(t, "run", "--no-such-flag")
	if err == nil || !strings.Contains(out, "--data-dir") {
		t.Errorf("unknown flag: err %v; want an error and the usage in the output, got:\n%s", err, out)
	}
}

func TestNoSubcommand(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}} {
		out, err := runCLI(t, args...)
		if err == nil || errors.Is(err, flag.ErrHelp) || !strings.Contains(out, "SUBCOMMANDS") {
			t.Errorf("logpulse %v: err %v, want an error and the subcommand list; output:\n%s", args, err, out)
		}
	}
}
