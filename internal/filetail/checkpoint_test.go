package filetail

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// restart runs a second Tailer on cfg's StateDir after the first stopped.
func restart(tb testing.TB, cfg Config) *running {
	tb.Helper()
	return start(tb, cfg)
}

func TestRestartFromCheckpoint(t *testing.T) {
	path := tempLog(t)
	cfg := Config{Paths: []string{path}, StateDir: t.TempDir()}
	writeFile(t, path, "skipped\n")
	first := start(t, cfg)
	text, want1 := numbered("l", 1, 5)
	appendFile(t, path, text)
	waitTexts(t, first.c, path, want1)
	if err := first.stop(t); err != nil {
		t.Fatal(err)
	}

	// Written while nothing runs, ending with a line still being written.
	text, want2 := numbered("l", 6, 8)
	appendFile(t, path, text+"l9")
	second := restart(t, cfg)
	appendFile(t, path, "\n")
	waitTexts(t, second.c, path, append(want2, "l9"))
	appendFile(t, path, "sentinel\n")
	waitTexts(t, second.c, path, append(want2, "l9", "sentinel"))

	size := fileSize(t, path)
	waitFor(t, "checkpoint at the end", func() bool { return readState(t, cfg.StateDir).Files[abs(t, path)].Offset == size })
}

func TestRestartMidFile(t *testing.T) {
	path := tempLog(t)
	cfg := Config{Paths: []string{path}, StateDir: t.TempDir(), FromStart: true}
	text, want := numbered("l", 1, 3*maxBatch)
	writeFile(t, path, text)

	// The first emit blocks until Run is cancelled, so the first run emits
	// exactly one batch, checkpoints it and returns.
	called, release := make(chan struct{}), make(chan struct{})
	c := &collector{fail: func([]Line) error {
		select {
		case <-called:
		default:
			close(called)
			<-release
		}
		return nil
	}}
	first, err := New(withTestPoll(cfg))
	if err != nil {
		t.Fatal(err)
	}
	r := runTailer(t, first, c)
	<-called
	r.cancel()
	close(release)
	if err := <-r.done; err != nil {
		t.Fatal(err)
	}
	got := c.texts(path)
	if diff := cmp.Diff(want[:maxBatch], got); diff != "" {
		t.Fatalf("first run (-want +got):\n%s", diff)
	}
	r.done <- nil

	second := restart(t, cfg)
	waitTexts(t, second.c, path, want[len(got):])
}

func TestRestartAfterRotationWhileStopped(t *testing.T) {
	path := tempLog(t)
	cfg := Config{Paths: []string{path}, StateDir: t.TempDir(), FromStart: true}
	text, want1 := numbered("l", 1, 3)
	writeFile(t, path, text)
	first := start(t, cfg)
	waitTexts(t, first.c, path, want1)
	if err := first.stop(t); err != nil {
		t.Fatal(err)
	}

	text, rest := numbered("l", 4, 5)
	appendFile(t, path, text)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	text, fresh := numbered("l", 6, 7)
	writeFile(t, path, text)

	second := restart(t, cfg)
	waitTexts(t, second.c, path, slices.Concat(rest, fresh))
}

func TestRestartRecognisesRewrittenFile(t *testing.T) {
	path := tempLog(t)
	cfg := Config{Paths: []string{path}, StateDir: t.TempDir(), FromStart: true}
	writeFile(t, path, "aaa\nbbb\n")
	first := start(t, cfg)
	waitTexts(t, first.c, path, []string{"aaa", "bbb"})
	if err := first.stop(t); err != nil {
		t.Fatal(err)
	}

	// Same inode, other content, as when a file's inode is reused: the
	// head hash tells it is not the checkpointed file.
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("ccc\nddd\neee\n"), 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	second := restart(t, cfg)
	waitTexts(t, second.c, path, []string{"ccc", "ddd", "eee"})
}

func TestEmitErrorKeepsCheckpoint(t *testing.T) {
	path := tempLog(t)
	cfg := Config{Paths: []string{path}, StateDir: t.TempDir()}
	writeFile(t, path, "")
	first, err := New(withTestPoll(cfg))
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	r := runTailer(t, first, c)
	appendFile(t, path, "ok\n")
	waitTexts(t, c, path, []string{"ok"})
	c.mu.Lock()
	c.fail = func([]Line) error { return errBoom }
	c.mu.Unlock()
	appendFile(t, path, "refused1\nrefused2\n")
	if err := <-r.done; !errors.Is(err, errBoom) {
		t.Fatalf("Run returned %v, want %v", err, errBoom)
	}
	r.done <- errBoom
	if got, want := readState(t, cfg.StateDir).Files[abs(t, path)].Offset, int64(3); got != want {
		t.Fatalf("checkpoint at %d after the refused batch, want %d", got, want)
	}

	second := restart(t, cfg)
	waitTexts(t, second.c, path, []string{"refused1", "refused2"})
}

func TestStateFileContent(t *testing.T) {
	path := tempLog(t)
	dir := t.TempDir()
	writeFile(t, path, "hello\n")
	r := start(t, Config{Paths: []string{path}, StateDir: dir, FromStart: true})
	waitTexts(t, r.c, path, []string{"hello"})
	waitFor(t, "checkpoint", func() bool { return readState(t, dir).Files[abs(t, path)].Offset == 6 })

	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	id := fileIDOf(info)
	want := entry{Dev: id.dev, Ino: id.ino, Offset: 6, HeadLen: 6, HeadSHA256: headSum([]byte("hello\n"))}
	if diff := cmp.Diff(want, readState(t, dir).Files[abs(t, path)]); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(dir, stateFile+".tmp")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary state file left behind: %v", err)
	}
}

func withTestPoll(cfg Config) Config {
	cfg.Poll = testPoll
	return cfg
}

func readState(tb testing.TB, dir string) state {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		tb.Fatal(err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		tb.Fatal(err)
	}
	return st
}

func fileSize(tb testing.TB, path string) int64 {
	tb.Helper()
	info, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return info.Size()
}

func abs(tb testing.TB, path string) string {
	tb.Helper()
	a, err := filepath.Abs(path)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}
