package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/topology"
	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
)

// runGoka is the idiomatic goka counter of docs/performance.md: a processor on
// the input topic whose callback decodes the event and does ctx.Value +
// ctx.SetValue per event (one storage write and one table record each),
// keyed by the record key (the service), counting per level. It counts less
// than logpulse (no windows, no late or dead-letter handling, and at least
// once only), so it is an upper bound for goka done naively. dataDir empty
// uses goka's in-memory storage, else LevelDB under dataDir (goka's default
// storage, in a fresh folder rather than the shared temp one).
// It returns how long, from its start, the processor took to run the
// callback of every event: its answer, without the shutdown.
func runGoka(ctx context.Context, e *env, n int, services []string, dataDir string) (time.Duration, error) {
	began := time.Now()
	group := goka.Group(e.topics.AggregateGroup + "-goka")
	if dataDir != "" {
		group += "-leveldb"
	}
	var processed, rejected atomic.Int64
	cb := func(ctx goka.Context, msg any) {
		v, _ := msg.([]byte)
		ev, err := codecs.Decode(codecs.Record{Key: []byte(ctx.Key()), Value: v, Timestamp: ctx.Timestamp()}, 1<<20)
		if err != nil {
			rejected.Add(1)
			processed.Add(1)
			return
		}
		var c table.Counts
		if cur := ctx.Value(); cur != nil {
			c = cur.(table.Counts)
		}
		c[ev.Level]++
		ctx.SetValue(c)
		processed.Add(1)
	}
	g := goka.DefineGroup(group,
		goka.Input(goka.Stream(e.topics.Logs), rawCodec{}, cb),
		goka.Persist(countsCodec{}),
	)
	tm := goka.NewTopicManagerConfig()
	tm.Table.Replication = e.cfg.Replication
	tm.Stream.Replication = e.cfg.Replication
	builder := storage.MemoryBuilder()
	if dataDir != "" {
		builder = storage.DefaultBuilder(dataDir)
	}
	// A fresh sarama config per builder, oldest offset (docs/design.md,
	// Settings that must not stay default).
	p, err := goka.NewProcessor(e.brokers, g,
		goka.WithStorageBuilder(builder),
		goka.WithConsumerGroupBuilder(goka.ConsumerGroupBuilderWithConfig(topology.SaramaConfig(topology.Security{}))),
		goka.WithConsumerSaramaBuilder(goka.SaramaConsumerBuilderWithConfig(topology.SaramaConfig(topology.Security{}))),
		goka.WithProducerBuilder(goka.ProducerBuilderWithConfig(topology.SaramaConfig(topology.Security{}))),
		goka.WithTopicManagerBuilder(goka.TopicManagerBuilderWithConfig(topology.SaramaConfig(topology.Security{}), tm)),
		goka.WithHasher(goka.DefaultHasher()),
		goka.WithLogger(quiet{}),
	)
	if err != nil {
		return 0, fmt.Errorf("goka processor: %w", err)
	}
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(pctx) }()
	stop := func() error {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("goka: %w", err)
		}
		return nil
	}
	deadline := time.Now().Add(10 * time.Minute)
	for processed.Load() < int64(n) {
		select {
		case err := <-done:
			done <- err
			return 0, errors.Join(fmt.Errorf("goka stopped after %d of %d events", processed.Load(), n), stop())
		case <-ctx.Done():
			return 0, errors.Join(ctx.Err(), stop())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return 0, errors.Join(fmt.Errorf("goka: %d of %d events after 10m", processed.Load(), n), stop())
		}
	}
	answered := time.Since(began)
	// Read the counts back from the processor's storage: every event must
	// be in exactly one service's value.
	var total int64
	for _, s := range services {
		v, err := p.Get(s)
		if err != nil {
			return 0, errors.Join(fmt.Errorf("goka get %q: %w", s, err), stop())
		}
		if c, ok := v.(table.Counts); ok {
			total += c.Total()
		}
	}
	if err := stop(); err != nil {
		return 0, err
	}
	if rejected.Load() != 0 || total != int64(n) {
		return 0, fmt.Errorf("goka counted %d of %d events (%d rejected)", total, n, rejected.Load())
	}
	return answered, nil
}

// gokaDir is a fresh LevelDB folder for one goka phase.
func gokaDir() (string, func(), error) {
	d, err := os.MkdirTemp("", "logpulse-bench-goka-")
	if err != nil {
		return "", nil, fmt.Errorf("goka storage dir: %w", err)
	}
	return d, func() { os.RemoveAll(d) }, nil
}

type rawCodec struct{}

func (rawCodec) Encode(v any) ([]byte, error) { b, _ := v.([]byte); return b, nil }
func (rawCodec) Decode(b []byte) (any, error) { return b, nil }

// countsCodec stores a service's per-level counts as a JSON array.
type countsCodec struct{}

func (countsCodec) Encode(v any) ([]byte, error) {
	c, ok := v.(table.Counts)
	if !ok {
		return nil, fmt.Errorf("counts codec: %T", v)
	}
	return json.Marshal(c)
}

func (countsCodec) Decode(b []byte) (any, error) {
	var c table.Counts
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("counts codec: %w", err)
	}
	return c, nil
}

// quiet drops goka's logging: it logs every partition state change.
type quiet struct{}

func (quiet) Print(...any)          {}
func (quiet) Println(...any)        {}
func (quiet) Printf(string, ...any) {}
