package main

import (
	"flag"
	"fmt"

	"github.com/logpulse/logpulse/processors"
)

// aggregateFlags are the aggregate stage's own flags, the same under `run`
// and `aggregate`.
type aggregateFlags struct {
	maxServices int
}

// maxServicesLimit keeps --max-services a cap: past it, the state of one
// window alone would take gigabytes (README, Guarantees: "Cardinality").
const maxServicesLimit = 10_000_000

func (f *aggregateFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.maxServices, "max-services", processors.DefaultMaxServices,
		"distinct services per window; the events of further services count under the service _overflow, so totals stay exact")
}

func (f *aggregateFlags) validate() error {
	if f.maxServices < 1 || f.maxServices > maxServicesLimit {
		return fmt.Errorf("--max-services must be between 1 and %d, got %d: it bounds the aggregate's and the view's memory, and there is no unbounded setting", maxServicesLimit, f.maxServices)
	}
	return nil
}
