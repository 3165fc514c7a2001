package multiline

import (
	"bytes"
	"strings"
)

// tbState is where a held event stands in a Python traceback; the rules
// for a line depend on it.
type tbState uint8

const (
	tbNone   tbState = iota
	tbFrames         // after "Traceback (most recent call last):": indented frames until the exception line
	tbEnded          // after the exception line: blank lines or a chaining sentence may follow
)

// traceback is the line that begins a Python traceback.
const traceback = "Traceback (most recent call last):"

// months holds the abbreviations a syslog header starts with, three letters
// each.
const months = "JanFebMarAprMayJunJulAugSepOctNovDec"

// startState is the traceback state of an event that line starts.
func startState(line []byte) tbState {
	if hasPrefix(line, traceback) {
		return tbFrames
	}
	return tbNone
}

// continues reports whether line continues an event in traceback state st,
// and the state after it. The package doc lists the rules.
func continues(line []byte, st tbState) (tbState, bool) {
	switch {
	case blank(line):
		return st, st == tbEnded
	case header(line):
		return tbNone, false
	case hasPrefix(line, traceback):
		return tbFrames, true
	case line[0] == ' ' || line[0] == '\t':
		return st, true
	case st == tbFrames:
		return tbEnded, true // the exception line: "ValueError: bad input"
	case st == tbEnded && (hasPrefix(line, "During handling of the above exception") ||
		hasPrefix(line, "The above exception was the direct cause")):
		return tbEnded, true // Python's sentence between chained tracebacks
	case hasPrefix(line, "at "), hasPrefix(line, "Caused by:"), hasPrefix(line, "Suppressed:"),
		hasPrefix(line, "..."), exceptionLine(line):
		return st, true
	}
	return tbNone, false
}

// header reports whether line starts like the first line of a log event.
func header(line []byte) bool {
	c := line[0]
	switch {
	case c >= '0' && c <= '9', c == '[', c == '{':
		return true
	case c == '<':
		return len(line) > 1 && isDigit(line[1])
	case len(line) >= 4 && line[3] == ' ':
		if i := strings.Index(months, string(line[:3])); i >= 0 && i%3 == 0 {
			return true
		}
	}
	if glogHeader(line) || logfmtKey(line) {
		return true
	}
	w := line
	for i, c := range line {
		if !isLetter(c) {
			w = line[:i]
			break
		}
	}
	switch string(w) {
	case "TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERROR", "CRITICAL", "FATAL":
		return true
	}
	return false
}

// glogHeader matches glog's and klog's "E0501 ": severity letter, month, day.
func glogHeader(line []byte) bool {
	if len(line) < 6 || strings.IndexByte("IWEF", line[0]) < 0 || line[5] != ' ' {
		return false
	}
	for _, c := range line[1:5] {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// logfmtKey matches a line that begins with a logfmt key: "level=warn ...".
func logfmtKey(line []byte) bool {
	for i, c := range line {
		switch {
		case c == '=':
			return i > 0
		case !isLetter(c) && !isDigit(c) && c != '_' && c != '.' && c != '-':
			return false
		}
	}
	return false
}

// exceptionLine matches "com.example.FooException" or
// "java.lang.IllegalStateException: message": a class name with at least
// one dot, ending in Exception, Error or Throwable.
func exceptionLine(line []byte) bool {
	name := line
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name = line[:i]
	}
	if !hasSuffix(name, "Exception") && !hasSuffix(name, "Error") && !hasSuffix(name, "Throwable") {
		return false
	}
	dots := 0
	for i, c := range name {
		switch {
		case c == '.':
			if i == 0 || name[i-1] == '.' {
				return false
			}
			dots++
		case !isLetter(c) && !isDigit(c) && c != '_' && c != '$':
			return false
		}
	}
	return dots > 0
}

func blank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// hasPrefix and hasSuffix compare without converting line to a string,
// which would allocate.
func hasPrefix(line []byte, p string) bool {
	return len(line) >= len(p) && string(line[:len(p)]) == p
}

func hasSuffix(line []byte, s string) bool {
	return len(line) >= len(s) && string(line[len(line)-len(s):]) == s
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
