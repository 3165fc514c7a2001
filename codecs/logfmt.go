package codecs

import (
	"strconv"
	"strings"
	"unicode/utf16"
)

// decodeLogfmt reads a logfmt line: key=value pairs, values optionally
// double-quoted with backslash escapes (go-kit, logrus, slog's TextHandler).
// Keys are the same aliases as in JSON (aliases.go).
//
// strict is for telling logfmt from a text line: every token must then be
// key=value, and a level or message key must be among them, else matched is
// false and the line is left to the text decoder. Without strict (the
// content type said logfmt) bare keys are allowed and a broken line is
// ReasonUndecodable.
func decodeLogfmt(s string, strict bool) (f fields, matched bool, err error) {
	var cs candidates[string]
	sc := logfmtScanner{s: s, strict: strict}
	for sc.next() {
		if sc.hasVal {
			cs.offer(sc.key, sc.val)
		}
	}
	if sc.bad != "" {
		if strict {
			return fields{}, false, nil
		}
		return fields{}, false, reject(ReasonUndecodable, "logfmt: %s at byte %d", sc.bad, sc.badAt)
	}
	if strict && !cs.any(fieldLevel) && !cs.any(fieldMessage) {
		return fields{}, false, nil
	}

	for rank, c := range cs.of(fieldTime) {
		// MongoDB's "t" is JSON only.
		if !c.set || c.val == "" || rank == rankMongoTime {
			continue
		}
		t, ok := parseTimeString(c.val)
		if !ok {
			return fields{}, false, reject(ReasonBadTimestamp, "key %q: unreadable timestamp %q", c.key, truncate(c.val, 64))
		}
		f.time, f.hasTime, f.why.time = t, true, c.key
		break
	}
	for rank, c := range cs.of(fieldLevel) {
		// In logfmt "log" is the message.
		if c.set && c.val != "" && rank != rankLogObject && rank != rankMongoSeverity && rank != rankPriority {
			f.level, f.why.level = levelValue(c.val), c.key
			break
		}
	}
	// A line without a message key is its own message: a sample that shows
	// the pairs says more than an empty one.
	f.message = s
	for _, c := range cs.of(fieldMessage) {
		if c.set {
			f.message = c.val
			break
		}
	}
	f.why.format = "logfmt"
	f.service = firstName(&cs, fieldService)
	if f.service != "" {
		f.why.service = "a service key"
	}
	f.host = firstName(&cs, fieldHost)
	return f, true, nil
}

// any reports whether some alias of fl is present.
func (cs *candidates[V]) any(fl field) bool {
	for _, c := range cs.of(fl) {
		if c.set {
			return true
		}
	}
	return false
}

// firstName returns the first alias of fl with a non-blank name.
func firstName(cs *candidates[string], fl field) string {
	for _, c := range cs.of(fl) {
		if c.set && cleanName(c.val) != "" {
			return c.val
		}
	}
	return ""
}

// logfmtScanner walks the pairs of a logfmt line. There is no well-kept
// library for reading logfmt that is worth a dependency for one loop.
type logfmtScanner struct {
	s      string
	i      int
	strict bool

	key, val string
	hasVal   bool
	// bad says what is wrong with the line, at byte badAt. Not an error
	// value: telling logfmt from text fails on most text lines, and needs
	// no allocation to do so.
	bad   string
	badAt int
}

// next moves to the next pair; it returns false at the end or on a syntax
// error (sc.bad).
func (sc *logfmtScanner) next() bool {
	s := sc.s
	for sc.i < len(s) && isSpace(s[sc.i]) {
		sc.i++
	}
	if sc.i >= len(s) || sc.bad != "" {
		return false
	}
	start := sc.i
	for sc.i < len(s) && !isSpace(s[sc.i]) && s[sc.i] != '=' && s[sc.i] != '"' {
		sc.i++
	}
	sc.key, sc.val, sc.hasVal = s[start:sc.i], "", false
	switch {
	case sc.key == "":
		return sc.fail("empty key")
	case sc.i == len(s) || isSpace(s[sc.i]):
		if sc.strict {
			return sc.fail("key without a value")
		}
		return true
	case s[sc.i] == '"':
		return sc.fail("quote in key")
	}
	sc.i++ // '='
	sc.hasVal = true
	if sc.i < len(s) && s[sc.i] == '"' {
		return sc.quoted()
	}
	start = sc.i
	for sc.i < len(s) && !isSpace(s[sc.i]) {
		if sc.strict && s[sc.i] == '"' {
			return sc.fail("quote in unquoted value")
		}
		sc.i++
	}
	sc.val = s[start:sc.i]
	return true
}

// quoted reads a double-quoted value at sc.i.
func (sc *logfmtScanner) quoted() bool {
	s := sc.s
	escaped := false
	j := sc.i + 1
	for ; j < len(s) && s[j] != '"'; j++ {
		if s[j] == '\\' {
			j++
			escaped = true
		}
	}
	if j >= len(s) {
		return sc.fail("unterminated quoted value")
	}
	sc.val = s[sc.i+1 : j]
	if escaped {
		sc.val = unescapeLogfmt(sc.val)
	}
	sc.i = j + 1
	if sc.strict && sc.i < len(s) && !isSpace(s[sc.i]) {
		return sc.fail("no space after quoted value")
	}
	return true
}

func (sc *logfmtScanner) fail(msg string) bool {
	sc.bad, sc.badAt = msg, sc.i
	return false
}

// unescapeLogfmt undoes the escapes logfmt writers use in quoted values:
// the JSON set (\" \\ \/ \n \t \r \uXXXX). An unknown escape is kept as
// written rather than failing the line.
func unescapeLogfmt(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '"', '\\', '/':
			b.WriteByte(s[i])
		case 'u':
			r, n := hexRune(s[i+1:])
			if n == 0 {
				b.WriteString(`\u`)
				continue
			}
			b.WriteRune(r)
			i += n
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// hexRune reads the XXXX of a \uXXXX escape, and a following \uXXXX when
// the two form a UTF-16 surrogate pair. It returns the bytes read, 0 when s
// does not start with four hex digits.
func hexRune(s string) (rune, int) {
	if len(s) < 4 {
		return 0, 0
	}
	v, err := strconv.ParseUint(s[:4], 16, 16)
	if err != nil {
		return 0, 0
	}
	r := rune(v)
	if utf16.IsSurrogate(r) && len(s) >= 10 && s[4] == '\\' && s[5] == 'u' {
		if v2, err := strconv.ParseUint(s[6:10], 16, 16); err == nil {
			if pair := utf16.DecodeRune(r, rune(v2)); pair != '\uFFFD' {
				return pair, 10
			}
		}
	}
	return r, 4
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
