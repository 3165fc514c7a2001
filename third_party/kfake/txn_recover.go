package kfake

// logpulse patch: transactions that end the same way after a SIGKILL.
//
// Upstream kfake ends a transaction by writing a marker to each of its
// partitions and then applying its offset commits, each persisted on its
// own. After a SIGKILL its full replay aborts, in memory only, whatever it
// finds without a marker. Two things go wrong:
//
//   - a kill while the markers are written leaves some partitions
//     committed, the rest aborted, and the offsets uncommitted, so a
//     consume-transform-produce client processes the committed part again;
//   - the in-memory abort is forgotten by the next replay: when the same
//     producer ID later commits on that partition, the commit marker closes
//     the aborted batches too, and they become visible.
//
// Apache Kafka writes PrepareCommit to the transaction log before any
// marker, completes the markers from it after a crash, and writes real
// abort markers. This does the same: a "prepare" entry in pids.log (the
// partitions and the staged offsets) is written, and synced under
// SyncWrites, before the first marker; a start that finds a prepare without
// its endtx writes the missing commit markers, applies the offsets and logs
// the endtx; every other transaction the replay found open gets an abort
// marker on disk.

import "os"

// preparedOffset is one staged TxnOffsetCommit of a prepared transaction.
type preparedOffset struct {
	Group    string  `json:"group"`
	Topic    string  `json:"topic"`
	Part     int32   `json:"part"`
	Offset   int64   `json:"offset"`
	Epoch    int32   `json:"epoch"`
	Metadata *string `json:"metadata,omitempty"`
}

// prepareCommit persists the decision to commit pidinf's transaction
// before any of it is applied.
func (c *Cluster) prepareCommit(pidinf *pidinfo, version int16) {
	if !c.persist() {
		return
	}
	commit := true
	entry := pidLogEntry{
		Type: "prepare", PID: pidinf.id, Epoch: pidinf.epoch, Commit: &commit,
		Parts: make(map[string][]int32), Version: version,
	}
	pidinf.txParts.each(func(t string, p int32, _ *partData) {
		entry.Parts[t] = append(entry.Parts[t], p)
	})
	for _, group := range pidinf.txGroups {
		staged := pidinf.txOffsets[group]
		staged.each(func(t string, p int32, oc *offsetCommit) {
			entry.Offsets = append(entry.Offsets, preparedOffset{
				Group: group, Topic: t, Part: p, Offset: oc.offset, Epoch: oc.leaderEpoch, Metadata: oc.metadata,
			})
		})
	}
	pidinf.prepared = &entry
	c.persistPIDEntry(entry)
}

// completeCrashedTxns finishes, after a crash, every commit that was
// prepared but not logged as ended, and makes every other abort of the
// replay durable. It runs last in loadFromDisk, after the session state: a
// transaction that state restored as still open (a clean shutdown whose
// partition snapshot did not match) is left to its client instead.
func (c *Cluster) completeCrashedTxns() {
	for _, pidinf := range c.pids.ids {
		if pidinf.prepared != nil {
			c.completePrepared(pidinf)
		}
	}
	aborted := make(map[int64]struct{})
	c.data.tps.each(func(_ string, _ int32, pd *partData) {
		for pid, open := range pd.crashOpenTxns {
			var epoch int16
			if pidinf, ok := c.pids.ids[pid]; ok {
				if pidinf.inTx {
					c.dropCrashAbort(pd, open)
					continue
				}
				epoch = pidinf.epoch
			}
			c.writeCrashMarker(pd, open, epoch, false)
			aborted[pid] = struct{}{}
		}
	})
	// The client may retry the EndTxn the crash cut off: with
	// lastWasCommit left from the transaction before, a retried commit
	// was answered as a successful retry although this one was aborted.
	abort := false
	for pid := range aborted {
		if pidinf, ok := c.pids.ids[pid]; ok {
			pidinf.inTx = false
			pidinf.lastWasCommit = false
			c.persistPIDEntry(pidLogEntry{Type: "endtx", PID: pid, Epoch: pidinf.epoch, Commit: &abort})
		}
	}
}

