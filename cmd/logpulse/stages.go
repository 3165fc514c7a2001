package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/httpapi"
	"github.com/logpulse/logpulse/internal/schemaregistry"
	"github.com/logpulse/logpulse/internal/stage"
	"github.com/logpulse/logpulse/internal/view"
	"github.com/logpulse/logpulse/topology"
)

// stages wires pipeline stages from the flags; each method returns a
// function for stage.Supervise and records readiness for /readyz.
type stages struct {
	c       *common
	brokers []string
	topics  topology.Topics
	log     *slog.Logger
	reg     *prometheus.Registry
	metrics *stage.Metrics
}

func newStages(c *common, brokers []string, log *slog.Logger) *stages {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &stages{c: c, brokers: brokers, topics: topology.DefaultTopics().WithPrefix(c.namePrefix), log: log, reg: reg, metrics: stage.NewMetrics(reg)}
}

// readyBit is a readiness bit a stage sets while it runs.
type readyBit struct{ v atomic.Bool }

// err returns a readiness check: nil while the bit is set, else msg.
func (b *readyBit) err(msg string) func() error {
	return func() error {
		if !b.v.Load() {
			return notReady(msg)
		}
		return nil
	}
}

func (s *stages) ingest(f *ingestFlags, ready *readyBit) func(context.Context) error {
	return func(ctx context.Context) error {
		var reg codecs.SchemaRegistry
		if f.registry != "" {
			r, err := schemaregistry.New(f.registry)
			if err != nil {
				return fmt.Errorf("--schema-registry: %w", err)
			}
			reg = r
		}
		in, err := stage.NewIngest(ctx, stage.IngestConfig{
			Brokers: s.brokers, Topics: s.topics, Window: s.c.window, Grace: s.c.grace,
			MaxEventBytes: f.maxEventBytes, MaxClockSkew: f.maxClockSkew, Registry: reg,
			TransactionalID: s.c.namePrefix + f.txnID, Logger: s.log, Metrics: s.metrics,
			ClientOpts: s.c.sec.KgoOpts(),
		})
		if err != nil {
			return err
		}
		ready.v.Store(true)
		defer ready.v.Store(false)
		return in.Run(ctx)
	}
}

func (s *stages) aggregate(f *aggregateFlags, set func(func() bool)) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := s.recheck(ctx); err != nil {
			return err
		}
		inputs, err := s.inputPartitions(ctx)
		if err != nil {
			return err
		}
		tableParts, err := s.partitions(ctx, s.topics.Table())
		if err != nil {
			return err
		}
		a, err := stage.NewAggregate(stage.AggregateConfig{
			Brokers: s.brokers, Security: s.c.sec, Topics: s.topics, Replication: int16(s.c.replication),
			Window: s.c.window, Retention: s.c.retention, InputPartitions: inputs,
			TablePartitions: tableParts, MaxServices: f.maxServices,
			ClientID: "logpulse-aggregate-" + hostname(), InstanceID: s.c.namePrefix + f.instanceID, Logger: s.log, Metrics: s.metrics,
		})
		if err != nil {
			return err
		}
		set(a.Running)
		defer set(func() bool { return false })
		return a.Run(ctx)
	}
}

// inputPartitions is the partition count of the input topic.
func (s *stages) inputPartitions(ctx context.Context) (int32, error) {
	return s.partitions(ctx, s.topics.Logs)
}

// partitions is the partition count of topic.
func (s *stages) partitions(ctx context.Context, topic string) (int32, error) {
	adm, err := s.admin()
	if err != nil {
		return 0, err
	}
	defer adm.Close()
	return topology.Partitions(ctx, adm, topic)
}

