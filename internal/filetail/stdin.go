package filetail

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Stdin reads lines from r (standard input for --stdin) and calls emit with
// batches of at most 1000 lines (or about 16 MiB of text), Path "-", until r reaches EOF, emit fails,
// or ctx is done. A line longer than maxLine (DefaultMaxLineBytes if not
// positive) is cut and flagged Truncated. A last line without a newline is
// emitted at EOF, since nothing can complete it any more. There are no
// checkpoints: a stream cannot be re-read. On cancellation the lines already
// read are emitted and Stdin returns nil; the goroutine blocked in r.Read
// then ends with that Read.
func Stdin(ctx context.Context, r io.Reader, maxLine int, emit func(batch []Line) error) error {
	if maxLine <= 0 {
		maxLine = DefaultMaxLineBytes
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
	add := func(l Line, raw int64) error {
		l.Path = "-"
		b.add(nil, l, raw)
		if b.room() == 0 {
			return flush()
		}
		return nil
	}
	for {
		var c chunk
		select {
		case <-ctx.Done():
			return flush()
		case c = <-chunks:
		default:
			// Nothing more is ready: emit what there is before waiting, so a
			// slow stream is not held back to fill a batch.
			if err := flush(); err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				return nil
			case c = <-chunks:
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
			return flush()
		}
		if c.err != nil {
			return errors.Join(fmt.Errorf("read: %w", c.err), flush())
		}
	}
}
