package filetail

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAppend(t *testing.T) {
	path := tempLog(t)
	writeFile(t, path, "")
	r := start(t, Config{Paths: []string{path}})

	appendFile(t, path, "one\ntwo\n")
	waitTexts(t, r.c, path, []string{"one", "two"})
	appendFile(t, path, "three\n")
	appendFile(t, path, "four\n")
	waitTexts(t, r.c, path, []string{"one", "two", "three", "four"})

	want := []Line{
		{Path: path, Text: []byte("one"), Offset: 0},
		{Path: path, Text: []byte("two"), Offset: 4},
		{Path: path, Text: []byte("three"), Offset: 8},
		{Path: path, Text: []byte("four"), Offset: 14},
	}
	if diff := cmp.Diff(want, r.c.all()); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	waitFor(t, "stats", func() bool { return r.Stats().Lines == 4 })
	st := r.Stats()
	if diff := cmp.Diff(Stats{Lines: 4, Bytes: 19, Paths: map[string]PathStats{path: {Lines: 4, Bytes: 19, Offset: 19}}}, st); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	paths := []string{filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log"), filepath.Join(dir, "c.log")}
	for _, p := range paths {
		writeFile(t, p, "")
	}
	r := start(t, Config{Paths: paths})

	want := map[string][]string{}
	for round := 0; round < 3; round++ {
		for i, p := range paths {
			text, lines := numbered(filepath.Base(p)+"-", round*10+i, round*10+i+2)
			appendFile(t, p, text)
			want[p] = append(want[p], lines...)
		}
	}
	for _, p := range paths {
		waitTexts(t, r.c, p, want[p])
	}
}

func TestFromStartVersusTail(t *testing.T) {
	for _, tt := range []struct {
		name      string
		fromStart bool
		existing  string
		want      []string
	}{
		{"tail skips existing lines", false, "old1\nold2\n", []string{"new"}},
		{"from start reads them", true, "old1\nold2\n", []string{"old1", "old2", "new"}},
		// A line being written when New runs is emitted whole, not from its middle.
		{"tail keeps an unfinished line", false, "old1\nhalf-", []string{"half-new"}},
		{"tail of one unfinished line", false, "half-", []string{"half-new"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := tempLog(t)
			writeFile(t, path, tt.existing)
			r := start(t, Config{Paths: []string{path}, FromStart: tt.fromStart})
			appendFile(t, path, "new\n")
			waitTexts(t, r.c, path, tt.want)
		})
	}
}

func TestFileCreatedAfterStart(t *testing.T) {
	path := tempLog(t)
	// Tail mode: a file that appears later is new in full, so all of it is read.
	r := start(t, Config{Paths: []string{path}})
	writeFile(t, path, "first\nsecond\n")
	waitTexts(t, r.c, path, []string{"first", "second"})
	appendFile(t, path, "third\n")
	waitTexts(t, r.c, path, []string{"first", "second", "third"})
}

func TestLongLine(t *testing.T) {
	path := tempLog(t)
	writeFile(t, path, "")
	r := start(t, Config{Paths: []string{path}, MaxLineBytes: 8})
	long := strings.Repeat("x", 100)
	appendFile(t, path, "short\n"+long+"\nafter\n")
	waitTexts(t, r.c, path, []string{"short", "xxxxxxxx", "after"})
	want := []Line{
		{Path: path, Text: []byte("short")},
		{Path: path, Text: []byte("xxxxxxxx"), Offset: 6, Truncated: true},
		{Path: path, Text: []byte("after"), Offset: 107},
	}
	if diff := cmp.Diff(want, r.c.all()); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestCRLF(t *testing.T) {
	path := tempLog(t)
	writeFile(t, path, "")
	r := start(t, Config{Paths: []string{path}})
	appendFile(t, path, "windows\r\nunix\nmid\rcr\r\n")
	waitTexts(t, r.c, path, []string{"windows", "unix", "mid\rcr"})
}

func TestIncompleteLineHeld(t *testing.T) {
	path := tempLog(t)
	writeFile(t, path, "")
	r := start(t, Config{Paths: []string{path}})
	appendFile(t, path, "done\npart")
	waitTexts(t, r.c, path, []string{"done"})
	// The poll that emitted "done" saw "part" too and held it back.
	appendFile(t, path, "ial\n")
	waitTexts(t, r.c, path, []string{"done", "partial"})
}

func TestBatchesAtMostMaxBatch(t *testing.T) {
	path := tempLog(t)
	text, want := numbered("l", 1, 2*maxBatch+10)
	writeFile(t, path, text)
	r := start(t, Config{Paths: []string{path}, FromStart: true})
	waitTexts(t, r.c, path, want) // collector.emit refuses oversized batches
	r.c.mu.Lock()
	calls := r.c.calls
	r.c.mu.Unlock()
	if calls < 3 {
		t.Errorf("%d lines in %d batches, want at least 3", len(want), calls)
	}
}

func TestNewErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no paths", Config{}, "no paths"},
		{"duplicate", Config{Paths: []string{"/tmp/x/../a.log", "/tmp/a.log"}}, "given twice"},
		{"negative poll", Config{Paths: []string{"a"}, Poll: -1}, "negative"},
		{"negative max line", Config{Paths: []string{"a"}, MaxLineBytes: -1}, "negative"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
