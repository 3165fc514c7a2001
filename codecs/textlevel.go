package codecs

import "strings"

// place is where a token stands in the header, which decides how much of a
// level it must look like.
type place struct {
	// first: the line's first word, or the first after its timestamp.
	first bool
	// letterColumn: after the timestamp and any number columns (pid, tid),
	// and followed by another column rather than prose, where MongoDB,
	// etcd, logcat and glog-like layouts write a one-letter level.
	letterColumn bool
	// nextPlain: the next token is a word of prose; nextDigit: it starts
	// with a digit (a timestamp, as in Tornado's "[W 2026-11-26 ...]").
	nextPlain, nextDigit bool
}

// levelToken reads the level a header token names, how many of its bytes
// belong to the level (the message starts after them), and the rule that
// read it. It accepts
//
//	level=warn lvl=E severity="error"   a level key (any name or letter)
//	[error] <E> (warn) [WARN] [Note]    a bracketed name or letter
//	[core:notice] [rewrite:trace3]      a bracketed module:level (Apache 2.4)
//	INFO WARNING SEVERE LOG: DEBUG2     an upper-case name, anywhere in the header
//	info: information/Facility          a name in any case tagged with ':' or '/'
//	error Warning                       a common name in any case, first only
//	E I W                               a letter in a letter column
func levelToken(tok string, p place) (Level, int, string, bool) {
	if key, val, ok := strings.Cut(tok, "="); ok {
		roles, n := rolesOf(key)
		if n == 1 && roles[0].field == fieldLevel {
			l := levelValue(strings.Trim(val, `"'`))
			return l, len(tok), "logfmt key in the header", l != LevelUnknown
		}
		return LevelUnknown, 0, "", false
	}
	if c := tok[0]; c == '[' || c == '<' || c == '(' {
		// Tornado's "[W 2026-11-26 10:00:00 app:1]": a letter opening the
		// line's first bracket, a timestamp after it.
		if len(tok) == 2 && c == '[' && p.first && p.nextDigit && strings.Contains("DIWEF", tok[1:]) {
			l, _ := ParseLevel(tok[1:])
			return l, len(tok), "bracketed letter before a timestamp", true
		}
		return bracketGroups(tok)
	}
	if l, ok := lastSegmentLevel(tok); ok {
		return l, len(tok), "upper-case word after a channel", true
	}
	end := 0
	for end < len(tok) && isLetter(tok[end]) {
		end++
	}
	word := tok[:end]
	if word == "" {
		return LevelUnknown, 0, "", false
	}
	end += levelDigit(tok[end:], word)
	after := tok[end:]
	tagged := after != "" && (after[0] == ':' || after[0] == '/' && len(after) > 1 && isLetter(after[1]))
	sep := separatorLen(after)
	if after == "]" && isUpper(word) {
		sep = 1 // log4j's "[ WARN]", split by the tokenizer
	}
	if after != "" && sep == 0 && !tagged {
		return LevelUnknown, 0, "", false // "ERRORS", "INFO-foo", "E2E"
	}
	var rule string
	switch {
	case len(word) == 1:
		if !p.letterColumn || !strings.Contains("VDIWEF", word) {
			return LevelUnknown, 0, "", false
		}
		rule = "letter column"
	case word == "LOG":
		// PostgreSQL's "LOG:" is informational; a bare LOG is a word.
		if !tagged {
			return LevelUnknown, 0, "", false
		}
		return LevelInfo, end + sep, "upper-case word tagged with :", true
	case isUpper(word) && (commonLevelWord(word) || p.first || sep > 0 || tagged):
		// Rarer synonyms (ALERT, CONFIG, FINE, NOTICE) only first or
		// tagged: "Received ALERT from ..." is prose.
		rule = "upper-case word"
	case tagged:
		rule = "word tagged with : or /"
	case p.first && commonLevelWord(word) && (sep > 0 || !p.nextPlain):
		// "Info  CBS ...", "info\tpkg/file.go" are columns; "Info about
		// the release" and "Debug builds are slower" are sentences.
		rule = "first word"
	default:
		return LevelUnknown, 0, "", false
	}
	l, ok := ParseLevel(word)
	if tagged && after[0] == '/' {
		sep = len(after) // "warning/PluginTask:": the facility is no message
	}
	return l, end + sep, rule, ok
}

