package stage

import (
	"context"
	"errors"
	"fmt"
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
// partition it is assigned: as holding the watermark at its committed
// stream time, in its next transaction (a batch's, before the watermarks
// of the partitions it counts, so that these never make a window final
// that the others may still fill; or one of its own when a bounded poll
// finds nothing to count), and, once it finds the partition read to its
// end, as caught up, which lets it be idle.

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
// to announce, so that announce runs again. A poll that began with none
// left is woken by an assignment (wakePoll) and reports it: franz-go's poll
// returns only with records or errors, so an instance whose partitions are
// all quiet would otherwise never announce the partitions it is assigned
// meanwhile (and nothing is final until every input partition has a
// watermark). After a wake Run polls again, now bounded, rather than
// announce at once: records that come within the bound carry the
// announcements in their batch's transaction, and a transaction of its own
// costs a 500 ms pause (see announce).
func (in *Ingest) poll(ctx context.Context) (fs kgo.Fetches, woken bool) {
	in.mu.Lock()
	var (
		pctx   context.Context
		cancel context.CancelFunc
	)
	if len(in.unannounced) == 0 {
		pctx, cancel = context.WithCancel(ctx)
		in.wake = cancel
	} else {
		// Returns within announceEvery anyway: an assignment meanwhile
		// must not restart the bound, or assignments less than a bound
		// apart would put the announcement off for as long as they come.
		pctx, cancel = context.WithTimeout(ctx, announceEvery)
	}
	in.mu.Unlock()
	defer func() {
		in.mu.Lock()
		in.wake = nil
		in.mu.Unlock()
		cancel()
	}()
	fs = in.sess.PollFetches(pctx)
	return fs, errors.Is(pctx.Err(), context.Canceled) && ctx.Err() == nil
}

// wakePoll ends the running poll, if any. Callers hold in.mu.
func (in *Ingest) wakePoll() {
	if in.wake != nil {
		in.wake()
	}
}

// announcing is what one transaction announces: the watermarks, and the
// partitions they announce as caught up and as holding.
type announcing struct {
	wms               []processors.Watermark
	caughtUp, holding []int32
}

// announcements looks up which unannounced partitions, other than those
// counted (the ones whose stream time a batch reports, with its own
// watermarks), are read to
// their end, and returns what announces them: caught up for those, holding
// for the others not announced as holding yet. A failed look-up announces
// none as caught up (the next round looks again).
func (in *Ingest) announcements(ctx context.Context, counted map[int32]time.Time) announcing {
	in.mu.Lock()
	var parts []int32
	for p := range in.unannounced {
		if _, ok := counted[p]; !ok {
			parts = append(parts, p)
		}
	}
	in.mu.Unlock()
	if len(parts) == 0 {
		return announcing{}
	}
	slices.Sort(parts)
	read, err := in.readTo(ctx, parts)
	if err != nil {
		in.log.Debug("announce: offsets", "err", err)
	}
	var a announcing
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, p := range parts {
		state, still := in.unannounced[p]
		if !still {
			continue // revoked meanwhile
		}
		if _, known := in.proc.StreamTime(p); !known {
			continue // not restored: the look-up failed
		}
		switch {
		case read[p]:
			a.caughtUp = append(a.caughtUp, p)
		case state == announceHolding:
			a.holding = append(a.holding, p)
		}
	}
	a.wms = append(in.proc.Announce(a.holding, false), in.proc.Announce(a.caughtUp, true)...)
	return a
}

// readTo restores the stream times of parts and reports which of them are
// read to their end: their committed offset (or their start, without one)
// at their last stable offset.
func (in *Ingest) readTo(ctx context.Context, parts []int32) (map[int32]bool, error) {
	logs := in.cfg.Topics.Logs
	committed, err := in.restoreParts(ctx, parts, true)
	if err != nil {
		return nil, fmt.Errorf("committed offsets: %w", err)
	}
	ends, err := in.adm.ListCommittedOffsets(ctx, logs)
	if err == nil {
		err = ends.Error()
	}
	starts, serr := in.adm.ListStartOffsets(ctx, logs)
	if serr == nil {
		serr = starts.Error()
	}
	if err := errors.Join(err, serr); err != nil {
		return nil, fmt.Errorf("end offsets: %w", err)
	}
	read := make(map[int32]bool)
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
		read[p] = at >= end.Offset-1
	}
	return read, nil
}

// announced records that a's transaction committed.
func (in *Ingest) announced(a announcing) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, p := range a.holding {
		if _, still := in.unannounced[p]; still {
			in.unannounced[p] = announceCaughtUp
		}
	}
	for _, p := range a.caughtUp {
		delete(in.unannounced, p)
	}
	if len(a.wms) > 0 {
		in.log.Debug("announced input partitions", "caught_up", a.caughtUp, "holding", a.holding)
	}
}

// announce writes the announcements in a transaction of their own. Run
// calls it only after a bounded poll found nothing to count, and after an
// aborted batch's backoff; a batch's transaction carries them otherwise
// (transact). A transaction that commits no offsets
// costs franz-go's session a 500 ms pause in End: it takes the missing
// TxnOffsetCommit answer for a broker without KIP-447.
func (in *Ingest) announce(ctx context.Context) error {
	a := in.announcements(ctx, nil)
	if len(a.wms) == 0 {
		return nil
	}
	ok, err := in.writeAnnounce(ctx, a.wms)
	if err != nil || !ok {
		return err
	}
	in.announced(a)
	return nil
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
	// One round trip for all of them: produced one at a time, each waits
	// for the partition's AddPartitionsToTxn and produce in turn, and an
	// instance's first batch waits for all of them.
	rs := make([]*kgo.Record, 0, len(wms))
	for _, w := range wms {
		v, err := table.DeltaCodec{}.Encode(w.Delta)
		if err != nil {
			return false, fmt.Errorf("encode watermark: %w", err)
		}
		rs = append(rs, &kgo.Record{Topic: in.cfg.Topics.Deltas, Key: []byte(w.Key), Value: v})
	}
	produced := in.sess.ProduceSync(endCtx, rs...).FirstErr() // one round trip for all
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
