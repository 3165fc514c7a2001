package app

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/schemaregistry"
	"github.com/logpulse/logpulse/internal/stage"
	"github.com/logpulse/logpulse/internal/view"
)

// Each runner below is one start of a stage for stage.Supervise: it opens
// the stage's gate once the stage is live and shuts it when it returns.

func (p *process) ingest(g *gate) func(context.Context) error {
	f := p.cfg.Ingest
	return func(ctx context.Context) error {
		var reg codecs.SchemaRegistry
		if f.Registry != "" {
			r, err := schemaregistry.New(f.Registry)
			if err != nil {
				return fmt.Errorf("--schema-registry: %w", err)
			}
			reg = r
		}
		in, err := stage.NewIngest(ctx, stage.IngestConfig{
			Brokers: p.cfg.Brokers, Topics: p.topics, Window: p.cfg.Window, Grace: p.cfg.Grace,
			MaxEventBytes: f.MaxEventBytes, MaxClockSkew: f.MaxClockSkew, Idle: f.Idle, Registry: reg,
			TransactionalID: p.cfg.Prefix + f.TransactionalID, Logger: p.log, Metrics: p.metrics,
			ClientOpts: p.cfg.Security.KgoOpts(),
		})
		if err != nil {
			return err
		}
		g.open(nil)
		defer g.shut()
		return in.Run(ctx)
	}
}

func (p *process) aggregate(g *gate) func(context.Context) error {
	f := p.cfg.Aggregate
	return func(ctx context.Context) error {
		if err := p.recheck(ctx); err != nil {
			return err
		}
		inputs, err := p.partitions(ctx, p.topics.Logs)
		if err != nil {
			return err
		}
		tableParts, err := p.partitions(ctx, p.topics.Table())
		if err != nil {
			return err
		}
		a, err := stage.NewAggregate(stage.AggregateConfig{
			Brokers: p.cfg.Brokers, Security: p.cfg.Security, Topics: p.topics, Replication: int16(p.cfg.Replication),
			Window: p.cfg.Window, Retention: p.cfg.Retention, InputPartitions: inputs,
			TablePartitions: tableParts, MaxServices: f.MaxServices,
			ClientID: "logpulse-aggregate-" + Hostname(), InstanceID: p.cfg.Prefix + f.InstanceID, Logger: p.log, Metrics: p.metrics,
		})
		if err != nil {
			return err
		}
		g.openWhen(a.Running)
		defer g.shut()
		return a.Run(ctx)
	}
}

// view makes the index the view fills and the view's runner; the gate is
// open once the view has recovered the table.
func (p *process) view(ctx context.Context, g *gate) (*view.Index, func(context.Context) error, error) {
	parts, err := p.partitions(ctx, p.topics.Table())
	if err != nil {
		return nil, nil, err
	}
	inputs, err := p.partitions(ctx, p.topics.Logs)
	if err != nil {
		return nil, nil, err
	}
	ix := view.New(parts, inputs, p.cfg.Window, p.cfg.Retention)
	run := func(ctx context.Context) error {
		if err := p.recheck(ctx); err != nil {
			return err
		}
		v, err := stage.NewView(stage.ViewConfig{
			Brokers: p.cfg.Brokers, Security: p.cfg.Security, Topics: p.topics, Replication: int16(p.cfg.Replication),
			ClientID: "logpulse-view-" + Hostname(), Index: ix, Logger: p.log, Metrics: p.metrics,
		})
		if err != nil {
			return err
		}
		g.openWhen(v.Recovered)
		defer g.shut()
		return v.Run(ctx)
	}
	p.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "logpulse_view_recovered", Help: "1 once the view has caught up with the table.",
	}, func() float64 {
		if g.ready() {
			return 1
		}
		return 0
	}))
	return ix, run, nil
}

// heartbeat runs the idle heartbeat on the input topic.
func (p *process) heartbeat(ctx context.Context) error {
	return stage.Heartbeat(ctx, p.cfg.Brokers, p.topics.Logs, p.cfg.Ingest.Heartbeat, p.log, p.cfg.Security.KgoOpts()...)
}

// waitOpen waits until g is open or ctx is done; false when ctx is done.
func waitOpen(ctx context.Context, g *gate) bool {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for !g.ready() {
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
	return true
}