// view starts following the table into a new index and returns the index;
// the returned readiness reports whether the view has recovered.
func (s *stages) view(ctx context.Context) (*view.Index, func(context.Context) error, func() bool, error) {
	adm, err := s.admin()
	if err != nil {
		return nil, nil, nil, err
	}
	defer adm.Close()
	parts, err := topology.Partitions(ctx, adm, s.topics.Table())
	if err != nil {
		return nil, nil, nil, err
	}
	inputs, err := topology.Partitions(ctx, adm, s.topics.Logs)
	if err != nil {
		return nil, nil, nil, err
	}
	ix := view.New(parts, inputs, s.c.window, s.c.retention)
	var current atomic.Pointer[stage.View]
	run := func(ctx context.Context) error {
		if err := s.recheck(ctx); err != nil {
			return err
		}
		v, err := stage.NewView(stage.ViewConfig{
			Brokers: s.brokers, Security: s.c.sec, Topics: s.topics, Replication: int16(s.c.replication),
			ClientID: "logpulse-view-" + hostname(), Index: ix, Logger: s.log, Metrics: s.metrics,
		})
		if err != nil {
			return err
		}
		current.Store(v)
		return v.Run(ctx)
	}
	recovered := func() bool { v := current.Load(); return v != nil && v.Recovered() }
	s.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "logpulse_view_recovered", Help: "1 once the view has caught up with the table.",
	}, func() float64 {
		if recovered() {
			return 1
		}
		return 0
	}))
	return ix, run, recovered, nil
}

func (s *stages) admin() (*kadm.Client, error) {
	// kgo serves metadata requests from a cache younger than
	// MetadataMinAge (5s by default): topics just created would look
	// missing for that long.
	cl, err := kgo.NewClient(append(s.kgoOpts(), kgo.MetadataMinAge(100*time.Millisecond))...)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return kadm.NewClient(cl), nil
}

// provision creates (or with checkOnly, checks) every topic; the input,
// dead-letter and late topics may have any partition count, since users may
// have created them.
func (s *stages) provision(ctx context.Context, checkOnly bool) error {
	adm, err := s.admin()
	if err != nil {
		return err
	}
	defer adm.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	specs, flexible := s.topics.Specs(s.c.layout()), []string{s.topics.Logs, s.topics.DLQ, s.topics.Late}
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
func (s *stages) warnAutoCreate(ctx context.Context) {
	s.askBrokers(ctx, func(ctx context.Context, adm *kadm.Client) {
		if auto, err := topology.AutoCreatesTopics(ctx, adm); err == nil && auto {
			s.log.Warn("the brokers create topics a client asks for (auto.create.topics.enable=true): " +
				"a producer or stage that starts before `logpulse topics` gets a topic with the broker's defaults; set it to false")
		}
	})
}

// askBrokers runs ask with an admin client for at most 10 s, for a warning:
// not being able to reach the brokers or tell is no error.
func (s *stages) askBrokers(ctx context.Context, ask func(context.Context, *kadm.Client)) {
	adm, err := s.admin()
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
func (s *stages) warnProducerTimestamps(ctx context.Context) {
	s.askBrokers(ctx, func(ctx context.Context, adm *kadm.Client) {
		if broker, err := topology.BrokerStampsInput(ctx, adm, s.topics.Logs); err == nil && !broker {
			s.log.Warn("the input topic keeps the producers' timestamps (message.timestamp.type=CreateTime): "+
				"a producer whose clock runs ahead can close windows early, up to the broker's message.timestamp.after.max.ms ahead; "+
				"let the broker stamp records: kafka-configs.sh --alter --entity-type topics --entity-name "+s.topics.Logs+
				" --add-config message.timestamp.type=LogAppendTime", "topic", s.topics.Logs)
		}
	})
}

// serveAPI serves the view's HTTP API until ctx is done; logs (may be nil)
// takes POST /v1/logs.
func (s *stages) serveAPI(ctx context.Context, f *apiFlags, ix *view.Index, ready func() error, logs httpapi.LogWriter, al httpapi.AlertSource) error {
	done := make(chan struct{})
	h, err := s.apiHandler(f, ix, ready, logs, al, done)
	if err != nil {
		return err
	}
	return serveHTTP(ctx, f.http, h, s.log, func() { close(done) })
}

// apiHandler is the view's HTTP API; closing done ends its live streams.
func (s *stages) apiHandler(f *apiFlags, ix *view.Index, ready func() error, logs httpapi.LogWriter, al httpapi.AlertSource, done <-chan struct{}) (http.Handler, error) {
	token, err := f.token()
	if err != nil {
		return nil, err
	}
	return httpapi.New(httpapi.Config{
		Source: ix, Window: s.c.window, Grace: s.c.grace, MaxPoints: f.maxPoints, Ready: ready, Logger: s.log,
		Logs: logs, Metrics: promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}), Registerer: s.reg,
		Done: done, CORSOrigins: f.origins(), APIToken: token, Alerts: al,
	}), nil
}

