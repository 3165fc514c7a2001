package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/logpulse/logpulse/internal/httpapi"
	"github.com/logpulse/logpulse/topology"
	"github.com/twmb/franz-go/pkg/kgo"
)

// LogWriter writes the events of POST /v1/logs to the input topic, one
// Kafka transaction per request: a request is written whole or not at all,
// so a client that retries after an error does not duplicate half of it.
type LogWriter struct {
	topic string
	mu    sync.Mutex // one transaction at a time per producer
	cl    *kgo.Client
}

// NewLogWriter connects a transactional producer; transactionalID must be
// unique per serving instance.
func NewLogWriter(brokers []string, topic, transactionalID string, opts ...kgo.Opt) (*LogWriter, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.TransactionalID(transactionalID),
		kgo.TransactionTimeout(30 * time.Second),
		kgo.DefaultProduceTopic(topic),
		// franz-go's default (1,000,012 bytes) is below an event of
		// --max-event-bytes (1 MiB) plus its record and batch framing.
		kgo.ProducerBatchMaxBytes(topology.MaxDivertBytes),
	}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("log writer: %w", err)
	}
	return &LogWriter{topic: topic, cl: cl}, nil
}

// WriteLogs implements httpapi.LogWriter.
func (w *LogWriter) WriteLogs(ctx context.Context, recs []httpapi.LogRecord) error {
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
	end, cancel := endContext(ctx)
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
func (w *LogWriter) Close() { w.cl.Close() }
