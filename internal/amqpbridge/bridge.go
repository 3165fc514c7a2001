package amqpbridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// bridge is one run of Run.
type bridge struct {
	cfg   Config
	kafka *kgo.Client // transactional
	ids   *idSet
	// stats for the progress line
	written, dups, bytes, reconnects atomic.Int64
}

// Run moves messages until ctx is done. It returns an error only for what
// retrying cannot fix: a queue that is missing or declared otherwise, a
// refused login, another bridge taking over the transactional ID. A lost
// connection to RabbitMQ or a failed Kafka transaction is retried with
// backoff, the unacknowledged messages delivered again.
func Run(ctx context.Context, cfg Config) error {
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	b := &bridge{cfg: cfg, ids: newIDSet(cfg.DedupIDs)}
	stop := b.progress(ctx)
	defer stop()
	first := true
	backoff := 100 * time.Millisecond
	for {
		connected, err := b.session(ctx, first)
		if ctx.Err() != nil {
			return nil
		}
		var perm *permanentError
		if errors.As(err, &perm) {
			return perm.err
		}
		if connected {
			first = false
			backoff = 100 * time.Millisecond
		}
		b.reconnects.Add(1)
		cfg.Metrics.reconnect()
		wait := backoff/2 + rand.N(backoff/2+1)
		cfg.Logger.Warn("amqp bridge interrupted; retrying", "err", err, "retry_in", wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		backoff = min(backoff*2, cfg.MaxBackoff)
	}
}

// permanentError is an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }

// session connects to RabbitMQ and Kafka and moves messages until either
// fails. connected reports whether it got as far as consuming.
func (b *bridge) session(ctx context.Context, first bool) (connected bool, err error) {
	cfg := b.cfg
	conn, err := amqp.DialConfig(cfg.URL, amqp.Config{Heartbeat: 10 * time.Second, Properties: connProps()})
	if err != nil {
		var ae *amqp.Error
		if first && errors.As(err, &ae) && ae.Code == amqp.AccessRefused {
			return false, &permanentError{fmt.Errorf("log in to RabbitMQ: %w: check the user, password and vhost in --amqp", err)}
		}
		return false, fmt.Errorf("connect to RabbitMQ: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return false, fmt.Errorf("open channel: %w", err)
	}
	if err := ch.Qos(cfg.Prefetch, 0, false); err != nil {
		return false, fmt.Errorf("set prefetch: %w", err)
	}
	if err := b.declare(ch, first); err != nil {
		return false, err
	}
	// Kafka after RabbitMQ: while RabbitMQ is away, retries write no
	// start markers.
	if err := b.openKafka(ctx); err != nil {
		return false, err
	}
	defer func() { b.kafka.Close(); b.kafka = nil }()
	deliveries, err := ch.ConsumeWithContext(ctx, cfg.Queue, "", false, false, false, false, nil)
	if err != nil {
		return false, fmt.Errorf("consume %s: %w", cfg.Queue, err)
	}
	cfg.Logger.Info("amqp bridge consuming", "queue", cfg.Queue, "topic", cfg.Topic, "prefetch", cfg.Prefetch, "ids_remembered", b.ids.len())
	return true, b.pump(ctx, deliveries)
}

func connProps() amqp.Table {
	p := amqp.NewConnectionProperties()
	p.SetClientConnectionName("logpulse produce")
	return p
}

// declare checks the queue: declared durable, or passively (must exist).
// On the first connection a refusal is permanent: the flags are wrong.
func (b *bridge) declare(ch *amqp.Channel, first bool) error {
	q := b.cfg.Queue
	var err error
	if b.cfg.Declare {
		_, err = ch.QueueDeclare(q, true, false, false, false, nil)
	} else {
		_, err = ch.QueueDeclarePassive(q, false, false, false, false, nil)
	}
	var ae *amqp.Error
	if err == nil || !errors.As(err, &ae) {
		if err != nil {
			return fmt.Errorf("declare queue %s: %w", q, err)
		}
		return nil
	}
	switch {
	case ae.Code == amqp.NotFound:
		err = fmt.Errorf("queue %s does not exist: create it, or pass --amqp-declare to declare it durable", q)
	case ae.Code == amqp.PreconditionFailed:
		err = fmt.Errorf("queue %s exists with other settings than durable (%s): pass --amqp-declare=false to use it as it is", q, ae.Reason)
	case ae.Code == amqp.AccessRefused:
		err = fmt.Errorf("queue %s: access refused (%s): grant the user configure and read on it", q, ae.Reason)
	default:
		return fmt.Errorf("declare queue %s: %w", q, err)
	}
	if first {
		return &permanentError{err}
	}
	return err
}

// openKafka starts the transactional producer, creates the progress topic
// if needed, marks the start and loads the ids committed before it.
func (b *bridge) openKafka(ctx context.Context) error {
	cfg := b.cfg
	base := append([]kgo.Opt{kgo.SeedBrokers(cfg.Brokers...)}, cfg.ClientOpts...)
	cl, err := kgo.NewClient(append(base,
		kgo.TransactionalID(cfg.TransactionalID),
		kgo.DefaultProduceTopic(cfg.Topic),
		kgo.ProducerLinger(0),
		kgo.RecordDeliveryTimeout(time.Minute),
	)...)
	if err != nil {
		return &permanentError{fmt.Errorf("kafka producer: %w", err)}
	}
	if err := ensureProgressTopic(ctx, kadm.NewClient(cl), cfg.ProgressTopic); err != nil {
		cl.Close()
		return err
	}
	mark, err := markStart(ctx, cl, cfg.ProgressTopic, cfg.Queue)
	if err != nil {
		cl.Close()
		return fenced(err)
	}
	ids := newIDSet(cfg.DedupIDs)
	n, err := loadIDs(ctx, base, cfg.ProgressTopic, cfg.Queue, mark, ids)
	if err != nil {
		cl.Close()
		return err
	}
	cfg.Logger.Debug("message ids loaded", "ids", n, "progress_topic", cfg.ProgressTopic, "mark", mark)
	b.kafka, b.ids = cl, ids
	return nil
}

// fenced makes a fencing error permanent: another bridge with the same
// transactional ID has started, and two would take turns fencing.
func fenced(err error) error {
	if errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.InvalidProducerEpoch) || errors.Is(err, kerr.TransactionalIDAuthorizationFailed) {
		return &permanentError{fmt.Errorf("%w: another bridge uses the same transactional ID; run one per queue and topic", err)}
	}
	return err
}

// pump batches deliveries, writes each batch in a transaction and
// acknowledges it once committed, until deliveries closes or a write fails.
func (b *bridge) pump(ctx context.Context, deliveries <-chan amqp.Delivery) error {
	maxBatch := max(b.cfg.Prefetch/2, 1)
	batch := make([]amqp.Delivery, 0, maxBatch)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return ctx.Err()
		case d, ok := <-deliveries:
			if !ok {
				return errors.New("RabbitMQ closed the channel")
			}
			batch = append(batch, d)
		}
		linger := time.NewTimer(b.cfg.Linger)
	fill:
		for len(batch) < maxBatch {
			select {
			case d, ok := <-deliveries:
				if !ok {
					break fill // write what came: its ack fails, and it comes again
				}
				batch = append(batch, d)
			case <-linger.C:
				break fill
			}
		}
		linger.Stop()
		b.cfg.Metrics.setUnacked(len(batch) + len(deliveries))
		if err := b.write(ctx, batch); err != nil {
			return err
		}
		// One ack for the batch: deliveries on a channel are acked in
		// order, so multiple covers all of it.
		if err := batch[len(batch)-1].Ack(true); err != nil {
			return fmt.Errorf("acknowledge: %w", err)
		}
	}
}

