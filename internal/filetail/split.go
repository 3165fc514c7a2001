package filetail

import "bytes"

// Line is one line of a followed file or, with Config.Multiline, one event:
// a line and the lines that continue it.
type Line struct {
	// Path is the path as given in Config.Paths, or "-" for Stdin.
	Path string
	// Text is the line without its "\n" or "\r\n", at most MaxLineBytes
	// long; an event's lines are joined by "\n". It is not shared with the
	// Tailer and may be kept.
	Text []byte
	// Offset is the byte offset of the line's start in its file (of the
	// first line's, for an event).
	Offset int64
	// Truncated reports that the line (a line of the event) was longer than
	// MaxLineBytes and Text holds only its beginning.
	Truncated bool
}

// splitter cuts a byte stream into lines. It keeps at most max+1 bytes of the
// line being assembled, so a writer that never writes a newline cannot make
// the reader grow without bound; the one byte beyond max lets the '\r' of a
// CRLF line that is exactly max long be stripped rather than flag a cut.
type splitter struct {
	max   int
	start int64  // offset of the first byte of the line being assembled
	n     int64  // bytes of that line seen so far, dropped ones included
	line  []byte // the first max+1 of them
}

// next is the offset of the next byte the splitter expects.
func (s *splitter) next() int64 { return s.start + s.n }

// pending reports whether part of a line has been seen without its newline.
func (s *splitter) pending() bool { return s.n > 0 }

// reset discards any incomplete line and expects input from off.
func (s *splitter) reset(off int64) {
	s.start, s.n, s.line = off, 0, s.line[:0]
}

// feed consumes p, which continues the stream at s.next(), up to and
// including its first newline. ok reports whether that completed a line;
// raw is the number of stream bytes the line covered, newline included.
func (s *splitter) feed(p []byte) (used int, l Line, raw int64, ok bool) {
	seg := p
	i := bytes.IndexByte(p, '\n')
	if i >= 0 {
		seg = p[:i]
	}
	if room := s.max + 1 - len(s.line); room > 0 {
		s.line = append(s.line, seg[:min(room, len(seg))]...)
	}
	s.n += int64(len(seg))
	if i < 0 {
		return len(p), Line{}, 0, false
	}
	l, raw = s.cut(true)
	return i + 1, l, raw, true
}

// cut ends the line being assembled; newline says whether a '\n' (already
// consumed) terminated it. An unterminated line keeps a trailing '\r'
// because its '\n' was never seen.
func (s *splitter) cut(newline bool) (Line, int64) {
	text, n := s.line, s.n
	if newline && n == int64(len(text)) && n > 0 && text[n-1] == '\r' {
		text, n = text[:n-1], n-1
	}
	l := Line{Offset: s.start, Truncated: n > int64(s.max)}
	if l.Truncated {
		text = text[:s.max]
	}
	// Copy, so the caller may keep Text while s.line is reused.
	l.Text = append(make([]byte, 0, len(text)), text...)
	raw := s.n
	if newline {
		raw++
	}
	s.reset(s.start + raw)
	return l, raw
}
