//go:build unix

package filetail

import (
	"os"
	"syscall"
)

// fileID is a file's identity that outlives the process: device and inode.
// ok is false where the platform does not expose them.
type fileID struct {
	dev, ino uint64
	ok       bool
}

func fileIDOf(info os.FileInfo) fileID {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}
	}
	// The conversions are needed: Dev and Ino widths vary by platform.
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino), ok: true}
}

// linkCount is how many names f has; 0 once it was deleted.
func linkCount(info os.FileInfo) (uint64, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return uint64(st.Nlink), true
}

// syncDir makes a rename inside dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
