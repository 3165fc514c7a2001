package pipeline

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/logpulse/logpulse/topology"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
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
// topics) through adm; register it with a prometheus.Registerer.
func NewLagCollector(adm *kadm.Client, topics topology.Topics, groups ...string) *LagCollector {
	return &LagCollector{
		adm: adm, topics: topics, groups: groups, timeout: 3 * time.Second, now: time.Now,
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
	// The aggregate's source is what ingest commits: read that too.
	read := c.groups
	if slices.Contains(read, c.topics.AggregateGroup) && !slices.Contains(read, c.topics.IngestGroup) {
		read = append(slices.Clone(read), c.topics.IngestGroup)
	}
	lags, err := c.adm.Lag(ctx, read...)
	if err != nil {
		c.errs.Inc()
		return
	}
	now := c.now()
	for _, group := range c.groups {
		g, ok := lags[group]
		if !ok || g.Error() != nil {
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
		if src, ok := c.source(lags, group); ok {
			committed, behind := progress(g)
			stalled := c.clock.observe(group, committed, src, behind, now)
			ch <- prometheus.MustNewConstMetric(c.stalled, prometheus.GaugeValue, stalled.Seconds(), group)
		}
	}
}

// source sums the offsets that feed group: the ends of the input topic
// for ingest, ingest's committed input offsets for the aggregate.
func (c *LagCollector) source(lags kadm.DescribedGroupLags, group string) (int64, bool) {
	in, ok := lags[c.topics.IngestGroup]
	if !ok || in.Error() != nil {
		return 0, false
	}
	var sum int64
	for _, l := range in.Lag[c.topics.Logs] {
		switch group {
		case c.topics.IngestGroup:
			sum += l.End.Offset
		case c.topics.AggregateGroup:
			sum += max(l.Commit.At, 0)
		default:
			return 0, false
		}
	}
	return sum, true
}

// progress sums g's committed offsets, and reports whether it is behind by
// more than a commit marker on some partition.
func progress(g kadm.DescribedGroupLag) (committed int64, behind bool) {
	for _, parts := range g.Lag {
		for _, l := range parts {
			committed += max(l.Commit.At, 0)
			behind = behind || l.Lag > 1
		}
	}
	return committed, behind
}
