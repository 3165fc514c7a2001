package filetail

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/internal/multiline"
)

// javaTrace is an exception logged by logback: a message line, the
// exception and its frames, 10 lines in all.
func javaTrace() []string {
	return []string{
		"2024-05-01 12:00:00,123 ERROR [main] c.e.Api: request failed",
		"java.lang.IllegalStateException: order 17 is closed",
		"\tat com.example.Orders.close(Orders.java:88)",
		"\tat com.example.Api.handle(Api.java:41)",
		"\tat java.base/java.lang.Thread.run(Thread.java:1583)",
		"Caused by: java.sql.SQLException: connection reset",
		"\tat org.postgresql.Driver.send(Driver.java:310)",
		"\tat org.postgresql.Driver.query(Driver.java:201)",
		"\tat com.example.Orders.close(Orders.java:80)",
		"\t... 12 more",
	}
}

// waitTextsTicking is waitTexts while the clock moves on a second at each
// check: for an event emitted on its timeout, whose last line may be read
// only after the clock moved.
func waitTextsTicking(tb testing.TB, c *collector, clock *fakeClock, path string, want []string) {
	tb.Helper()
	waitFor(tb, fmt.Sprintf("%d lines of %q", len(want), path), func() bool {
		clock.advance(time.Second)
		return len(c.texts(path)) >= len(want)
	})
	if diff := cmp.Diff(want, c.texts(path)); diff != "" {
		tb.Fatalf("lines of %q (-want +got):\n%s", path, diff)
	}
}

// withClock makes the Tailer read time from c, so that a test decides when
// a held event's timeout has passed.
func withClock(c *fakeClock) func(*Tailer) {
	return func(t *Tailer) { t.now = c.now }
}

func TestMultilineJoinsStackTrace(t *testing.T) {
	path := tempLog(t)
	writeFile(t, path, "")
	var clock fakeClock
	r := start(t, Config{Paths: []string{path}, Multiline: &multiline.Config{Timeout: time.Second}}, withClock(&clock))

	before := "2024-05-01 11:59:59,000 INFO [main] c.e.Api: started\n"
	trace := strings.Join(javaTrace(), "\n") + "\n"
	appendFile(t, path, before+trace+"2024-05-01 12:00:01,000 INFO [main] c.e.Api: next\n")
	// The last line waits for what may continue it; the clock stands still.
	waitTexts(t, r.c, path, []string{strings.TrimSuffix(before, "\n"), strings.Join(javaTrace(), "\n")})
	if got := r.c.all()[1].Offset; got != int64(len(before)) {
		t.Errorf("event at offset %d, want its first line's %d", got, len(before))
	}
	waitFor(t, "stats", func() bool { return r.Stats().Lines == 11 })
	if got, want := r.Stats().Paths[path].Offset, int64(len(before)+len(trace)); got != want {
		t.Errorf("checkpoint at %d, want %d: the end of the emitted event", got, want)
	}

	clock.advance(time.Second)
	waitTexts(t, r.c, path, []string{strings.TrimSuffix(before, "\n"), strings.Join(javaTrace(), "\n"), "2024-05-01 12:00:01,000 INFO [main] c.e.Api: next"})
	waitFor(t, "stats", func() bool { return r.Stats().Lines == 12 })
	if got, want := r.Stats().Paths[path].Offset, fileSize(t, path); got != want {
		t.Errorf("checkpoint at %d after the timeout, want the end %d", got, want)
	}
}

// TestMultilineTimeout: a held event is emitted once its last line is
// Timeout old, and a continuation line that comes later is an event of its
// own.
func TestMultilineTimeout(t *testing.T) {
	path := tempLog(t)
	writeFile(t, path, "")
	var clock fakeClock
	r := start(t, Config{Paths: []string{path}, Multiline: &multiline.Config{Timeout: time.Second}}, withClock(&clock))

	appendFile(t, path, "h1\n  c1\n")
	clock.advance(999 * time.Millisecond)
	appendFile(t, path, "  c2\nh2\n")
	// Read after the clock moved: c2 still joins, and h2 is held.
	waitTexts(t, r.c, path, []string{"h1\n  c1\n  c2"})
	clock.advance(time.Second)
	waitTexts(t, r.c, path, []string{"h1\n  c1\n  c2", "h2"})
	appendFile(t, path, "  late\n")
	waitTextsTicking(t, r.c, &clock, path, []string{"h1\n  c1\n  c2", "h2", "  late"})
}

