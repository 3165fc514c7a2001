//go:build !unix

package filetail

import "os"

// fileID is a file's identity that outlives the process. Without inode
// numbers, checkpoints recognise a file by its first bytes alone, and a file
// rotated while nothing was running is not looked for.
type fileID struct {
	dev, ino uint64
	ok       bool
}

func fileIDOf(os.FileInfo) fileID { return fileID{} }

// linkCount is unknown here; such platforms mostly refuse to delete an open
// file anyway.
func linkCount(os.FileInfo) (uint64, bool) { return 0, false }

// syncDir is a no-op: directories cannot be fsynced on these platforms, and
// the rename is as durable as the platform makes it.
func syncDir(string) error { return nil }
