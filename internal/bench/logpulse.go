package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/logpulse/logpulse/internal/stage"
	"github.com/logpulse/logpulse/internal/view"
	"github.com/logpulse/logpulse/topology"
)

// stack is the real pipeline on env's topics, wired as `logpulse run` wires
// it: transactional ingest, the goka aggregate with its in-memory store, and
// a goka view feeding the rollup index that /v1/levels reads.
type stack struct {
	ix     *view.Index
	cancel context.CancelFunc
	g      *errgroup.Group
	view   *stage.View
	agg    *stage.Aggregate
	// firstVisible is how long waitTotal waited for the first count: the
	// stages' startup (group joins, table recovery) plus one transaction.
	firstVisible time.Duration
}

func startStack(ctx context.Context, e *env) (*stack, error) {
	cfg := e.cfg
	adm, err := e.admin()
	if err != nil {
		return nil, err
	}
	inputs, err := topology.Partitions(ctx, adm, e.topics.Logs)
	var tableParts int32
	if err == nil {
		tableParts, err = topology.Partitions(ctx, adm, e.topics.Table())
	}
	adm.Close()
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	s := &stack{ix: view.New(tableParts, inputs, cfg.Window, cfg.Retention)}
	in, err := stage.NewIngest(ctx, stage.IngestConfig{
		Brokers: e.brokers, Topics: e.topics, Window: cfg.Window, Grace: cfg.Grace, MaxEventBytes: 1 << 20,
		TransactionalID: e.topics.IngestGroup + "-txn", Logger: log,
	})
	if err != nil {
		return nil, err
	}
	s.agg, err = stage.NewAggregate(stage.AggregateConfig{
		Brokers: e.brokers, Topics: e.topics, Replication: int16(cfg.Replication), Window: cfg.Window,
		Retention: cfg.Retention, InputPartitions: inputs, TablePartitions: tableParts, ClientID: e.topics.AggregateGroup,
		InstanceID: e.topics.AggregateGroup + "-instance", Logger: log,
	})
	if err != nil {
		return nil, errors.Join(err, in.Run(canceled()))
	}
	s.view, err = stage.NewView(stage.ViewConfig{
		Brokers: e.brokers, Topics: e.topics, Replication: int16(cfg.Replication),
		ClientID: e.topics.AggregateGroup + "-view", Index: s.ix, Logger: log,
	})
	if err != nil {
		return nil, errors.Join(err, in.Run(canceled()))
	}
	var gctx context.Context
	gctx, s.cancel = context.WithCancel(ctx)
	s.g, gctx = errgroup.WithContext(gctx)
	s.g.Go(func() error { return in.Run(gctx) })
	s.g.Go(func() error { return s.agg.Run(gctx) })
	s.g.Go(func() error { return s.view.Run(gctx) })
	return s, nil
}

// canceled is a done context: Run on it only releases what New opened.
func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// stop stops every stage and returns the first stage error.
func (s *stack) stop() error {
	s.cancel()
	return s.g.Wait()
}

// total is what the view shows over [from, to): events counted in windows,
// and events counted late.
func (s *stack) total(from, to time.Time) (counted, late int64) {
	c, l := s.ix.Sum(from, to, "")
	return c.Total(), l.Total()
}

// waitTotal polls the view every interval until it shows n events in
// [from, to). More than n, or any late event, is an exactness failure; a
// stage that fails ends the wait with its error.
func (s *stack) waitTotal(ctx context.Context, n int64, from, to time.Time, timeout time.Duration) error {
	began := time.Now()
	deadline := began.Add(timeout)
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	stopped := make(chan error, 1)
	go func() { stopped <- s.g.Wait() }()
	for {
		counted, late := s.total(from, to)
		if counted > 0 && s.firstVisible == 0 {
			s.firstVisible = time.Since(began)
		}
		switch {
		case late != 0:
			return fmt.Errorf("view shows %d late events, want 0 (the input is in event-time order per partition)", late)
		case counted > n:
			return fmt.Errorf("view shows %d events, more than the %d produced: counted twice", counted, n)
		case counted == n:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("view shows %d of %d events after %s", counted, n, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-stopped:
			return fmt.Errorf("pipeline stopped with %d of %d events counted: %w", counted, n, err)
		case <-t.C:
		}
	}
}

// ready waits until the aggregate and the view run (their tables
// recovered), so a latency measurement does not include startup.
func (s *stack) ready(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for !s.agg.Running() || !s.view.Recovered() {
		if time.Now().After(deadline) {
			return fmt.Errorf("pipeline not ready after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}
