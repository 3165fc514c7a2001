package filetail

// Stats counts what emit has accepted, for progress reports.
type Stats struct {
	Lines int64 // lines emitted, each line of a joined event counted
	Bytes int64 // file bytes those lines covered, newlines and cut parts included
	Paths map[string]PathStats
}

// PathStats counts what emit has accepted from one configured path.
type PathStats struct {
	Lines       int64
	Bytes       int64
	Offset      int64 // checkpointed position in the file the path is read from
	Rotations   int64 // switches to a new file at the path
	Truncations int64 // restarts from offset 0 of the same file
}
