package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"time"

	"github.com/logpulse/logpulse/internal/generator"
	"github.com/peterbourgon/ff/v3/ffcli"
	"github.com/twmb/franz-go/pkg/kgo"
)

func produceCommand(env *cliEnv) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse produce", flag.ContinueOnError)
	var c common
	c.kafkaFlags(fs, "Kafka bootstrap brokers, comma-separated")
	c.logFlags(fs)
	generate := fs.Bool("generate", false, "produce generated sample traffic")
	rate := fs.Float64("rate", 1000, "events per second; 0 is as fast as possible")
	count := fs.Int64("count", 0, "events to produce; 0 runs until interrupted")
	services := fs.Int("services", 8, "number of services (their volumes follow a Zipf law)")
	format := fs.String("format", "json", "record format: json, text or mixed")
	topic := fs.String("topic", "logs", "topic to produce to")
	seed := fs.Uint64("seed", 0, "random seed, for reproducible traffic; 0 picks one")
	return &ffcli.Command{
		Name:       "produce",
		ShortUsage: "logpulse produce --generate --brokers host:9092 [--rate N] [--count N]",
		ShortHelp:  "produce log events to the input topic (--generate: sample traffic)",
		FlagSet:    fs,
		Exec: func(ctx context.Context, _ []string) error {
			var errs []error
			if err := c.validate(); err != nil {
				errs = append(errs, err)
			}
			if !*generate {
				errs = append(errs, errors.New("say what to produce: --generate (files and stdin come with a later release)"))
			}
			if len(c.brokerList()) == 0 {
				errs = append(errs, errors.New("--brokers is required: e.g. --brokers 127.0.0.1:9092 (the address `logpulse run` prints)"))
			}
			if *rate < 0 || *count < 0 || *services < 1 {
				errs = append(errs, errors.New("--rate and --count must not be negative, --services at least 1"))
			}
			if *format != "json" && *format != "text" && *format != "mixed" {
				errs = append(errs, fmt.Errorf("--format must be json, text or mixed, got %q", *format))
			}
			if err := errors.Join(errs...); err != nil {
				return err
			}
			return generator.Run(ctx, generator.Config{
				Brokers: c.brokerList(), Topic: *topic, Rate: *rate, Count: *count, Services: *services,
				Format: *format, Seed: *seed, Progress: env.stderr, Logger: c.logger(env.stderr),
				// A wrong --brokers should end in an error, not a hang.
				ClientOpts: []kgo.Opt{kgo.RecordDeliveryTimeout(time.Minute)},
			})
		},
	}
}
