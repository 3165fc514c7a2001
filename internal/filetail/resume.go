package filetail

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
)

// tailScan is how far back from a file's end tail semantics look for the
// last newline.
const tailScan = 64 << 10

// resume picks where fl starts: at its checkpoint cp (nil if none) when the
// file it names can still be found, else as a file seen for the first time.
func (fl *follower) resume(cp *entry, fromStart bool) {
	f, info, err := openRegular(fl.path)
	switch {
	case cp != nil && err == nil && matches(f, info, *cp):
		err = fl.attach(f, info, cp.Offset)
	case cp != nil:
		old, oldInfo, name := findRotated(fl.key, *cp)
		if old != nil {
			// Finish the file rotated while nothing was running; poll
			// switches to the path's new file afterwards.
			if f != nil {
				_ = f.Close()
			}
			fl.log.Info("resuming rotated file", "path", fl.path, "file", name)
			err = fl.attach(old, oldInfo, cp.Offset)
			break
		}
		if err == nil {
			// Everything in this file arrived after the checkpoint.
			fl.log.Warn("checkpointed file not found, reading current file from its start", "path", fl.path)
			err = fl.attach(f, info, 0)
		}
	case err == nil:
		var off int64
		if !fromStart {
			off, err = tailStart(f, info.Size())
		}
		if err == nil {
			err = fl.attach(f, info, off)
		} else {
			_ = f.Close()
		}
	}
	if err != nil {
		fl.waiting(err)
	}
}

// matches reports whether f is the file checkpointed in cp. The inode and
// the hash of the first bytes must agree; the device is not compared,
// because some filesystems (NFS, overlay, btrfs subvolumes) number devices
// differently after a reboot, and the inode plus up to 256 identical leading
// bytes already rule out a reused inode.
func matches(f *os.File, info os.FileInfo, cp entry) bool {
	if id := fileIDOf(info); id.ok && id.ino != cp.Ino {
		return false
	}
	if info.Size() < cp.Offset || cp.HeadLen < 0 || cp.HeadLen > headLen {
		return false
	}
	h := make([]byte, cp.HeadLen)
	n, _ := f.ReadAt(h, 0)
	return n == cp.HeadLen && headSum(h) == cp.HeadSHA256
}

// findRotated looks for the checkpointed file under another name in the
// path's directory (and its symlink target's), where rotation by rename puts
// it. It returns the opened file and the name it was found under.
func findRotated(key string, cp entry) (*os.File, os.FileInfo, string) {
	if cp.Ino == 0 {
		return nil, nil, "" // no inode numbers on this platform
	}
	dirs := []string{filepath.Dir(key)}
	if real, err := filepath.EvalSymlinks(key); err == nil && filepath.Dir(real) != dirs[0] {
		dirs = append(dirs, filepath.Dir(real))
	}
	for _, dir := range dirs {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue // nothing to find there; the caller starts afresh
		}
		for _, e := range ents {
			if !e.Type().IsRegular() {
				continue
			}
			if info, err := e.Info(); err != nil || fileIDOf(info).ino != cp.Ino {
				continue
			}
			name := filepath.Join(dir, e.Name())
			f, info, err := openRegular(name)
			if err != nil {
				continue
			}
			if matches(f, info, cp) {
				return f, info, name
			}
			_ = f.Close()
		}
	}
	return nil, nil, ""
}

// tailStart is where tail semantics start reading a file of the given size:
// just past its last newline, so that a line being written right now is
// emitted whole rather than from its middle.
func tailStart(f *os.File, size int64) (int64, error) {
	n := min(size, tailScan)
	b := make([]byte, n)
	if _, err := f.ReadAt(b, size-n); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return size - n + int64(i) + 1, nil
	}
	if size <= tailScan {
		return 0, nil // the whole file is one unfinished line
	}
	return size, nil
}
