package kfake

import "sync"

// Write health: a broker whose data dir cannot be written (a full disk, a
// read-only remount, a file size limit) answers produces with an error, and
// before this patch it said so only in a warning per failed batch. The
// embedding program needs to know as a state: failing since which error,
// and when writes succeed again, so it can report itself not ready and log
// once per change rather than once per batch.

// writeHealth tracks whether the last persisted write failed. Writes come
// from the cluster's loop and from group goroutines, hence the mutex; fn is
// called under it, so transitions reach fn in the order they happened.
type writeHealth struct {
	mu      sync.Mutex
	failing bool
	last    error // the last write's error, nil after a success
	fn      func(error)
}

// WriteHealthFn calls fn when persisted writes start failing, with the
// error (an *os.PathError naming the file when the OS refused the write),
// and with nil when a segment write (a record batch) succeeds again: once per change of state, not
// per write. fn must not block; it runs on the broker's goroutines. Only
// meaningful with DataDir. By default nothing is called and failures are
// logged at the warn level only.
func WriteHealthFn(fn func(err error)) Opt {
	return opt{func(cfg *cfg) { cfg.writeHealthFn = fn }}
}

// noteWrite records the outcome of a persisted write: a segment batch, a
// groups.log or pids.log entry, or a state file. Only segment writes report
// success: a small append can still fit on a disk too full for batches.
func (c *Cluster) noteWrite(err error) {
	h := &c.writeHealth
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = err
	if failing := err != nil; failing != h.failing {
		h.failing = failing
		if c.cfg.writeHealthFn != nil {
			c.cfg.writeHealthFn(err)
		}
	}
}

// message is the error of the last failed write, for the ErrorMessage of a
// produce it failed ("write /data/...: no space left on device").
func (h *writeHealth) message() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last == nil {
		return "the broker could not write the batch to disk"
	}
	return "the broker could not write the batch to disk: " + h.last.Error()
}
