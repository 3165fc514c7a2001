package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/logpulse/logpulse/processors"
	"github.com/logpulse/logpulse/topology"
	"github.com/lovoo/goka"
)

// AggregateConfig configures the aggregate stage.
type AggregateConfig struct {
	Brokers  []string
	Security topology.Security // TLS and SASL toward the brokers
	// Window and Retention bound the local state: windows that ended more
	// than Retention before the watermark are dropped.
	Window, Retention time.Duration
	InputPartitions   int32 // partitions of the input topic
	Topics            topology.Topics
	Replication       int16
	ClientID          string
	Logger            *slog.Logger
	Metrics           *Metrics
}

// Aggregate is the goka processor that folds deltas into the table.
//
// Its local state is held in memory (memStore), rebuilt from the compacted
// table on every start. LevelDB would start faster but can be wrong: goka
// writes local storage before the table record is acknowledged, so a crash in
// between leaves local state ahead of the table, and a wiped broker paired
// with kept local state is worse. Recovery reads the table, which compaction
// and retention keep to one record per (service, window).
type Aggregate struct {
	proc *goka.Processor
}

// NewAggregate builds the processor; Run starts it.
func NewAggregate(cfg AggregateConfig) (*Aggregate, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	opts := append(processorOptions(cfg.Replication, cfg.ClientID, cfg.Security, cfg.Logger.With("stage", "aggregate")),
		goka.WithStorageBuilder(memStoreBuilder(cfg.Window, cfg.Retention, cfg.InputPartitions)),
		goka.WithUpdateCallback(processors.Recover))
	p, err := goka.NewProcessor(cfg.Brokers, topology.AggregateGraph(cfg.Topics, processors.Aggregator{Applied: cfg.Metrics.AggregateApplied}), opts...)
	if err != nil {
		return nil, fmt.Errorf("aggregate processor: %w", err)
	}
	return &Aggregate{proc: p}, nil
}

// Run processes until ctx is done.
func (a *Aggregate) Run(ctx context.Context) error {
	if err := a.proc.Run(ctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("aggregate: %w", err)
	}
	return nil
}

// Running reports whether the processor has recovered its table and is
// processing.
func (a *Aggregate) Running() bool { return a.proc.Recovered() }
