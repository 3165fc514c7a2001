package stage

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/logpulse/logpulse/topology"
	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
)

// Updater receives every record of the aggregate table: the rollup index.
// value is nil for a tombstone.
type Updater interface {
	Update(partition int32, key string, value []byte) error
}

// ViewConfig configures a view of the aggregate table.
type ViewConfig struct {
	Brokers     []string
	Security    topology.Security // TLS and SASL toward the brokers
	Topics      topology.Topics
	Replication int16
	ClientID    string
	Index       Updater
	Logger      *slog.Logger
	Metrics     *Metrics
}

// View follows the aggregate table and feeds every record to the index. The
// index is the view's only state: goka's own storage is the null storage, so
// the table is held once, in the shape queries need.
type View struct {
	view    *goka.View
	metrics *Metrics
}

// NewView builds the view; Run starts it.
func NewView(cfg ViewConfig) (*View, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	log := cfg.Logger.With("stage", "view")
	v, err := goka.NewView(cfg.Brokers, goka.Table(cfg.Topics.Table()), nopCodec{},
		goka.WithViewCallback(func(ctx goka.UpdateContext, _ storage.Storage, key string, value []byte) error {
			if err := cfg.Index.Update(ctx.Partition(), key, value); err != nil {
				// A value that cannot be read must not stop the view;
				// it is logged and skipped.
				log.Warn("skip table record", "partition", ctx.Partition(), "offset", ctx.Offset(), "err", err)
			}
			cfg.Metrics.viewUpdated()
			return nil
		}),
		goka.WithViewStorageBuilder(func(string, int32) (storage.Storage, error) { return storage.NewNull(), nil }),
		goka.WithViewConsumerSaramaBuilder(goka.SaramaConsumerBuilderWithConfig(topology.SaramaConfig(cfg.Security))),
		goka.WithViewTopicManagerBuilder(goka.TopicManagerBuilderWithConfig(topology.SaramaConfig(cfg.Security), topology.TopicManagerConfig(cfg.Replication))),
		goka.WithViewHasher(goka.DefaultHasher()),
		goka.WithViewClientID(cfg.ClientID),
		goka.WithViewLogger(gokaLogger{log}),
		goka.WithViewAutoReconnect(),
	)
	if err != nil {
		return nil, fmt.Errorf("aggregate view: %w", err)
	}
	return &View{view: v, metrics: cfg.Metrics}, nil
}

// Run follows the table until ctx is done.
func (v *View) Run(ctx context.Context) error {
	if err := v.view.Run(ctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("view: %w", err)
	}
	return nil
}

// Recovered reports whether the view has read the table up to where it
// stood when the view started. It reads goka's view state, which is safe
// to read while Run returns: goka's own View.Recovered reads the partition
// list that Run's shutdown sets to nil (a data race seen on SIGTERM).
func (v *View) Recovered() bool {
	return v.view.CurrentState() == goka.ViewStateRunning
}

// nopCodec: the view hands raw bytes to the index, which decodes them.
type nopCodec struct{}

func (nopCodec) Encode(v any) ([]byte, error) { b, _ := v.([]byte); return b, nil }
func (nopCodec) Decode(b []byte) (any, error) { return b, nil }
