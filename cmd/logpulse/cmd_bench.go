package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/logpulse/logpulse/internal/bench"
	"github.com/logpulse/logpulse/internal/kstreams"
	"github.com/peterbourgon/ff/v3/ffcli"
)

type benchFlags struct {
	kafka    kafkaFlags
	layout   layoutFlags
	windows  windowFlags
	log      logFlags
	count    int
	format   string
	services int
	span     time.Duration
	phases   string
	latency  bool
	rate     float64
	duration time.Duration
	http     bool
	clients  int
	runs     int
	seed     uint64
	profile  string
	peer     string
	peerDir  string
	peerVer  string
}

func (f *benchFlags) register(fs *flag.FlagSet) {
	f.kafka.usage = "Kafka bootstrap brokers, comma-separated; empty starts a fresh embedded broker per run (in memory)"
	registerAll(fs, &f.kafka, &f.layout, &f.windows, &f.log)
	fs.IntVar(&f.count, "count", 1_000_000, "events to fill the input with for the throughput phases")
	fs.StringVar(&f.format, "format", "json", "event format: json, text or avro (single-object)")
	fs.IntVar(&f.services, "services", 100, "services the events are drawn from (Zipf)")
	fs.DurationVar(&f.span, "span", 0, "event-time span of the --count events (0: --retention less two windows and --grace); shorter means more events per (service, window)")
	fs.StringVar(&f.phases, "phases", strings.Join([]string{bench.PhaseLogpulse, bench.PhaseLimit, bench.PhaseGokaMemory, bench.PhaseGokaLevelDB}, ","),
		"throughput phases in order, comma-separated (empty: none); the resident-set high-water mark is the process's, so the first phase's is its own")
	fs.BoolVar(&f.latency, "latency", false, "also measure produce-to-visible latency at a steady --rate")
	fs.Float64Var(&f.rate, "rate", 50_000, "events per second of the --latency run")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "length of the --latency and --http runs")
	fs.BoolVar(&f.http, "http", false, "also measure GET /v1/levels latency and requests/s (1h of windows, 50 services)")
	fs.IntVar(&f.clients, "clients", 32, "concurrent clients of the --http run")
	fs.IntVar(&f.runs, "runs", 1, "repeat everything this often and print the medians")
	fs.Uint64Var(&f.seed, "seed", 1, "generator seed")
	fs.StringVar(&f.peer, "peer", "", "kstreams: measure logpulse as separate processes beside the Kafka Streams peer on --brokers (phases limit,logpulse-stages,kstreams unless --phases is given; --latency then measures both)")
	fs.StringVar(&f.peerDir, "kstreams-dir", filepath.Join("integration", "peers", "kstreams"), "--peer kstreams: the peer's Maven project, built with mvn package")
	fs.StringVar(&f.peerVer, "kstreams-version", "", "--peer kstreams: kafka-streams release to build against, the broker's (default: the pom's, "+kstreams.DefaultKafkaVersion+")")
	fs.StringVar(&f.profile, "cpuprofile-dir", "", "write CPU profiles of the first run to this directory (created if missing): <phase>.pprof, latency.pprof, http.pprof; and allocation profiles <phase>.allocs.pprof with their base <phase>.allocs-base.pprof (go tool pprof -base)")
}

func (f *benchFlags) config(env *cliEnv) bench.Config {
	var phases []string
	for _, p := range strings.Split(f.phases, ",") {
		if p = strings.TrimSpace(p); p != "" {
			phases = append(phases, p)
		}
	}
	return bench.Config{
		Brokers: f.kafka.list(), Count: f.count, Format: f.format, Services: f.services, Span: f.span,
		Partitions: f.layout.partitions, Replication: f.layout.replication,
		Window: f.windows.window, Grace: f.windows.grace, Retention: f.windows.retention,
		Phases: phases, Latency: f.latency, Rate: f.rate, Duration: f.duration, HTTP: f.http, Clients: f.clients,
		Runs: f.runs, Seed: f.seed, ProfileDir: f.profile, Logger: f.log.logger(env.stderr), Out: env.stdout, Progress: env.stderr,
	}
}

func benchCommand(env *cliEnv) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse bench", flag.ContinueOnError)
	f := &benchFlags{}
	f.register(fs)
	return &ffcli.Command{
		Name:       "bench",
		ShortUsage: "logpulse bench [--count N] [--format json|text|avro] [--latency] [--http] [--runs N] [flags]",
		ShortHelp:  "measure throughput against a plain consumer and goka, latency, and the HTTP API",
		LongHelp: "Fills the input with --count generated events, then times each phase on them:\n" +
			"  limit         a plain franz-go consumer decoding and counting in a map (no durability)\n" +
			"  goka-memory   an idiomatic goka counter (ctx.Value + ctx.SetValue per event), in-memory storage\n" +
			"  goka-leveldb  the same with goka's default LevelDB storage (in a fresh temp folder)\n" +
			"  logpulse      the real pipeline from offset 0 until the view shows all events, exactly\n" +
			"  logpulse-stages  the same as separate ingest, aggregate and serve processes, until /v1/levels shows all events\n" +
			"  kstreams      the Kafka Streams peer (integration/peers/kstreams; --peer kstreams, needs --brokers, Maven, Java 17)\n" +
			"and prints a table and a JSON line. A count that is not exact fails the command.",
		FlagSet: fs,
		Exec: func(ctx context.Context, _ []string) error {
			if err := validateAll(&f.kafka, &f.layout, &f.windows, &f.log); err != nil {
				return err
			}
			if f.peer != "" && f.peer != "kstreams" {
				return usageErr(fmt.Errorf("--peer must be kstreams, got %q", f.peer))
			}
			phasesSet := false
			fs.Visit(func(fl *flag.Flag) { phasesSet = phasesSet || fl.Name == "phases" })
			if f.peer != "" && !phasesSet {
				f.phases = strings.Join([]string{bench.PhaseLimit, bench.PhaseStages, bench.PhaseKStreams}, ",")
			}
			cfg := f.config(env)
			if err := cfg.Validate(); err != nil {
				return usageErr(err)
			}
			if slices.Contains(cfg.Phases, bench.PhaseStages) {
				bin, err := os.Executable()
				if err != nil {
					return fmt.Errorf("logpulse-stages runs this binary: %w", err)
				}
				cfg.Bin = bin
			}
			if slices.Contains(cfg.Phases, bench.PhaseKStreams) {
				fmt.Fprintf(env.stderr, "building the Kafka Streams peer in %s (mvn package)\n", f.peerDir)
				jar, err := kstreams.Build(ctx, f.peerDir, f.peerVer)
				if err != nil {
					return fmt.Errorf("--peer kstreams: %w (run from the repository root, or give --kstreams-dir)", err)
				}
				cfg.KStreamsJar = jar
			}
			return bench.Run(ctx, cfg)
		},
	}
}
