package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/logpulse/logpulse/internal/embedkafka"
	"github.com/logpulse/logpulse/internal/generator"
	"github.com/logpulse/logpulse/internal/stage"
	"github.com/logpulse/logpulse/topology"
	"github.com/peterbourgon/ff/v3/ffcli"
	"golang.org/x/sync/errgroup"
)

// demoGrace is --grace under --demo unless set.
const demoGrace = 15 * time.Second

type runFlags struct {
	common
	dataDir      string
	brokerListen string
	brokerSync   bool
	api          apiFlags
	demo         bool
	demoRate     float64
	demoBurst    time.Duration
	ingest       ingestFlags
	aggregate    aggregateFlags
}

func (f *runFlags) register(fs *flag.FlagSet) {
	f.kafkaFlags(fs, "Kafka bootstrap brokers, comma-separated; empty runs the embedded broker")
	f.nameFlags(fs)
	f.layoutFlags(fs)
	f.windowFlags(fs)
	f.logFlags(fs)
	fs.StringVar(&f.dataDir, "data-dir", "logpulse-data", "directory for the embedded broker's data; a second run on it resumes")
	fs.StringVar(&f.brokerListen, "broker-listen", "127.0.0.1:9092", "address of the embedded broker, for any Kafka client")
	fs.BoolVar(&f.brokerSync, "broker-sync", true, "fsync every produce in the embedded broker, so acknowledged events survive a crash")
	f.api.register(fs)
	fs.BoolVar(&f.demo, "demo", false, "also produce sample log traffic (and default --grace to 15s: demo events are never late)")
	fs.Float64Var(&f.demoRate, "demo-rate", 200, "events per second the --demo generator produces")
	fs.DurationVar(&f.demoBurst, "demo-burst", 10*time.Minute, "the --demo generator bursts errors of one service in the last quarter of every such period (0: never), so alerts fire")
	f.ingest.register(fs)
	f.aggregate.register(fs)
}

func (f *runFlags) validate() error {
	if err := f.common.validate(); err != nil {
		return err
	}
	if f.demo && f.demoRate <= 0 {
		return fmt.Errorf("--demo-rate must be positive, got %v", f.demoRate)
	}
	if f.demoBurst < 0 {
		return fmt.Errorf("--demo-burst must not be negative, got %s", f.demoBurst)
	}
	if err := errors.Join(f.ingest.validate(), f.aggregate.validate(f.namePrefix)); err != nil {
		return err
	}
	return f.api.validate()
}

func runCommand(env *cliEnv) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse run", flag.ContinueOnError)
	f := &runFlags{}
	f.register(fs)
	return &ffcli.Command{
		Name:       "run",
		ShortUsage: "logpulse run [--demo] [--brokers host:9092] [flags]",
		ShortHelp:  "run everything in one process: embedded broker (unless --brokers), ingest, aggregate, HTTP API",
		FlagSet:    fs,
		Exec: func(ctx context.Context, _ []string) error {
			set := map[string]bool{}
			fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
			if f.demo && !set["grace"] {
				// Demo events are produced as they happen: a short grace
				// lets windows, and the alerts on them, become final
				// within seconds of their end.
				f.grace = demoGrace
			}
			if err := f.validate(); err != nil {
				return err
			}
			return runAll(ctx, f, env)
		},
	}
}

func runAll(ctx context.Context, f *runFlags, env *cliEnv) error {
	log := f.logger(env.stderr)
	brokers := f.brokerList()
	var broker *embedkafka.Broker
	if len(brokers) == 0 {
		var err error
		broker, err = embedkafka.Start(embedkafka.Config{
			Listen: f.brokerListen, DataDir: filepath.Join(f.dataDir, "broker"), SyncWrites: f.brokerSync,
			Partitions: f.partitions, Logger: log, MaxMessageBytes: topology.MaxDivertBytes,
		})
		if err != nil {
			return err
		}
		// Closed last, after every stage has stopped using it.
		defer broker.Close()
		brokers = broker.Addrs()
		log.Info("embedded broker listening", "addrs", brokers, "data_dir", f.dataDir)
	}
	s, err := connect(ctx, &f.common, brokers, log)
	if err != nil {
		return err
	}
	if err := s.provision(ctx, false); err != nil {
		return err
	}
	s.warnProducerTimestamps(ctx)
	ix, runView, viewRecovered, err := s.view(ctx)
	if err != nil {
		return err
	}
	var ingestReady readyBit
	var aggReady atomic.Pointer[func() bool]
	ready := func() error {
		switch {
		case broker != nil && broker.WriteError() != nil:
			return broker.WriteError()
		case !viewRecovered():
			return notReady("view is recovering the aggregate table")
		case !ingestReady.v.Load():
			return notReady("ingest is not running")
		case aggReady.Load() == nil || !(*aggReady.Load())():
			return notReady("aggregate is recovering its table")
		}
		return nil
	}
	setAgg := func(fn func() bool) { aggReady.Store(&fn) }

	logs, err := s.logWriter()
	if err != nil {
		return err
	}
	defer logs.Close()

	// Before any stage starts: a failure here returns with nothing running.
	engine, runAlerts, err := s.alertEngine(ctx, &f.api, ix, viewRecovered)
	if err != nil {
		return err
	}

	// The first stage to fail stops the others; the embedded broker closes
	// (deferred above) only after all of them have returned.
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return stage.Supervise(ctx, "ingest", log, s.metrics, s.ingest(&f.ingest, &ingestReady))
	})
	g.Go(func() error {
		return stage.Supervise(ctx, "aggregate", log, s.metrics, s.aggregate(&f.aggregate, setAgg))
	})
	g.Go(func() error { return stage.Supervise(ctx, "view", log, s.metrics, runView) })
	g.Go(func() error { return runAlerts(ctx) })
	s.watchLag(ctx, s.topics.IngestGroup, s.topics.AggregateGroup)
	g.Go(func() error { return s.serveAPI(ctx, &f.api, ix, ready, logs, engine) })
	if f.ingest.heartbeat > 0 {
		g.Go(func() error { return s.heartbeat(f.ingest.heartbeat)(ctx) })
	}
	if f.demo {
		g.Go(func() error {
			return generator.Run(ctx, generator.Config{
				Brokers: brokers, Topic: s.topics.Logs, Rate: f.demoRate, Burst: f.demoBurst, Logger: log, ClientOpts: f.sec.KgoOpts(),
			})
		})
	}
	return g.Wait()
}
