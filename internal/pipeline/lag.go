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
	lags, err := c.adm.Lag(ctx, c.groups...)
	if err != nil {
		c.errs.Inc()
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
	}
}

// collectStalls exports logpulse_group_stalled_seconds of the ingest and
// aggregate groups among c.groups. It reads the offsets itself rather than
// from kadm's Lag, which reports nothing for a partition the group has
// never committed and no member holds (a group whose only member died
// before its first commit); here such a partition is behind from its start.
func (c *LagCollector) collectStalls(ctx context.Context, ch chan<- prometheus.Metric) error {
	input := map[string]string{c.topics.IngestGroup: c.topics.Logs, c.topics.AggregateGroup: c.topics.Deltas}
	var groups []string
	for _, g := range c.groups {
		if _, ok := input[g]; ok {
			groups = append(groups, g)
		}
	}
	if len(groups) == 0 {
		return nil
	}
	ends, err := c.adm.ListEndOffsets(ctx, c.topics.Logs, c.topics.Deltas)
	if err != nil {
		return err
	}
	starts, err := c.adm.ListStartOffsets(ctx, c.topics.Logs, c.topics.Deltas)
	if err != nil {
		return err
	}
	// Ingest's commits are the aggregate's source: always read them.
	committed := make(map[string]kadm.OffsetResponses, 2)
	for _, g := range []string{c.topics.IngestGroup, c.topics.AggregateGroup} {
		if g == c.topics.AggregateGroup && !slices.Contains(groups, g) {
			continue
		}
		offs, err := c.adm.FetchOffsets(ctx, g)
		if err != nil {
			return err
		}
		committed[g] = offs
	}
	now := c.now()
	for _, g := range groups {
		var source int64
		if g == c.topics.IngestGroup {
			ends.Each(func(o kadm.ListedOffset) {
				if o.Topic == c.topics.Logs && o.Err == nil {
					source += o.Offset
				}
			})
		} else {
			source = positions(committed[c.topics.IngestGroup], starts, c.topics.Logs)
		}
		sum := positions(committed[g], starts, input[g])
		behind := false
		ends.Each(func(o kadm.ListedOffset) {
			if o.Topic == input[g] && o.Err == nil {
				behind = behind || o.Offset-position(committed[g], starts, o.Topic, o.Partition) > 1
			}
		})
		stalled := c.clock.observe(g, sum, source, behind, now)
		ch <- prometheus.MustNewConstMetric(c.stalled, prometheus.GaugeValue, stalled.Seconds(), g)
	}
	return nil
}

// position is where a group resumes on a partition: its committed offset,
// else the partition's start.
func position(offs kadm.OffsetResponses, starts kadm.ListedOffsets, topic string, p int32) int64 {
	if o, ok := offs.Lookup(topic, p); ok && o.Err == nil && o.At >= 0 {
		return o.At
	}
	if s, ok := starts.Lookup(topic, p); ok && s.Err == nil {
		return s.Offset
	}
	return 0
}

// positions sums position over topic's partitions.
func positions(offs kadm.OffsetResponses, starts kadm.ListedOffsets, topic string) int64 {
	var sum int64
	starts.Each(func(s kadm.ListedOffset) {
		if s.Topic == topic {
			sum += position(offs, starts, topic, s.Partition)
		}
	})
	return sum
}
