package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/logpulse/logpulse/internal/generator"
	"github.com/twmb/franz-go/pkg/kgo"
)

// latency produces at cfg.Rate events/s for cfg.Duration into a running,
// caught-up pipeline, event time = wall clock, and measures for each event
// the time from its Produce call to the first poll of the view that shows
// at least as many events as had been produced up to and including it.
// The view is polled in-process every millisecond (what /v1/levels reads,
// without the HTTP hop), so the resolution is about 1 ms plus the poll's
// own cost. Counting by position assumes events become visible roughly in
// produce order; transactions commit whole polls, so the error is at most
// one transaction's spread.
func latency(ctx context.Context, cfg *Config, r *Result, run int) error {
	e, err := newEnv(ctx, cfg, fmt.Sprintf("l%d", run))
	if err != nil {
		return err
	}
	defer e.close()
	s, err := startStack(ctx, e)
	if err != nil {
		return err
	}
	cfg.progress("run %d: latency at %.0f events/s for %s", run+1, cfg.Rate, cfg.Duration)
	stopProfile, err := startProfile(cfg.ProfileDir, run, "latency")
	if err != nil {
		return errors.Join(err, s.stop())
	}
	lerr := s.ready(ctx, 2*time.Minute)
	if lerr == nil {
		// The view over an hour either side of the run.
		from := time.Now().Add(-time.Hour).Truncate(cfg.Window)
		to := time.Now().Add(cfg.Duration + time.Hour)
		var l Latency
		l, lerr = measureLatency(ctx, cfg, e, func(context.Context) (int64, error) {
			counted, late := s.total(from, to)
			if late != 0 {
				return counted, fmt.Errorf("view shows %d late events, want 0", late)
			}
			return counted, nil
		})
		r.LatencyRate = cfg.Rate
		r.LatencyP50, r.LatencyP99, r.LatencyMax = l.P50, l.P99, l.Max
	}
	stopProfile()
	return errors.Join(lerr, s.stop())
}

// Latency is produce to visible, in milliseconds.
type Latency struct {
	Name string  `json:"name"`
	Rate float64 `json:"rate"`
	P50  float64 `json:"p50_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
}

// measureLatency produces at cfg.Rate for cfg.Duration into e's input,
// event time = wall clock, and polls visible (the events the system under
// test shows) every millisecond. An event's latency runs from when it was
// due (began + i/rate), not from when the producer got to it: a system
// that slows the producer (they share the cores) shows it as latency
// rather than as a lower rate that goes unreported.
func measureLatency(ctx context.Context, cfg *Config, e *env, visible func(context.Context) (int64, error)) (Latency, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.ProducerLinger(time.Millisecond))
	if err != nil {
		return Latency{}, fmt.Errorf("producer: %w", err)
	}
	defer cl.Close()
	n := int(cfg.Rate * cfg.Duration.Seconds())
	sent := make([]time.Time, n)
	var produced atomic.Int64
	var failed atomic.Pointer[error]
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			failed.CompareAndSwap(nil, &err)
		}
	}
	began := time.Now()
	// Produce on a 1 ms tick, catching up to rate × elapsed each time.
	pctx, cancel := context.WithCancel(ctx)
	produceDone := make(chan struct{})
	defer func() { cancel(); <-produceDone }()
	go func() {
		defer close(produceDone)
		ctx := pctx
		src := generator.NewSource(cfg.Seed, cfg.Services)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		i := 0
		for i < n && ctx.Err() == nil {
			<-t.C
			due := min(int(cfg.Rate*time.Since(began).Seconds()), n)
			for ; i < due; i++ {
				rec, err := record(e.topics.Logs, cfg.Format, src.Next(time.Now()))
				if err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				sent[i] = began.Add(time.Duration(float64(i) / cfg.Rate * float64(time.Second)))
				produced.Store(int64(i + 1))
				cl.Produce(ctx, rec, promise)
			}
		}
	}()
	// shown[k] is the first poll time at which more than k events showed.
	shown := make([]time.Time, 0, n)
	deadline := began.Add(cfg.Duration + time.Minute)
	for len(shown) < n {
		if p := failed.Load(); p != nil {
			return Latency{}, fmt.Errorf("produce: %w", *p)
		}
		if time.Now().After(deadline) {
			return Latency{}, fmt.Errorf("%d of %d events visible a minute after the last was produced", len(shown), n)
		}
		counted, err := visible(ctx)
		now := time.Now()
		switch {
		case err != nil:
			return Latency{}, err
		case counted > int64(n) || counted > produced.Load():
			return Latency{}, fmt.Errorf("%d events visible, more than the %d produced", counted, produced.Load())
		}
		for int64(len(shown)) < counted {
			shown = append(shown, now)
		}
		if err := sleepCtx(ctx, time.Millisecond); err != nil {
			return Latency{}, err
		}
	}
	<-produceDone // sent is complete, and ours to read
	lat := make([]float64, n)
	for i := range n {
		lat[i] = float64(shown[i].Sub(sent[i])) / float64(time.Millisecond)
	}
	slices.Sort(lat)
	return Latency{Rate: cfg.Rate, P50: quantile(lat, 0.50), P99: quantile(lat, 0.99), Max: lat[n-1]}, nil
}

// quantile of sorted xs, nearest rank.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	i := int(q*float64(len(xs))+0.5) - 1
	return xs[min(max(i, 0), len(xs)-1)]
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
