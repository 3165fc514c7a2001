package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/logpulse/logpulse/internal/app"
	"github.com/peterbourgon/ff/v3/ffcli"
)

func topicsCommand(env *cliEnv) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse topics", flag.ContinueOnError)
	f := newPipelineFlags(stageKafka(), "")
	groups := []flagGroup{&f.kafka, &f.prefix, &f.windows, &f.log, &f.layout}
	registerAll(fs, groups...)
	check := fs.Bool("check", false, "only check the topics, create nothing")
	return &ffcli.Command{
		Name:       "topics",
		ShortUsage: "logpulse topics --brokers host:9092 [--check] [flags]",
		ShortHelp:  "create or check every topic with its partitions and configs",
		FlagSet:    fs,
		Exec: func(ctx context.Context, _ []string) error {
			if err := validateAll(groups...); err != nil {
				return err
			}
			specs, err := app.Topics(ctx, f.config(env.stderr), *check)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(env.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintf(tw, "TOPIC\tPARTITIONS\tREPLICATION\tCONFIGS\n")
			for _, t := range specs {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%v\n", t.Name, t.Partitions, t.Replication, t.Configs)
			}
			return tw.Flush()
		},
	}
}
