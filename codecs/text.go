package codecs

import (
	"strings"
	"time"
)

// The header of a text line is the run of columns a layout writes before
// the message: timestamps, pid and thread, host and tag, logger or
// component, and the level. decodeText looks for the level and the time
// there only; a level word further on is part of what the message says.
const (
	// maxHeaderTokens bounds the header. BGL's "- 1117838570 2005.06.03
	// R02-M1-N0 2005-06-03-15.42.50 R02-M1-N0 RAS KERNEL INFO ..." puts its
	// level ninth, the furthest of the layouts known.
	maxHeaderTokens = 10
	// maxTimeTokens is how far into the header a timestamp may start (or
	// how far past the level, for "WARN [main] 2026-..."): the fourth
	// token, for the access log's "ip - user [26/Nov/2026:10:00:00 +0000]".
	// A bare number (a unix time) counts only in the first two: further on
	// it is a pid or a count.
	maxTimeTokens = 4
	// maxPlainWords ends the header: the second word of plain prose
	// ("job 7 of 9 hit ERROR") is the message. The two tokens right after
	// a timestamp do not count, being where syslog's layout puts the host
	// and the tag ("2026-... web-1 myapp ERROR ...").
	maxPlainWords = 2
)

// decodeText reads a plain text line: first the layouts whose shape says
// the level (glog, logcat brief, Redis), then the header scan (scanHeader).
// Where the rest after the columns is logfmt (a shipper's timestamp before an
// app's logfmt), the logfmt pairs say the rest. ref, the record timestamp,
// dates layouts that carry no year.
//
// A line that says nothing readable is still an event: level unknown, time
// from the record.
func decodeText(line string, ref time.Time) (fields, error) {
	if strings.IndexByte(line, 0x1b) >= 0 {
		line = stripANSI(line)
	}
	// Only the first line of a multi-line event (a stack trace) has columns.
	head := line
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		head = strings.TrimRight(line[:i], "\r")
	}
	if f, ok := glogLine(line, head, ref); ok {
		return f, nil
	}
	if f, ok := androidBriefLine(line, head); ok {
		return f, nil
	}
	if f, ok := redisLine(line, head, ref); ok {
		return f, nil
	}
	f, restAt := scanHeader(line, head, ref)
	return withLogfmt(f, line[restAt:])
}

// scanHeader reads the level and the time from the header of a line and
// returns them with the message, and where logfmt pairs may start (after
// the timestamp).
//
// A timestamp counts among the first maxTimeTokens tokens, or within two
// tokens after the level. The level is the first token that levelToken
// reads as one, given where it stands. The header ends after
// maxHeaderTokens tokens or at the second plain word. The message starts
// after whichever of the level and the time came last; with neither, it is
// the whole line.
func scanHeader(line, head string, ref time.Time) (fields, int) {
	var f fields
	msgAt, restAt := 0, 0
	levelAt, timeK := -1, -1
	plain := 0
	// digitsSinceTime: every token since the timestamp is a number (pid,
	// tid), where logcat and others put a one-letter level column.
	digitsSinceTime := false
	// first: no word since the start or the timestamp, where a level word
	// in lower case is still a column ("error: ...", "... 10:00:00, Info").
	first := true
	i := 0
	for k := 0; k < maxHeaderTokens; k++ {
		s, e := nextToken(head, i)
		if s >= len(head) {
			break
		}
		if !f.hasTime && (k < maxTimeTokens || levelAt >= 0 && k <= levelAt+2) && (k < 2 || !isDigits(head[s:e])) {
			if t, end, ok := timeAt(head, s, ref); ok {
				f.time, f.hasTime = t, true
				msgAt, restAt, i, timeK = end, end, end, k
				f.why.time, f.why.stamp = head[s:end], true
				if f.level != LevelUnknown {
					break
				}
				digitsSinceTime, first = true, true
				continue
			}
		}
		if f.level != LevelUnknown {
			if k > levelAt+2 || f.hasTime {
				break
			}
			i = e
			continue
		}
		tok := head[s:e]
		if isPunct(tok) { // "-", "|", ",", "[" between columns
			i = e
			continue
		}
		next := nextWord(head, e)
		p := place{first: first, nextPlain: isPlainWord(next), nextDigit: next != "" && isDigit(next[0])}
		p.letterColumn = f.hasTime && digitsSinceTime && !p.nextPlain
		if l, n, rule, ok := levelToken(tok, p); ok {
			f.level, msgAt, levelAt = l, s+n, k
			f.why.level = rule
			if f.hasTime {
				break
			}
			i = e
			continue
		}
		first = false
		if !isDigits(tok) {
			digitsSinceTime = false
		}
		if isPlainWord(tok) && !(timeK >= 0 && k-timeK <= 2) {
			if plain++; plain >= maxPlainWords {
				break
			}
		}
		i = e
	}
	f.message = trimMessage(line[msgAt:])
	return f, restAt
}

