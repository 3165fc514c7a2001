package codecs

import (
	"bytes"
	"encoding/json"
)

// scanFlatJSON reads the common shape of a JSON log line without
// encoding/json's reflection: one object whose keys have no escapes and
// whose values are strings (escapes checked, left for jsonString to
// undo: Docker's {"log": "...\n"} has one in every record), numbers,
// booleans or null. It
// offers each key to cs as decodeJSON's map walk would and reports true.
// Anything else — nesting, an escape, a key of an alias given twice, or
// anything not valid JSON — reports false, and the caller takes the
// encoding/json path, which then decides the result and the error message.
// v is trimmed, valid UTF-8, and starts with '{'. The values offered are
// slices of v.
func scanFlatJSON(v []byte, cs *candidates[json.RawMessage]) bool {
	// Keys with a role, to find one given twice: encoding/json keeps the
	// last value of a key, the walk here would keep both.
	var seen [numAliases][]byte
	nseen := 0
	i := skipWS(v, 1)
	if i < len(v) && v[i] == '}' {
		return skipWS(v, i+1) == len(v)
	}
	for {
		if i >= len(v) || v[i] != '"' {
			return false
		}
		ks := i + 1
		ke := plainStringEnd(v, ks)
		if ke < 0 {
			return false
		}
		key := v[ks:ke]
		i = skipWS(v, ke+1)
		if i >= len(v) || v[i] != ':' {
			return false
		}
		vs := skipWS(v, i+1)
		ve := valueEnd(v, vs)
		if ve < 0 {
			return false
		}
		if roles, n := rolesOf(key); n > 0 {
			for _, k := range seen[:nseen] {
				if bytes.Equal(k, key) {
					return false
				}
			}
			if nseen == len(seen) {
				return false
			}
			seen[nseen] = key
			nseen++
			cs.offer(keyString(key, roles[0]), json.RawMessage(v[vs:ve]))
		}
		i = skipWS(v, ve)
		if i >= len(v) {
			return false
		}
		switch v[i] {
		case ',':
			i = skipWS(v, i+1)
		case '}':
			return skipWS(v, i+1) == len(v)
		default:
			return false
		}
	}
}

// skipWS returns the index of the first byte at or after i that is not JSON
// whitespace.
func skipWS(v []byte, i int) int {
	for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r') {
		i++
	}
	return i
}

// plainStringEnd returns the index of the closing quote of a string whose
// body starts at i, or -1 if it has an escape, a control byte, or no end.
func plainStringEnd(v []byte, i int) int {
	for ; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			return i
		case c == '\\' || c < 0x20:
			return -1
		}
	}
	return -1
}

// stringEnd returns the index of the closing quote of a string whose body
// starts at i, checking its escapes as RFC 8259 has them, or -1 if one is
// wrong, a control byte stands unescaped, or the string has no end.
func stringEnd(v []byte, i int) int {
	for ; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			return i
		case c < 0x20:
			return -1
		case c == '\\':
			i++
			if i >= len(v) {
				return -1
			}
			switch v[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(v) || !isHex(v[i+1]) || !isHex(v[i+2]) || !isHex(v[i+3]) || !isHex(v[i+4]) {
					return -1
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// valueEnd returns the end of a string without escapes, a number, true,
// false or null starting at i; -1 for anything else.
func valueEnd(v []byte, i int) int {
	if i >= len(v) {
		return -1
	}
	switch c := v[i]; {
	case c == '"':
		if e := stringEnd(v, i+1); e >= 0 {
			return e + 1
		}
		return -1
	case c == '-' || isDigit(c):
		return numberEnd(v, i)
	case c == 't':
		return literalEnd(v, i, "true")
	case c == 'f':
		return literalEnd(v, i, "false")
	case c == 'n':
		return literalEnd(v, i, "null")
	}
	return -1
}

func literalEnd(v []byte, i int, lit string) int {
	if len(v)-i >= len(lit) && string(v[i:i+len(lit)]) == lit {
		return i + len(lit)
	}
	return -1
}

// numberEnd checks RFC 8259's number grammar:
// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func numberEnd(v []byte, i int) int {
	if i >= len(v) {
		return -1
	}
	if v[i] == '-' {
		i++
	}
	digits := func() int {
		s := i
		for i < len(v) && isDigit(v[i]) {
			i++
		}
		return i - s
	}
	switch {
	case i < len(v) && v[i] == '0':
		i++
	case digits() == 0:
		return -1
	}
	if i < len(v) && v[i] == '.' {
		i++
		if digits() == 0 {
			return -1
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		if digits() == 0 {
			return -1
		}
	}
	return i
}

// aliasNames spells each role's alias as rolesOf matches it (see
// aliases.go): a key spelled so is that constant, not a new string.
var aliasNames = [numFields][maxAliases]string{
	fieldTime:    {"timestamp", "ts", "time", "@timestamp", "date", "_source_realtime_timestamp", "__realtime_timestamp", "t"},
	fieldLevel:   {"level", "severity", "lvl", "loglevel", "log.level", "priority", "s", "log"},
	fieldMessage: {"message", "msg", "text", "log", "short_message"},
	fieldService: {"service", "app", "application", "service.name", "syslog_identifier", "container_name", "_container_name"},
	fieldHost:    {"host", "hostname", "host.name", "_hostname"},
}

// keyString is key as a string, without allocating when it is spelled as
// the alias of r (most payloads).
func keyString(key []byte, r role) string {
	if name := aliasNames[r.field][r.rank]; string(key) == name {
		return name
	}
	return string(key)
}
