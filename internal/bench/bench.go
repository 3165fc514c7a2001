// Package bench measures logpulse against the fastest possible answer (a
// plain franz-go consumer counting in a map) and against an idiomatic goka
// counter, on the same records in one process: `logpulse bench`.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/logpulse/logpulse/internal/generator"
)

// Phase names, in the order --phases may list them.
const (
	PhaseLimit       = "limit"
	PhaseGokaMemory  = "goka-memory"
	PhaseGokaLevelDB = "goka-leveldb"
	PhaseLogpulse    = "logpulse"
	// PhaseStages is logpulse as separate processes (ingest, aggregate,
	// serve of Config.Bin), done when serve's /v1/levels shows all events.
	PhaseStages = "logpulse-stages"
	// PhaseKStreams is the Kafka Streams peer (integration/peers/kstreams),
	// done when its latest window counts add up to all events.
	PhaseKStreams = "kstreams"
)

// Phases are the phase names Config.Phases accepts.
var Phases = []string{PhaseLimit, PhaseGokaMemory, PhaseGokaLevelDB, PhaseLogpulse, PhaseStages, PhaseKStreams}

// Config configures a bench run.
type Config struct {
	Brokers     []string // empty: a fresh embedded broker per run
	Count       int      // events in the throughput run
	Format      string   // json, text or avro
	Services    int
	Partitions  int
	Replication int
	Window      time.Duration
	Grace       time.Duration
	Retention   time.Duration
	// Span is how far apart in event time the throughput run's events are
	// (0: the retention less two windows and the grace, the most windows
	// that stay in the view). Fewer events per (service, window) mean more
	// deltas per event.
	Span     time.Duration
	Phases   []string // throughput phases in order; none skips the throughput run
	Latency  bool
	Rate     float64       // events/s of the latency run
	Duration time.Duration // length of the latency and HTTP runs
	HTTP     bool
	Clients  int // concurrent HTTP clients
	Runs     int
	Seed     uint64
	// ProfileDir, when set, gets a CPU profile of each phase of the first
	// run (<phase>.pprof), of the latency run (latency.pprof) and of the
	// HTTP clients' run (http.pprof), and the allocation profiles before
	// and after each (<name>.allocs-base.pprof, <name>.allocs.pprof).
	ProfileDir string
	// Bin is the logpulse binary the logpulse-stages phase runs.
	Bin string
	// KStreamsJar is the Kafka Streams peer's jar; KStreamsJavaOpts its
	// JVM flags (nil: -Xmx1g).
	KStreamsJar      string
	KStreamsJavaOpts []string
	Logger           *slog.Logger
	Out              io.Writer // the table and the JSON line
	Progress         io.Writer // a line per step; nil for none
}

// Validate checks the config with messages that name the flags.
func (c *Config) Validate() error {
	var errs []error
	if c.Count < 1 {
		errs = append(errs, fmt.Errorf("--count must be positive, got %d", c.Count))
	}
	if c.Format != "json" && c.Format != "text" && c.Format != "avro" {
		errs = append(errs, fmt.Errorf("--format must be json, text or avro, got %q", c.Format))
	}
	if c.Services < 1 || c.Services > 100_000 {
		errs = append(errs, fmt.Errorf("--services must be between 1 and 100000, got %d", c.Services))
	}
	for i, p := range c.Phases {
		if !slices.Contains(Phases, p) {
			errs = append(errs, fmt.Errorf("--phases: unknown phase %q; use %s", p, strings.Join(Phases, ",")))
		}
		if slices.Contains(c.Phases[:i], p) {
			errs = append(errs, fmt.Errorf("--phases: %q given twice", p))
		}
	}
	// A run's phases read one filled input, and the pipeline's topics and
	// groups are named after it: the second pipeline would find the
	// first one's table full and answer at once.
	if slices.Contains(c.Phases, PhaseLogpulse) && slices.Contains(c.Phases, PhaseStages) {
		errs = append(errs, fmt.Errorf("--phases: %s and %s share the pipeline's topics; measure them in separate runs of the command", PhaseLogpulse, PhaseStages))
	}
	if c.Latency && c.Rate <= 0 {
		errs = append(errs, fmt.Errorf("--rate must be positive, got %v", c.Rate))
	}
	if (c.Latency || c.HTTP) && c.Duration < time.Second {
		errs = append(errs, fmt.Errorf("--duration must be at least 1s, got %s", c.Duration))
	}
	if c.HTTP && (c.Clients < 1 || c.Clients > 1024) {
		errs = append(errs, fmt.Errorf("--clients must be between 1 and 1024, got %d", c.Clients))
	}
	if c.Span < 0 || c.Span > c.Retention-2*(c.Window+c.Grace) && c.Span > c.Window {
		errs = append(errs, fmt.Errorf("--span must be between 0 and --retention less two windows and --grace (%s), got %s",
			max(c.Retention-2*(c.Window+c.Grace), c.Window), c.Span))
	}
	if slices.Contains(c.Phases, PhaseKStreams) && len(c.Brokers) == 0 {
		errs = append(errs, errors.New("--peer kstreams (the kstreams phase) runs on Apache Kafka: give --brokers"))
	}
	if c.Runs < 1 || c.Runs > 100 {
		errs = append(errs, fmt.Errorf("--runs must be between 1 and 100, got %d", c.Runs))
	}
	if len(c.Phases) == 0 && !c.Latency && !c.HTTP {
		errs = append(errs, errors.New("nothing to measure: give --phases, --latency or --http"))
	}
	return errors.Join(errs...)
}

