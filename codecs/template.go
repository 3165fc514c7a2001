package codecs

import (
	"strings"
	"unicode/utf8"
)

// MaxTemplateBytes caps a message template, and MaxSampleBytes a sampled
// message: both live in table values, which must stay small.
const (
	MaxTemplateBytes = 160
	MaxSampleBytes   = 256
)

// Template normalises a message so that messages that differ only in their
// variable parts group together: every word that holds a digit becomes <*>
// (keeping a key= prefix and surrounding punctuation), runs of spaces become
// one, and the result is cut to MaxTemplateBytes. "user 42 failed" and
// "user 43 failed" both give "user <*> failed"; "took 12ms id=0x1f" gives
// "took <*> id=<*>".
func Template(msg string) string {
	var b strings.Builder
	b.Grow(min(len(msg), MaxTemplateBytes))
	for word := range strings.FieldsSeq(msg) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		// Cut each word too: one long word must not be copied whole.
		b.WriteString(Truncate(templateWord(word), MaxTemplateBytes-b.Len()))
		if b.Len() >= MaxTemplateBytes {
			break
		}
	}
	return strings.TrimRight(Truncate(b.String(), MaxTemplateBytes), " ")
}

// templateWord replaces a word holding a digit with <*>, keeping what stands
// before an = or : (a key) and the punctuation around it.
func templateWord(w string) string {
	if !strings.ContainsAny(w, decimalDigits) {
		return w
	}
	prefix := ""
	if i := strings.IndexAny(w, "=:"); i > 0 && i < len(w)-1 && !strings.ContainsAny(w[:i], decimalDigits) {
		prefix, w = w[:i+1], w[i+1:]
	}
	lead := len(w) - len(strings.TrimLeft(w, `([{"'<`))
	trail := len(w) - len(strings.TrimRight(w, `)]}"'>,;.!?`))
	if lead+trail >= len(w) {
		return prefix + w
	}
	return prefix + w[:lead] + "<*>" + w[len(w)-trail:]
}

const decimalDigits = "0123456789"

// Truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
