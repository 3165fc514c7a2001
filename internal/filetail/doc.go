// Package filetail follows log files like tail -F and hands out their lines
// with durable positions.
//
// A Tailer polls each configured path with os.Stat (portable, and no
// dependency on inotify or kqueue), reads what was appended, and calls emit
// with batches of complete lines. It survives the ways log files change under
// a reader: rotation by rename and create, truncation, copytruncate, and a
// path that does not exist yet.
//
// # Durability
//
// After emit returns nil for a batch, the Tailer records how far each path
// has been read in a small JSON file under Config.StateDir, replacing it
// atomically (write a temporary file, fsync it, rename it over the old one,
// fsync the directory). Each record names the file by device and inode plus a
// SHA-256 of its first up-to-256 bytes (so a reused inode is not mistaken for
// the old file) and holds the offset just past the last emitted line, or,
// with Config.Multiline, the offset of the first line of an event still held
// because what follows may continue it (a stack trace being written). A new
// Tailer on the same StateDir resumes each path there, reading a held event
// again whole, also when the file was rotated while nothing was running, as
// long as the rotated file is still in the same directory under any name. A
// restart therefore neither loses nor repeats lines, with one exception: if
// the process dies while emit runs or after it has returned nil but before
// the new state file has been renamed into place, or the state file cannot
// be written (Run then returns that error), the next Tailer emits that one
// batch (at most 1000 lines, or events) again, so delivery is
// at-least-once for it. The Tailer writes the checkpoint immediately after
// each successful emit, before reading anything else, which keeps that window
// to one small file write and two fsyncs. If emit returns an error, Run
// returns it and the checkpoint stays before the refused batch, so the next
// Tailer emits it again.
//
// Some lines cannot be read by any tailer and are not recovered: those a
// writer appends to a rotated file more than 5 seconds after the new file
// appeared, those written between a copytruncate's copy and its truncate, and
// the rest of a file deleted (not renamed) while nothing was running. An
// unterminated last line of a file that is rotated away or truncated is
// emitted as it is, since its end will never be read.
//
// Only one Tailer may use a StateDir at a time.
package filetail
