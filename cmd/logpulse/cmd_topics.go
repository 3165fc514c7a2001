package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/peterbourgon/ff/v3/ffcli"
)

func topicsCommand(env *cliEnv) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse topics", flag.ContinueOnError)
	f := &stageFlags{}
	f.register(fs)
	f.layoutFlags(fs)
	check := fs.Bool("check", false, "only check the topics, create nothing")
	return &ffcli.Command{
		Name:       "topics",
		ShortUsage: "logpulse topics --brokers host:9092 [--check] [flags]",
		ShortHelp:  "create or check every topic with its partitions and configs",
		FlagSet:    fs,
		Exec: func(ctx context.Context, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			s, err := connect(ctx, &f.common, f.brokerList(), f.logger(env.stderr))
			if err != nil {
				return err
			}
			if err := s.provision(ctx, *check); err != nil {
				return err
			}
			s.warnAutoCreate(ctx)
			s.warnProducerTimestamps(ctx)
			specs := s.topics.Specs(f.layout())
			tw := tabwriter.NewWriter(env.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintf(tw, "TOPIC\tPARTITIONS\tREPLICATION\tCONFIGS\n")
			for _, t := range specs {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%v\n", t.Name, t.Partitions, t.Replication, t.Configs)
			}
			return tw.Flush()
		},
	}
}
