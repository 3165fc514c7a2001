package filetail

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/logpulse/logpulse/internal/multiline"
)

// Defaults for the zero values of Config fields.
const (
	DefaultPoll         = 250 * time.Millisecond
	DefaultMaxLineBytes = 1 << 20
)

// maxBatch bounds a batch so that one emit call stays a reasonable produce
// request and so that at most this many lines are repeated after a crash.
const maxBatch = 1000

// maxBatchBytes also ends a batch, so that a run of long lines does not hold
// maxBatch times MaxLineBytes in memory.
const maxBatchBytes = 16 << 20

// defaultRotateWait is how long the old file is still read after its path
// was seen naming a new file. logrotate's "create" mode renames the file,
// creates the new one and only then signals the writer to reopen, so the
// writer keeps appending to the old file for a moment after the new one
// appears. Fluent Bit and fluentd wait 5s (rotate_wait) for the same reason.
const defaultRotateWait = 5 * time.Second

// Config says which files a Tailer follows and how.
type Config struct {
	// Paths are the files to follow. A path that does not exist yet is
	// waited for.
	Paths []string
	// FromStart makes a file seen for the first time, with no checkpoint,
	// be read from its beginning. Otherwise reading starts at its end, as
	// tail -F does (at the start of an incomplete last line, so that a line
	// being written when New runs is emitted whole). A checkpoint, where
	// there is one, takes precedence either way.
	FromStart bool
	// StateDir is where read positions are checkpointed; it is created if
	// missing. Empty disables checkpoints.
	StateDir string
	// Poll is how often files are checked for new data. Default DefaultPoll.
	Poll time.Duration
	// MaxLineBytes caps a line's Text; a longer line is cut to this length
	// and flagged Truncated. Default DefaultMaxLineBytes.
	MaxLineBytes int
	// Multiline, when set, joins continuation lines (stack traces) to the
	// event they continue, by the rules of package multiline, and emits each
	// event as one Line. An event is held until the next line that starts
	// one, Multiline.Timeout after its last line (checked at each poll), or
	// a rotation or truncation of its file; the checkpoint stays at the
	// start of a held event. Default nil: every line is emitted as it is.
	Multiline *multiline.Config
	// Logger receives rotation, truncation and waiting notices. Default: none.
	Logger *slog.Logger
}

// withDefaults validates c and fills in its zero values.
func (c Config) withDefaults() (Config, error) {
	if len(c.Paths) == 0 {
		return c, errors.New("no paths to follow")
	}
	seen := make(map[string]bool, len(c.Paths))
	for _, p := range c.Paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return c, fmt.Errorf("resolve path %q: %w", p, err)
		}
		if seen[abs] {
			return c, fmt.Errorf("path %s given twice", p)
		}
		seen[abs] = true
	}
	c.Paths = append([]string(nil), c.Paths...)
	switch {
	case c.Poll < 0:
		return c, fmt.Errorf("poll interval %s is negative", c.Poll)
	case c.Poll == 0:
		c.Poll = DefaultPoll
	}
	switch {
	case c.MaxLineBytes < 0:
		return c, fmt.Errorf("max line bytes %d is negative", c.MaxLineBytes)
	case c.MaxLineBytes == 0:
		c.MaxLineBytes = DefaultMaxLineBytes
	}
	if c.Multiline != nil {
		if _, err := multiline.New(*c.Multiline); err != nil {
			return c, err
		}
		ml := *c.Multiline
		c.Multiline = &ml
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
