package codecs

import (
	"strings"
	"time"
)

// maxLevelTokens is how far past the timestamp the level may sit: room for
// a pid, a thread and a separator, as in HDFS "148 INFO", Zookeeper
// "- INFO", log4j "[main] INFO", Android "123 456 E". Further on, a level
// word is more likely part of the message than a column.
const maxLevelTokens = 4

// decodeText reads a plain text line. It looks at the first tokens only:
// a timestamp at the first or second token (leadingTime), then the level
// within maxLevelTokens tokens after it (levelToken). The message is the
// rest of the line after the level, or after the timestamp when there is no
// level, or the whole line when neither is found. Where the rest after a
// timestamp is logfmt (a shipper's timestamp before an app's logfmt), the
// logfmt pairs say the rest. ref, the record timestamp, dates layouts that
// carry no year.
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

	var f fields
	pos := 0 // where the level search starts
	s0, e0 := nextToken(head, 0)
	if t, end, ok := timeAt(head, s0, ref); ok {
		f.time, f.hasTime, pos = t, true, end
	} else if s1, _ := nextToken(head, e0); s1 < len(head) {
		if t, end, ok := timeAt(head, s1, ref); ok {
			f.time, f.hasTime, pos = t, true, end
			// The token before the timestamp may be the level ("[INFO]
			// 2026-..."), or a file name as in OpenStack's logs.
			if l, _, ok := levelToken(head[s0:e0], 0, false); ok {
				f.level = l
				f.message = trimMessage(line[pos:])
				return withLogfmt(f, line[pos:])
			}
		}
	}

	msgAt, numeric := pos, 0
	for k, i := 0, pos; k < maxLevelTokens; k++ {
		s, e := nextToken(head, i)
		if s >= len(head) {
			break
		}
		tok := head[s:e]
		if l, n, ok := levelToken(tok, k, k >= 2 && numeric == k); ok {
			f.level, msgAt = l, s+n
			break
		}
		if isDigits(tok) {
			numeric++
		}
		i = e
	}
	f.message = trimMessage(line[msgAt:])
	return withLogfmt(f, line[pos:])
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
		lf.time, lf.hasTime = f.time, f.hasTime
	}
	if lf.level == LevelUnknown {
		lf.level = f.level // "[WARN] 2026-... msg=x"
	}
	return lf, nil
}

// levelToken reads the level a token of the head names, and how many of
// its bytes belong to the level (the message starts after them). k is the
// token's place after the timestamp; letterColumn says that a single letter
// stands where Android's logcat writes the level (after pid and tid). It
// accepts
//
//	level=warn lvl=E severity="error"  a level key (any name or letter)
//	[error] <E> (warn) [WARN]:         a bracketed name or letter
//	INFO WARNING SEVERE INFO:root:     an upper-case name
//	error: Warning                     a common name in any case, first only
//	E                                  a letter in a letter column
func levelToken(tok string, k int, letterColumn bool) (Level, int, bool) {
	if key, val, ok := strings.Cut(tok, "="); ok {
		roles, n := rolesOf(key)
		if n == 1 && roles[0].field == fieldLevel {
			l, ok := ParseLevel(strings.Trim(val, `"'`))
			return l, len(tok), ok
		}
		return LevelUnknown, 0, false
	}

	open := 0
	if tok[0] == '[' || tok[0] == '<' || tok[0] == '(' {
		open = 1
	}
	// A letter in brackets is a level only as "<E>" or "[E]": "(e)" and
	// "[a]" are how prose numbers its points.
	end := open
	for end < len(tok) && isLetter(tok[end]) {
		end++
	}
	word, after := tok[open:end], tok[end:]
	if word == "" {
		return LevelUnknown, 0, false
	}
	if open == 1 {
		closed := after != "" && after[0] == closer(tok[0])
		if !closed && (after != "" || len(word) < 2) {
			return LevelUnknown, 0, false // "[main:x" or a lone "[E"
		}
		if len(word) == 1 && (tok[0] == '(' || !isUpper(word)) {
			return LevelUnknown, 0, false
		}
		if closed {
			end++
		}
		l, ok := ParseLevel(word)
		return l, end + separatorLen(tok[end:]), ok
	}
	if after != "" && separatorLen(after) == 0 {
		return LevelUnknown, 0, false // "ERRORS", "INFO-foo", "E2E"
	}
	switch {
	case len(word) == 1:
		if !letterColumn || !strings.Contains("VDIWEF", word) {
			return LevelUnknown, 0, false
		}
	case isUpper(word):
	case k == 0 && commonLevelWord(word):
	default:
		return LevelUnknown, 0, false
	}
	l, ok := ParseLevel(word)
	return l, end + separatorLen(after), ok
}

// commonLevelWord reports whether a word not in capitals still reads as a
// level at the head of a line: "error: ...", "Warning ...". Rarer synonyms
// ("fine", "config", "alert", "notice") count only in capitals or brackets,
// where they are less likely the first word of a sentence.
func commonLevelWord(w string) bool {
	for _, name := range [...]string{"trace", "debug", "info", "warn", "warning", "error", "err", "fatal", "critical", "crit", "panic"} {
		if strings.EqualFold(w, name) {
			return true
		}
	}
	return false
}

// separatorLen is the length of a ':', ',' or '|' that ends a level token
// ("INFO:root:msg", "ERROR,").
func separatorLen(s string) int {
	if s != "" && (s[0] == ':' || s[0] == ',' || s[0] == '|') {
		return 1
	}
	return 0
}

func closer(open byte) byte {
	switch open {
	case '[':
		return ']'
	case '<':
		return '>'
	}
	return ')'
}

// glogLine reads the glog/klog header "Lmmdd hh:mm:ss.uuuuuu tid file:line] msg",
// whose first letter (I W E F) is the level.
func glogLine(line, head string, ref time.Time) (fields, bool) {
	if len(head) < 14 || !strings.Contains("IWEF", head[:1]) || head[5] != ' ' {
		return fields{}, false
	}
	mo, ok1 := digits(head, 1, 2)
	d, ok2 := digits(head, 3, 2)
	c, n, ok3 := readClock(head, 6)
	if !ok1 || !ok2 || !ok3 || n < len(head) && head[n] != ' ' {
		return fields{}, false
	}
	var f fields
	f.level, _ = ParseLevel(head[:1])
	f.time, f.hasTime = inferYear(mo, d, c, ref)
	if i := strings.Index(head[n:], "] "); i >= 0 {
		n += i + 2
	}
	f.message = trimMessage(line[n:])
	return f, true
}

// androidBriefLine reads logcat's brief and tag formats, "E/Tag( 123): msg"
// and "E/Tag: msg". The '(' or ':' in the first token keeps "I/O error"
// from reading as INFO.
func androidBriefLine(line, head string) (fields, bool) {
	if len(head) < 3 || head[1] != '/' || !strings.Contains("VDIWEF", head[:1]) || !isLetter(head[2]) {
		return fields{}, false
	}
	if _, e := nextToken(head, 0); !strings.ContainsAny(head[:e], "(:") {
		return fields{}, false
	}
	var f fields
	f.level, _ = ParseLevel(head[:1])
	f.message = trimMessage(line[2:])
	return f, true
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

// trimMessage drops the space and the one separator ("- ", ": ", "| ", and
// the "] " of log4j's "[INFO ]") that layouts put between the columns and
// the message.
func trimMessage(s string) string {
	s = strings.TrimLeft(s, " \t")
	if len(s) >= 2 && s[1] == ' ' && strings.IndexByte("-:|]", s[0]) >= 0 {
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
