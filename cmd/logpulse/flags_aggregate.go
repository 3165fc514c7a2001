package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/logpulse/logpulse/internal/app"
	"github.com/logpulse/logpulse/processors"
)

// aggregateFlags are the aggregate stage's own flags, the same under `run`
// and `aggregate`.
type aggregateFlags struct {
	maxServices int
	instanceID  string
	prefix      *prefixFlags // the instance ID the broker sees starts with it
}

// maxServicesLimit keeps --max-services a cap: past it, the state of one
// window alone would take gigabytes (docs/guarantees.md, Cardinality).
const maxServicesLimit = 10_000_000

func (f *aggregateFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.maxServices, "max-services", processors.DefaultMaxServices,
		"distinct services per window; the events of further services count under the service _overflow, so totals stay exact")
	fs.StringVar(&f.instanceID, "instance-id", "logpulse-aggregate-"+app.Hostname(), "aggregate's static group membership: unique per aggregate instance, stable across its restarts (a restart takes its partitions back at once)")
}

// validate checks the flags; the instance ID as the broker will see it,
// after prefix (--name-prefix).
func (f *aggregateFlags) validate() error {
	var prefix string
	if f.prefix != nil {
		prefix = f.prefix.prefix
	}
	var errs []error
	if f.maxServices < 1 || f.maxServices > maxServicesLimit {
		errs = append(errs, fmt.Errorf("--max-services must be between 1 and %d, got %d: it bounds the aggregate's and the view's memory, and there is no unbounded setting", maxServicesLimit, f.maxServices))
	}
	const maxLen = 249 // Kafka's group.instance.id limit
	id := prefix + f.instanceID
	switch {
	case f.instanceID == "":
		errs = append(errs, errors.New("--instance-id must not be empty: give each aggregate instance its own, e.g. its host name"))
	case strings.Trim(f.instanceID, nameChars) != "":
		errs = append(errs, fmt.Errorf("--instance-id %q: use only a-z A-Z 0-9 . _ -", f.instanceID))
	case len(id) > maxLen:
		errs = append(errs, fmt.Errorf("--instance-id: %q with --name-prefix is %d characters, Kafka allows %d", id, len(id), maxLen))
	case id == "." || id == "..":
		errs = append(errs, fmt.Errorf(`--instance-id %q: Kafka refuses "." and ".."`, id))
	}
	return errors.Join(errs...)
}

func (f *aggregateFlags) config() app.AggregateConfig {
	return app.AggregateConfig{MaxServices: f.maxServices, InstanceID: f.instanceID}
}
