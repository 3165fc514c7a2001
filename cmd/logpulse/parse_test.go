package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/syncbuf"
)

// runParse runs `logpulse parse args...` in-process with stdin.
func runParse(tb testing.TB, stdin string, args ...string) (stdout, stderr string, err error) {
	tb.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"parse"}, args...), strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// outputLines decodes each line of parse's output.
func outputLines(tb testing.TB, out string) []map[string]any {
	tb.Helper()
	var got []map[string]any
	for line := range strings.Lines(out) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			tb.Fatalf("output line %q: %v", line, err)
		}
		got = append(got, m)
	}
	return got
}

func TestParse(t *testing.T) {
	in := strings.Join([]string{
		`{"@timestamp":"2024-05-01T12:00:00.123456789+02:00","severity":"warning","msg":"slow query","app":"db","hostname":"db-1"}`,
		`2024-05-01 12:00:01,250 ERROR [main] com.example.Api: disk full`,
		`ts=1714564802 level=crit msg="out of memory" service=worker host=w-7`,
		`{"level":"info","msg":`,
		`1714564803 DEBUG <b>cache</b> & more`,
	}, "\n")
	out, _, err := runParse(t, in, "--key", "fallback")
	if err == nil || !strings.Contains(err.Error(), "1 of 5 lines cannot be decoded") {
		t.Errorf("err = %v, want 1 of 5 lines cannot be decoded", err)
	}
	want := []map[string]any{
		{"timestamp": "2024-05-01T10:00:00.123456789Z", "level": "WARN", "service": "db", "host": "db-1", "message": "slow query"},
		{"timestamp": "2024-05-01T12:00:01.25Z", "level": "ERROR", "service": "fallback", "message": "[main] com.example.Api: disk full"},
		{"timestamp": "2024-05-01T12:00:02Z", "level": "FATAL", "service": "worker", "host": "w-7", "message": "out of memory"},
		{"line": 4.0, "error": "invalid_json: unexpected end of JSON input"},
		{"timestamp": "2024-05-01T12:00:03Z", "level": "DEBUG", "service": "fallback", "message": "<b>cache</b> & more"},
	}
	if diff := cmp.Diff(want, outputLines(t, out)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if strings.Contains(out, `\u003c`) {
		t.Errorf("output escapes HTML, which makes messages hard to read:\n%s", out)
	}
}

// TestParseRecordTime: a line without a time of its own gets the current
// time, as a record without one gets its Kafka timestamp.
func TestParseRecordTime(t *testing.T) {
	before := time.Now()
	out, _, err := runParse(t, "WARN no time here\n")
	after := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	got := outputLines(t, out)
	if len(got) != 1 {
		t.Fatalf("%d output lines, want 1:\n%s", len(got), out)
	}
	ts, err := time.Parse(time.RFC3339Nano, got[0]["timestamp"].(string))
	if err != nil || ts.Before(before.Add(-time.Microsecond)) || ts.After(after) || ts.Location() != time.UTC {
		t.Errorf("timestamp %v (%v), want a UTC time between %s and %s", got[0]["timestamp"], err, before, after)
	}
	if got[0]["level"] != "WARN" || got[0]["service"] != "unknown" {
		t.Errorf("got %v", got[0])
	}
}

func TestParseErrorsKeepLineNumbers(t *testing.T) {
	in := "INFO a\n\nbinary\x00\r\nINFO " + strings.Repeat("x", 1<<20) + "\nINFO b\n"
	out, _, err := runParse(t, in)
	if err == nil {
		t.Error("err = nil, want an error for the lines that cannot be decoded")
	}
	got := outputLines(t, out)
	var errs []string
	for i, m := range got {
		if e, ok := m["error"].(string); ok {
			reason, _, _ := strings.Cut(e, ":")
			errs = append(errs, strconv.Itoa(int(m["line"].(float64)))+" "+reason)
			if m["line"] != float64(i+1) {
				t.Errorf("output line %d reports line %v", i+1, m["line"])
			}
		}
	}
	if diff := cmp.Diff([]string{"2 empty", "3 invalid_utf8", "4 too_large"}, errs); diff != "" || len(got) != 5 {
		t.Errorf("%d output lines, errors (-want +got):\n%s", len(got), diff)
	}
}

func TestParseContentType(t *testing.T) {
	const line = `{"level":"error","msg":"boom"}`
	for _, tc := range []struct {
		flag, level, message, err string
	}{
		{"", "ERROR", "boom", ""},
		{"json", "ERROR", "boom", ""},
		{"text", "UNKNOWN", line, ""},
		{"text/logfmt", "", "", "undecodable"},
		{"application/json", "ERROR", "boom", ""},
	} {
		out, _, _ := runParse(t, line, "--content-type", tc.flag)
		got := outputLines(t, out)[0]
		if tc.err != "" {
			if e, _ := got["error"].(string); !strings.HasPrefix(e, tc.err) {
				t.Errorf("--content-type %q: got %v, want error %s", tc.flag, got, tc.err)
			}
			continue
		}
		if got["level"] != tc.level || got["message"] != tc.message {
			t.Errorf("--content-type %q: got %v, want level %s, message %q", tc.flag, got, tc.level, tc.message)
		}
	}
	if _, _, err := runParse(t, line, "--content-type", "xml"); err == nil || !strings.Contains(err.Error(), "--content-type must be json, text or logfmt") {
		t.Errorf("--content-type xml: err = %v", err)
	}
}

func TestParseSummary(t *testing.T) {
	in := "INFO a\nINFO b\nWARN c\nERROR d\n{oops\nno level\n\n{\"msg\":\n"
	t.Setenv("LOGPULSE_SUMMARY", "true") // the flag's environment variable
	out, _, err := runParse(t, in)
	if err == nil || !strings.Contains(err.Error(), "3 of 8 lines cannot be decoded") {
		t.Errorf("err = %v, want 3 of 8 lines cannot be decoded", err)
	}
	want := `LEVEL    LINES  SHARE
TRACE    0      0.0%
DEBUG    0      0.0%
INFO     2      25.0%
WARN     1      12.5%
ERROR    1      12.5%
FATAL    0      0.0%
UNKNOWN  1      12.5%
(error)  3      37.5%
total    8      

REASON        LINES  FIRST LINE
empty         1      7
invalid_json  2      5
`
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	for name, content := range map[string]string{a: "INFO one\n{bad\n", b: "{bad\n"} {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, _, _ := runParse(t, "WARN from stdin\n", a, "-", b)
	got := outputLines(t, out)
	var summary []string
	for _, m := range got {
		if m["error"] != nil {
			summary = append(summary, m["file"].(string)+":"+strconv.Itoa(int(m["line"].(float64))))
		} else {
			summary = append(summary, m["level"].(string))
		}
	}
	if diff := cmp.Diff([]string{"INFO", a + ":2", "WARN", b + ":1"}, summary); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// One file: its error lines need no name.
	out, _, _ = runParse(t, "", a)
	if got := outputLines(t, out); got[1]["file"] != nil {
		t.Errorf("one file: error line names it: %v", got[1])
	}

	_, _, err := runParse(t, "", filepath.Join(dir, "missing.log"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.log") {
		t.Errorf("missing file: err = %v", err)
	}
}

// TestParseStopsOnSignal: a read that blocks (a terminal on stdin) does not
// keep parse from ending when the context is cancelled.
func TestParseStopsOnSignal(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncbuf.Buffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"parse"}, pr, &out, io.Discard) }()
	if _, err := io.WriteString(pw, "ERROR typed\n"); err != nil {
		t.Fatal(err)
	}
	// The line is answered before more input comes.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), `"level":"ERROR"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no output for a line while stdin stays open; got %q", out.String())
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("parse did not return after cancel")
	}
}