// write writes a batch's new messages and their ids in one transaction.
func (b *bridge) write(ctx context.Context, batch []amqp.Delivery) error {
	cfg := b.cfg
	recs := make([]*kgo.Record, 0, len(batch)+1)
	var ids []string
	inBatch := map[string]bool{}
	var size int64
	for i := range batch {
		d := &batch[i]
		if id := d.MessageId; id != "" {
			if b.ids.has(id) || inBatch[id] {
				continue
			}
			inBatch[id] = true
			ids = append(ids, id)
		}
		recs = append(recs, &kgo.Record{Topic: cfg.Topic, Key: []byte(cfg.Key), Value: d.Body, Headers: headers(d)})
		size += int64(len(d.Body))
	}
	dups := len(batch) - len(recs)
	if len(recs) > 0 {
		v, _ := json.Marshal(progressRecord{V: progressVersion, IDs: ids})
		recs = append(recs, &kgo.Record{Topic: cfg.ProgressTopic, Key: []byte(cfg.Queue), Value: v})
		if err := b.kafka.BeginTransaction(); err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}
		if err := b.kafka.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			b.kafka.EndTransaction(context.WithoutCancel(ctx), kgo.TryAbort)
			return fenced(fmt.Errorf("write to %s: %w", cfg.Topic, err))
		}
		if err := b.kafka.EndTransaction(ctx, kgo.TryCommit); err != nil {
			return fenced(fmt.Errorf("commit: %w", err))
		}
		for _, id := range ids {
			b.ids.add(id)
		}
	}
	b.written.Add(int64(len(recs) - min(len(recs), 1)))
	b.dups.Add(int64(dups))
	b.bytes.Add(size)
	cfg.Metrics.count("written", len(batch)-dups)
	cfg.Metrics.count("duplicate", dups)
	return nil
}
