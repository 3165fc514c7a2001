package filetail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"time"
)

// readSize is how much of a file one read system call asks for.
const readSize = 64 << 10

// follower reads one configured path. Only Run's goroutine touches it after
// New returns.
type follower struct {
	path string // as configured: Line.Path and the Stats key
	key  string // absolute: the state file key
	log  *slog.Logger
	buf  []byte // read buffer, allocated on first read

	f       *os.File    // nil while the path cannot be opened
	info    os.FileInfo // of f, to tell whether the path still names it
	id      fileID
	head    []byte    // f's first bytes, up to headLen
	sum     string    // headSum(head)
	size    int64     // f's size at the last truncation check; -1 forces one
	mtime   time.Time // f's modification time then
	sp      splitter
	jn      *joiner   // nil without Config.Multiline
	movedAt time.Time // when the path was first seen naming another file
	waitMsg string    // why the path could not be opened, logged once per reason

	// Counters for Stats, of lines that emit accepted.
	nLines, nBytes, rotations, truncations int64
}

// attach makes f the file being followed, reading on from off.
func (fl *follower) attach(f *os.File, info os.FileInfo, off int64) error {
	fl.f, fl.info, fl.id = f, info, fileIDOf(info)
	fl.size, fl.movedAt = -1, time.Time{}
	fl.sp.reset(off)
	h, err := fl.readHead()
	if err != nil {
		fl.detach()
		return err
	}
	fl.setHead(h)
	return nil
}

// detach closes the followed file. Only a read-only descriptor is closed,
// so its error says nothing about the data and is dropped.
func (fl *follower) detach() {
	if fl.f != nil {
		_ = fl.f.Close()
	}
	fl.f, fl.info, fl.movedAt = nil, nil, time.Time{}
}

func (fl *follower) readHead() ([]byte, error) {
	h := make([]byte, headLen)
	n, err := fl.f.ReadAt(h, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s: %w", fl.path, err)
	}
	return h[:n], nil
}

func (fl *follower) setHead(h []byte) {
	fl.head = append(fl.head[:0], h...)
	fl.sum = headSum(fl.head)
}

// entry is the checkpoint for everything read so far: the end of the last
// emitted line, or the start of the event the joiner holds, so that a new
// Tailer reads that event again. It is only correct once every line read
// has been emitted or is held, which is when the Tailer commits.
func (fl *follower) entry() entry {
	off := fl.sp.start
	if start, ok := fl.jn.held(); ok {
		off = start
	}
	return entry{Dev: fl.id.dev, Ino: fl.id.ino, Offset: off, HeadLen: len(fl.head), HeadSHA256: fl.sum}
}

// waiting logs, once per distinct reason, why the path is not followed yet.
func (fl *follower) waiting(err error) {
	if msg := err.Error(); msg != fl.waitMsg {
		fl.waitMsg = msg
		level := slog.LevelWarn
		if errors.Is(err, fs.ErrNotExist) {
			level = slog.LevelInfo // the normal case of a log not written yet
		}
		fl.log.Log(context.Background(), level, "waiting for file", "path", fl.path, "error", err)
	}
}

// openRegular opens name for reading, refusing what cannot be read at an
// offset (directories, pipes, devices).
func openRegular(name string) (*os.File, os.FileInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", name)
	}
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

// openPath follows the file the path names now, from offset 0: it appeared
// after New ran, so all of it is new.
func (fl *follower) openPath() bool {
	f, info, err := openRegular(fl.path)
	if err == nil {
		err = fl.attach(f, info, 0)
	}
	if err != nil {
		fl.waiting(err)
		return false
	}
	fl.waitMsg = ""
	fl.log.Info("file opened", "path", fl.path)
	return true
}