func TestParseHelp(t *testing.T) {
	out, err := runCLI(t, "parse", "-h")
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("err = %v, want flag.ErrHelp", err)
	}
	parseCommand(&cliEnv{}).FlagSet.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(out, "--"+f.Name) || !strings.Contains(out, envName(f.Name)) {
			t.Errorf("parse -h does not list --%s with %s", f.Name, envName(f.Name))
		}
	})
	if !strings.Contains(out, "current time") {
		t.Errorf("parse -h does not say what time a line without one gets:\n%s", out)
	}
}

// loghubDir is where the loghub samples sit beside the checkout, as in CI.
// Their licence keeps them out of this repository, so the test reads them
// in place; LOGPULSE_LOGHUB_DIR points elsewhere.
const loghubDir = "../../../shared/corpus/loghub"

// TestParseLoghubCorpus runs parse over each loghub sample and checks the
// level of every output line against the collection's hand-checked parse
// (*_structured.csv): parse must agree on at least 99.5% of each file.
func TestParseLoghubCorpus(t *testing.T) {
	dir := os.Getenv("LOGPULSE_LOGHUB_DIR")
	if dir == "" {
		dir = loghubDir
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "*_2k.log"))
	if len(logs) == 0 {
		t.Skipf("loghub corpus not found: no *_2k.log in %s (set LOGPULSE_LOGHUB_DIR to the folder that holds them)", dir)
	}
	for _, path := range logs {
		t.Run(filepath.Base(path), func(t *testing.T) {
			want := structuredLevels(t, path+"_structured.csv")
			out, _, err := runParse(t, "", path)
			if err != nil {
				t.Logf("parse: %v", err)
			}
			got := outputLines(t, out)
			if len(got) != len(want) {
				t.Fatalf("%d output lines, %d rows in the structured CSV", len(got), len(want))
			}
			agree := 0
			for i, m := range got {
				if m["level"] == want[i].String() {
					agree++
				} else if testing.Verbose() {
					t.Logf("line %d: got %v, want level %s", i+1, m, want[i])
				}
			}
			acc := 100 * float64(agree) / float64(len(want))
			t.Logf("level agreement %.2f%% (%d/%d)", acc, agree, len(want))
			if acc < 99.5 {
				t.Errorf("level agreement %.2f%%, want at least 99.5%%", acc)
			}
		})
	}
}

// structuredLevels reads the Level column of a loghub *_structured.csv, in
// line order, as codecs levels (INFO, WARN, ERROR, FATAL, ...).
func structuredLevels(tb testing.TB, path string) []codecs.Level {
	tb.Helper()
	fh, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil || len(rows) == 0 {
		tb.Fatalf("read %s: %v", path, err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	if _, ok := col["Level"]; !ok {
		tb.Fatalf("%s: no Level column in %v", path, rows[0])
	}
	var out []codecs.Level
	for _, row := range rows[1:] {
		if id, err := strconv.Atoi(row[col["LineId"]]); err != nil || id != len(out)+1 {
			tb.Fatalf("%s: LineId %q out of order", path, row[col["LineId"]])
		}
		l, ok := codecs.ParseLevel(row[col["Level"]])
		if !ok {
			tb.Fatalf("%s: line %d: unknown level %q", path, len(out)+1, row[col["Level"]])
		}
		out = append(out, l)
	}
	return out
}
