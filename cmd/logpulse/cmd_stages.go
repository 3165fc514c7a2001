package main

import (
	"context"
	"flag"

	"github.com/logpulse/logpulse/internal/app"
	"github.com/peterbourgon/ff/v3/ffcli"
)

// stageCommand is a command that runs one module against --brokers.
func stageCommand(env *cliEnv, c *ffcli.Command, module app.Module, opsAddr string, own func(*pipelineFlags) []flagGroup) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse "+c.Name, flag.ContinueOnError)
	f := newPipelineFlags(stageKafka(), opsAddr)
	groups := append([]flagGroup{&f.kafka, &f.prefix, &f.windows, &f.log}, own(f)...)
	registerAll(fs, groups...)
	c.FlagSet = fs
	c.Exec = func(ctx context.Context, _ []string) error {
		if err := validateAll(groups...); err != nil {
			return err
		}
		return app.Run(ctx, f.config(env.stderr), module)
	}
	return c
}

func ingestCommand(env *cliEnv) *ffcli.Command {
	return stageCommand(env, &ffcli.Command{
		Name:       "ingest",
		ShortUsage: "logpulse ingest --brokers host:9092 [flags]",
		ShortHelp:  "run the ingest stage: decode logs, write deltas in transactions",
	}, app.Ingest, ":9090", func(f *pipelineFlags) []flagGroup { return []flagGroup{&f.ingest, &f.ops} })
}

func aggregateCommand(env *cliEnv) *ffcli.Command {
	return stageCommand(env, &ffcli.Command{
		Name:       "aggregate",
		ShortUsage: "logpulse aggregate --brokers host:9092 [flags]",
		ShortHelp:  "run the aggregate stage: fold deltas into the compacted table (goka)",
		LongHelp: "Local state is held in memory and rebuilt from the compacted table on start,\n" +
			"so an instance needs no disk and can never resume from state the table lacks.",
	}, app.Aggregate, ":9091", func(f *pipelineFlags) []flagGroup { return []flagGroup{&f.aggregate, &f.ops} })
}

func serveCommand(env *cliEnv) *ffcli.Command {
	return stageCommand(env, &ffcli.Command{
		Name:       "serve",
		ShortUsage: "logpulse serve --brokers host:9092 [--http :8080] [flags]",
		ShortHelp:  "run the view: follow the table, serve the HTTP API",
	}, app.View, "", func(f *pipelineFlags) []flagGroup { return []flagGroup{&f.api} })
}
