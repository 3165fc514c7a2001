package codecs

import "strings"

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