// withLogfmt lets logfmt pairs after the columns say the level, message,
// service and host, and the time, which is the app's own rather than a
// shipper's.
func withLogfmt(f fields, rest string) (fields, error) {
	if strings.IndexByte(rest, '=') < 0 {
		return f, nil
	}
	lf, ok, err := decodeLogfmt(strings.TrimLeft(rest, " \t"), true)
	if err != nil || !ok {
		return f, err
	}
	if !lf.hasTime {
		lf.time, lf.hasTime, lf.why.time, lf.why.stamp = f.time, f.hasTime, f.why.time, f.why.stamp
	}
	if lf.level == LevelUnknown {
		lf.level, lf.why.level = f.level, f.why.level // "[WARN] 2026-... msg=x"
	}
	return lf, nil
}

// timeAt reads a timestamp at s[i:], also in brackets ("[2026-11-26 10:00:00,123]",
// as Kafka's own log4j layout writes it). It returns the index after it.
func timeAt(s string, i int, ref time.Time) (time.Time, int, bool) {
	if i >= len(s) {
		return time.Time{}, 0, false
	}
	j := i
	if s[i] == '[' {
		j++
	}
	t, n, ok := leadingTime(s[j:], ref)
	if !ok {
		return time.Time{}, 0, false
	}
	end := j + n
	if j > i && end < len(s) && s[end] == ']' {
		end++
	}
	// "2026-11-26T10:00:00Zfoo" is not a timestamp and a message.
	if end < len(s) && (isLetter(s[end]) || isDigit(s[end])) {
		return time.Time{}, 0, false
	}
	return t, end, true
}

// nextToken returns the bounds of the first space-separated token at or
// after s[i:]; start == len(s) when there is none.
func nextToken(s string, i int) (start, end int) {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	start = i
	for i < len(s) && s[i] != ' ' && s[i] != '\t' {
		i++
	}
	return start, i
}

// nextWord returns the token after s[:i].
func nextWord(s string, i int) string {
	st, e := nextToken(s, i)
	return s[st:e]
}

// isPlainWord reports whether tok reads as a word of prose: letters only,
// some of them lower case, at most a trailing ',', ';' or '.'. Host names,
// tags ("sshd[1]:"), components ("CONTROL") and levels are not.
func isPlainWord(tok string) bool {
	tok = strings.TrimRight(tok, ",;.")
	lower := false
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if !isLetter(c) {
			return false
		}
		lower = lower || c >= 'a'
	}
	return lower
}

// isPunct reports whether tok is punctuation only, a separator between
// columns.
func isPunct(tok string) bool {
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if isLetter(c) || isDigit(c) || c >= 0x80 {
			return false
		}
	}
	return true
}

// trimMessage drops the space and the one separator ("- ", ": ", "| ", and
// the "] " of log4j's "[INFO ]") that layouts put between the columns and
// the message.
func trimMessage(s string) string {
	s = strings.TrimLeft(s, " \t")
	if strings.HasPrefix(s, "][") { // "[WARN ][logger]", split by the tokenizer
		s = s[1:]
	}
	if len(s) >= 2 && s[1] == ' ' && strings.IndexByte("-:|],", s[0]) >= 0 {
		s = strings.TrimLeft(s[2:], " \t")
	}
	return s
}

// stripANSI removes terminal escape sequences (colours, mostly): they would
// hide "\x1b[31mERROR\x1b[0m" from the level search.
func stripANSI(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != 0x1b {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '[' {
			// CSI: parameters and intermediates, then one final byte.
			i += 2
			for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
				i++
			}
		}
	}
	return b.String()
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isUpper(w string) bool {
	for i := 0; i < len(w); i++ {
		if !('A' <= w[i] && w[i] <= 'Z') {
			return false
		}
	}
	return true
}
