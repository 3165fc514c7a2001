package stage

import (
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/processors"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the pipeline's Prometheus metrics. A nil *Metrics records
// nothing, so tests and tools need not register any.
type Metrics struct {
	events      *prometheus.CounterVec
	late        *prometheus.CounterVec
	dlq         *prometheus.CounterVec
	skewed      prometheus.Counter
	txn         prometheus.Histogram
	viewUpdates prometheus.Counter
	batch       prometheus.Histogram
	applied     *prometheus.CounterVec
	restarts    *prometheus.CounterVec
	overflow    prometheus.Counter
}

// NewMetrics registers the pipeline's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logpulse_events_total", Help: "Events counted in open windows, by stage and level.",
		}, []string{"stage", "level"}),
		late: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logpulse_late_events_total", Help: "Events that arrived after their window closed, by level.",
		}, []string{"level"}),
		dlq: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logpulse_dlq_total", Help: "Records written to the dead-letter topic, by reason.",
		}, []string{"reason"}),
		skewed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logpulse_clock_skewed_events_total",
			Help: "Events counted at their record's timestamp: their own time was more than --max-clock-skew ahead of it.",
		}),
		txn: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "logpulse_ingest_transaction_seconds", Help: "Time from poll to committed transaction.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		viewUpdates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logpulse_view_updates_total", Help: "Table records applied to the view's rollup index.",
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "logpulse_ingest_batch_records", Help: "Input records per ingest transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 10),
		}),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logpulse_aggregate_deltas_total", Help: "Deltas the aggregate applied, or skipped (redelivered, or for a window past the retention).",
		}, []string{"outcome"}),
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logpulse_stage_restarts_total", Help: "Times a stage failed and was restarted, by stage.",
		}, []string{"stage"}),
		overflow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logpulse_services_overflow_total",
			Help: "Events (counted and late) of services past --max-services in their window, counted under the service _overflow.",
		}),
	}
	reg.MustRegister(m.events, m.late, m.dlq, m.skewed, m.txn, m.viewUpdates, m.batch, m.applied, m.restarts, m.overflow)
	return m
}

func (m *Metrics) ingested(b *processors.Batch, took time.Duration) {
	if m == nil {
		return
	}
	for _, l := range codecs.Levels() {
		if n := b.Counted[l]; n > 0 {
			m.events.WithLabelValues("ingest", l.String()).Add(float64(n))
		}
		if n := b.LateCounted[l]; n > 0 {
			m.late.WithLabelValues(l.String()).Add(float64(n))
		}
	}
	for reason, n := range b.Reasons {
		m.dlq.WithLabelValues(reason).Add(float64(n))
	}
	m.skewed.Add(float64(b.Skewed))
	m.txn.Observe(took.Seconds())
}

// batchSize records the input records of one transaction.
func (m *Metrics) batchSize(n int) {
	if m != nil {
		m.batch.Observe(float64(n))
	}
}

// AggregateApplied is the aggregate's hook (processors.Aggregator.Applied):
// events folded into the table by level, and deltas skipped.
func (m *Metrics) AggregateApplied(counts, late table.Counts, applied bool) {
	if m == nil {
		return
	}
	if !applied {
		m.applied.WithLabelValues("skipped").Inc()
		return
	}
	m.applied.WithLabelValues("applied").Inc()
	for _, l := range codecs.Levels() {
		if n := counts[l]; n > 0 {
			m.events.WithLabelValues("aggregate", l.String()).Add(float64(n))
		}
	}
}

// overflowed is the aggregate's hook (processors.Aggregator.Overflowed).
func (m *Metrics) overflowed(counts, late table.Counts) {
	if m != nil {
		m.overflow.Add(float64(counts.Total() + late.Total()))
	}
}

func (m *Metrics) viewUpdated() {
	if m != nil {
		m.viewUpdates.Inc()
	}
}

// restarted counts one restart of stage.
func (m *Metrics) restarted(stage string) {
	if m != nil {
		m.restarts.WithLabelValues(stage).Inc()
	}
}
