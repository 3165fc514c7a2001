package filetail

import (
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logpulse/logpulse/internal/syncbuf"
)

func TestRotationRenameCreate(t *testing.T) {
	path := tempLog(t)
	text, want := numbered("line", 1, 3)
	writeFile(t, path, text)
	r := start(t, Config{Paths: []string{path}, FromStart: true})
	waitTexts(t, r.c, path, want)

	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	// The writer still holds the old file: these land after the rename and
	// before the switch, and must not be lost.
	text, late := numbered("line", 4, 5)
	appendFile(t, path+".1", text)
	text, fresh := numbered("line", 6, 7)
	writeFile(t, path, text)
	want = slices.Concat(want, late, fresh)
	waitTexts(t, r.c, path, want)

	// A sentinel after the switch: anything repeated would show before it.
	appendFile(t, path, "sentinel\n")
	waitTexts(t, r.c, path, append(want, "sentinel"))
	if got := r.c.all()[len(want)-2].Offset; got != 0 {
		t.Errorf("first line of the new file at offset %d, want 0", got)
	}
	waitFor(t, "rotation counted", func() bool { return r.Stats().Paths[path].Rotations == 1 })
}

func TestRotationWaitsForLateWritesToOldFile(t *testing.T) {
	path := tempLog(t)
	text, want := numbered("old", 1, 2)
	writeFile(t, path, text)
	var clock fakeClock
	r := start(t, Config{Paths: []string{path}, FromStart: true}, func(tl *Tailer) {
		tl.now = clock.now
		tl.rotateWait = time.Minute
	})
	waitTexts(t, r.c, path, want)

	// logrotate's create mode: rename, create, and only then does the
	// writer reopen, appending to the old file in between.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	text, fresh := numbered("new", 1, 2)
	writeFile(t, path, text)
	text, late := numbered("old", 3, 4)
	appendFile(t, path+".1", text)
	want = append(want, late...)
	// The clock stands still, so the Tailer cannot have switched yet.
	waitTexts(t, r.c, path, want)

	clock.advance(time.Minute)
	waitTexts(t, r.c, path, append(want, fresh...))
}

func TestRotationUnterminatedLastLine(t *testing.T) {
	path := tempLog(t)
	writeFile(t, path, "a\n")
	r := start(t, Config{Paths: []string{path}, FromStart: true})
	waitTexts(t, r.c, path, []string{"a"})
	appendFile(t, path, "cut")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "b\n")
	// The old file is never read again, so its last line is all there is.
	waitTexts(t, r.c, path, []string{"a", "cut", "b"})
}

func TestTruncation(t *testing.T) {
	path := tempLog(t)
	writeFile(t, path, "")
	r := start(t, Config{Paths: []string{path}})
	text, want := numbered("before", 1, 3)
	appendFile(t, path, text)
	waitTexts(t, r.c, path, want)

	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "after\n")
	waitTexts(t, r.c, path, append(want, "after"))
	waitFor(t, "truncation counted", func() bool { return r.Stats().Paths[path].Truncations == 1 })
}

func TestCopyTruncate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		after string // written after the truncate
	}{
		{"shorter than before", "x1\n"},
		// Longer than what was read: unless a poll falls between truncate
		// and write, only the changed first bytes reveal the truncation.
		{"longer than before", "a much longer line written after the truncation\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := tempLog(t)
			text, want := numbered("copied", 1, 3)
			writeFile(t, path, text)
			r := start(t, Config{Paths: []string{path}, FromStart: true})
			waitTexts(t, r.c, path, want)

			// copytruncate: copy aside, then truncate the same inode while
			// the writer keeps appending to it.
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			writeFile(t, path+".1", text)
			if err := f.Truncate(0); err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt([]byte(tt.after), 0); err != nil {
				t.Fatal(err)
			}
			want = append(want, tt.after[:len(tt.after)-1])
			waitTexts(t, r.c, path, want)
			appendFile(t, path, "sentinel\n")
			waitTexts(t, r.c, path, append(want, "sentinel"))
		})
	}
}

func TestDeletedThenRecreated(t *testing.T) {
	path := tempLog(t)
	writeFile(t, path, "")
	r := start(t, Config{Paths: []string{path}})
	appendFile(t, path, "a\n")
	waitTexts(t, r.c, path, []string{"a"})
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "b\n")
	waitTexts(t, r.c, path, []string{"a", "b"})
}

func TestDeletedFileIsReleased(t *testing.T) {
	path := tempLog(t)
	writeFile(t, path, "")
	var logs syncbuf.Buffer
	r := start(t, Config{Paths: []string{path}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	appendFile(t, path, "a\n")
	waitTexts(t, r.c, path, []string{"a"})

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	// Holding a deleted file open would keep its disk space in use.
	waitFor(t, "the deleted file to be let go", func() bool {
		return strings.Contains(logs.String(), "msg=\"file deleted\"") &&
			strings.Contains(logs.String(), "msg=\"waiting for file\"")
	})
	writeFile(t, path, "b\n")
	waitTexts(t, r.c, path, []string{"a", "b"})
}
