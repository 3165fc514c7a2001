package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/logpulse/logpulse/internal/stage"
	"github.com/logpulse/logpulse/topology"
)

// process is what the stages of one process share: the configuration, the
// topic names, one logger and one Prometheus registry.
type process struct {
	cfg     *Config
	topics  topology.Topics
	log     *slog.Logger
	reg     *prometheus.Registry
	metrics *stage.Metrics
}

// connect checks, before any stage starts, that the brokers accept the TLS
// and SASL settings: a wrong password ends the command within seconds with
// the flag to fix.
func connect(ctx context.Context, cfg *Config) (*process, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	p := &process{
		cfg: cfg, topics: topology.DefaultTopics().WithPrefix(cfg.Prefix), log: cfg.Logger,
		reg: reg, metrics: stage.NewMetrics(reg),
	}
	if err := topology.Preflight(ctx, cfg.Brokers, cfg.Security, PreflightWithin); err != nil {
		return nil, err
	}
	p.log.Info("kafka reachable", "brokers", cfg.Brokers, "security", cfg.Security)
	return p, nil
}

// Topics creates (or with checkOnly, checks) every topic, warns about
// broker settings that would hurt, and returns the topics as configured.
func Topics(ctx context.Context, cfg Config, checkOnly bool) ([]topology.TopicSpec, error) {
	p, err := connect(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	if err := p.provision(ctx, checkOnly); err != nil {
		return nil, err
	}
	p.warnAutoCreate(ctx)
	p.warnProducerTimestamps(ctx)
	return p.topics.Specs(cfg.layout()), nil
}

func (p *process) admin() (*kadm.Client, error) {
	// kgo serves metadata requests from a cache younger than
	// MetadataMinAge (5s by default): topics just created would look
	// missing for that long.
	cl, err := kgo.NewClient(append(p.kgoOpts(), kgo.MetadataMinAge(100*time.Millisecond))...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return kadm.NewClient(cl), nil
}

// kgoOpts are the options every franz-go client of the stages starts from:
// the brokers, TLS and SASL.
func (p *process) kgoOpts() []kgo.Opt {
	return append([]kgo.Opt{kgo.SeedBrokers(p.cfg.Brokers...)}, p.cfg.Security.KgoOpts()...)
}

// partitions is the partition count of topic.
func (p *process) partitions(ctx context.Context, topic string) (int32, error) {
	adm, err := p.admin()
	if err != nil {
		return 0, err
	}
	defer adm.Close()
	return topology.Partitions(ctx, adm, topic)
}

// provision creates (or with checkOnly, checks) every topic; the input,
// dead-letter and late topics may have any partition count, since users may
// have created them.
func (p *process) provision(ctx context.Context, checkOnly bool) error {
	adm, err := p.admin()
	if err != nil {
		return err
	}
	defer adm.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	specs, flexible := p.topics.Specs(p.cfg.layout()), []string{p.topics.Logs, p.topics.DLQ, p.topics.Late}
	if checkOnly {
		return topology.Check(ctx, adm, specs, flexible...)
	}
	if err := topology.Provision(ctx, adm, specs, flexible...); err != nil {
		return fmt.Errorf("provision topics: %w", err)
	}
	return nil
}

// warnAutoCreate logs a warning when the brokers create topics a client
// asks for: a stage or producer started before `logpulse topics` would get
// a topic with the broker's defaults.
func (p *process) warnAutoCreate(ctx context.Context) {
	p.askBrokers(ctx, func(ctx context.Context, adm *kadm.Client) {
		if auto, err := topology.AutoCreatesTopics(ctx, adm); err == nil && auto {
			p.log.Warn("the brokers create topics a client asks for (auto.create.topics.enable=true): " +
				"a producer or stage that starts before `logpulse topics` gets a topic with the broker's defaults; set it to false")
		}
	})
}

// askBrokers runs ask with an admin client for at most 10 s, for a warning:
// not being able to reach the brokers or tell is no error.
func (p *process) askBrokers(ctx context.Context, ask func(context.Context, *kadm.Client)) {
	adm, err := p.admin()
	if err != nil {
		return
	}
	defer adm.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ask(ctx, adm)
}

// warnProducerTimestamps logs a warning when the input topic keeps the
// producers' timestamps: ingest trusts a record's timestamp to bound its
// events' times, and a producer whose clock runs ahead stamps both wrong.
func (p *process) warnProducerTimestamps(ctx context.Context) {
	p.askBrokers(ctx, func(ctx context.Context, adm *kadm.Client) {
		if broker, err := topology.BrokerStampsInput(ctx, adm, p.topics.Logs); err == nil && !broker {
			p.log.Warn("the input topic keeps the producers' timestamps (message.timestamp.type=CreateTime): "+
				"a producer whose clock runs ahead can close windows early, up to the broker's message.timestamp.after.max.ms ahead; "+
				"let the broker stamp records: kafka-configs.sh --alter --entity-type topics --entity-name "+p.topics.Logs+
				" --add-config message.timestamp.type=LogAppendTime", "topic", p.topics.Logs)
		}
	})
}

// watchLag exports the lag of groups on /metrics until ctx is done.
func (p *process) watchLag(ctx context.Context, groups ...string) {
	adm, err := p.admin()
	if err != nil {
		p.log.Warn("no consumer lag metrics", "err", err)
		return
	}
	c := stage.NewLagCollector(adm, p.topics, p.kgoOpts(), p.log, groups...)
	p.reg.MustRegister(c)
	context.AfterFunc(ctx, func() {
		p.reg.Unregister(c)
		adm.Close()
	})
}

// recheck repeats the preflight before a goka stage (re)starts when SASL is
// on: sarama reports a refused login only as EOF, so a password rotated
// under a running stage would otherwise show up as endless EOFs.
func (p *process) recheck(ctx context.Context) error {
	if p.cfg.Security.SASLMechanism == "" {
		return nil
	}
	return topology.Preflight(ctx, p.cfg.Brokers, p.cfg.Security, PreflightWithin)
}