// Run measures cfg.Runs times and writes each run's figures, then the
// medians and a JSON line of them, to cfg.Out. A count that is not exact
// is an error.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	var runs []Result
	for i := range cfg.Runs {
		r := Result{Count: cfg.Count, Format: cfg.Format, Services: cfg.Services, Partitions: cfg.Partitions}
		if len(cfg.Phases) > 0 {
			if err := throughput(ctx, &cfg, &r, i); err != nil {
				return fmt.Errorf("run %d: %w", i+1, err)
			}
		}
		if cfg.Latency && cfg.peerMode() {
			if err := peerLatency(ctx, &cfg, &r, i); err != nil {
				return fmt.Errorf("run %d, latency: %w", i+1, err)
			}
		} else if cfg.Latency {
			if err := latency(ctx, &cfg, &r, i); err != nil {
				return fmt.Errorf("run %d, latency: %w", i+1, err)
			}
		}
		if cfg.HTTP {
			if err := httpLoad(ctx, &cfg, &r, i); err != nil {
				return fmt.Errorf("run %d, http: %w", i+1, err)
			}
		}
		r.ratios()
		runs = append(runs, r)
		if cfg.Runs > 1 {
			fmt.Fprintf(cfg.Out, "run %d of %d\n", i+1, cfg.Runs)
			r.table(cfg.Out)
		}
	}
	med := median(runs)
	if cfg.Runs > 1 {
		fmt.Fprintf(cfg.Out, "median of %d runs\n", cfg.Runs)
	}
	med.table(cfg.Out)
	return med.jsonLine(cfg.Out)
}

