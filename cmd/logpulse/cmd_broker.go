package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/logpulse/logpulse/internal/embedkafka"
	"github.com/logpulse/logpulse/topology"
	"github.com/peterbourgon/ff/v3/ffcli"
)

func brokerCommand(env *cliEnv) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse broker", flag.ContinueOnError)
	var c common
	c.logFlags(fs)
	listen := fs.String("listen", "127.0.0.1:9092", "address to listen on")
	dataDir := fs.String("data-dir", "logpulse-data", "directory the broker persists to")
	sync := fs.Bool("sync", true, "fsync every produce, so acknowledged records survive a crash")
	partitions := fs.Int("partitions", 6, "partitions of auto-created topics")
	return &ffcli.Command{
		Name:       "broker",
		ShortUsage: "logpulse broker [--listen 127.0.0.1:9092] [--data-dir DIR]",
		ShortHelp:  "run only the embedded Kafka-protocol broker, for any Kafka client",
		FlagSet:    fs,
		Exec: func(ctx context.Context, _ []string) error {
			if err := c.validate(); err != nil {
				return err
			}
			if *partitions < 1 {
				return fmt.Errorf("--partitions must be at least 1, got %d", *partitions)
			}
			log := c.logger(env.stderr)
			b, err := embedkafka.Start(embedkafka.Config{
				Listen: *listen, DataDir: *dataDir, SyncWrites: *sync, Partitions: *partitions, Logger: log,
				MaxMessageBytes: topology.MaxDivertBytes,
			})
			if err != nil {
				return err
			}
			log.Info("embedded broker listening", "addrs", b.Addrs(), "data_dir", *dataDir)
			return b.Run(ctx)
		},
	}
}