// TestMultilineRestartMidEvent: a restart while an event is held neither
// loses nor repeats a line: the checkpoint stays at the held event's start,
// and the next Tailer reads the event again, whole.
func TestMultilineRestartMidEvent(t *testing.T) {
	path := tempLog(t)
	cfg := Config{Paths: []string{path}, StateDir: t.TempDir(), FromStart: true, Multiline: &multiline.Config{Timeout: time.Second}}
	writeFile(t, path, "a\nh1\n  c1\n")
	var clock fakeClock
	first := start(t, cfg, withClock(&clock))
	waitTexts(t, first.c, path, []string{"a"})
	// The first poll read the whole file, so h1 and c1 are held.
	waitFor(t, "checkpoint at the held event", func() bool { return readState(t, cfg.StateDir).Files[abs(t, path)].Offset == 2 })
	if err := first.stop(t); err != nil {
		t.Fatal(err)
	}
	if got := readState(t, cfg.StateDir).Files[abs(t, path)].Offset; got != 2 {
		t.Fatalf("checkpoint at %d after stop, want 2, the start of the held event", got)
	}

	appendFile(t, path, "  c2\nh2\n")
	second := start(t, cfg, withClock(&clock))
	waitTexts(t, second.c, path, []string{"h1\n  c1\n  c2"})
	// The checkpoint of an emitted event is the end of its last line.
	waitFor(t, "checkpoint after the event", func() bool {
		return readState(t, cfg.StateDir).Files[abs(t, path)].Offset == int64(len("a\nh1\n  c1\n  c2\n"))
	})
	clock.advance(time.Second)
	waitTexts(t, second.c, path, []string{"h1\n  c1\n  c2", "h2"})
	size := fileSize(t, path)
	waitFor(t, "checkpoint at the end", func() bool { return readState(t, cfg.StateDir).Files[abs(t, path)].Offset == size })
}

// TestMultilineEndsWithFile: a rotation or truncation emits the held event,
// and what the next file starts with does not join it.
func TestMultilineEndsWithFile(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(tb testing.TB, path string)
	}{
		{"rotation", func(tb testing.TB, path string) {
			if err := os.Rename(path, path+".1"); err != nil {
				tb.Fatal(err)
			}
			writeFile(tb, path, "  next\n")
		}},
		{"truncation", func(tb testing.TB, path string) {
			if err := os.Truncate(path, 0); err != nil {
				tb.Fatal(err)
			}
			appendFile(tb, path, "  next\n")
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := tempLog(t)
			writeFile(t, path, "")
			var clock fakeClock
			r := start(t, Config{Paths: []string{path}, Multiline: &multiline.Config{Timeout: time.Second}}, withClock(&clock))
			appendFile(t, path, "a\nh\n  c\n")
			waitTexts(t, r.c, path, []string{"a"})
			tt.change(t, path)
			waitTexts(t, r.c, path, []string{"a", "h\n  c"})
			waitTextsTicking(t, r.c, &clock, path, []string{"a", "h\n  c", "  next"})
		})
	}
}

// TestMultilineBatches: batches of joined events stay within maxBatch
// (collector.emit refuses larger ones).
func TestMultilineBatches(t *testing.T) {
	path := tempLog(t)
	var text strings.Builder
	var want []string
	for i := range 2*maxBatch + 10 {
		l := "h" + strings.Repeat("x", i%7)
		text.WriteString(l + "\n  c\n")
		want = append(want, l+"\n  c")
	}
	writeFile(t, path, text.String())
	var clock fakeClock
	r := start(t, Config{Paths: []string{path}, FromStart: true, Multiline: &multiline.Config{Timeout: time.Second}}, withClock(&clock))
	waitTexts(t, r.c, path, want[:len(want)-1])
	waitTextsTicking(t, r.c, &clock, path, want)
	waitFor(t, "stats", func() bool { return r.Stats().Lines == int64(2*len(want)) })
}

func TestMultilineConfigErrors(t *testing.T) {
	_, err := New(Config{Paths: []string{"a"}, Multiline: &multiline.Config{MaxLines: -1}})
	if err == nil || !strings.Contains(err.Error(), "max lines") {
		t.Fatalf("New: %v, want an error about max lines", err)
	}
}

func TestStdinMultiline(t *testing.T) {
	in := "2024-05-01 11:59:59,000 INFO started\n" + strings.Join(javaTrace(), "\r\n") + "\n  no newline at the end"
	c := &collector{}
	if err := Stdin(context.Background(), strings.NewReader(in), 0, &multiline.Config{Timeout: time.Hour}, c.emit); err != nil {
		t.Fatal(err)
	}
	// EOF emits the held event at once, without waiting for the timeout.
	want := []Line{
		{Path: "-", Text: []byte("2024-05-01 11:59:59,000 INFO started")},
		{Path: "-", Text: []byte(strings.Join(append(javaTrace(), "  no newline at the end"), "\n")), Offset: 37},
	}
	if diff := cmp.Diff(want, c.all()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestStdinMultilineTimeout: on an open stream, a held event is emitted
// Timeout after its last line, without the next line or EOF.
func TestStdinMultilineTimeout(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	c := &collector{}
	done := make(chan error, 1)
	go func() {
		done <- Stdin(context.Background(), pr, 0, &multiline.Config{Timeout: 20 * time.Millisecond}, c.emit)
	}()

	if _, err := io.WriteString(pw, "h\n  c\n"); err != nil {
		t.Fatal(err)
	}
	waitTexts(t, c, "-", []string{"h\n  c"})
	if _, err := io.WriteString(pw, "  late\n"); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stdin did not return at EOF")
	}
	if diff := cmp.Diff([]string{"h\n  c", "  late"}, c.texts("-")); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
