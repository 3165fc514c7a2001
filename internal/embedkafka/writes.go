package embedkafka

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"
)

// defaultWriteSettle is how long the broker's writes must succeed without a
// failure before it counts as writing again (Config.WriteSettle).
const defaultWriteSettle = 2 * time.Second

// writeState follows whether the broker can write its data dir. kfake
// reports each change (WriteHealthFn); a nearly full disk fails some writes
// and not others, so a failure counts at once but a recovery only after
// the writes have succeeded for settle, which keeps /readyz and the log
// from flapping with every batch.
type writeState struct {
	log     *slog.Logger
	dataDir string
	settle  time.Duration

	mu      sync.Mutex
	err     error       // what /readyz reports; nil while writes succeed
	pending *time.Timer // a recovery waiting out settle
}

// report is kfake's WriteHealthFn: err when writes start failing, nil when
// one succeeds again. It runs on the broker's goroutines and must not block.
func (w *writeState) report(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending != nil {
		w.pending.Stop()
		w.pending = nil
	}
	if err == nil {
		if w.err != nil {
			w.pending = time.AfterFunc(w.settle, w.recovered)
		}
		return
	}
	if w.err != nil {
		return // failing still: logged when it began
	}
	path, cause := "", err
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		path, cause = pe.Path, pe.Err
	}
	w.err = fmt.Errorf("embedded broker cannot write %s: %w; produces fail until it can: free space or fix permissions under %s", path, cause, w.dataDir)
	w.log.Error("embedded broker cannot write its data dir", "path", path, "error", cause.Error(), "data_dir", w.dataDir)
}

func (w *writeState) recovered() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending == nil {
		return // a failure came after the timer fired and before this ran
	}
	w.pending = nil
	w.err = nil
	w.log.Info("embedded broker writes its data dir again", "data_dir", w.dataDir)
}

func (w *writeState) current() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