func (c *Cluster) completePrepared(pidinf *pidinfo) {
	e := pidinf.prepared
	pidinf.prepared = nil
	for t, parts := range e.Parts {
		for _, p := range parts {
			if pd, ok := c.data.tps.getp(t, p); ok {
				if open, ok := pd.crashOpenTxns[e.PID]; ok {
					c.writeCrashMarker(pd, open, e.Epoch, true)
				}
			}
		}
	}
	for _, o := range e.Offsets {
		g, ok := c.groups.gs[o.Group]
		if !ok {
			g = c.groups.newGroup(o.Group)
			c.groups.gs[o.Group] = g
		}
		g.commitAndPersist(o.Topic, o.Part, offsetCommit{offset: o.Offset, leaderEpoch: o.Epoch, metadata: o.Metadata})
	}
	pidinf.inTx = false
	pidinf.lastWasCommit = true
	pidinf.epoch = e.Epoch
	commit := true
	c.persistPIDEntry(pidLogEntry{Type: "endtx", PID: pidinf.id, Epoch: pidinf.epoch, Commit: &commit})
	if e.Version >= 5 {
		// As EndTxn v5+ does after ending a transaction (KIP-890), so
		// the client's retry of its EndTxn is answered as a retry.
		pidinf = c.pids.bumpEpoch(pidinf)
		c.persistPIDEntry(pidLogEntry{Type: "init", PID: pidinf.id, Epoch: pidinf.epoch, TxID: pidinf.txid, Timeout: pidinf.txTimeout, Commit: &commit})
	}
	c.cfg.logger.Logf(LogLevelInfo, "completed the commit of pid %d epoch %d, prepared before a crash", e.PID, e.Epoch)
}

// dropCrashAbort takes back the replay's in-memory abort of the open
// batches of a producer on pd.
func (c *Cluster) dropCrashAbort(pd *partData, open abortedTxnEntry) {
	delete(pd.crashOpenTxns, open.producerID)
	for i, a := range pd.abortedTxns {
		if a == open {
			pd.abortedTxns = append(pd.abortedTxns[:i], pd.abortedTxns[i+1:]...)
			break
		}
	}
	pd.recalculateLSO()
}

// writeCrashMarker replaces the replay's in-memory abort of the open
// batches of a producer on pd with a marker on disk: commit for a prepared
// commit, abort otherwise.
func (c *Cluster) writeCrashMarker(pd *partData, open abortedTxnEntry, epoch int16, commit bool) {
	c.dropCrashAbort(pd, open)
	b, nbytes := txnMarkerBatch(open.producerID, epoch, commit, 0)
	at := c.pushBatch(pd, nbytes, b, false)
	if at < 0 {
		c.cfg.logger.Logf(LogLevelError, "failed to persist the marker (commit %v) of pid %d on %s-%d after a crash", commit, open.producerID, pd.t, pd.p)
		at = open.lastOffset // keep the in-memory abort below
	}
	if !commit {
		// The marker is the newest offset, so the list stays sorted.
		pd.abortedTxns = append(pd.abortedTxns, abortedTxnEntry{producerID: open.producerID, firstOffset: open.firstOffset, lastOffset: at})
	}
	pd.recalculateLSO()
}

// repairIndex cuts a segment's index file to the entries that were found
// whole (a torn last entry is dropped) and appends the rebuilt ones.
func (c *Cluster) repairIndex(fsys fs, path string, keep int64, rebuilt []byte) {
	f, err := fsys.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		c.cfg.logger.Logf(LogLevelWarn, "repair index %s: %v", path, err)
		return
	}
	defer f.Close()
	if err := f.Truncate(keep); err != nil {
		c.cfg.logger.Logf(LogLevelWarn, "repair index %s: %v", path, err)
		return
	}
	if _, err := f.Write(rebuilt); err != nil {
		c.cfg.logger.Logf(LogLevelWarn, "repair index %s: %v", path, err)
		return
	}
	if c.cfg.syncWrites {
		f.Sync()
	}
}