// poll reads what is new for the path, at now, into b. It reports full when
// b filled before everything was read; the caller emits b and polls again.
func (fl *follower) poll(b *batch, now time.Time, rotateWait time.Duration) (full bool, err error) {
	if fl.f == nil && !fl.openPath() {
		return false, nil
	}
	if full, err := fl.checkTruncated(b, now); full || err != nil {
		return full, err
	}
	if full, err := fl.read(b, now); full || err != nil {
		return full, err
	}
	cur, err := os.Stat(fl.path)
	deleted := false
	switch {
	case err == nil && os.SameFile(cur, fl.info):
		fl.movedAt = time.Time{}
		return false, nil
	case err != nil:
		// Renamed away and not replaced yet: the writer may still append to
		// f, so keep reading it. Deleted: let it go once drained, so that
		// its disk space is freed.
		if deleted = fl.unlinked(); !deleted {
			return false, nil
		}
	}
	if fl.movedAt.IsZero() {
		fl.movedAt = now
		if deleted {
			fl.log.Info("file deleted", "path", fl.path)
		} else {
			fl.log.Info("file rotated", "path", fl.path)
		}
	}
	// Read once more: what the writer appended to the old file between the
	// read above and the Stat would otherwise be lost at the switch.
	if full, err := fl.read(b, now); full || err != nil {
		return full, err
	}
	if now.Sub(fl.movedAt) < rotateWait {
		return false, nil
	}
	if b.room() < 2 {
		return true, nil // room for the last line and the held event first
	}
	if fl.sp.pending() {
		// The old file is not read again, so its unterminated last line is
		// all there will ever be of that line.
		l, raw := fl.sp.cut(false)
		fl.jn.push(b, fl, l, raw, now)
	}
	// An event ends with its file: the checkpoint cannot point into a
	// file that is no longer followed.
	fl.jn.flush(b, fl)
	fl.detach()
	if !deleted {
		fl.rotations++
	}
	if !fl.openPath() {
		return false, nil
	}
	return fl.read(b, now)
}

// unlinked reports whether f no longer has a name anywhere.
func (fl *follower) unlinked() bool {
	info, err := fl.f.Stat()
	if err != nil {
		return false
	}
	n, ok := linkCount(info)
	return ok && n == 0
}

// checkTruncated notices that f is shorter than what was read, or was
// rewritten from its start (copytruncate followed by new writes between two
// polls can leave it longer than before), and restarts it from offset 0.
// full reports that b must be emitted first, to make room for what was
// read before the truncation.
func (fl *follower) checkTruncated(b *batch, now time.Time) (full bool, err error) {
	info, err := fl.f.Stat()
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", fl.path, err)
	}
	// A file rewritten to exactly its old size still gets a new mtime.
	size := info.Size()
	if size == fl.size && info.ModTime().Equal(fl.mtime) {
		return false, nil
	}
	h, err := fl.readHead()
	if err != nil {
		return false, err
	}
	if size >= fl.sp.next() && bytes.HasPrefix(h, fl.head) {
		fl.size, fl.mtime = size, info.ModTime()
		if len(h) > len(fl.head) {
			fl.setHead(h)
		}
		return false, nil
	}
	if b.room() < 2 {
		return true, nil // size stays unseen, so the next poll comes back here
	}
	fl.size, fl.mtime = size, info.ModTime()
	if fl.sp.pending() {
		// Its end was cut away with the rest; emit what was seen of it.
		l, raw := fl.sp.cut(false)
		fl.jn.push(b, fl, l, raw, now)
	}
	// The held event's lines are gone from the file: emit it, as the
	// checkpoint cannot stay before them.
	fl.jn.flush(b, fl)
	fl.sp.reset(0)
	fl.setHead(h)
	fl.truncations++
	fl.log.Info("file truncated", "path", fl.path, "size", size)
	return false, nil
}

// read turns what f holds past sp.next() into lines, read at now, until EOF
// or a full b.
func (fl *follower) read(b *batch, now time.Time) (full bool, err error) {
	if fl.buf == nil {
		fl.buf = make([]byte, readSize)
	}
	for {
		if b.room() == 0 {
			return true, nil
		}
		n, err := fl.f.ReadAt(fl.buf, fl.sp.next())
		for p := fl.buf[:n]; len(p) > 0; {
			used, l, raw, ok := fl.sp.feed(p)
			p = p[used:]
			if !ok {
				continue
			}
			fl.jn.push(b, fl, l, raw, now)
			if b.room() == 0 {
				// The rest of p is read again next time, from sp.next().
				return true, nil
			}
		}
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("read %s: %w", fl.path, err)
		}
	}
}
