package stage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/processors"
	"github.com/logpulse/logpulse/topology"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// IngestConfig configures the ingest stage.
type IngestConfig struct {
	Brokers       []string
	Topics        topology.Topics
	Window, Grace time.Duration
	MaxEventBytes int
	MaxClockSkew  time.Duration         // processors.WindowerConfig.MaxClockSkew
	Idle          time.Duration         // processors.WindowerConfig.Idle
	Registry      codecs.SchemaRegistry // Confluent-framed Avro; may be nil
	// TransactionalID must be unique per running ingest instance and stable
	// across its restarts: a restarted instance then fences its previous
	// incarnation and aborts its open transaction at once.
	TransactionalID string
	ClientOpts      []kgo.Opt // extra client options, applied last
	Logger          *slog.Logger
	Metrics         *Metrics
}

// Ingest consumes the input topic in a consumer group and writes, per polled
// batch and in one transaction: the deltas, the dead-letter and late
// records, and the input offsets with each partition's stream time in the
// offset metadata. A crash anywhere before the commit leaves nothing behind;
// the next owner of a partition resumes from the committed offset with the
// committed stream time, so counts are exact and lateness deterministic.
type Ingest struct {
	cfg  IngestConfig
	sess *kgo.GroupTransactSession
	adm  *kadm.Client
	log  *slog.Logger

	mu   sync.Mutex // guards proc and unannounced against the rebalance callbacks
	proc *processors.Windower
	// unannounced are the input partitions assigned to this instance that
	// no committed transaction has written a watermark of yet (see
	// announce).
	unannounced map[int32]announcement
	wake        context.CancelFunc // ends the running poll (see poll); guarded by mu
	// rebalances counts the assignments and revocations seen, so that
	// what was read from the cluster before one is not applied after it
	// (restoreParts). Guarded by mu.
	rebalances uint64
}

// fetchMaxBytes bounds what one fetch returns: see NewIngest.
const fetchMaxBytes = 1 << 20

// NewIngest connects to the cluster; Run starts consuming.
func NewIngest(ctx context.Context, cfg IngestConfig) (*Ingest, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	in := &Ingest{cfg: cfg, log: cfg.Logger.With("stage", "ingest"), unannounced: make(map[int32]announcement)}
	forget := func(how string) func(context.Context, *kgo.Client, map[string][]int32) {
		return func(_ context.Context, cl *kgo.Client, lost map[string][]int32) {
			in.logGroup(cl, how, lost)
			in.mu.Lock()
			defer in.mu.Unlock()
			if in.proc == nil {
				return
			}
			in.rebalances++
			for _, p := range lost[cfg.Topics.Logs] {
				in.proc.Forget(p)
				delete(in.unannounced, p)
			}
		}
	}
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ConsumerGroup(cfg.Topics.IngestGroup),
		kgo.ConsumeTopics(cfg.Topics.Logs),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// No kgo.RequireStableFetchOffsets: franz-go (v1.22) always fetches
		// the group's offsets with RequireStable, so a restart never resumes
		// from offsets a still-open transaction is about to move.
		kgo.TransactionalID(cfg.TransactionalID),
		// An instance that dies inside a transaction and is not
		// restarted under its ID holds back every read_committed reader
		// of the deltas (each transaction writes watermarks to all
		// partitions) until the broker aborts it: see
		// topology.TransactionTimeout.
		kgo.TransactionTimeout(topology.TransactionTimeout),
		kgo.RecordPartitioner(topology.GokaPartitioner()),
		kgo.FetchMaxWait(250 * time.Millisecond),
		// A poll is a transaction, and what a fetch returns is held until
		// its transaction ends: franz-go's 50 MiB default made the first
		// batch of a backlog 170,000 records (~60 MiB of live heap, twice
		// that at the garbage collector's goal) and the first count wait
		// for all of it. 1 MiB (compressed) is ~30,000 JSON events a batch
		// and as fast (docs/performance.md).
		kgo.FetchMaxBytes(fetchMaxBytes),
		// Dead-letter and late copies carry the whole input record plus
		// headers: room for a record at the input's own size limit.
		kgo.ProducerBatchMaxBytes(topology.MaxDivertBytes),
		kgo.OnPartitionsAssigned(func(_ context.Context, cl *kgo.Client, added map[string][]int32) {
			// Called at the end of every rebalance, also when nothing
			// was added (cooperative): each generation shows in the log.
			in.logGroup(cl, "partitions assigned", added)
			in.mu.Lock()
			defer in.mu.Unlock()
			in.rebalances++
			for _, p := range added[cfg.Topics.Logs] {
				in.unannounced[p] = announceHolding
			}
			if len(added[cfg.Topics.Logs]) > 0 {
				in.wakePoll()
			}
		}),
		kgo.OnPartitionsRevoked(forget("partitions revoked")),
		kgo.OnPartitionsLost(forget("partitions lost")),
		// The transactional ID is this instance's stable identity, so
		// it is its static group membership too (KIP-345): a restarted
		// instance takes its predecessor's place and partitions at once,
		// instead of waiting for the dead member's session to expire and
		// a rebalance. A member that is not restarted is noticed after
		// the session timeout; Run leaves the group on a clean stop.
		kgo.InstanceID(cfg.TransactionalID),
		kgo.SessionTimeout(topology.SessionTimeout),
		kgo.HeartbeatInterval(topology.HeartbeatInterval),
		kgo.RebalanceTimeout(topology.RebalanceTimeout),
	}, cfg.ClientOpts...)
	sess, err := kgo.NewGroupTransactSession(opts...)
	if err != nil {
		return nil, fmt.Errorf("ingest client: %w", err)
	}
	in.sess = sess
	in.adm = kadm.NewClient(sess.Client())
	// Fence the previous incarnation now, not at the first produce: its
	// open transaction is aborted at once, and its offset commit in it no
	// longer blocks this instance's read of the committed offsets.
	if _, _, err := sess.Client().ProducerID(ctx); err != nil {
		sess.Close()
		return nil, fmt.Errorf("init producer id for %s: %w", cfg.TransactionalID, err)
	}
	parts, err := topology.Partitions(ctx, in.adm, cfg.Topics.Deltas)
	if err != nil {
		sess.Close()
		return nil, err
	}
	proc, err := processors.NewWindower(processors.WindowerConfig{
		Window: cfg.Window, Grace: cfg.Grace, MaxEventBytes: cfg.MaxEventBytes, MaxClockSkew: cfg.MaxClockSkew, Idle: cfg.Idle, Registry: cfg.Registry,
		DeltaPartitions: parts, DLQTopic: cfg.Topics.DLQ, LateTopic: cfg.Topics.Late,
		MaxCopyBytes: topology.MaxDivertBytes,
	})
	if err != nil {
		sess.Close()
		return nil, err
	}
	in.mu.Lock() // the session may already run rebalance callbacks
	in.proc = proc
	in.mu.Unlock()
	return in, nil
}

