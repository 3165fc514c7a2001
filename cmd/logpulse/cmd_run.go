package main

import (
	"context"
	"flag"
	"io"

	"github.com/logpulse/logpulse/internal/app"
	"github.com/peterbourgon/ff/v3/ffcli"
)

// pipelineFlags are the flag groups of run and the stage commands, each
// command registering those it takes; config turns them into app.Config
// (groups a command does not take stay zero, and its modules do not read
// them).
type pipelineFlags struct {
	kafka     kafkaFlags
	prefix    prefixFlags
	layout    layoutFlags
	windows   windowFlags
	log       logFlags
	ingest    ingestFlags
	aggregate aggregateFlags
	api       apiFlags
	ops       opsFlags
	embedded  embeddedFlags
	demo      demoFlags
}

// stageKafka is --brokers of a stage command: required.
func stageKafka() kafkaFlags {
	return kafkaFlags{
		usage:    "Kafka bootstrap brokers, comma-separated (required)",
		required: "--brokers is required: e.g. --brokers localhost:9092 (or set LOGPULSE_BROKERS)",
	}
}

func newPipelineFlags(kafka kafkaFlags, opsAddr string) *pipelineFlags {
	f := &pipelineFlags{kafka: kafka, ops: opsFlags{def: opsAddr}}
	f.aggregate.prefix = &f.prefix
	f.api.windows = &f.windows
	return f
}

func (f *pipelineFlags) config(stderr io.Writer) app.Config {
	return app.Config{
		Brokers: f.kafka.list(), Security: f.kafka.sec, Prefix: f.prefix.prefix,
		Partitions: f.layout.partitions, Replication: f.layout.replication,
		Window: f.windows.window, Grace: f.windows.grace, Retention: f.windows.retention,
		Ingest: f.ingest.config(), Aggregate: f.aggregate.config(), API: f.api.config(),
		Embedded: f.embedded.config(), Demo: f.demo.config(), OpsAddr: f.ops.addr,
		Logger: f.log.logger(stderr),
	}
}

func runCommand(env *cliEnv) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse run", flag.ContinueOnError)
	f := newPipelineFlags(kafkaFlags{usage: "Kafka bootstrap brokers, comma-separated; empty runs the embedded broker"}, "")
	groups := []flagGroup{&f.kafka, &f.prefix, &f.layout, &f.windows, &f.log, &f.embedded, &f.api, &f.demo, &f.ingest, &f.aggregate}
	registerAll(fs, groups...)
	return &ffcli.Command{
		Name:       "run",
		ShortUsage: "logpulse run [--demo] [--brokers host:9092] [flags]",
		ShortHelp:  "run everything in one process: embedded broker (unless --brokers), ingest, aggregate, HTTP API",
		FlagSet:    fs,
		Exec: func(ctx context.Context, _ []string) error {
			set := map[string]bool{}
			fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
			if f.demo.on && !set["grace"] {
				// Demo events are produced as they happen: a short grace
				// lets windows, and the alerts on them, become final
				// within seconds of their end.
				f.windows.grace = demoGrace
			}
			if err := validateAll(groups...); err != nil {
				return err
			}
			return app.Run(ctx, f.config(env.stderr), app.Provision, app.Ingest, app.Aggregate, app.View)
		},
	}
}
