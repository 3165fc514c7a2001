package pipeline

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
)

// LagCollector exports the committed-offset lag of consumer groups per
// partition, read from the brokers at scrape time (as kafka-exporter
// does), so it is right whichever instance owns a partition:
// logpulse_consumer_lag{group, topic, partition}. After a transaction the
// log end includes its commit marker, so an idle transactional consumer
// shows a lag of 1.
type LagCollector struct {
	adm     *kadm.Client
	groups  []string
	timeout time.Duration
	desc    *prometheus.Desc
	errs    prometheus.Counter
}

// NewLagCollector collects the lag of groups through adm; register it with
// a prometheus.Registerer.
func NewLagCollector(adm *kadm.Client, groups ...string) *LagCollector {
	return &LagCollector{
		adm: adm, groups: groups, timeout: 3 * time.Second,
		desc: prometheus.NewDesc("logpulse_consumer_lag",
			"Records between a consumer group's committed offset and the partition's end.",
			[]string{"group", "topic", "partition"}, nil),
		errs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logpulse_consumer_lag_errors_total", Help: "Scrapes that could not read a group's lag.",
		}),
	}
}

// Describe implements prometheus.Collector.
func (c *LagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
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
		return
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
}
