package multiline

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// join runs lines through a Joiner made from cfg, flushing at the end, and
// returns the events' texts, each line of an event on a line of its own.
func join(tb testing.TB, cfg Config, lines ...string) []string {
	tb.Helper()
	var out []string
	for _, ev := range joinEvents(tb, cfg, lines...) {
		out = append(out, string(ev.Text))
	}
	return out
}

func joinEvents(tb testing.TB, cfg Config, lines ...string) []Event {
	tb.Helper()
	j, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	var out []Event
	for _, l := range lines {
		if ev, ok := j.Add([]byte(l), time.Time{}); ok {
			out = append(out, ev)
		}
		if !j.Pending() {
			tb.Fatalf("nothing held after Add(%q)", l)
		}
	}
	if ev, ok := j.Flush(); ok {
		out = append(out, ev)
	}
	if j.Pending() {
		tb.Fatal("an event held after Flush")
	}
	return out
}

// lines joins its arguments as one event's text.
func lines(ls ...string) string { return strings.Join(ls, "\n") }

func TestJoin(t *testing.T) {
	javaTrace := []string{
		"2024-05-01 12:00:00,123 ERROR [main] c.e.Api: request failed",
		"java.lang.IllegalStateException: order 17 is closed",
		"\tat com.example.Orders.close(Orders.java:88)",
		"\tat com.example.Api.handle(Api.java:41)",
		"Caused by: java.sql.SQLException: connection reset",
		"\tat org.postgresql.Driver.send(Driver.java:310)",
		"\tSuppressed: java.io.IOException: broken pipe",
		"\t\tat java.net.Socket.write(Socket.java:12)",
		"\t... 12 more",
	}
	pyTrace := []string{
		"ERROR:root:could not load the config",
		"Traceback (most recent call last):",
		`  File "/app/main.py", line 12, in <module>`,
		"    load()",
		`  File "/app/config.py", line 3, in load`,
		"    raise ValueError(path)",
		"ValueError: /etc/app.yaml",
	}
	for _, tt := range []struct {
		name string
		in   []string
		want []string
	}{
		{
			"java stack trace with Caused by and ... 12 more",
			append(append([]string{"2024-05-01 11:59:59,000 INFO [main] c.e.Api: started"}, javaTrace...),
				"2024-05-01 12:00:01,000 INFO [main] c.e.Api: next"),
			[]string{"2024-05-01 11:59:59,000 INFO [main] c.e.Api: started", lines(javaTrace...), "2024-05-01 12:00:01,000 INFO [main] c.e.Api: next"},
		},
		{
			"frames without indentation",
			[]string{"boom", "at com.example.A.b(A.java:1)", "...", "Suppressed: x", "next"},
			[]string{lines("boom", "at com.example.A.b(A.java:1)", "...", "Suppressed: x"), "next"},
		},
		{
			"indented continuation of a message",
			[]string{"WARN slow query:", "    SELECT *", "\t  FROM orders", "WARN done"},
			[]string{lines("WARN slow query:", "    SELECT *", "\t  FROM orders"), "WARN done"},
		},
		{
			".NET exception",
			[]string{
				"2024-05-01T12:00:00Z fail: request failed",
				"System.InvalidOperationException: Sequence contains no elements",
				"   at System.Linq.Enumerable.First[TSource](IEnumerable`1 source)",
				"   --- End of inner exception stack trace ---",
			},
			[]string{lines(
				"2024-05-01T12:00:00Z fail: request failed",
				"System.InvalidOperationException: Sequence contains no elements",
				"   at System.Linq.Enumerable.First[TSource](IEnumerable`1 source)",
				"   --- End of inner exception stack trace ---",
			)},
		},
		{
			"python traceback after logging.exception's message",
			append(append([]string{}, pyTrace...), "INFO:root:retrying"),
			[]string{lines(pyTrace...), "INFO:root:retrying"},
		},
		{
			"python traceback with no message before it",
			pyTrace[1:],
			[]string{lines(pyTrace[1:]...)},
		},
		{
			"only the first line after the frames ends a traceback",
			append(append([]string{}, pyTrace[1:]...), "plain text"),
			[]string{lines(pyTrace[1:]...), "plain text"},
		},
		{
			"chained python tracebacks stay one event, trailing blank lines left out",
			[]string{
				"Traceback (most recent call last):",
				`  File "a.py", line 2, in <module>`,
				"KeyError: 'a'",
				"",
				"During handling of the above exception, another exception occurred:",
				"",
				"Traceback (most recent call last):",
				`  File "a.py", line 4, in <module>`,
				"mod.errors.ConfigError: b",
				"",
				"The above exception was the direct cause of the following exception:",
				"",
				"Traceback (most recent call last):",
				`  File "a.py", line 6, in <module>`,
				"RuntimeError",
				"",
				"",
				"2024-05-01 12:00:01 INFO next",
			},
			[]string{
				lines(
					"Traceback (most recent call last):",
					`  File "a.py", line 2, in <module>`,
					"KeyError: 'a'",
					"",
					"During handling of the above exception, another exception occurred:",
					"",
					"Traceback (most recent call last):",
					`  File "a.py", line 4, in <module>`,
					"mod.errors.ConfigError: b",
					"",
					"The above exception was the direct cause of the following exception:",
					"",
					"Traceback (most recent call last):",
					`  File "a.py", line 6, in <module>`,
					"RuntimeError",
				),
				"2024-05-01 12:00:01 INFO next",
			},
		},
		{
			"lines that start with a timestamp never join",
			[]string{
				"2024-05-01 12:00:00 ERROR a", "2024-05-01 12:00:00 ERROR b", "12:00:01.5 c",
				"1714564800 WARN d", "[2024-05-01T12:00:00Z] e", "May  1 12:00:00 host app: f",
			},
			[]string{
				"2024-05-01 12:00:00 ERROR a", "2024-05-01 12:00:00 ERROR b", "12:00:01.5 c",
				"1714564800 WARN d", "[2024-05-01T12:00:00Z] e", "May  1 12:00:00 host app: f",
			},
		},
		{
			"blank lines outside a traceback are events of their own",
			[]string{"a", "", "  ", "  b", "c"},
			[]string{"a", "", lines("  ", "  b"), "c"},
		},
		{
			"a line that only looks like an exception does not join",
			[]string{"a", "Error: disk full", "MyException", "main.go:3: some Error"},
			[]string{"a", "Error: disk full", "MyException", "main.go:3: some Error"},
		},
		{
			// Documented as not recognised.
			"go panic dumps are not joined",
			[]string{"panic: boom", "", "goroutine 1 [running]:", "main.main()", "\t/app/main.go:8 +0x1d"},
			[]string{"panic: boom", "", "goroutine 1 [running]:", lines("main.main()", "\t/app/main.go:8 +0x1d")},
		},
		{
			"continuation lines with nothing before them start an event",
			[]string{"\tat a.B.c(B.java:1)", "\tat a.B.d(B.java:2)", "x"},
			[]string{lines("\tat a.B.c(B.java:1)", "\tat a.B.d(B.java:2)"), "x"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, join(t, Config{}, tt.in...)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHeaderEndsTraceback: the first line after a traceback's frames ends
// it, unless it is the header of the next event (the exception line was
// lost).
func TestHeaderEndsTraceback(t *testing.T) {
	tb := []string{"Traceback (most recent call last):", `  File "a.py", line 1`}
	for _, h := range []string{
		"2024-05-01 12:00:00 INFO a",
		"12:00:00.123 b",
		`{"level":"info","msg":"c"}`,
		"[2024-05-01 12:00:00] d",
		"ERROR:root:e",
		"WARNING f",
		"level=warn msg=g",
		"E0501 12:00:00.000000 1 main.go:1] h",
		"<34>1 2024-05-01T12:00:00Z host app - - i",
		"May  1 12:00:00 host app: j",
	} {
		want := []string{lines(tb...), h}
		if diff := cmp.Diff(want, join(t, Config{}, append(tb, h)...)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", h, diff)
		}
	}
}

// TestEventLines: an event counts every line it took, blank ones left out
// of its text included, so a reader can account for every line.
func TestEventLines(t *testing.T) {
	got := joinEvents(t, Config{}, "Traceback (most recent call last):", "  f()", "E", "", "", "next")
	want := []Event{{Text: []byte("Traceback (most recent call last):\n  f()\nE"), Lines: 5}, {Text: []byte("next"), Lines: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestMaxLines(t *testing.T) {
	in := []string{"head", "  1", "  2", "  3", "  4", "  5", "next"}
	want := []string{lines("head", "  1", "  2"), lines("  3", "  4", "  5"), "next"}
	if diff := cmp.Diff(want, join(t, Config{MaxLines: 3}, in...)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	// One line per event: nothing joins.
	if diff := cmp.Diff(in, join(t, Config{MaxLines: 1}, in...)); diff != "" {
		t.Errorf("MaxLines 1 (-want +got):\n%s", diff)
	}
}

func TestMaxBytes(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []string
		want []string
	}{
		// "head\n  ab" is 9 bytes, "head\n  ab\n  c" 13.
		{"joins up to the bound", []string{"head", "  ab", "x"}, []string{"head\n  ab", "x"}},
		{"a line past the bound starts an event", []string{"head", "  ab", "  c", "  d"}, []string{"head\n  ab", "  c\n  d"}},
		{"exactly the bound", []string{"head", "    ab"}, []string{"head\n    ab"}},
		{"a long line is left whole", []string{"head", "  0123456789", "  x"}, []string{"head", "  0123456789", "  x"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, join(t, Config{MaxBytes: 11}, tt.in...)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTimeout drives the clock by hand: the times passed to Add and Due are
// the only clock a Joiner has.
func TestTimeout(t *testing.T) {
	j, err := New(Config{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	if j.Due(t0.Add(time.Hour)) {
		t.Fatal("Due with nothing held")
	}
	if _, ok := j.DueIn(t0); ok {
		t.Fatal("DueIn with nothing held")
	}
	j.Add([]byte("head"), t0)
	j.Add([]byte("  frame"), t0.Add(600*time.Millisecond))
	// The timeout runs from the last line, not the first.
	if j.Due(t0.Add(time.Second)) {
		t.Error("Due 1s after the first line, 0.4s after the last")
	}
	if d, ok := j.DueIn(t0.Add(time.Second)); !ok || d != 600*time.Millisecond {
		t.Errorf("DueIn = %s, %v; want 600ms, true", d, ok)
	}
	if !j.Due(t0.Add(1600 * time.Millisecond)) {
		t.Error("not Due 1s after the last line")
	}
	if d, ok := j.DueIn(t0.Add(time.Hour)); !ok || d != 0 {
		t.Errorf("DueIn long after = %s, %v; want 0, true", d, ok)
	}
	ev, ok := j.Flush()
	if !ok || string(ev.Text) != "head\n  frame" {
		t.Fatalf("Flush = %q, %v", ev.Text, ok)
	}
	// A continuation after the flush has nothing to continue.
	if _, ok := j.Add([]byte("  late"), t0.Add(2*time.Second)); ok {
		t.Error("Add after Flush returned an event")
	}
	if ev, _ := j.Flush(); string(ev.Text) != "  late" {
		t.Errorf("after a flush, a continuation line is an event of its own, got %q", ev.Text)
	}

	// Without a timeout nothing is ever Due.
	j, err = New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	j.Add([]byte("head"), t0)
	if j.Due(t0.Add(24 * time.Hour)) {
		t.Error("Due without a timeout")
	}
}

// TestFirstLineNotWritten: the caller's first line is kept, not grown in
// place, so spare capacity behind it is never overwritten.
func TestFirstLineNotWritten(t *testing.T) {
	buf := []byte("head|spare")
	j, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	j.Add(buf[:4], time.Time{})
	j.Add([]byte("  more"), time.Time{})
	ev, _ := j.Flush()
	if string(buf) != "head|spare" || string(ev.Text) != "head\n  more" {
		t.Errorf("buffer %q, event %q", buf, ev.Text)
	}
}

func TestNewErrors(t *testing.T) {
	for _, cfg := range []Config{{MaxLines: -1}, {MaxBytes: -1}, {Timeout: -time.Second}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted a negative bound", cfg)
		}
	}
}

// FuzzJoiner checks what holds for any input: every line is in exactly one
// event, in order, and no event passes the bounds.
func FuzzJoiner(f *testing.F) {
	f.Add("2024-05-01 ERROR a\njava.lang.X: y\n\tat a.b(C.java:1)\n... 3 more\nnext", 4, 64)
	f.Add("Traceback (most recent call last):\n  f()\nE: x\n\n\nDuring handling of the above exception\n\nTraceback (most recent call last):\nX", 500, 1<<20)
	f.Fuzz(func(t *testing.T, in string, maxLines, maxBytes int) {
		cfg := Config{MaxLines: max(1, maxLines%600), MaxBytes: max(1, maxBytes%(1<<12))}
		in = strings.ReplaceAll(in, "\r", "")
		ls := strings.Split(in, "\n")
		evs := joinEvents(t, cfg, ls...)
		i := 0
		for _, ev := range evs {
			if ev.Lines < 1 || ev.Lines > cfg.MaxLines || i+ev.Lines > len(ls) {
				t.Fatalf("event of %d lines at line %d of %d (max %d)", ev.Lines, i, len(ls), cfg.MaxLines)
			}
			full := strings.Join(ls[i:i+ev.Lines], "\n")
			if !strings.HasPrefix(full, string(ev.Text)) || strings.Trim(full[len(ev.Text):], " \t\n") != "" {
				t.Fatalf("event %q is not lines %d-%d %q but for blank lines", ev.Text, i, i+ev.Lines, full)
			}
			if ev.Lines > 1 && len(full) > cfg.MaxBytes {
				t.Fatalf("event of %d lines and %d bytes, max %d", ev.Lines, len(full), cfg.MaxBytes)
			}
			i += ev.Lines
		}
		if i != len(ls) {
			t.Fatalf("events hold %d of %d lines", i, len(ls))
		}
	})
}