// bracketGroups reads a token of bracket groups written without space
// between them, as Envoy's "[12][warning][main]": the first group that is a
// level counts, and the message starts after the token.
func bracketGroups(tok string) (Level, int, string, bool) {
	for at := 0; at < len(tok); {
		l, n, rule, ok := bracketedLevel(tok[at:])
		if ok {
			if at > 0 {
				return l, len(tok), rule, true
			}
			return l, n, rule, true
		}
		// On to the next group, if the token goes on with one.
		end := strings.IndexByte(tok[at:], closer(tok[at]))
		if end < 0 || at+end+1 >= len(tok) || tok[at+end+1] != tok[at] {
			break
		}
		at += end + 1
	}
	return LevelUnknown, 0, "", false
}

// bracketedLevel reads "[error]", "<E>", "(warn)", "[WARN ]" (split by
// the tokenizer, so unclosed), "[core:notice]" and "[Note]". A single letter
// counts only in capitals and in "[]" or "<>": "(e)" and "[a]" are how prose
// numbers its points.
func bracketedLevel(tok string) (Level, int, string, bool) {
	open, closeAt := tok[0], strings.IndexByte(tok, closer(tok[0]))
	inner := tok[1:]
	if closeAt > 0 {
		inner = tok[1:closeAt]
	} else if len(tok) > 1 && !isLetter(tok[len(tok)-1]) {
		return LevelUnknown, 0, "", false // "[main:x", "[1234]x"
	}
	rule := "bracketed"
	if i := strings.LastIndexByte(inner, ':'); i >= 0 && open == '[' {
		inner, rule = inner[i+1:], "bracketed module:level"
	}
	end := 0
	for end < len(inner) && isLetter(inner[end]) {
		end++
	}
	word := inner[:end]
	if end+levelDigit(inner[end:], word) != len(inner) || word == "" {
		return LevelUnknown, 0, "", false
	}
	if len(word) == 1 && (open == '(' || !isUpper(word)) || closeAt < 0 && len(word) < 2 {
		return LevelUnknown, 0, "", false
	}
	l, ok := ParseLevel(word)
	if !ok && strings.EqualFold(word, "system") {
		l, ok = LevelInfo, true // MySQL 8's [System]: start and stop notes
	}
	n := len(tok)
	if closeAt > 0 {
		n = closeAt + 1 + separatorLen(tok[closeAt+1:])
	}
	return l, n, rule, ok
}

// lastSegmentLevel reads a level that ends a token of segments, the last
// an upper-case level word tagged with ':': Monolog's "app.ERROR:",
// PostgreSQL's prefix "UTC::@:[1234]:ERROR:".
func lastSegmentLevel(tok string) (Level, bool) {
	if len(tok) < 4 || tok[len(tok)-1] != ':' {
		return LevelUnknown, false
	}
	body := tok[:len(tok)-1]
	i := strings.LastIndexAny(body, ".:]")
	if i < 0 {
		return LevelUnknown, false
	}
	word := body[i+1:]
	if len(word) < 3 || !isUpper(word) {
		return LevelUnknown, false
	}
	return ParseLevel(word)
}

// levelDigit is the length of the one digit some layouts put after a level
// name: Apache's trace1..trace8, PostgreSQL's DEBUG1..DEBUG5.
func levelDigit(s, word string) int {
	if len(s) == 0 || !isDigit(s[0]) || len(s) > 1 && (isDigit(s[1]) || isLetter(s[1])) {
		return 0
	}
	if strings.EqualFold(word, "trace") || strings.EqualFold(word, "debug") {
		return 1
	}
	return 0
}

// commonLevelWord reports whether a word not in capitals still reads as a
// level at the head of a line: "error: ...", "Warning ...". Rarer synonyms
// ("fine", "config", "alert", "notice") count only in capitals, brackets or
// tagged, where they are less likely the first word of a sentence.
func commonLevelWord(w string) bool {
	for _, name := range [...]string{"trace", "trc", "debug", "dbg", "info", "inf", "warn", "wrn", "warning",
		"error", "err", "fatal", "ftl", "critical", "crit", "severe", "panic"} {
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
