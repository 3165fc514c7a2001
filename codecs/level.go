package codecs

import (
	"strconv"
	"strings"
)

// Level is the severity of a log event. The zero value is LevelUnknown, the
// level of an event whose level cannot be read.
type Level uint8

// The levels logpulse counts, from least to most severe.
const (
	LevelUnknown Level = iota
	LevelTrace
	LevelDebug
	LevelInfo
	LevelWarn
	LevelError
	LevelFatal

	// NumLevels is the number of levels, for arrays indexed by Level.
	NumLevels = int(LevelFatal) + 1
)

var levelNames = [NumLevels]string{"UNKNOWN", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}

// String returns the canonical upper-case name: TRACE, DEBUG, INFO, WARN,
// ERROR, FATAL or UNKNOWN.
func (l Level) String() string {
	if int(l) >= NumLevels {
		return "UNKNOWN"
	}
	return levelNames[l]
}

// Levels returns every level in order, UNKNOWN first.
func Levels() []Level {
	return []Level{LevelUnknown, LevelTrace, LevelDebug, LevelInfo, LevelWarn, LevelError, LevelFatal}
}

// LevelByName returns the level whose canonical name is name, ignoring case.
// Unlike ParseLevel it accepts no synonyms: it is for API parameters, where
// "warning" is more likely a typo than a request.
func LevelByName(name string) (Level, bool) {
	for i, n := range levelNames {
		if strings.EqualFold(n, name) {
			return Level(i), true
		}
	}
	return LevelUnknown, false
}

// ParseLevel reads a level name as loggers write it, ignoring case and
// surrounding space: the canonical names, the synonyms of syslog,
// java.util.logging, glog, zerolog, bunyan, .NET (trce dbug fail) and
// friends (notice, note, severe, fine, crit, wrn, ftl...), and single
// letters (V D I W E F). It is for tokens the
// caller already knows sit in a level position: the text decoder decides
// where a single letter counts before asking.
func ParseLevel(s string) (Level, bool) {
	s = strings.TrimSpace(s)
	// Lower-case into a stack buffer rather than strings.ToLower: this runs
	// once per record, and the longest name is 13 bytes.
	var buf [16]byte
	if s == "" || len(s) > len(buf) {
		return LevelUnknown, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(s)]) {
	case "trace", "trc", "trce", "finest", "finer", "verbose", "v":
		return LevelTrace, true
	case "debug", "dbg", "dbug", "fine", "config", "d":
		return LevelDebug, true
	case "info", "inf", "information", "informational", "notice", "note", "i":
		return LevelInfo, true
	case "warn", "wrn", "warning", "w":
		return LevelWarn, true
	case "error", "err", "eror", "fail", "failure", "severe", "e":
		return LevelError, true
	case "fatal", "ftl", "crit", "critical", "alert", "emerg", "emergency", "panic", "pnc", "f":
		return LevelFatal, true
	}
	return LevelUnknown, false
}

// numericLevel maps numeric levels: 0 to 7 are syslog severities (RFC
// 5424, as GELF's level and journald's PRIORITY write them: 0-2 FATAL, 3
// ERROR, 4 WARN, 5-6 INFO, 7 DEBUG), and 10, 20 ... 60 bunyan's and pino's
// (trace ... fatal). Other numbers say nothing reliable.
func numericLevel(n int64) Level {
	if n >= 0 && n <= 7 {
		return [8]Level{LevelFatal, LevelFatal, LevelFatal, LevelError, LevelWarn, LevelInfo, LevelInfo, LevelDebug}[n]
	}
	switch n {
	case 10:
		return LevelTrace
	case 20:
		return LevelDebug
	case 30:
		return LevelInfo
	case 40:
		return LevelWarn
	case 50:
		return LevelError
	case 60:
		return LevelFatal
	}
	return LevelUnknown
}

// levelValue reads the value of a level field (JSON or logfmt): a name, or a
// bunyan/pino number written as a string. Anything else is LevelUnknown.
func levelValue(s string) Level {
	if l, ok := ParseLevel(s); ok {
		return l
	}
	if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
		return numericLevel(n)
	}
	return LevelUnknown
}

// MarshalText writes the canonical level name, so JSON carries "ERROR".
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a canonical level name; an unknown one (written by a
// newer build) reads as UNKNOWN rather than failing the whole value.
func (l *Level) UnmarshalText(b []byte) error {
	*l, _ = LevelByName(string(b))
	return nil
}
