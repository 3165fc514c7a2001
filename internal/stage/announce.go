package stage

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/processors"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Announcing the input partitions an instance is assigned (docs/design.md,
// Watermarks).
//
// A watermark of an input partition is written by the transaction that
// counts its records. Until every input partition has one, nothing is
// final (table.WatermarkOf): a partition without one may have records
// still to read. A partition that never carries a record would never
// write one, and one that carried records before this instance took it
// writes none until it carries more. So an instance announces each
// partition it is assigned: at once as holding the watermark at its
// committed stream time (in its first transaction, before the watermarks
// of the partitions it counts, so that these never make a window final
// that the others may still fill), and, once it finds the partition read
// to its end, as caught up, which lets it be idle.

// announcement is what an unannounced partition still needs.
type announcement int

const (
	announceHolding  announcement = iota // no watermark written since the assignment
	announceCaughtUp                     // written as holding; caught up not yet
)

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

// announce writes the watermarks of the unannounced partitions: caught up
// for those read to their end (then forgotten), holding for the others not
// announced yet.
func (in *Ingest) announce(ctx context.Context) error {
	in.mu.Lock()
	parts := slices.Sorted(maps.Keys(in.unannounced))
	in.mu.Unlock()
	if len(parts) == 0 {
		return nil
	}
	logs := in.cfg.Topics.Logs
	committed, err := in.restoreParts(ctx, parts, true)
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
	var caughtUp, holding []int32
	in.mu.Lock()
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
		switch {
		case at >= end.Offset-1:
			caughtUp = append(caughtUp, p)
		case in.unannounced[p] == announceHolding:
			holding = append(holding, p)
		}
	}
	wms := append(in.proc.Announce(holding, false), in.proc.Announce(caughtUp, true)...)
	in.mu.Unlock()
	if len(wms) == 0 {
		return nil
	}
	ok, err := in.writeAnnounce(ctx, wms)
	if err != nil || !ok {
		return err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, p := range holding {
		if _, still := in.unannounced[p]; still {
			in.unannounced[p] = announceCaughtUp
		}
	}
	for _, p := range caughtUp {
		delete(in.unannounced, p)
	}
	in.log.Debug("announced input partitions", "caught_up", caughtUp, "holding", holding)
	return nil
}

// holdingAnnouncements returns the watermarks that announce the partitions
// not announced at all yet, except those in b, as holding, for b's
// transaction. Callers hold in.mu.
func (in *Ingest) holdingAnnouncements(b *processors.Batch) ([]processors.Watermark, []int32) {
	var parts []int32
	for p, a := range in.unannounced {
		if _, counted := b.StreamTimes[p]; !counted && a == announceHolding {
			if _, known := in.proc.StreamTime(p); known {
				parts = append(parts, p)
			}
		}
	}
	slices.Sort(parts)
	return in.proc.Announce(parts, false), parts
}

// writeAnnounce writes wms in a transaction that commits no offsets
// (nothing was polled since the last one ended), and reports whether it
// committed.
func (in *Ingest) writeAnnounce(ctx context.Context, wms []processors.Watermark) (bool, error) {
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
