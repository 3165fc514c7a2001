package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"

	"github.com/logpulse/logpulse/internal/amqpbridge"
	"github.com/logpulse/logpulse/internal/app"
	"github.com/prometheus/client_golang/prometheus"
)

// amqpFlags are produce's flags for reading a RabbitMQ queue.
type amqpFlags struct {
	url         string
	queue       string
	declare     bool
	prefetch    int
	dedupIDs    int
	metricsAddr string
}

func (f *amqpFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "amqp", "", "read a RabbitMQ (AMQP 0-9-1) queue at this URL, e.g. amqp://guest:guest@localhost:5672/ (with --queue)")
	fs.StringVar(&f.queue, "queue", "", "--amqp: the queue to read, e.g. log_queue")
	fs.BoolVar(&f.declare, "amqp-declare", true, "--amqp: declare the queue durable (created when missing); false: use it as it exists (e.g. a non-durable queue aio-pika declared)")
	fs.IntVar(&f.prefetch, "amqp-prefetch", 1000, "--amqp: messages delivered and not yet acknowledged at most (a transaction takes up to half); also the most a crash can write twice, of messages without a message id")
	fs.IntVar(&f.dedupIDs, "amqp-dedup-ids", 100000, "--amqp: newest message ids remembered across restarts; a message whose id is among them is acknowledged and not written again (0: off)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "--amqp: address serving /metrics (empty: off)")
}

func (f *amqpFlags) validate() error {
	var errs []error
	if f.url == "" && f.queue != "" {
		errs = append(errs, errors.New("--queue needs --amqp URL: the RabbitMQ to read it from"))
	}
	if f.prefetch < 1 || f.prefetch > 65535 {
		errs = append(errs, errors.New("--amqp-prefetch must be from 1 to 65535"))
	}
	if f.dedupIDs < 0 {
		errs = append(errs, fmt.Errorf("--amqp-dedup-ids must not be negative (0 is off), got %d", f.dedupIDs))
	}
	if f.url != "" {
		errs = append(errs, f.config().Validate())
	}
	errs = append(errs, checkAddr("metrics-addr", f.metricsAddr, true))
	return errors.Join(errs...)
}

func (f *amqpFlags) config() amqpbridge.Config {
	dedup := f.dedupIDs
	if dedup == 0 {
		dedup = -1 // off; the package's 0 is its default
	}
	return amqpbridge.Config{URL: f.url, Queue: f.queue, Declare: f.declare, Prefetch: f.prefetch, DedupIDs: dedup}
}

// runAMQP runs the bridge, with /metrics on --metrics-addr.
func (f *produceFlags) runAMQP(ctx context.Context, env *cliEnv) error {
	log := f.log.logger(env.stderr)
	reg := prometheus.NewRegistry()
	cfg := f.amqp.config()
	cfg.Brokers, cfg.Topic, cfg.Key = f.kafka.list(), f.topic, f.key
	cfg.ClientOpts, cfg.Progress, cfg.Logger, cfg.Metrics = f.kafka.sec.KgoOpts(), env.stderr, log, amqpbridge.NewMetrics(reg)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if f.amqp.metricsAddr != "" {
		go func() {
			err := app.ServeMetrics(ctx, f.amqp.metricsAddr, reg, log)
			if err != nil && ctx.Err() == nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("no /metrics: set --metrics-addr to a free address", "err", err)
			}
		}()
	}
	return amqpbridge.Run(ctx, cfg)
}
