package stage

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/logpulse/logpulse/internal/table"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Input partitions with nothing to read (docs/design.md, Watermarks).
//
// A watermark of an input partition is written by the transaction that
// counts its records. A partition that never carries a record would write
// none, and one that carried records before this instance took it writes
// none until it carries more: the view cannot tell such a partition from
// one whose records are still to be read, and one that holds back every
// window from one that must not. So an instance announces each partition
// it is assigned, in a transaction of its own, once it finds it read to
// its end: caught up at its committed stream time, which lets it be idle
// (table.WatermarkOf). A partition with records to read is announced by
// the transaction that counts them.

// announceEvery bounds how often an instance looks for assigned partitions
// with nothing to read, and how long a poll waits while some are left.
const announceEvery = time.Second

// poll is PollFetches, bounded by announceEvery while partitions are left
// to announce, so that announce runs again.
func (in *Ingest) poll(ctx context.Context) kgo.Fetches {
	in.mu.Lock()
	left := len(in.unannounced)
	in.mu.Unlock()
	if left == 0 {
		return in.sess.PollFetches(ctx)
	}
	pctx, cancel := context.WithTimeout(ctx, announceEvery)
	defer cancel()
	return in.sess.PollFetches(pctx)
}

// announce writes the watermarks of the unannounced partitions that are
// read to their end, and forgets them.
func (in *Ingest) announce(ctx context.Context) error {
	in.mu.Lock()
	parts := slices.Sorted(maps.Keys(in.unannounced))
	in.mu.Unlock()
	if len(parts) == 0 {
		return nil
	}
	logs := in.cfg.Topics.Logs
	committed, err := in.restoreParts(ctx, parts)
	if err != nil {
		in.log.Debug("announce: committed offsets", "err", err)
		return nil // the next round tries again
	}
	ends, err := in.adm.ListCommittedOffsets(ctx, logs)
	if err == nil {
		err = ends.Error()
	}
	starts, serr := in.adm.ListStartOffsets(ctx, logs)
	if err == nil && serr == nil {
		serr = starts.Error()
	}
	if err != nil || serr != nil {
		in.log.Debug("announce: end offsets", "err", err, "start_err", serr)
		return nil
	}
	var done []int32
	for _, p := range parts {
		end, ok := ends.Lookup(logs, p)
		if !ok {
			continue
		}
		at, ok := committed[p]
		if !ok {
			start, _ := starts.Lookup(logs, p)
			at = start.Offset
		}
		// A commit marker takes the offset after a transaction's last
		// record; the committed offset stops before it.
		if at >= end.Offset-1 {
			done = append(done, p)
		}
	}
	if len(done) == 0 {
		return nil
	}
	ok, err := in.writeAnnounce(ctx, done)
	if err != nil || !ok {
		return err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, p := range done {
		delete(in.unannounced, p)
	}
	in.log.Debug("announced partitions with nothing to read", "partitions", done)
	return nil
}

// writeAnnounce writes the watermarks of parts in a transaction that
// commits no offsets (nothing was polled since the last one ended), and
// reports whether it committed.
func (in *Ingest) writeAnnounce(ctx context.Context, parts []int32) (bool, error) {
	in.mu.Lock()
	wms := in.proc.Announce(parts)
	in.mu.Unlock()
	if err := in.sess.Begin(); err != nil {
		return false, fmt.Errorf("begin transaction: %w", err)
	}
	endCtx, cancel := endContext(ctx)
	defer cancel()
	var produced error
	for _, w := range wms {
		v, err := table.DeltaCodec{}.Encode(w.Delta)
		if err != nil {
			return false, fmt.Errorf("encode watermark: %w", err)
		}
		r := in.sess.ProduceSync(endCtx, &kgo.Record{Topic: in.cfg.Topics.Deltas, Key: []byte(w.Key), Value: v})
		if produced = r.FirstErr(); produced != nil {
			break
		}
	}
	try := kgo.TryCommit
	if produced != nil {
		try = kgo.TryAbort
	}
	committed, err := in.sess.End(endCtx, try)
	if err != nil {
		return false, fmt.Errorf("end transaction: %w", err)
	}
	if !committed || produced != nil {
		in.log.Debug("announce aborted, trying again", "err", produced)
		return false, nil
	}
	return true, nil
}

// fetchEnds are the last stable offsets the fetches reported for topic's
// partitions.
func fetchEnds(fs kgo.Fetches, topic string) map[int32]int64 {
	ends := make(map[int32]int64)
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		if p.Topic == topic && p.Err == nil {
			ends[p.Partition] = p.LastStableOffset
		}
	})
	return ends
}
