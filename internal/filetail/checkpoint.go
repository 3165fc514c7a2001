package filetail

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// stateFile is the name of the checkpoint file inside Config.StateDir.
const stateFile = "filetail-state.json"

// stateVersion changes when the meaning of the state file changes; a file
// of another version is refused rather than misread.
const stateVersion = 1

// headLen is how much of a file's beginning identifies it beside its inode:
// enough to tell apart two log files, which start with different timestamps.
const headLen = 256

// state is the checkpoint file's content.
type state struct {
	Version int              `json:"version"`
	Files   map[string]entry `json:"files"` // by absolute path
}

// entry is how far one path has been durably emitted.
type entry struct {
	Dev        uint64 `json:"dev"`
	Ino        uint64 `json:"ino"`
	Offset     int64  `json:"offset"`      // just past the last emitted line
	HeadLen    int    `json:"head_len"`    // bytes covered by HeadSHA256
	HeadSHA256 string `json:"head_sha256"` // of the file's first HeadLen bytes
}

// headSum is the hex SHA-256 of a file's first bytes, as stored in entry.
func headSum(head []byte) string {
	sum := sha256.Sum256(head)
	return hex.EncodeToString(sum[:])
}

// store reads and atomically replaces the state file. Entries for paths this
// Tailer does not follow are kept, so a run over a subset of the files does
// not forget the others.
type store struct {
	dir   string
	files map[string]entry
}

func loadStore(dir string) (*store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create state dir: %w", err)
	}
	s := &store{dir: dir, files: map[string]entry{}}
	name := filepath.Join(dir, stateFile)
	b, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("decode state %s: %w", name, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("state %s has version %d, want %d", name, st.Version, stateVersion)
	}
	for k, e := range st.Files {
		s.files[k] = e
	}
	return s, nil
}

// save replaces the state file so that a crash at any point leaves either
// the old or the new content, never a mix.
func (s *store) save() error {
	b, err := json.MarshalIndent(state{Version: stateVersion, Files: s.files}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	// A fixed temporary name: a crash leaves at most one stale file, which
	// the next save truncates.
	tmp := filepath.Join(s.dir, stateFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.dir, stateFile))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write state: %w", err)
	}
	// Without this the rename itself may not survive a power loss.
	if err := syncDir(s.dir); err != nil {
		return fmt.Errorf("sync state dir: %w", err)
	}
	return nil
}
