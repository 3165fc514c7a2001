package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/logpulse/logpulse/internal/embedkafka"
	"github.com/logpulse/logpulse/internal/generator"
	"github.com/logpulse/logpulse/internal/httpapi"
	"github.com/logpulse/logpulse/internal/stage"
	"github.com/logpulse/logpulse/topology"
)

// A Module is a part of the pipeline Run can start; `logpulse run` starts
// all of them, each stage command one.
type Module string

// The modules, in the order Run starts them.
const (
	Provision Module = "topics"    // create every topic before any stage starts
	Ingest    Module = "ingest"    // logs → deltas, in transactions
	Aggregate Module = "aggregate" // deltas → the compacted table (goka)
	View      Module = "serve"     // the table → the index, the HTTP API on API.Addr, alerts
)

// Run starts the embedded broker when cfg.Brokers is empty, then the given
// modules, and runs them until ctx is done or one of them fails for good:
// every stage is restarted under stage.Supervise when it fails, and the
// first error that is not a stage's ends them all. The embedded broker
// closes last, after every stage has returned. A process with the View
// module serves /readyz on the API; any other serves it on cfg.OpsAddr.
func Run(ctx context.Context, cfg Config, modules ...Module) error {
	has := func(m Module) bool { return slices.Contains(modules, m) }
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	var ready readiness
	if len(cfg.Brokers) == 0 {
		b, err := embedkafka.Start(embedkafka.Config{
			Listen: cfg.Embedded.Listen, DataDir: filepath.Join(cfg.Embedded.DataDir, "broker"), SyncWrites: cfg.Embedded.Sync,
			Partitions: cfg.Partitions, Logger: cfg.Logger, MaxMessageBytes: topology.MaxDivertBytes,
		})
		if err != nil {
			return err
		}
		defer b.Close()
		cfg.Brokers = b.Addrs()
		cfg.Logger.Info("embedded broker listening", "addrs", cfg.Brokers, "data_dir", cfg.Embedded.DataDir)
		// A broker that cannot write its log is not ready, with its reason.
		ready.gate("embedded broker is starting").open(b.WriteError)
	}
	p, err := connect(ctx, &cfg)
	if err != nil {
		return err
	}
	if has(Provision) {
		if err := p.provision(ctx, false); err != nil {
			return err
		}
	}
	if has(Ingest) {
		p.warnProducerTimestamps(ctx)
	}

	// Everything that can fail at start is built before any stage runs:
	// a failure here returns with nothing running.
	var runs []func(context.Context) error
	var viewGate *gate
	if has(View) {
		viewGate = ready.gate("view is recovering the aggregate table")
		ix, runView, err := p.view(ctx, viewGate)
		if err != nil {
			return err
		}
		logs, err := httpapi.NewKafkaWriter(cfg.Brokers, p.topics.Logs, cfg.Prefix+"logpulse-http-"+Hostname(), topology.MaxDivertBytes, cfg.Security.KgoOpts()...)
		if err != nil {
			return err
		}
		defer logs.Close()
		engine, runAlerts, err := p.alertEngine(ctx, ix, viewGate)
		if err != nil {
			return err
		}
		runs = append(runs,
			func(ctx context.Context) error { return stage.Supervise(ctx, "view", p.log, p.metrics, runView) },
			runAlerts,
			func(ctx context.Context) error { return p.serveAPI(ctx, ix, ready.err, logs, engine) })
	}
	if has(Ingest) {
		g := ready.gate("ingest is not running")
		runs = append(runs, func(ctx context.Context) error { return stage.Supervise(ctx, "ingest", p.log, p.metrics, p.ingest(g)) })
		if cfg.Ingest.Heartbeat > 0 {
			runs = append(runs, p.heartbeat)
		}
	}
	if has(Aggregate) {
		g := ready.gate("aggregate is recovering its table")
		runs = append(runs, func(ctx context.Context) error {
			return stage.Supervise(ctx, "aggregate", p.log, p.metrics, p.aggregate(g))
		})
	}
	if !has(View) {
		runs = append(runs, func(ctx context.Context) error { return p.serveOps(ctx, ready.err) })
	}
	if cfg.Demo.On {
		runs = append(runs, func(ctx context.Context) error {
			return generator.Run(ctx, generator.Config{
				Brokers: cfg.Brokers, Topic: p.topics.Logs, Rate: cfg.Demo.Rate, Burst: cfg.Demo.Burst,
				Logger: p.log, ClientOpts: cfg.Security.KgoOpts(),
			})
		})
	}

	// The first run to fail stops the others; deferred closes (the HTTP
	// log writer, then the embedded broker) follow once all have returned.
	g, ctx := errgroup.WithContext(ctx)
	var lagGroups []string // the view shows both stages' lag
	if has(Ingest) || has(View) {
		lagGroups = append(lagGroups, p.topics.IngestGroup)
	}
	if has(Aggregate) || has(View) {
		lagGroups = append(lagGroups, p.topics.AggregateGroup)
	}
	p.watchLag(ctx, lagGroups...)
	for _, run := range runs {
		g.Go(func() error { return run(ctx) })
	}
	return g.Wait()
}
