package stage

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/logpulse/logpulse/topology"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// LagCollector exports, read from the brokers at scrape time (as
// kafka-exporter does, so it is right whichever instance owns a
// partition):
//   - logpulse_consumer_lag{group, topic, partition}: records between a
//     group's committed offset and the partition's end. After a
//     transaction the end includes its commit marker, so an idle
//     transactional consumer shows a lag of 1.
//   - logpulse_group_stalled_seconds{group}: how long work has waited for
//     the ingest or aggregate group without it making progress (see
//     stallClock); 0 while it keeps up. A stage stuck in a rebalance, or
//     partitions that no live member owns, show here within a scrape or
//     two.
type LagCollector struct {
	adm     *kadm.Client
	probe   []kgo.Opt // a client's options to read the topics with
	log     *slog.Logger
	topics  topology.Topics
	groups  []string
	timeout time.Duration
	desc    *prometheus.Desc
	stalled *prometheus.Desc
	errs    prometheus.Counter
	clock   stallClock
	now     func() time.Time
}

// NewLagCollector collects the lag of groups (of the pipeline named by
// topics) through adm; register it with a prometheus.Registerer. opts
// connect a client that reads a group's topic where the stall gauge must
// tell records from transaction markers (the seed brokers, TLS, SASL).
func NewLagCollector(adm *kadm.Client, topics topology.Topics, opts []kgo.Opt, log *slog.Logger, groups ...string) *LagCollector {
	return &LagCollector{
		adm: adm, probe: opts, log: log, topics: topics, groups: groups, timeout: 5 * time.Second, now: time.Now,
		desc: prometheus.NewDesc("logpulse_consumer_lag",
			"Records between a consumer group's committed offset and the partition's end.",
			[]string{"group", "topic", "partition"}, nil),
		stalled: prometheus.NewDesc("logpulse_group_stalled_seconds",
			"Seconds that work has waited for the group (new input for ingest, new ingest commits for aggregate) without its committed offsets moving; 0 while it keeps up.",
			[]string{"group"}, nil),
		errs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logpulse_consumer_lag_errors_total", Help: "Scrapes that could not read a group's lag.",
		}),
	}
}

// Describe implements prometheus.Collector.
func (c *LagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	ch <- c.stalled
	c.errs.Describe(ch)
}

// Collect implements prometheus.Collector.
func (c *LagCollector) Collect(ch chan<- prometheus.Metric) {
	defer c.errs.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	lags, err := c.adm.Lag(ctx, c.groups...)
	if err != nil {
		c.errs.Inc()
		c.log.Debug("consumer lag", "err", err)
	}
	for _, g := range lags {
		if g.Error() != nil {
			c.errs.Inc()
			continue
		}
		for topic, parts := range g.Lag {
			for p, l := range parts {
				if l.Err != nil || l.Lag < 0 {
					continue
				}
				ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(l.Lag),
					g.Group, topic, strconv.Itoa(int(p)))
			}
		}
	}
	if err := c.collectStalls(ctx, ch); err != nil {
		c.errs.Inc()
		c.log.Debug("stall gauge", "err", err)
	}
}