// Run consumes until ctx is done or a transaction fails beyond retry.
func (in *Ingest) Run(ctx context.Context) error {
	defer func() {
		// A static member's client does not leave on close; the member
		// ID is what makes the leave safe (see leave).
		member, _ := in.sess.Client().GroupMetadata()
		in.sess.Close()
		if ctx.Err() != nil {
			in.leave(member)
		}
	}()
	aborts := 0
	for {
		if aborts > 0 {
			// The same records come back after an abort; a cause that
			// persists (a broker refusing writes) must not spin.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(min(50*time.Millisecond<<min(aborts, 7), 5*time.Second)):
			}
			// The same records come back, so no poll is empty and no batch
			// commits while the cause lasts: announce the other partitions
			// in a transaction of their own (the abort rewound the offsets,
			// it commits none), or one with records to read could turn
			// idle meanwhile on another instance's stale watermark.
			if err := in.announce(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
		fetches, woken := in.poll(ctx)
		if ctx.Err() != nil || fetches.IsClientClosed() {
			return nil
		}
		var lost, fenced error
		fetches.EachError(func(t string, p int32, err error) {
			if t == "" && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
				return // in.poll's own deadline, or an assignment woke it
			}
			in.log.Warn("fetch failed", "topic", t, "partition", p, "err", err)
			var dl *kgo.ErrDataLoss
			if errors.As(err, &dl) {
				lost = errors.Join(lost, err)
			}
			if errors.Is(err, kerr.FencedInstanceID) {
				fenced = err
			}
		})
		if fenced != nil {
			return fmt.Errorf("another ingest instance runs with --transactional-id %q (each instance needs its own): %w", in.cfg.TransactionalID, fenced)
		}
		if lost != nil {
			// The client moved a partition's position on its own (kfake
			// answers OffsetForLeaderEpoch with "unknown" right after a
			// leader move, and the client then resets to the start):
			// counting from there would count records twice. Restart the
			// session from the committed offsets instead.
			return fmt.Errorf("input position reset on suspected data loss, resuming from the committed offsets: %w", lost)
		}
		records := fetches.Records()
		if len(records) == 0 {
			if woken {
				continue // poll again, bounded: see poll
			}
			// Nothing to count, so no batch carries the announcements.
			if err := in.announce(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			continue
		}
		if err := in.sess.Begin(); err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}
		if err := in.restore(ctx, records); err != nil {
			// Without the committed stream time lateness would depend on
			// timing; abort, which rewinds to the committed offsets.
			in.log.Warn("restore stream time, retrying", "err", err)
			endCtx, cancel := endContext(ctx)
			_, err := in.sess.End(endCtx, kgo.TryAbort)
			cancel()
			if err != nil {
				return fmt.Errorf("abort transaction: %w", err)
			}
			aborts++
			continue
		}
		committed, err := in.transact(ctx, records, fetchEnds(fetches, in.cfg.Topics.Logs))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if committed {
			aborts = 0
		} else {
			aborts++
		}
	}
}

