package httpapi

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// KafkaWriter writes the events of POST /v1/logs to the input topic, one
// Kafka transaction per request: a request is written whole or not at all,
// so a client that retries after an error does not duplicate half of it.
type KafkaWriter struct {
	topic string
	mu    sync.Mutex // one transaction at a time per producer
	cl    *kgo.Client
}

// NewKafkaWriter connects a transactional producer; transactionalID must be
// unique per serving instance. maxBatchBytes must hold the largest event
// the handler accepts plus its record and batch framing.
func NewKafkaWriter(brokers []string, topic, transactionalID string, maxBatchBytes int32, opts ...kgo.Opt) (*KafkaWriter, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.TransactionalID(transactionalID),
		kgo.TransactionTimeout(30 * time.Second),
		kgo.DefaultProduceTopic(topic),
		// franz-go's default (1,000,012 bytes) is below an event of
		// --max-event-bytes (1 MiB) plus its record and batch framing.
		kgo.ProducerBatchMaxBytes(maxBatchBytes),
	}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("log writer: %w", err)
	}
	return &KafkaWriter{topic: topic, cl: cl}, nil
}

// WriteLogs implements LogWriter.
func (w *KafkaWriter) WriteLogs(ctx context.Context, recs []LogRecord) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	var (
		perrMu sync.Mutex
		perr   error
	)
	for _, r := range recs {
		w.cl.Produce(ctx, &kgo.Record{Topic: w.topic, Key: r.Key, Value: r.Value}, func(_ *kgo.Record, err error) {
			if err != nil {
				perrMu.Lock()
				perr = errors.Join(perr, err)
				perrMu.Unlock()
			}
		})
	}
	// Finish the transaction even if the client went away: an open one
	// would stall read_committed consumers of the topic.
	end, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	flushErr := w.cl.Flush(end)
	perrMu.Lock()
	failed := errors.Join(perr, flushErr)
	perrMu.Unlock()
	commit := kgo.TransactionEndTry(failed == nil)
	if !commit {
		if err := w.cl.AbortBufferedRecords(end); err != nil {
			failed = errors.Join(failed, err)
		}
	}
	if err := w.cl.EndTransaction(end, commit); err != nil {
		return errors.Join(failed, fmt.Errorf("end transaction: %w", err))
	}
	if failed != nil {
		return fmt.Errorf("write logs: %w", failed)
	}
	return nil
}

// Close closes the producer.
func (w *KafkaWriter) Close() { w.cl.Close() }
