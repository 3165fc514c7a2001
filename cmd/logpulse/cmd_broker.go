package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/logpulse/logpulse/internal/embedkafka"
	"github.com/logpulse/logpulse/topology"
	"github.com/peterbourgon/ff/v3/ffcli"
)

// brokerFlags are the broker command's own flags.
type brokerFlags struct {
	listen, dataDir string
	sync            bool
	partitions      int
}

func (f *brokerFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "127.0.0.1:9092", "address to listen on")
	fs.StringVar(&f.dataDir, "data-dir", "logpulse-data", "directory the broker persists to")
	fs.BoolVar(&f.sync, "sync", true, "fsync every produce, so acknowledged records survive a crash")
	fs.IntVar(&f.partitions, "partitions", 6, "partitions of auto-created topics")
}

func (f *brokerFlags) validate() error {
	var errs []error
	if f.partitions < 1 {
		errs = append(errs, fmt.Errorf("--partitions must be at least 1, got %d", f.partitions))
	}
	if f.dataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty: the broker keeps its data there"))
	}
	return errors.Join(append(errs, checkAddr("listen", f.listen, false))...)
}

func brokerCommand(env *cliEnv) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse broker", flag.ContinueOnError)
	var logs logFlags
	var f brokerFlags
	registerAll(fs, &logs, &f)
	return &ffcli.Command{
		Name:       "broker",
		ShortUsage: "logpulse broker [--listen 127.0.0.1:9092] [--data-dir DIR]",
		ShortHelp:  "run only the embedded Kafka-protocol broker, for any Kafka client",
		FlagSet:    fs,
		Exec: func(ctx context.Context, _ []string) error {
			if err := validateAll(&logs, &f); err != nil {
				return err
			}
			log := logs.logger(env.stderr)
			b, err := embedkafka.Start(embedkafka.Config{
				Listen: f.listen, DataDir: f.dataDir, SyncWrites: f.sync, Partitions: f.partitions, Logger: log,
				MaxMessageBytes: topology.MaxDivertBytes,
			})
			if err != nil {
				return err
			}
			log.Info("embedded broker listening", "addrs", b.Addrs(), "data_dir", f.dataDir)
			return b.Run(ctx)
		},
	}
}
