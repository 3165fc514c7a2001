// Package amqpbridge moves messages from a RabbitMQ (AMQP 0-9-1) queue to
// the input topic: `logpulse produce --amqp URL --queue NAME`.
//
// A message is acknowledged to RabbitMQ only after the Kafka transaction
// that wrote it has committed, so a crash of the bridge, of RabbitMQ or of
// Kafka loses nothing: what was not acknowledged is delivered again. Each
// transaction also writes the message ids of its batch to a progress topic
// (one partition, see progress.go); on start the bridge reads the newest ids
// back, and it skips a message whose id it has already written within that
// horizon (Config.DedupIDs). So a message that carries an id is written
// exactly once however often RabbitMQ delivers it, and a message without one
// is written at most twice, only when a crash falls between the commit and
// the acknowledgement: at most the unacknowledged window (Config.Prefetch)
// per crash. docs: docs/rabbitmq.md, Delivery.
package amqpbridge

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Config configures a bridge. Zero values take the defaults named.
type Config struct {
	// URL is the AMQP URL, e.g. amqp://guest:guest@localhost:5672/.
	URL   string
	Queue string
	// Declare declares the queue durable (creating it when missing); false
	// uses the queue as it exists and fails when there is none.
	Declare bool
	// Prefetch is how many messages RabbitMQ may have delivered and not
	// yet seen acknowledged (basic.qos); default 1000. A transaction takes
	// at most half of it, so deliveries go on while one commits.
	Prefetch int
	// Linger is how long a batch waits for more messages; default 10ms.
	Linger time.Duration
	// DedupIDs is how many of the newest message ids written are
	// remembered, across restarts; default 100000, negative for none.
	DedupIDs int
	// MaxBackoff caps the wait between reconnects; default 30s. The first
	// waits are 100ms, doubling.
	MaxBackoff time.Duration

	Brokers []string
	Topic   string
	// ProgressTopic holds the ids of each committed batch; default
	// Topic + ".amqp-progress".
	ProgressTopic string
	// TransactionalID is the bridge's Kafka transactional ID; default
	// "logpulse-amqp-" + Topic + "-" + Queue. A second bridge with the same
	// ID fences the first, which then stops.
	TransactionalID string
	// Key is the record key of every message (the service of events that
	// name none); default the queue name.
	Key        string
	ClientOpts []kgo.Opt

	Progress io.Writer // a line per second; nil for none
	Logger   *slog.Logger
	Metrics  *Metrics // nil for none
}

func (c *Config) defaults() {
	if c.Prefetch == 0 {
		c.Prefetch = 1000
	}
	if c.Linger == 0 {
		c.Linger = 10 * time.Millisecond
	}
	if c.DedupIDs == 0 {
		c.DedupIDs = 100_000
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.ProgressTopic == "" {
		c.ProgressTopic = c.Topic + ".amqp-progress"
	}
	if c.TransactionalID == "" {
		c.TransactionalID = "logpulse-amqp-" + c.Topic + "-" + c.Queue
	}
	if c.Key == "" {
		c.Key = c.Queue
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate checks a configuration with messages that name the flags of
// `logpulse produce`.
func (c Config) Validate() error {
	var errs []error
	if _, err := amqp.ParseURI(c.URL); err != nil {
		errs = append(errs, fmt.Errorf("--amqp %q: %w; e.g. amqp://guest:guest@localhost:5672/", c.URL, err))
	}
	if c.Queue == "" {
		errs = append(errs, errors.New("--queue is required with --amqp: the queue to read, e.g. log_queue"))
	}
	if c.Prefetch < 0 || c.Prefetch > 65535 {
		errs = append(errs, fmt.Errorf("--amqp-prefetch must be from 1 to 65535, got %d", c.Prefetch))
	}
	return errors.Join(errs...)
}
