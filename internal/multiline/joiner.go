package multiline

import (
	"fmt"
	"time"
)

// Defaults for the zero values of Config fields.
const (
	// DefaultMaxLines is generous for a Java stack trace, which the JVM
	// already cuts with "... N more".
	DefaultMaxLines = 500
	// DefaultMaxBytes is the pipeline's default --max-event-bytes: a longer
	// record goes to the dead-letter topic.
	DefaultMaxBytes = 1 << 20
)

// Config bounds the events a Joiner makes.
type Config struct {
	// MaxLines is the most lines an event holds; the next line starts a new
	// event. Default DefaultMaxLines.
	MaxLines int
	// MaxBytes is the most text an event grows to by joining; a line that
	// would take it further starts a new event. A single longer line is
	// left as it is: bounding lines is the reader's job. Default
	// DefaultMaxBytes.
	MaxBytes int
	// Timeout is how long after its last line a held event is Due. Zero,
	// the default, never: a reader of a finite input calls Flush at its end.
	Timeout time.Duration
}

// Event is one event: a line, or the lines that continue it.
type Event struct {
	// Text is the event's lines joined by "\n", without blank lines that
	// end it after a traceback. It may share memory with the first line
	// given to Add.
	Text []byte
	// Lines is how many lines given to Add the event holds, left-out blank
	// lines included.
	Lines int
}

// Joiner joins continuation lines to the event they continue. The zero
// value is not usable; create one with New. A Joiner is not safe for
// concurrent use: a reader keeps one per input.
type Joiner struct {
	cfg   Config
	text  []byte // the held event's lines joined by "\n"
	owned bool   // text is the Joiner's array, not the caller's first line
	keep  int    // len(text) without trailing blank lines
	lines int    // lines held; 0: no event held
	last  time.Time
	tb    tbState
}

// New validates cfg and returns a Joiner that holds no event.
func New(cfg Config) (*Joiner, error) {
	switch {
	case cfg.MaxLines < 0:
		return nil, fmt.Errorf("multiline max lines %d is negative", cfg.MaxLines)
	case cfg.MaxBytes < 0:
		return nil, fmt.Errorf("multiline max bytes %d is negative", cfg.MaxBytes)
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("multiline timeout %s is negative", cfg.Timeout)
	}
	if cfg.MaxLines == 0 {
		cfg.MaxLines = DefaultMaxLines
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	return &Joiner{cfg: cfg}, nil
}

// Add takes the next line, read at the time at, without its line ending.
// When line starts a new event, Add returns the event held until then: so
// an event returned by Add holds exactly the lines given since the previous
// event was returned, and line is always held afterwards. The Joiner keeps
// line until then; the caller must not change it.
func (j *Joiner) Add(line []byte, at time.Time) (ev Event, done bool) {
	next, joins := j.joins(line)
	if joins {
		j.append(line)
		j.tb = next
	} else {
		ev, done = j.Flush()
		j.text, j.owned, j.keep, j.lines = line, false, len(line), 1
		j.tb = startState(line)
	}
	j.last = at
	return ev, done
}

// joins reports whether line continues the held event, and the traceback
// state after it.
func (j *Joiner) joins(line []byte) (tbState, bool) {
	if j.lines == 0 || j.lines >= j.cfg.MaxLines || len(j.text)+1+len(line) > j.cfg.MaxBytes {
		return tbNone, false
	}
	return continues(line, j.tb)
}

func (j *Joiner) append(line []byte) {
	if !j.owned {
		// The first line is the caller's; copy it before growing.
		j.text = append(make([]byte, 0, 2*(len(j.text)+1+len(line))), j.text...)
		j.owned = true
	}
	j.text = append(append(j.text, '\n'), line...)
	j.lines++
	if !blank(line) {
		j.keep = len(j.text)
	}
}

// Pending reports whether an event is held.
func (j *Joiner) Pending() bool { return j.lines > 0 }

// Due reports whether the held event's last line was added at least
// Config.Timeout before now, so that it should be sent without waiting for
// the line that would end it.
func (j *Joiner) Due(now time.Time) bool {
	return j.lines > 0 && j.cfg.Timeout > 0 && now.Sub(j.last) >= j.cfg.Timeout
}

// DueIn is how long after now the held event becomes Due; ok is false when
// none is held or there is no timeout.
func (j *Joiner) DueIn(now time.Time) (d time.Duration, ok bool) {
	if j.lines == 0 || j.cfg.Timeout <= 0 {
		return 0, false
	}
	return max(0, j.cfg.Timeout-now.Sub(j.last)), true
}

// Flush returns the held event, if any, and holds nothing afterwards: for
// the end of an input, a Due event, or a switch to another file.
func (j *Joiner) Flush() (ev Event, done bool) {
	if j.lines == 0 {
		return Event{}, false
	}
	ev = Event{Text: j.text[:j.keep:j.keep], Lines: j.lines}
	j.text, j.owned, j.keep, j.lines, j.tb = nil, false, 0, 0, tbNone
	return ev, true
}
