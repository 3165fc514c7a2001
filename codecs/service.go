package codecs

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameBytes caps a service or host name: it becomes part of every table
// key and a label on the dashboard.
const maxNameBytes = 128

// unknownService is the service of an event whose payload and key name none.
const unknownService = "unknown"

// cleanName makes a service or host name safe to put in a table key: spaces
// trimmed, control characters and '|' (the key separator, see WindowKey)
// replaced by '_', invalid UTF-8 replaced by U+FFFD, and cut to maxNameBytes
// on a rune boundary. It returns "" for a name that is blank.
func cleanName(s string) string {
	s = strings.TrimSpace(s)
	if nameIsClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), maxNameBytes))
	for _, r := range s {
		if r == '|' || unicode.IsControl(r) {
			r = '_'
		}
		if b.Len()+utf8.RuneLen(r) > maxNameBytes {
			break
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// nameIsClean is the allocation-free common case of cleanName: short
// printable ASCII without '|'.
func nameIsClean(s string) bool {
	if len(s) > maxNameBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '|' {
			return false
		}
	}
	return true
}

// OverflowService is the service under which the view shows the events of
// the services past the cap of a window (see table.OverflowKey). Decode renames a
// service of this very name (see serviceName), so no real service merges
// into it.
const OverflowService = "_overflow"

// serviceName picks the service of an event: the payload's, else the record
// key's, else unknownService. The key is used only when it is text; it may
// as well be a hash or an id. A service named OverflowService is renamed
// renamedOverflow: the view shows the services past the cap under that
// name, and a real one must not merge into them unseen.
func serviceName(payload string, key []byte) string {
	s := cleanName(payload)
	if s == "" && len(key) > 0 && utf8.Valid(key) {
		s = cleanName(string(key))
	}
	switch s {
	case "":
		return unknownService
	case OverflowService:
		return renamedOverflow
	}
	return s
}

// renamedOverflow is what a real service named OverflowService is counted
// as.
const renamedOverflow = OverflowService + "_"
