package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"
)

// A flagGroup is the flags of one concern (Kafka, names, windows, a
// stage's own...): registered once on a command's flag set and validated
// once, each error naming its flag. A command lists the groups it takes;
// run takes those of every stage.
type flagGroup interface {
	register(fs *flag.FlagSet)
	validate() error
}

func registerAll(fs *flag.FlagSet, groups ...flagGroup) {
	for _, g := range groups {
		g.register(fs)
	}
}

// validateAll checks every group and refuses the command line with all
// their errors at once.
func validateAll(groups ...flagGroup) error {
	var errs []error
	for _, g := range groups {
		errs = append(errs, g.validate())
	}
	return usageErr(errors.Join(errs...))
}

// usageError is a command line that is refused before anything runs: main
// exits 2 for it, as the flag package does.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErr(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

// checkAddr refuses a listen address net.Listen would not take; empty
// is allowed where the flag means "off" (optional).
func checkAddr(flagName, addr string, optional bool) error {
	if addr == "" && optional {
		return nil
	}
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return fmt.Errorf("--%s %q: use host:port or :port, e.g. :8080", flagName, addr)
	}
	return nil
}

// prefixFlags name the pipeline's topics, groups and transactional IDs.
type prefixFlags struct{ prefix string }

func (f *prefixFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.prefix, "name-prefix", "", "prefix of every topic, consumer group and transactional ID (several pipelines on one cluster); every stage of a pipeline needs the same")
}

func (f *prefixFlags) validate() error {
	// Kafka's topic name characters, leaving room for the names logpulse
	// appends.
	if len(f.prefix) > 200 || strings.Trim(f.prefix, nameChars) != "" {
		return fmt.Errorf("--name-prefix %q: use at most 200 of the characters Kafka allows in topic names: a-z A-Z 0-9 . _ -", f.prefix)
	}
	return nil
}

// nameChars are the characters Kafka allows in topic names and IDs.
const nameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

// layoutFlags shape the topics logpulse creates.
type layoutFlags struct{ partitions, replication int }

func (f *layoutFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.partitions, "partitions", 6, "partitions of logs, the deltas topic and the table (instances of a stage scale up to this)")
	fs.IntVar(&f.replication, "replication", 1, "replication factor of created topics (1 for a single broker, 3 in production)")
}

func (f *layoutFlags) validate() error {
	var errs []error
	if f.partitions < 1 || f.partitions > 10000 {
		errs = append(errs, fmt.Errorf("--partitions must be between 1 and 10000, got %d", f.partitions))
	}
	if f.replication < 1 || f.replication > 32767 {
		errs = append(errs, fmt.Errorf("--replication must be at least 1, got %d", f.replication))
	}
	return errors.Join(errs...)
}

// windowFlags are the windows every stage of a pipeline must agree on.
type windowFlags struct{ window, grace, retention time.Duration }

func (f *windowFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&f.window, "window", time.Minute, "tumbling window size (whole seconds, divides a day evenly)")
	fs.DurationVar(&f.grace, "grace", 5*time.Minute, "how long after its end a window still counts events; later ones count as late")
	fs.DurationVar(&f.retention, "retention", 24*time.Hour, "how long windows are kept in the table and the view")
}

func (f *windowFlags) validate() error {
	var errs []error
	switch {
	case f.window < time.Second || f.window%time.Second != 0:
		errs = append(errs, fmt.Errorf("--window must be a whole number of seconds, at least 1s, got %s", f.window))
	case (24*time.Hour)%f.window != 0:
		errs = append(errs, fmt.Errorf("--window %s does not divide a day evenly; use e.g. 10s, 1m, 5m, 15m, 1h", f.window))
	}
	if f.grace < 0 || f.grace%time.Millisecond != 0 {
		// Stream time is committed in milliseconds; a whole-millisecond
		// grace keeps lateness the same after a restart.
		errs = append(errs, fmt.Errorf("--grace must be a non-negative whole number of milliseconds, got %s", f.grace))
	}
	if f.retention < f.window+f.grace {
		errs = append(errs, fmt.Errorf("--retention %s must be at least --window + --grace (%s)", f.retention, f.window+f.grace))
	}
	return errors.Join(errs...)
}

// logFlags shape the process's log.
type logFlags struct{ level, format string }

func (f *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.level, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&f.format, "log-format", "text", "log format: text or json")
}

func (f *logFlags) validate() error {
	var errs []error
	if _, err := parseLevel(f.level); err != nil {
		errs = append(errs, err)
	}
	if f.format != "text" && f.format != "json" {
		errs = append(errs, fmt.Errorf("--log-format must be text or json, got %q", f.format))
	}
	return errors.Join(errs...)
}

func (f *logFlags) logger(w io.Writer) *slog.Logger {
	lvl, _ := parseLevel(f.level)
	opts := &slog.HandlerOptions{Level: lvl}
	if f.format == "json" {
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
