package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/embedkafka"
	"github.com/logpulse/logpulse/internal/generator"
	"github.com/logpulse/logpulse/topology"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// env is one measurement's cluster and topics: a fresh embedded broker (so
// the records of an earlier run do not weigh on this one's memory), or fresh
// topic and group names on --brokers.
type env struct {
	cfg     *Config
	broker  *embedkafka.Broker
	brokers []string
	topics  topology.Topics
	prefix  string // of every name in topics: the stages' --name-prefix
}

func newEnv(ctx context.Context, cfg *Config, tag string) (*env, error) {
	e := &env{cfg: cfg, brokers: cfg.Brokers}
	if len(e.brokers) == 0 {
		b, err := embedkafka.Start(embedkafka.Config{Listen: "127.0.0.1:0", Partitions: cfg.Partitions})
		if err != nil {
			return nil, err
		}
		e.broker, e.brokers = b, b.Addrs()
	}
	// Unique names: runs against --brokers must not see each other's data.
	e.prefix = "bench-" + tag + "-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-"
	e.topics = topology.DefaultTopics().WithPrefix(e.prefix)
	adm, err := e.admin()
	if err != nil {
		e.close()
		return nil, err
	}
	defer adm.Close()
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	layout := topology.Layout{Partitions: int32(cfg.Partitions), Replication: int16(cfg.Replication), Retention: cfg.Retention}
	if err := topology.Provision(pctx, adm, e.topics.Specs(layout), e.topics.Logs, e.topics.DLQ, e.topics.Late); err != nil {
		e.close()
		return nil, fmt.Errorf("provision bench topics: %w", err)
	}
	return e, nil
}

func (e *env) admin() (*kadm.Client, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.MetadataMinAge(100*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return kadm.NewClient(cl), nil
}

func (e *env) close() {
	if e.broker != nil {
		e.broker.Close()
	}
}

// fillSpec says what to write: n events, services, spread evenly in event
// time over [from, from+span).
type fillSpec struct {
	n        int
	services int
	from     time.Time
	span     time.Duration
}

// fill writes the events of spec to the input topic as fast as the broker
// takes them, each keyed by its service (as most producers key logs), and
// returns the events per second of the fill. Records are placed with goka's
// hash, as a producer for a goka processor keyed by service must
// (docs/design.md, Keying and partitioning); logpulse itself takes any
// partitioner.
func (e *env) fill(ctx context.Context, spec fillSpec) (fillResult, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.ProducerLinger(5*time.Millisecond),
		kgo.MaxBufferedRecords(100_000), kgo.ProducerBatchMaxBytes(1<<20), kgo.RecordPartitioner(topology.GokaPartitioner()))
	if err != nil {
		return fillResult{}, fmt.Errorf("producer: %w", err)
	}
	defer cl.Close()
	src := generator.NewSource(e.cfg.Seed, spec.services)
	var failed atomic.Pointer[error]
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			failed.CompareAndSwap(nil, &err)
		}
	}
	step := spec.span / time.Duration(max(spec.n, 1))
	type key struct {
		service string
		window  int64
	}
	keys := make(map[key]struct{})
	start := time.Now()
	for i := range spec.n {
		ev := src.Next(spec.from.Add(time.Duration(i) * step))
		keys[key{ev.Service, ev.Time.Truncate(e.cfg.Window).Unix()}] = struct{}{}
		r, err := record(e.topics.Logs, e.cfg.Format, ev)
		if err != nil {
			return fillResult{}, err
		}
		cl.Produce(ctx, r, promise)
		if p := failed.Load(); p != nil {
			return fillResult{}, fmt.Errorf("fill %s: %w", e.topics.Logs, *p)
		}
	}
	if err := cl.Flush(ctx); err != nil {
		return fillResult{}, fmt.Errorf("fill flush: %w", err)
	}
	if p := failed.Load(); p != nil {
		return fillResult{}, fmt.Errorf("fill %s: %w", e.topics.Logs, *p)
	}
	return fillResult{eps: float64(spec.n) / time.Since(start).Seconds(), keys: len(keys)}, nil
}

// fillResult is what a fill did: events per second, and how many distinct
// (service, window) keys its events fall in.
type fillResult struct {
	eps  float64
	keys int
}

// record encodes a generated event in format, keyed by its service.
func record(topic, format string, ev generator.Event) (*kgo.Record, error) {
	if format != "avro" {
		r := generator.Record(topic, format, ev)
		r.Key = []byte(ev.Service)
		return r, nil
	}
	v, err := codecs.AppendAvroSingle(nil, codecs.LogEvent{
		Time: ev.Time, Level: ev.Level, Service: ev.Service, Host: ev.Host, Message: ev.Message,
	})
	if err != nil {
		return nil, err
	}
	return &kgo.Record{Topic: topic, Key: []byte(ev.Service), Value: v, Timestamp: ev.Time}, nil
}