// endContext is the context to finish a transaction in: not cancelled by
// shutdown, so a stop between batches' produce and commit still ends the
// transaction instead of leaving it open (which would stall every
// read_committed consumer of its partitions until the transaction timeout).
func endContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
}

func (in *Ingest) transact(ctx context.Context, records []*kgo.Record, ends map[int32]int64) (committed bool, err error) {
	start := time.Now()
	in.mu.Lock()
	b, err := in.proc.Build(ctx, records, ends)
	var meta map[int32]string
	if err == nil {
		meta = in.metadata(b)
	}
	in.mu.Unlock()
	if err != nil {
		// Not the records' fault (the schema registry is down): abort,
		// which rewinds, and try the same records again after a backoff.
		in.log.Warn("decode failed, retrying the batch", "err", err)
		endCtx, cancel := endContext(ctx)
		defer cancel()
		if _, err := in.sess.End(endCtx, kgo.TryAbort); err != nil {
			return false, fmt.Errorf("abort transaction: %w", err)
		}
		return false, nil
	}

	// The other assigned partitions, announced before this batch's own
	// watermarks: see announce.go.
	ann := in.announcements(ctx, b.StreamTimes)

	var (
		perrMu sync.Mutex
		perr   error
	)
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			perrMu.Lock()
			perr = errors.Join(perr, err)
			perrMu.Unlock()
		}
	}
	produce := func(key string, d *table.Delta) error {
		// The aggregate's codec: the same bytes as the table's encoder
		// (no HTML escaping), without reflection.
		v, err := table.DeltaCodec{}.Encode(d)
		if err != nil {
			return fmt.Errorf("encode delta: %w", err)
		}
		in.sess.Produce(ctx, &kgo.Record{Topic: in.cfg.Topics.Deltas, Key: []byte(key), Value: v}, promise)
		return nil
	}
	// Counts first, watermarks last (see processors.Batch.Watermarks).
	for _, key := range slices.Sorted(maps.Keys(b.Deltas)) {
		if err := produce(key, b.Deltas[key]); err != nil {
			return false, err
		}
	}
	for _, r := range b.Rejected {
		in.sess.Produce(ctx, r, promise)
	}
	for _, r := range b.Late {
		in.sess.Produce(ctx, r, promise)
	}
	for _, w := range append(ann.wms, b.Watermarks...) {
		if err := produce(w.Key, w.Delta); err != nil {
			return false, err
		}
	}
	endCtx, cancel := endContext(ctx)
	defer cancel()
	if err := in.sess.Client().Flush(endCtx); err != nil {
		return false, fmt.Errorf("flush: %w", err)
	}
	perrMu.Lock()
	produced := perr
	perrMu.Unlock()
	try := kgo.TryCommit
	if produced != nil {
		in.log.Warn("produce failed, aborting transaction", "err", produced)
		try = kgo.TryAbort
	}
	committed, err = in.sess.End(kgo.PreTxnCommitFnContext(endCtx, func(req *kmsg.TxnOffsetCommitRequest) error {
		for i := range req.Topics {
			if req.Topics[i].Topic != in.cfg.Topics.Logs {
				continue
			}
			for j := range req.Topics[i].Partitions {
				p := &req.Topics[i].Partitions[j]
				if m, ok := meta[p.Partition]; ok {
					p.Metadata = &m
				}
			}
		}
		return nil
	}), try)
	if err != nil {
		return false, fmt.Errorf("end transaction: %w", err)
	}
	if !committed {
		in.log.Info("transaction aborted, resuming from committed offsets", "records", len(records))
		return false, nil
	}
	in.mu.Lock()
	in.proc.Commit(b)
	for p := range b.StreamTimes {
		delete(in.unannounced, p)
	}
	in.mu.Unlock()
	in.announced(ann)
	in.cfg.Metrics.ingested(b, time.Since(start))
	in.cfg.Metrics.batchSize(len(records))
	in.log.Debug("transaction committed", "records", len(records), "deltas", len(b.Deltas),
		"rejected", len(b.Rejected), "late", len(b.Late), "clock_skewed", b.Skewed)
	return true, nil
}
