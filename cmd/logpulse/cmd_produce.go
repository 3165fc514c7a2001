package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/logpulse/logpulse/internal/app"
	"github.com/logpulse/logpulse/internal/generator"
	"github.com/logpulse/logpulse/internal/multiline"
	"github.com/logpulse/logpulse/internal/shipper"
	"github.com/logpulse/logpulse/topology"
	"github.com/peterbourgon/ff/v3/ffcli"
	"github.com/twmb/franz-go/pkg/kgo"
)

type produceFlags struct {
	kafka     kafkaFlags
	log       logFlags
	generate  bool
	rate      float64
	count     int64
	services  int
	format    string
	topic     string
	seed      uint64
	files     []string
	stdin     bool
	fromStart bool
	dataDir   string
	key       string
	burst     time.Duration
	amqp      amqpFlags

	multiline         bool
	multilineMaxLines int
	multilineTimeout  time.Duration
}

func (f *produceFlags) register(fs *flag.FlagSet) {
	f.kafka = kafkaFlags{
		usage:    "Kafka bootstrap brokers, comma-separated (required)",
		required: "--brokers is required: e.g. --brokers 127.0.0.1:9092 (the address `logpulse run` prints)",
	}
	registerAll(fs, &f.kafka, &f.log)
	fs.BoolVar(&f.generate, "generate", false, "produce generated sample traffic")
	fs.Float64Var(&f.rate, "rate", 1000, "--generate: events per second; 0 is as fast as possible")
	fs.Int64Var(&f.count, "count", 0, "--generate: events to produce; 0 runs until interrupted")
	fs.IntVar(&f.services, "services", 8, "--generate: number of services (their volumes follow a Zipf law)")
	fs.StringVar(&f.format, "format", "json", "--generate: record format: json, text or mixed")
	fs.DurationVar(&f.burst, "burst", 0, "--generate: burst errors of one service in the last quarter of every such period, e.g. 5m (0: off)")
	fs.Uint64Var(&f.seed, "seed", 0, "--generate: random seed, for reproducible traffic; 0 picks one")
	fs.Func("file", "follow this file like tail -F, one event per line or stack trace (see --multiline) (repeatable, or comma-separated)", func(v string) error {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				f.files = append(f.files, p)
			}
		}
		return nil
	})
	fs.BoolVar(&f.stdin, "stdin", false, "send standard input, one event per line or stack trace (see --multiline)")
	fs.BoolVar(&f.fromStart, "from-start", false, "--file: read what a file already holds first (default: only new lines)")
	fs.StringVar(&f.dataDir, "data-dir", "logpulse-data", "--file: where read positions are checkpointed, so a restart neither loses nor repeats lines")
	fs.StringVar(&f.key, "key", "", "--file/--stdin/--amqp: record key of every line or message (the service when an event names none); default the file name, stdin, or the queue name")
	fs.BoolVar(&f.multiline, "multiline", true, "--file/--stdin: join continuation lines (indented, at ..., Caused by:, ... 12 more, Python tracebacks) to the event they continue and send it as one record; false: one record per line")
	fs.IntVar(&f.multilineMaxLines, "multiline-max-lines", multiline.DefaultMaxLines, "--multiline: most lines in one event; the next line starts a new event")
	fs.DurationVar(&f.multilineTimeout, "multiline-timeout", time.Second, "--multiline: send an event this long after its last line when no line came to end it")
	fs.StringVar(&f.topic, "topic", "logs", "topic to produce to")
	f.amqp.register(fs)
}

func (f *produceFlags) validate() error {
	errs := []error{f.kafka.validate(), f.log.validate()}
	sources := 0
	for _, on := range []bool{f.generate, len(f.files) > 0, f.stdin, f.amqp.url != ""} {
		if on {
			sources++
		}
	}
	if sources != 1 {
		errs = append(errs, errors.New("say what to produce, once: --generate, --file PATH (repeatable), --stdin or --amqp URL --queue NAME"))
	}
	errs = append(errs, f.amqp.validate())
	if f.burst < 0 {
		errs = append(errs, fmt.Errorf("--burst must not be negative, got %s", f.burst))
	}
	if f.rate < 0 || f.count < 0 || f.services < 1 {
		errs = append(errs, errors.New("--rate and --count must not be negative, --services at least 1"))
	}
	if f.format != "json" && f.format != "text" && f.format != "mixed" {
		errs = append(errs, fmt.Errorf("--format must be json, text or mixed, got %q", f.format))
	}
	if f.multilineMaxLines < 1 {
		errs = append(errs, fmt.Errorf("--multiline-max-lines must be at least 1, got %d", f.multilineMaxLines))
	}
	if f.dataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty: --file keeps its read positions there"))
	}
	if f.multilineTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--multiline-timeout must be positive, e.g. 1s, got %s", f.multilineTimeout))
	}
	return errors.Join(errs...)
}

// multilineConfig is how --file and --stdin join lines; nil: not at all. An
// event is bounded as a line is (multiline.DefaultMaxBytes), so that joining
// makes no record a single line could not be.
func (f *produceFlags) multilineConfig() *multiline.Config {
	if !f.multiline {
		return nil
	}
	return &multiline.Config{MaxLines: f.multilineMaxLines, Timeout: f.multilineTimeout}
}

func produceCommand(env *cliEnv) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse produce", flag.ContinueOnError)
	f := &produceFlags{}
	f.register(fs)
	return &ffcli.Command{
		Name:       "produce",
		ShortUsage: "logpulse produce --brokers host:9092 (--generate | --file PATH... | --stdin | --amqp URL --queue NAME) [flags]",
		ShortHelp:  "produce log events: sample traffic, followed files, standard input, or a RabbitMQ queue",
		FlagSet:    fs,
		Exec: func(ctx context.Context, args []string) error {
			if len(f.files) > 0 {
				f.files = append(f.files, args...) // --file a.log b.log
			} else if len(args) > 0 {
				return usageErr(fmt.Errorf("unexpected arguments %q: files go after --file", args))
			}
			if err := usageErr(f.validate()); err != nil {
				return err
			}
			if err := topology.Preflight(ctx, f.kafka.list(), f.kafka.sec, app.PreflightWithin); err != nil {
				return err
			}
			if f.amqp.url != "" {
				return f.runAMQP(ctx, env)
			}
			if !f.generate {
				return shipper.Run(ctx, shipper.Config{
					Brokers: f.kafka.list(), Topic: f.topic, Files: f.files, Stdin: env.stdin,
					FromStart: f.fromStart, StateDir: filepath.Join(f.dataDir, "produce"), Key: f.key,
					Multiline: f.multilineConfig(), Progress: env.stderr, ClientOpts: f.kafka.sec.KgoOpts(),
				})
			}
			return generator.Run(ctx, generator.Config{
				Brokers: f.kafka.list(), Topic: f.topic, Rate: f.rate, Count: f.count, Services: f.services,
				Format: f.format, Seed: f.seed, Burst: f.burst, Progress: env.stderr, Logger: f.log.logger(env.stderr),
				// A wrong --brokers should end in an error, not a hang.
				ClientOpts: append(f.kafka.sec.KgoOpts(), kgo.RecordDeliveryTimeout(time.Minute)),
			})
		},
	}
}
