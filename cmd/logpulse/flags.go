package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/logpulse/logpulse/topology"
)

// common holds the flags shared by the subcommands; each subcommand
// registers the groups it uses, and validate checks whatever was registered.
type common struct {
	brokers     string
	partitions  int
	replication int
	window      time.Duration
	grace       time.Duration
	retention   time.Duration
	logLevel    string
	logFormat   string
	namePrefix  string
	securityFlags

	has struct{ brokers, layout, windows, names bool }
}

func (c *common) kafkaFlags(fs *flag.FlagSet, usage string) {
	c.has.brokers = true
	fs.StringVar(&c.brokers, "brokers", "", usage)
	c.securityFlags.register(fs)
}

func (c *common) layoutFlags(fs *flag.FlagSet) {
	c.has.layout = true
	fs.IntVar(&c.partitions, "partitions", 6, "partitions of logs, the deltas topic and the table (instances of a stage scale up to this)")
	fs.IntVar(&c.replication, "replication", 1, "replication factor of created topics (1 for a single broker, 3 in production)")
}

func (c *common) nameFlags(fs *flag.FlagSet) {
	c.has.names = true
	fs.StringVar(&c.namePrefix, "name-prefix", "", "prefix of every topic, consumer group and transactional ID (several pipelines on one cluster); every stage of a pipeline needs the same")
}

func (c *common) windowFlags(fs *flag.FlagSet) {
	c.has.windows = true
	fs.DurationVar(&c.window, "window", time.Minute, "tumbling window size (whole seconds, divides a day evenly)")
	fs.DurationVar(&c.grace, "grace", 5*time.Minute, "how long after its end a window still counts events; later ones count as late")
	fs.DurationVar(&c.retention, "retention", 24*time.Hour, "how long windows are kept in the table and the view")
}

func (c *common) logFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
}

// validate checks every registered flag once, with messages that say what
// to do.
func (c *common) validate() error {
	var errs []error
	if c.has.brokers && c.brokers != "" {
		for _, b := range c.brokerList() {
			if !strings.Contains(b, ":") {
				errs = append(errs, fmt.Errorf("--brokers: %q has no port; use host:port, e.g. localhost:9092", b))
			}
		}
	}
	if c.has.brokers {
		if err := c.securityFlags.load(); err != nil {
			errs = append(errs, err)
		} else if c.brokers == "" && c.securityFlags.set() {
			errs = append(errs, errors.New("TLS and SASL flags apply to --brokers: the embedded broker is plaintext"))
		}
	}
	if c.has.names && !legalPrefix(c.namePrefix) {
		errs = append(errs, fmt.Errorf("--name-prefix %q: use at most 200 of the characters Kafka allows in topic names: a-z A-Z 0-9 . _ -", c.namePrefix))
	}
	if c.has.layout {
		if c.partitions < 1 || c.partitions > 10000 {
			errs = append(errs, fmt.Errorf("--partitions must be between 1 and 10000, got %d", c.partitions))
		}
		if c.replication < 1 || c.replication > 32767 {
			errs = append(errs, fmt.Errorf("--replication must be at least 1, got %d", c.replication))
		}
	}
	if c.has.windows {
		switch {
		case c.window < time.Second || c.window%time.Second != 0:
			errs = append(errs, fmt.Errorf("--window must be a whole number of seconds, at least 1s, got %s", c.window))
		case (24*time.Hour)%c.window != 0:
			errs = append(errs, fmt.Errorf("--window %s does not divide a day evenly; use e.g. 10s, 1m, 5m, 15m, 1h", c.window))
		}
		if c.grace < 0 || c.grace%time.Millisecond != 0 {
			// Stream time is committed in milliseconds; a whole-millisecond
			// grace keeps lateness the same after a restart.
			errs = append(errs, fmt.Errorf("--grace must be a non-negative whole number of milliseconds, got %s", c.grace))
		}
		if c.retention < c.window+c.grace {
			errs = append(errs, fmt.Errorf("--retention %s must be at least --window + --grace (%s)", c.retention, c.window+c.grace))
		}
	}
	if _, err := parseLevel(c.logLevel); err != nil {
		errs = append(errs, err)
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format must be text or json, got %q", c.logFormat))
	}
	return errors.Join(errs...)
}

// legalPrefix reports whether p holds only what Kafka accepts in a topic
// name, leaving room for the names logpulse appends.
func legalPrefix(p string) bool {
	return len(p) <= 200 && strings.Trim(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == ""
}

func (c *common) brokerList() []string {
	var out []string
	for _, b := range strings.Split(c.brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

func (c *common) layout() topology.Layout {
	return topology.Layout{Partitions: int32(c.partitions), Replication: int16(c.replication), Retention: c.retention}
}

func (c *common) logger(w io.Writer) *slog.Logger {
	lvl, _ := parseLevel(c.logLevel)
	opts := &slog.HandlerOptions{Level: lvl}
	if c.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level must be debug, info, warn or error, got %q", s)
	}
	return l, nil
}
