package codecs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// decodeOTLPJSON checks the whole request with json.Valid once, then walks
// it with the splitter below, which only finds where each value ends: a
// walk with encoding/json would scan each level of the request again,
// reflect, and fold the case of keys, which protobuf JSON matches exactly.
// The splitter still checks every index against the end of its input: it
// is never handed anything but parts of a valid request, and if it were,
// the result would be an error, not a panic.

// errJSONBroken is what the splitter says of JSON that is not valid, which
// decodeOTLPJSON rules out before it walks.
func errJSONBroken(b []byte) error { return fmt.Errorf("broken JSON %s", truncate(string(b), 32)) }

// eachJSONField calls fn with each key of the JSON object b, in order, and
// its value; a value that is null, which protobuf JSON reads as the field's
// default, is left out. null is an object without keys.
func eachJSONField(b []byte, fn func(key string, raw json.RawMessage) error) error {
	i := jsonSpace(b, 0)
	if bytes.Equal(b[i:], []byte("null")) {
		return nil
	}
	if i >= len(b) || b[i] != '{' {
		return fmt.Errorf("want an object, got %s", truncate(string(b[i:]), 32))
	}
	if i = jsonSpace(b, i+1); i < len(b) && b[i] == '}' {
		return nil
	}
	for {
		ke := jsonEnd(b, i)
		if ke < 0 || b[i] != '"' {
			return errJSONBroken(b)
		}
		key, err := jsonText(b[i:ke])
		if err != nil {
			return err
		}
		if i = jsonSpace(b, ke); i >= len(b) || b[i] != ':' {
			return errJSONBroken(b)
		}
		vs := jsonSpace(b, i+1)
		ve := jsonEnd(b, vs)
		if ve < 0 {
			return errJSONBroken(b)
		}
		if raw := b[vs:ve]; !bytes.Equal(raw, []byte("null")) {
			if err := fn(key, raw); err != nil {
				return otlpIn(truncate(key, 64), err)
			}
		}
		switch i = jsonSpace(b, ve); {
		case i < len(b) && b[i] == '}':
			return nil
		case i >= len(b) || b[i] != ',':
			return errJSONBroken(b)
		}
		i = jsonSpace(b, i+1)
	}
}

// eachJSONElement calls fn with each element of the JSON array b. null is
// an empty array.
func eachJSONElement(b []byte, fn func(raw json.RawMessage) error) error {
	i := jsonSpace(b, 0)
	if bytes.Equal(b[i:], []byte("null")) {
		return nil
	}
	if i >= len(b) || b[i] != '[' {
		return fmt.Errorf("want an array, got %s", truncate(string(b[i:]), 32))
	}
	if i = jsonSpace(b, i+1); i < len(b) && b[i] == ']' {
		return nil
	}
	for n := 0; ; n++ {
		e := jsonEnd(b, i)
		if e < 0 {
			return errJSONBroken(b)
		}
		if err := fn(b[i:e]); err != nil {
			return otlpIn("["+strconv.Itoa(n)+"]", err)
		}
		switch i = jsonSpace(b, e); {
		case i < len(b) && b[i] == ']':
			return nil
		case i >= len(b) || b[i] != ',':
			return errJSONBroken(b)
		}
		i = jsonSpace(b, i+1)
	}
}

// jsonSpace skips JSON white space from b[i].
func jsonSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// jsonEnd returns where the JSON value that starts at b[i] ends, or -1 when
// it does not end within b. A string ends at its closing quote; an object
// or array at the bracket that closes it, strings in it skipped; a number
// or literal before the next delimiter.
func jsonEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		for i++; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return -1
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				e := jsonEnd(b, i)
				if e < 0 {
					return -1
				}
				i = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	start := i
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ':', ' ', '\t', '\n', '\r':
			if i == start {
				return -1
			}
			return i
		}
	}
	return i
}

// jsonText reads a JSON string. Most have no escapes, and then the bytes
// between the quotes are the string: the request is valid UTF-8 and JSON.
func jsonText(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", fmt.Errorf("want a string, got %s", truncate(string(raw), 32))
	}
	if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// jsonBool reads a JSON boolean.
func jsonBool(raw []byte) (bool, error) {
	switch string(raw) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("want a boolean, got %s", truncate(string(raw), 32))
}

// jsonNumber reads a protobuf JSON number: a number, or a string that
// holds one (64-bit integers are written as decimal strings). It returns
// the text, for strconv to read as the field's type.
func jsonNumber(raw []byte) (string, error) {
	if len(raw) > 0 && raw[0] == '"' {
		return jsonText(raw)
	}
	if len(raw) > 0 && (raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9') {
		return string(raw), nil
	}
	return "", errors.New("want a number or a string, got " + truncate(string(raw), 32))
}
