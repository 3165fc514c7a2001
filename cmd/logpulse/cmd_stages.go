package main

import (
	"context"
	"errors"
	"flag"
	"sync/atomic"

	"github.com/logpulse/logpulse/internal/stage"
	"github.com/peterbourgon/ff/v3/ffcli"
	"golang.org/x/sync/errgroup"
)

// stageFlags are the flags of the single-stage subcommands.
type stageFlags struct {
	common
	api         apiFlags
	metricsAddr string
	ingest      ingestFlags
	aggregate   aggregateFlags
}

func (f *stageFlags) register(fs *flag.FlagSet) {
	f.kafkaFlags(fs, "Kafka bootstrap brokers, comma-separated (required)")
	f.nameFlags(fs)
	f.windowFlags(fs)
	f.logFlags(fs)
}

func (f *stageFlags) validate() error {
	err := f.common.validate()
	if len(f.brokerList()) == 0 {
		err = errors.Join(errors.New("--brokers is required: e.g. --brokers localhost:9092 (or set LOGPULSE_BROKERS)"), err)
	}
	return err
}

func ingestCommand(env *cliEnv) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse ingest", flag.ContinueOnError)
	f := &stageFlags{}
	f.register(fs)
	f.ingest.register(fs)
	fs.StringVar(&f.metricsAddr, "metrics-addr", ":9090", "address serving /metrics, /healthz and /readyz (empty: off)")
	return &ffcli.Command{
		Name:       "ingest",
		ShortUsage: "logpulse ingest --brokers host:9092 [flags]",
		ShortHelp:  "run the ingest stage: decode logs, write deltas in transactions",
		FlagSet:    fs,
		Exec: func(ctx context.Context, _ []string) error {
			if err := errors.Join(f.validate(), f.ingest.validate()); err != nil {
				return err
			}
			log := f.logger(env.stderr)
			s, err := connect(ctx, &f.common, f.brokerList(), log)
			if err != nil {
				return err
			}
			s.warnProducerTimestamps(ctx)
			var ready readyBit
			g, ctx := errgroup.WithContext(ctx)
			s.watchLag(ctx, s.topics.IngestGroup)
			g.Go(func() error { return s.serveOps(ctx, f.metricsAddr, ready.err("ingest is not running")) })
			if f.ingest.heartbeat > 0 {
				g.Go(func() error { return s.heartbeat(f.ingest.heartbeat)(ctx) })
			}
			g.Go(func() error {
				return stage.Supervise(ctx, "ingest", log, s.metrics, s.ingest(&f.ingest, &ready))
			})
			return g.Wait()
		},
	}
}

func aggregateCommand(env *cliEnv) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse aggregate", flag.ContinueOnError)
	f := &stageFlags{}
	f.register(fs)
	f.aggregate.register(fs)
	fs.StringVar(&f.metricsAddr, "metrics-addr", ":9091", "address serving /metrics, /healthz and /readyz (empty: off)")
	return &ffcli.Command{
		Name:       "aggregate",
		ShortUsage: "logpulse aggregate --brokers host:9092 [flags]",
		ShortHelp:  "run the aggregate stage: fold deltas into the compacted table (goka)",
		LongHelp: "Local state is held in memory and rebuilt from the compacted table on start,\n" +
			"so an instance needs no disk and can never resume from state the table lacks.",
		FlagSet: fs,
		Exec: func(ctx context.Context, _ []string) error {
			if err := errors.Join(f.validate(), f.aggregate.validate(f.namePrefix)); err != nil {
				return err
			}
			log := f.logger(env.stderr)
			s, err := connect(ctx, &f.common, f.brokerList(), log)
			if err != nil {
				return err
			}
			var running atomic.Pointer[func() bool]
			ready := func() error {
				if fn := running.Load(); fn == nil || !(*fn)() {
					return notReady("aggregate is recovering its table")
				}
				return nil
			}
			s.watchLag(ctx, s.topics.AggregateGroup)
			g, ctx := errgroup.WithContext(ctx)
			g.Go(func() error { return s.serveOps(ctx, f.metricsAddr, ready) })
			g.Go(func() error {
				return stage.Supervise(ctx, "aggregate", log, s.metrics, s.aggregate(&f.aggregate, func(fn func() bool) { running.Store(&fn) }))
			})
			return g.Wait()
		},
	}
}

func serveCommand(env *cliEnv) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse serve", flag.ContinueOnError)
	f := &stageFlags{}
	f.register(fs)
	f.api.register(fs)
	return &ffcli.Command{
		Name:       "serve",
		ShortUsage: "logpulse serve --brokers host:9092 [--http :8080] [flags]",
		ShortHelp:  "run the view: follow the table, serve the HTTP API",
		FlagSet:    fs,
		Exec: func(ctx context.Context, _ []string) error {
			if err := errors.Join(f.validate(), f.api.validate()); err != nil {
				return err
			}
			log := f.logger(env.stderr)
			s, err := connect(ctx, &f.common, f.brokerList(), log)
			if err != nil {
				return err
			}
			ix, runView, recovered, err := s.view(ctx)
			if err != nil {
				return err
			}
			ready := func() error {
				if !recovered() {
					return notReady("view is recovering the aggregate table")
				}
				return nil
			}
			logs, err := s.logWriter()
			if err != nil {
				return err
			}
			defer logs.Close()
			engine, runAlerts, err := s.alertEngine(ctx, &f.api, ix, recovered)
			if err != nil {
				return err
			}
			s.watchLag(ctx, s.topics.IngestGroup, s.topics.AggregateGroup)
			g, ctx := errgroup.WithContext(ctx)
			g.Go(func() error { return stage.Supervise(ctx, "view", log, s.metrics, runView) })
			g.Go(func() error { return runAlerts(ctx) })
			g.Go(func() error { return s.serveAPI(ctx, &f.api, ix, ready, logs, engine) })
			return g.Wait()
		},
	}
}
