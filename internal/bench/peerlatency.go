package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"
)

// peerMode reports whether the run compares logpulse's separate processes
// with Kafka Streams (--peer kstreams): then --latency measures those two.
func (c *Config) peerMode() bool {
	return slices.Contains(c.Phases, PhaseStages) || slices.Contains(c.Phases, PhaseKStreams)
}

// peerLatency measures produce to visible at cfg.Rate for each of
// logpulse's separate processes and Kafka Streams that the phases list,
// each on fresh topics, started and caught up before the clock starts.
func peerLatency(ctx context.Context, cfg *Config, r *Result, run int) error {
	for _, ph := range cfg.Phases {
		if ph != PhaseStages && ph != PhaseKStreams {
			continue
		}
		cfg.progress("run %d: latency of %s at %.0f events/s for %s", run+1, ph, cfg.Rate, cfg.Duration)
		l, err := systemLatency(ctx, cfg, ph, run)
		if err != nil {
			return fmt.Errorf("%s: %w", ph, err)
		}
		l.Name = ph
		r.Latencies = append(r.Latencies, l)
		cfg.progress("run %d: latency of %s: p50 %.1f ms, p99 %.1f ms", run+1, ph, l.P50, l.P99)
	}
	return nil
}

func systemLatency(ctx context.Context, cfg *Config, ph string, run int) (Latency, error) {
	e, err := newEnv(ctx, cfg, fmt.Sprintf("l%d", run))
	if err != nil {
		return Latency{}, err
	}
	defer e.close()
	dir, err := os.MkdirTemp("", "logpulse-bench-latency-")
	if err != nil {
		return Latency{}, err
	}
	defer os.RemoveAll(dir)
	from := time.Now().Add(-time.Hour).Truncate(cfg.Window)
	to := time.Now().Add(cfg.Duration + time.Hour)
	var visible func(context.Context) (int64, error)
	var ready func(context.Context) bool
	var stop func() error
	switch ph {
	case PhaseStages:
		s, err := startProcStack(ctx, e, dir)
		if err != nil {
			return Latency{}, err
		}
		stop, ready = s.stop, s.isReady
		visible = func(ctx context.Context) (int64, error) {
			if err := s.failed(); err != nil {
				return 0, err
			}
			counted, late, err := s.total(ctx, from, to, cfg.Window)
			if err == nil && late != 0 {
				err = fmt.Errorf("view shows %d late events, want 0", late)
			}
			return counted, err
		}
	case PhaseKStreams:
		p, err := startPeer(ctx, e, dir)
		if err != nil {
			return Latency{}, err
		}
		stop, visible = p.stop, p.count
		ready = func(context.Context) bool { return p.running() }
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !ready(ctx) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return Latency{}, errors.Join(fmt.Errorf("not ready after 2m"), stop())
		}
		time.Sleep(20 * time.Millisecond)
	}
	l, err := measureLatency(ctx, cfg, e, visible)
	return l, errors.Join(err, stop())
}
