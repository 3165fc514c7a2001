package stage

import (
	"context"
	"errors"
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
	// TablePartitions is the partition count of the deltas topic, the loop
	// and the table (goka co-partitions them); required.
	TablePartitions int32
	// MaxServices caps the distinct services per window; those past it
	// are counted under the window's overflow keys, shown as
	// codecs.OverflowService (see processors.ServiceCap). 0 means
	// processors.DefaultMaxServices; there is no unbounded setting.
	MaxServices int
	Topics      topology.Topics
	Replication int16
	ClientID    string
	// InstanceID is the instance's static group membership: unique per
	// instance, stable across its restarts (topology.GroupSaramaConfig).
	InstanceID string
	Logger     *slog.Logger
	Metrics    *Metrics
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
	cfg  AggregateConfig
	proc *goka.Processor
	sg   *staticGroup
	log  *slog.Logger
}

// NewAggregate builds the processor; Run starts it.
func NewAggregate(cfg AggregateConfig) (*Aggregate, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.TablePartitions <= 0 || cfg.MaxServices < 0 {
		return nil, fmt.Errorf("aggregate: table partitions (%d) must be positive and max services (%d) not negative", cfg.TablePartitions, cfg.MaxServices)
	}
	if cfg.InstanceID == "" {
		return nil, errors.New("aggregate: no instance ID: each instance needs its own, stable across restarts")
	}
	if cfg.MaxServices == 0 {
		cfg.MaxServices = processors.DefaultMaxServices
	}
	stores := &partitionStores{}
	agg := processors.Aggregator{
		Applied: cfg.Metrics.AggregateApplied, Overflowed: cfg.Metrics.overflowed, Final: stores.Final, Mark: stores.Mark,
		Cap: &processors.ServiceCap{
			PerWindow: cfg.MaxServices, Partitions: cfg.TablePartitions, Count: stores.Count,
		},
	}
	log := cfg.Logger.With("stage", "aggregate")
	sg := &staticGroup{instanceID: cfg.InstanceID}
	opts := append(processorOptions(cfg.Replication, cfg.ClientID, cfg.Security, sg, log),
		goka.WithStorageBuilder(memStoreBuilder(cfg.Window, cfg.Retention, cfg.InputPartitions, stores)),
		goka.WithUpdateCallback(processors.Recover))
	p, err := goka.NewProcessor(cfg.Brokers, topology.AggregateGraph(cfg.Topics, agg), opts...)
	if err != nil {
		return nil, fmt.Errorf("aggregate processor: %w", err)
	}
	return &Aggregate{cfg: cfg, proc: p, sg: sg, log: log}, nil
}

// Run processes until ctx is done. A clean stop leaves the group, so the
// instance's partitions move now rather than after the session timeout; a
// failure does not, so that the restart Supervise makes takes them back at
// once.
func (a *Aggregate) Run(ctx context.Context) error {
	if err := a.proc.Run(ctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("aggregate: %w", err)
	}
	if ctx.Err() != nil {
		leaveGroup(a.cfg.Brokers, a.cfg.Security.KgoOpts(), a.cfg.Topics.AggregateGroup, a.sg.memberID(), a.cfg.InstanceID, "logpulse aggregate stopping", a.log)
	}
	return nil
}

// Running reports whether the processor has recovered its table and is
// processing.
func (a *Aggregate) Running() bool { return a.proc.Recovered() }
