package table

// The scanning helpers of codecs/jsonflat.go, for the direct table JSON
// reader.

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

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
