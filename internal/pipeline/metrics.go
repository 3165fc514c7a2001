package pipeline

import (
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/processors"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the pipeline's Prometheus metrics. A nil *Metrics records
// nothing, so tests and tools need not register any.
type Metrics struct {
	events      *prometheus.CounterVec
	late        *prometheus.CounterVec
	dlq         *prometheus.CounterVec
	txn         prometheus.Histogram
	viewUpdates prometheus.Counter
	recovered   prometheus.Gauge
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
		txn: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "logpulse_ingest_transaction_seconds", Help: "Time from poll to committed transaction.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		viewUpdates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logpulse_view_updates_total", Help: "Table records applied to the view's rollup index.",
		}),
		recovered: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "logpulse_view_recovered", Help: "1 once the view has caught up with the table.",
		}),
	}
	reg.MustRegister(m.events, m.late, m.dlq, m.txn, m.viewUpdates, m.recovered)
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
	m.txn.Observe(took.Seconds())
}

func (m *Metrics) viewUpdated() {
	if m != nil {
		m.viewUpdates.Inc()
	}
}

func (m *Metrics) viewRecovered(ok bool) {
	if m == nil {
		return
	}
	if ok {
		m.recovered.Set(1)
	} else {
		m.recovered.Set(0)
	}
}
