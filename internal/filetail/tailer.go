package filetail

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Tailer follows a set of files. Create it with New and start it with Run.
type Tailer struct {
	cfg       Config
	store     *store // nil without a StateDir
	followers []*follower

	// Fields tests replace before Run.
	now        func() time.Time
	rotateWait time.Duration

	running atomic.Bool

	mu    sync.Mutex // guards stats, which Stats reads from other goroutines
	stats Stats
}

// New validates cfg, loads the checkpoints under cfg.StateDir and opens the
// files that exist, fixing where each is read from: anything appended after
// New returns is emitted, also in tail mode. Run closes the files.
func New(cfg Config) (*Tailer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("filetail config: %w", err)
	}
	t := &Tailer{
		cfg:        cfg,
		now:        time.Now,
		rotateWait: defaultRotateWait,
		stats:      Stats{Paths: make(map[string]PathStats, len(cfg.Paths))},
	}
	if cfg.StateDir != "" {
		if t.store, err = loadStore(cfg.StateDir); err != nil {
			return nil, err
		}
	}
	for _, p := range cfg.Paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			for _, fl := range t.followers {
				fl.detach()
			}
			return nil, fmt.Errorf("resolve path %q: %w", p, err)
		}
		jn, err := newJoiner(cfg.Multiline)
		if err != nil {
			for _, fl := range t.followers {
				fl.detach()
			}
			return nil, fmt.Errorf("filetail config: %w", err)
		}
		fl := &follower{path: p, key: abs, log: cfg.Logger, sp: splitter{max: cfg.MaxLineBytes}, jn: jn}
		var cp *entry
		if t.store != nil {
			if e, ok := t.store.files[abs]; ok {
				cp = &e
			}
		}
		// Appended before resume opens the file, so that an error for a
		// later path closes it too.
		t.followers = append(t.followers, fl)
		fl.resume(cp, cfg.FromStart)
		t.stats.Paths[p] = PathStats{}
	}
	return t, nil
}

// Run follows the files until ctx is done, calling emit with batches of at
// most 1000 lines (or about 16 MiB of text) holding what was available at a
// poll, each path's lines in file order. With Config.Multiline, each Line is
// an event, and a batch holds at most 1000 events. emit is called from Run's
// goroutine only; it must not keep batch after returning (the slice is
// reused), though it may keep the lines' Text. Once emit returns nil, the
// batch's positions are checkpointed before anything else is read. If emit
// returns an error, Run returns it wrapped, without checkpointing that batch.
// Run returns nil when ctx is done; an unterminated last line, and an event
// held by Config.Multiline, are then left for the next Tailer. Run may be
// called once.
func (t *Tailer) Run(ctx context.Context, emit func(batch []Line) error) error {
	if !t.running.CompareAndSwap(false, true) {
		return errors.New("filetail: Run called twice")
	}
	defer func() {
		for _, fl := range t.followers {
			fl.detach()
		}
	}()
	// Record the start positions at once: after a crash before the first
	// line, the next run must not skip what was appended meanwhile.
	if err := t.commit(); err != nil {
		return err
	}
	tick := time.NewTicker(t.cfg.Poll)
	defer tick.Stop()
	var b batch
	for first := 0; ; first = (first + 1) % len(t.followers) {
		if ctx.Err() != nil {
			return nil
		}
		more, err := t.round(&b, first, emit)
		if err != nil {
			return err
		}
		if more {
			continue // a backlog: read on without waiting
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// round polls every path once, starting with followers[first] so that one
// busy file is not always read first, and emits what it read. more reports
// that some path had more to read than fitted in a batch.
func (t *Tailer) round(b *batch, first int, emit func([]Line) error) (more bool, err error) {
	now := t.now()
	for i := range t.followers {
		fl := t.followers[(first+i)%len(t.followers)]
		full, err := fl.poll(b, now, t.rotateWait)
		if err != nil {
			return false, err
		}
		if full {
			more = true
			if err := t.flush(b, emit); err != nil {
				return false, err
			}
		}
		if fl.jn.due(now) {
			if b.room() == 0 {
				if err := t.flush(b, emit); err != nil {
					return false, err
				}
			}
			fl.jn.flush(b, fl)
		}
	}
	return more, t.flush(b, emit)
}

// flush emits b, if it holds anything, and checkpoints. It also checkpoints
// positions that moved without a line, as a truncation or a switch to a
// rotated file's successor do.
func (t *Tailer) flush(b *batch, emit func([]Line) error) error {
	if len(b.lines) > 0 {
		if err := emit(b.lines); err != nil {
			return fmt.Errorf("emit: %w", err)
		}
		for i, fl := range b.owners {
			fl.nLines += b.n[i]
			fl.nBytes += b.raw[i]
		}
		b.reset()
	}
	return t.commit()
}

// commit writes the state file if any position changed and publishes the
// counters. It must only run with every line read so far emitted or held by
// a follower's joiner.
func (t *Tailer) commit() error {
	changed := false
	var lines, nbytes int64
	t.mu.Lock()
	for _, fl := range t.followers {
		ps := PathStats{Lines: fl.nLines, Bytes: fl.nBytes, Rotations: fl.rotations, Truncations: fl.truncations}
		ps.Offset = t.stats.Paths[fl.path].Offset
		if fl.f != nil {
			e := fl.entry()
			ps.Offset = e.Offset
			if t.store != nil && t.store.files[fl.key] != e {
				t.store.files[fl.key] = e
				changed = true
			}
		}
		t.stats.Paths[fl.path] = ps
		lines += ps.Lines
		nbytes += ps.Bytes
	}
	t.stats.Lines, t.stats.Bytes = lines, nbytes
	t.mu.Unlock()
	if !changed {
		return nil
	}
	return t.store.save()
}

// Stats returns counters of what emit has accepted so far. It is safe to call
// while Run runs.
func (t *Tailer) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stats
	s.Paths = maps.Clone(t.stats.Paths)
	return s
}

// batch is the lines, or events, read since the last emit.
type batch struct {
	lines  []Line
	owners []*follower // owners[i] read lines[i]
	raw    []int64     // bytes lines[i] covered in its file, newlines included
	n      []int64     // file lines in lines[i]: 1 unless joined
	size   int         // bytes of Text in lines
}

// room is how many more lines b takes.
func (b *batch) room() int {
	if b.size >= maxBatchBytes {
		return 0
	}
	return maxBatch - len(b.lines)
}

// add appends l, n file lines read by fl (nil for Stdin, whose lines carry
// their Path).
func (b *batch) add(fl *follower, l Line, raw, n int64) {
	if fl != nil {
		l.Path = fl.path
	}
	b.lines = append(b.lines, l)
	b.owners = append(b.owners, fl)
	b.raw = append(b.raw, raw)
	b.n = append(b.n, n)
	b.size += len(l.Text)
}

func (b *batch) reset() {
	clear(b.lines) // drop the Text references the caller may no longer need
	b.lines, b.owners, b.raw, b.n, b.size = b.lines[:0], b.owners[:0], b.raw[:0], b.n[:0], 0
}
