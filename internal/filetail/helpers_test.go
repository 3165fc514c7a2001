package filetail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testPoll is short so that tests observe changes quickly.
const testPoll = 10 * time.Millisecond

// collector records every line a Tailer emits. fail, when set, decides
// whether a batch is refused.
type collector struct {
	mu    sync.Mutex
	lines []Line
	calls int
	fail  func(batch []Line) error
}

func (c *collector) emit(batch []Line) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(batch) == 0 || len(batch) > maxBatch {
		return fmt.Errorf("batch of %d lines", len(batch))
	}
	c.calls++
	if c.fail != nil {
		if err := c.fail(batch); err != nil {
			return err
		}
	}
	c.lines = append(c.lines, batch...)
	return nil
}

// texts returns the text of the lines emitted so far for path, or for every
// path when path is "".
func (c *collector) texts(path string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, l := range c.lines {
		if path == "" || l.Path == path {
			out = append(out, string(l.Text))
		}
	}
	return out
}

func (c *collector) all() []Line {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Line(nil), c.lines...)
}

// fakeClock is a clock tests move by hand.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// running is a Tailer whose Run is in progress.
type running struct {
	*Tailer
	c      *collector
	cancel context.CancelFunc
	done   chan error
}

// stop cancels Run and returns what it returned.
func (r *running) stop(tb testing.TB) error {
	tb.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // let cleanup see it too
		return err
	case <-time.After(10 * time.Second):
		tb.Fatal("Run did not return after cancel")
		return nil
	}
}

// start creates a Tailer for cfg (with the test poll interval and no wait
// after rotation unless set) and runs it until the test ends.
func start(tb testing.TB, cfg Config, setup ...func(*Tailer)) *running {
	tb.Helper()
	if cfg.Poll == 0 {
		cfg.Poll = testPoll
	}
	t, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	t.rotateWait = 0
	for _, f := range setup {
		f(t)
	}
	return runTailer(tb, t, &collector{})
}

func runTailer(tb testing.TB, t *Tailer, c *collector) *running {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Tailer: t, c: c, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- t.Run(ctx, c.emit) }()
	tb.Cleanup(func() {
		if err := r.stop(tb); err != nil && !errors.Is(err, errBoom) {
			tb.Errorf("Run: %v", err)
		}
	})
	return r
}

// errBoom is the error a failing emit returns; a constant, so that no test
// state lives in a package variable.
const errBoom = constError("boom")

type constError string

func (e constError) Error() string { return string(e) }

// waitFor polls cond until it holds, failing the test after a deadline.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// waitTexts waits until at least len(want) lines of path were emitted and
// then requires exactly want, so a repeated line shows up as a diff.
func waitTexts(tb testing.TB, c *collector, path string, want []string) {
	tb.Helper()
	waitFor(tb, fmt.Sprintf("%d lines of %q", len(want), path), func() bool {
		return len(c.texts(path)) >= len(want)
	})
	if diff := cmp.Diff(want, c.texts(path)); diff != "" {
		tb.Fatalf("lines of %q (-want +got):\n%s", path, diff)
	}
}

func writeFile(tb testing.TB, path, s string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func appendFile(tb testing.TB, path, s string) {
	tb.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// numbered returns "<prefix><i>\n" for i in [from, to].
func numbered(prefix string, from, to int) (text string, lines []string) {
	for i := from; i <= to; i++ {
		l := fmt.Sprintf("%s%d", prefix, i)
		text += l + "\n"
		lines = append(lines, l)
	}
	return text, lines
}

func tempLog(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(tb.TempDir(), "app.log")
}
