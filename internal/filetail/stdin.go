package filetail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/logpulse/logpulse/internal/multiline"
)

// Stdin reads lines from r (standard input for --stdin) and calls emit with
// batches of at most 1000 lines (or about 16 MiB of text), Path "-", until r
// reaches EOF, emit fails, or ctx is done. A line longer than maxLine
// (DefaultMaxLineBytes if not positive) is cut and flagged Truncated. A last
// line without a newline is emitted at EOF, since nothing can complete it
// any more. With ml set, continuation lines are joined to the event they
// continue, as Config.Multiline does for files: an event is emitted when
// the next one starts, ml.Timeout after its last line, or at EOF. There are
// no checkpoints: a stream cannot be re-read. On cancellation the lines
// already read are emitted and Stdin returns nil; the goroutine blocked in
// r.Read then ends with that Read.
func Stdin(ctx context.Context, r io.Reader, maxLine int, ml *multiline.Config, emit func(batch []Line) error) error {
	if maxLine <= 0 {
		maxLine = DefaultMaxLineBytes
	}
	jn, err := newJoiner(ml)
	if err != nil {
		return err
	}
	// Reads happen on their own goroutine because a Read on a terminal or
	// pipe cannot be interrupted, and Stdin must still return on cancel.
	type chunk struct {
		p   []byte
		err error
	}
	chunks := make(chan chunk, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			buf := make([]byte, readSize) // fresh: the previous one may still be split
			n, err := r.Read(buf)
			select {
			case chunks <- chunk{buf[:n], err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()

	sp := splitter{max: maxLine}
	var b batch
	flush := func() error {
		if len(b.lines) == 0 {
			return nil
		}
		err := emit(b.lines)
		b.reset()
		if err != nil {
			return fmt.Errorf("emit: %w", err)
		}
		return nil
	}
	// end emits everything read, the held event included.
	end := func() error {
		if b.room() == 0 {
			if err := flush(); err != nil {
				return err
			}
		}
		jn.flush(&b, nil)
		return flush()
	}
	add := func(l Line, raw int64) error {
		l.Path = "-"
		jn.push(&b, nil, l, raw, time.Now())
		if b.room() == 0 {
			return flush()
		}
		return nil
	}
	// wait blocks for the next chunk; ok is false when ctx is done or, before
	// any chunk came, the held event became due.
	wait := func() (c chunk, ok bool) {
		var due <-chan time.Time
		if d, held := jn.dueIn(time.Now()); held {
			timer := time.NewTimer(d)
			defer timer.Stop()
			due = timer.C
		}
		select {
		case <-ctx.Done():
			return chunk{}, false
		case <-due:
			return chunk{}, false
		case c = <-chunks:
			return c, true
		}
	}
	for {
		var c chunk
		select {
		case <-ctx.Done():
			return end()
		case c = <-chunks:
		default:
			// Nothing more is ready: emit what there is before waiting, so a
			// slow stream is not held back to fill a batch.
			if err := flush(); err != nil {
				return err
			}
			var ok bool
			if c, ok = wait(); !ok {
				if ctx.Err() != nil {
					return end()
				}
				// The held event is due: emit it and wait on.
				if err := end(); err != nil {
					return err
				}
				continue
			}
		}
		for p := c.p; len(p) > 0; {
			used, l, raw, ok := sp.feed(p)
			p = p[used:]
			if !ok {
				continue
			}
			if err := add(l, raw); err != nil {
				return err
			}
		}
		if errors.Is(c.err, io.EOF) {
			if sp.pending() {
				if err := add(sp.cut(false)); err != nil {
					return err
				}
			}
			return end()
		}
		if c.err != nil {
			return errors.Join(fmt.Errorf("read: %w", c.err), end())
		}
	}
}