// throughput fills the input with cfg.Count events over the retention and
// runs each phase on them.
func throughput(ctx context.Context, cfg *Config, r *Result, run int) error {
	e, err := newEnv(ctx, cfg, fmt.Sprintf("t%d", run))
	if err != nil {
		return err
	}
	defer e.close()
	// Event times in the past, spread over the retention less two windows
	// and the grace, so no window is pruned before the count is read.
	span := cfg.Span
	if span == 0 {
		span = max(cfg.Retention-2*(cfg.Window+cfg.Grace), cfg.Window)
	}
	from := time.Now().Add(-span - cfg.Window - cfg.Grace).Truncate(cfg.Window)
	r.SpanSec = span.Seconds()
	cfg.progress("run %d: filling %s with %d %s events over %s", run+1, e.topics.Logs, cfg.Count, cfg.Format, span)
	f, err := e.fill(ctx, fillSpec{n: cfg.Count, services: cfg.Services, from: from, span: span})
	if err != nil {
		return err
	}
	r.FillEPS, r.Keys = f.eps, f.keys
	services := generator.NewSource(cfg.Seed, cfg.Services).Services()
	for _, ph := range cfg.Phases {
		cfg.progress("run %d: phase %s", run+1, ph)
		var first time.Duration
		m := startMem()
		stopProfile, err := startProfile(cfg.ProfileDir, run, ph)
		if err != nil {
			return err
		}
		// Each phase is timed from its start until its answer is complete
		// (startup included, shutdown and the state measurement not).
		start := time.Now()
		var answered time.Duration
		var procs []ProcRSS
		switch ph {
		case PhaseLimit:
			var keys int
			if keys, err = runLimit(ctx, e, cfg.Count); err == nil && keys != r.Keys {
				err = fmt.Errorf("limit counted %d (service, window) keys, the fill wrote %d", keys, r.Keys)
			}
		case PhaseGokaMemory:
			answered, err = runGoka(ctx, e, cfg.Count, services, "")
		case PhaseGokaLevelDB:
			var dir string
			var cleanup func()
			if dir, cleanup, err = gokaDir(); err == nil {
				answered, err = runGoka(ctx, e, cfg.Count, services, dir)
				cleanup()
			}
		case PhaseLogpulse:
			var state uint64
			answered, first, state, err = runLogpulse(ctx, e, cfg.Count, from, from.Add(span+cfg.Window))
			r.StatePerKey = float64(state) / float64(max(r.Keys, 1))
		case PhaseStages:
			var dir string
			if dir, err = os.MkdirTemp("", "logpulse-bench-stages-"); err == nil {
				answered, procs, err = runStages(ctx, e, cfg.Count, from, from.Add(span+cfg.Window), dir)
				os.RemoveAll(dir)
			}
		case PhaseKStreams:
			answered, procs, err = runKStreams(ctx, e, cfg.Count)
		}
		took := time.Since(start)
		if answered > 0 {
			took = answered
		}
		stopProfile()
		heap, rss, hwm := m.finish()
		if err != nil {
			return fmt.Errorf("phase %s: %w", ph, err)
		}
		pr := PhaseResult{
			Name: ph, Seconds: took.Seconds(), EPS: float64(cfg.Count) / took.Seconds(),
			HeapPeak: heap, RSSPeak: rss, HWM: hwm, FirstSeconds: first.Seconds(), Procs: procs,
		}
		if procs != nil {
			// Its own processes' peaks, not this process's.
			pr.HeapPeak, pr.RSSPeak, pr.HWM = 0, 0, 0
			for _, p := range procs {
				pr.HWM += p.HWM
			}
		}
		r.Phases = append(r.Phases, pr)
		cfg.progress("run %d: phase %s: %.2fs, %.0f events/s", run+1, ph, took.Seconds(), float64(cfg.Count)/took.Seconds())
		if first > 0 {
			cfg.progress("run %d: phase %s: first count visible after %.2fs", run+1, ph, first.Seconds())
		}
	}
	return nil
}

// runLogpulse starts the pipeline from offset 0 and waits until the view
// shows exactly n events in [from, to).
// It returns how long that took from its start, how long the first count
// took to show, and the live heap the running pipeline holds (its state:
// the aggregate's store, the view's index, plus the clients' buffers),
// measured as the live heap with the pipeline up less the live heap once
// it stopped.
func runLogpulse(ctx context.Context, e *env, n int, from, to time.Time) (answered, first time.Duration, state uint64, err error) {
	answered, first, up, err := runStack(ctx, e, n, from, to)
	if err != nil {
		return 0, 0, 0, err
	}
	down := liveHeap() // nothing reaches the stopped pipeline's store and index now
	return answered, first, up - min(up, down), nil
}

// runStack is runLogpulse's pipeline, stopped when it returns: how long it
// took to show n events, to show the first, and the live heap while it ran.
func runStack(ctx context.Context, e *env, n int, from, to time.Time) (answered, first time.Duration, up uint64, err error) {
	began := time.Now()
	s, err := startStack(ctx, e)
	if err != nil {
		return 0, 0, 0, err
	}
	werr := s.waitTotal(ctx, int64(n), from, to, 10*time.Minute)
	answered = time.Since(began)
	up = liveHeap()
	if serr := s.stop(); serr != nil || werr != nil {
		return 0, 0, 0, errors.Join(werr, serr)
	}
	return answered, s.firstVisible, up, nil
}

// startProfile starts a CPU profile of phase into dir on the first run.
func startProfile(dir string, run int, phase string) (stop func(), err error) {
	if dir == "" || run > 0 {
		return func() {}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, phase+".pprof"))
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	// The allocation profile counts from the process's start: the one
	// taken before the phase is the base to subtract.
	if err := writeAllocs(filepath.Join(dir, phase+".allocs-base.pprof")); err != nil {
		pprof.StopCPUProfile()
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		_ = writeAllocs(filepath.Join(dir, phase+".allocs.pprof")) // best effort, like the CPU profile's close
	}, nil
}

// writeAllocs writes the process's allocation profile to path.
func writeAllocs(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("allocation profile: %w", err)
	}
	err = pprof.Lookup("allocs").WriteTo(f, 0)
	return errors.Join(err, f.Close())
}

func (c *Config) progress(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, format+"\n", args...)
	}
}
