package amqpbridge

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the bridge's Prometheus metrics.
type Metrics struct {
	messages   *prometheus.CounterVec
	reconnects prometheus.Counter
	unacked    prometheus.Gauge
}

// NewMetrics registers the bridge's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logpulse_amqp_messages_total",
			Help: "Messages taken from the queue: outcome written (to the topic, in a committed transaction) or duplicate (its message id was written before; acknowledged, not written).",
		}, []string{"outcome"}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logpulse_amqp_reconnects_total",
			Help: "Connections to RabbitMQ lost or refused and tried again.",
		}),
		unacked: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "logpulse_amqp_unacked_messages",
			Help: "Messages delivered and not yet acknowledged: the most a crash can write twice (those without a message id).",
		}),
	}
	reg.MustRegister(m.messages, m.reconnects, m.unacked)
	return m
}

// The methods take a nil *Metrics as "no metrics".

func (m *Metrics) count(outcome string, n int) {
	if m != nil && n > 0 {
		m.messages.WithLabelValues(outcome).Add(float64(n))
	}
}

func (m *Metrics) reconnect() {
	if m != nil {
		m.reconnects.Inc()
	}
}

func (m *Metrics) setUnacked(n int) {
	if m != nil {
		m.unacked.Set(float64(n))
	}
}
