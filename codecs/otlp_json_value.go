package codecs

import (
	"encoding/json"
	"errors"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// appendJSONAny renders the value raw of an AnyValue that sets kind (see
// jsonAnyField), at depth levels of arrays and kvlists below the body,
// through the same appenders as the protobuf decoder.
func appendJSONAny(dst []byte, kind protowire.Number, raw json.RawMessage, depth int) ([]byte, error) {
	nested := depth > 0
	switch kind {
	case anyString, anyBytes: // bytes stay in the base64 they came in
		s, err := jsonText(raw)
		if err != nil {
			return dst, err
		}
		return appendAnyString(dst, s, nested), nil
	case anyBool:
		b, err := jsonBool(raw)
		if err != nil {
			return dst, err
		}
		return appendAnyBool(dst, b), nil
	case anyInt:
		n, err := jsonNumber(raw)
		if err != nil {
			return dst, err
		}
		i, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return dst, err
		}
		return appendAnyInt(dst, i), nil
	case anyDouble:
		n, err := jsonNumber(raw)
		if err != nil {
			return dst, err
		}
		// Out of range reads as ±Inf or 0, as a double can hold it.
		f, err := strconv.ParseFloat(n, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return dst, err
		}
		return appendAnyDouble(dst, f, nested), nil
	case anyArray, anyKVList:
		return appendJSONList(dst, raw, depth, kind == anyKVList)
	}
	return appendAnyEmpty(dst, nested), nil
}

// appendJSONList renders an ArrayValue as a JSON array, or a KeyValueList
// (kv) as a JSON object; both hold their entries in "values".
func appendJSONList(dst []byte, raw json.RawMessage, depth int, kv bool) ([]byte, error) {
	open, end := byte('['), byte(']')
	if kv {
		open, end = '{', '}'
	}
	dst = append(dst, open)
	n := 0
	err := eachJSONField(raw, func(key string, raw json.RawMessage) error {
		if key != "values" {
			return nil
		}
		return eachJSONElement(raw, func(value json.RawMessage) error {
			if n > 0 {
				dst = append(dst, ',')
			}
			n++
			if kv {
				var (
					key string
					err error
				)
				if key, value, err = jsonKeyValue(value); err != nil {
					return err
				}
				dst = append(AppendJSONString(dst, key), ':')
			}
			if depth+1 > maxAnyDepth {
				dst = appendAnyTooDeep(dst)
				return nil
			}
			kind, v, err := jsonAnyField(value)
			if err != nil {
				return err
			}
			dst, err = appendJSONAny(dst, kind, v, depth+1)
			return err
		})
	})
	return append(dst, end), err
}

// jsonTimeNanos reads a fixed64 time into *t.
func jsonTimeNanos(raw json.RawMessage, t *int64) error {
	n, err := jsonNumber(raw)
	if err != nil {
		return err
	}
	ns, err := strconv.ParseUint(n, 10, 64)
	if err != nil {
		return err
	}
	*t = otlpTime(ns)
	return nil
}

// jsonSeverity reads a SeverityNumber into *s: a number, or an enum name
// (see otlpSeverityName).
func jsonSeverity(raw json.RawMessage, s *int32) error {
	n, err := jsonNumber(raw)
	if err != nil {
		return err
	}
	if i, err := strconv.ParseInt(n, 10, 32); err == nil {
		*s = int32(i)
		return nil
	} else if raw[0] != '"' {
		return err
	}
	*s = otlpSeverityName(n)
	return nil
}
