package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// aggregateFlags are the aggregate stage's own flags, the same under `run`
// and `aggregate`.
type aggregateFlags struct {
	instanceID string
}

func (f *aggregateFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.instanceID, "instance-id", "logpulse-aggregate-"+hostname(), "aggregate's static group membership: unique per aggregate instance, stable across its restarts (a restart takes its partitions back at once)")
}

// validate checks the ID as the broker will see it, after prefix
// (--name-prefix).
func (f *aggregateFlags) validate(prefix string) error {
	const maxLen = 249 // Kafka's group.instance.id limit
	id := prefix + f.instanceID
	switch {
	case f.instanceID == "":
		return errors.New("--instance-id must not be empty: give each aggregate instance its own, e.g. its host name")
	case strings.Trim(f.instanceID, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "":
		return fmt.Errorf("--instance-id %q: use only a-z A-Z 0-9 . _ -", f.instanceID)
	case len(id) > maxLen:
		return fmt.Errorf("--instance-id: %q with --name-prefix is %d characters, Kafka allows %d", id, len(id), maxLen)
	case id == "." || id == "..":
		return fmt.Errorf("--instance-id %q: Kafka refuses . and ..", id)
	}
	return nil
}