// serveOps serves /metrics, /healthz and /readyz of a stage without the
// API; an empty addr serves nothing.
func (s *stages) serveOps(ctx context.Context, addr string, ready func() error) error {
	if addr == "" {
		return nil
	}
	err := serveHTTP(ctx, addr, httpapi.Ops(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}), ready), s.log, nil)
	if err != nil && ctx.Err() == nil {
		// The stage itself is fine: losing its metrics must not stop it
		// (two stages on one host with the same --metrics-addr).
		s.log.Error("no /metrics, /healthz, /readyz: set --metrics-addr to a free address", "err", err)
	}
	return nil
}

// watchLag exports the lag of groups on /metrics until ctx is done.
func (s *stages) watchLag(ctx context.Context, groups ...string) {
	adm, err := s.admin()
	if err != nil {
		s.log.Warn("no consumer lag metrics", "err", err)
		return
	}
	c := stage.NewLagCollector(adm, s.topics, s.kgoOpts(), s.log, groups...)
	s.reg.MustRegister(c)
	context.AfterFunc(ctx, func() {
		s.reg.Unregister(c)
		adm.Close()
	})
}

// logWriter is the producer behind POST /v1/logs.
func (s *stages) logWriter() (*httpapi.KafkaWriter, error) {
	return httpapi.NewKafkaWriter(s.brokers, s.topics.Logs, s.c.namePrefix+"logpulse-http-"+hostname(), topology.MaxDivertBytes, s.c.sec.KgoOpts()...)
}

// kgoOpts are the options every franz-go client of the stages starts from:
// the brokers, TLS and SASL.
func (s *stages) kgoOpts() []kgo.Opt {
	return append([]kgo.Opt{kgo.SeedBrokers(s.brokers...)}, s.c.sec.KgoOpts()...)
}

// heartbeat runs the idle heartbeat on the input topic.
func (s *stages) heartbeat(interval time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		return stage.Heartbeat(ctx, s.brokers, s.topics.Logs, interval, s.log, s.c.sec.KgoOpts()...)
	}
}

// recheck repeats the preflight before a goka stage (re)starts when SASL is
// on: sarama reports a refused login only as EOF, so a password rotated
// under a running stage would otherwise show up as endless EOFs.
func (s *stages) recheck(ctx context.Context) error {
	if s.c.sec.SASLMechanism == "" {
		return nil
	}
	return topology.Preflight(ctx, s.brokers, s.c.sec, preflightWithin)
}

// serveHTTP serves h on addr until ctx is done, then shuts down gracefully:
// stopping (if set) is called first, to end long-lived responses.
func serveHTTP(ctx context.Context, addr string, h http.Handler, log *slog.Logger, stopping func()) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set --http to a free address)", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		WriteTimeout:      time.Minute,
	}
	// Errors net/http answers before any handler (431, 400) are JSON too.
	l = httpapi.JSONErrors(l)
	log.Info("http listening", "addr", l.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	if stopping != nil {
		stopping()
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Connections still open after the grace period are cut.
		srv.Close()
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("http shutdown: %w", err)
		}
	}
	return nil
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "local"
	}
	return h
}

func notReady(what string) error { return errors.New(what) }
