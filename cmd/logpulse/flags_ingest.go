package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/logpulse/logpulse/internal/app"
	"github.com/logpulse/logpulse/processors"
)

// ingestFlags are the ingest stage's own flags, the same under `run` and
// `ingest`, and validated the same under both.
type ingestFlags struct {
	maxEventBytes int
	maxClockSkew  time.Duration
	txnID         string
	registry      string
	heartbeat     time.Duration
	idle          time.Duration
}

func (f *ingestFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.maxEventBytes, "max-event-bytes", 1<<20, "larger records go to the dead-letter topic")
	fs.DurationVar(&f.maxClockSkew, "max-clock-skew", processors.DefaultMaxClockSkew, "an event time further ahead of its record's timestamp is taken as a wrong clock: the event counts at the record timestamp")
	fs.DurationVar(&f.idle, "idle-after", processors.DefaultIdle, "an input partition read to its end that carries no record for this long, while another does, stops holding back the watermark (0: it always holds it back)")
	fs.DurationVar(&f.heartbeat, "idle-heartbeat", 0, "write a heartbeat to every input partition this often, so windows close on a quiet stream (0: off; events later than this + --grace behind the clock then count as late)")
	fs.StringVar(&f.registry, "schema-registry", "", "schema registry URL(s), comma-separated, for Confluent-framed Avro (magic byte 0 + schema id)")
	fs.StringVar(&f.txnID, "transactional-id", "logpulse-ingest-"+app.Hostname(), "ingest's transactional ID: unique per ingest instance, stable across its restarts")
}

func (f *ingestFlags) validate() error {
	var errs []error
	if f.maxEventBytes < 1 {
		errs = append(errs, fmt.Errorf("--max-event-bytes must be positive, got %d", f.maxEventBytes))
	}
	if f.maxClockSkew < time.Second || f.maxClockSkew%time.Millisecond != 0 {
		errs = append(errs, fmt.Errorf("--max-clock-skew must be a whole number of milliseconds, at least 1s, got %s", f.maxClockSkew))
	}
	if f.idle < 0 || f.idle%time.Millisecond != 0 {
		errs = append(errs, fmt.Errorf("--idle-after must be a whole number of milliseconds, not negative, got %s", f.idle))
	}
	if f.heartbeat < 0 {
		errs = append(errs, fmt.Errorf("--idle-heartbeat must not be negative, got %s", f.heartbeat))
	}
	if f.txnID == "" {
		errs = append(errs, errors.New("--transactional-id must not be empty"))
	}
	for u := range strings.SplitSeq(f.registry, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("--schema-registry: %q is not an http(s) URL, e.g. http://registry:8081", u))
		}
	}
	return errors.Join(errs...)
}

func (f *ingestFlags) config() app.IngestConfig {
	return app.IngestConfig{
		MaxEventBytes: f.maxEventBytes, MaxClockSkew: f.maxClockSkew, TransactionalID: f.txnID,
		Registry: f.registry, Heartbeat: f.heartbeat, Idle: f.idle,
	}
}
