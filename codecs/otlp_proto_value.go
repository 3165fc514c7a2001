package codecs

import (
	"fmt"
	"math"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// The fields of AnyValue's oneof.
const (
	anyString protowire.Number = iota + 1
	anyBool
	anyInt
	anyDouble
	anyArray
	anyKVList
	anyBytes
)

// protoAnyField returns the field of an AnyValue that holds its value: the
// last one of the oneof, as protobuf reads a oneof. ok is false for an
// AnyValue that holds none (string_value_strindex, of profiles, is not
// read).
func protoAnyField(b []byte) (v protoField, ok bool, err error) {
	wire := [...]protowire.Type{
		anyString: protowire.BytesType, anyBool: protowire.VarintType, anyInt: protowire.VarintType,
		anyDouble: protowire.Fixed64Type, anyArray: protowire.BytesType, anyKVList: protowire.BytesType,
		anyBytes: protowire.BytesType,
	}
	for f, err := range protoFields(b) {
		if err != nil {
			return protoField{}, false, err
		}
		if f.num < anyString || f.num > anyBytes {
			continue
		}
		if f.typ != wire[f.num] {
			return protoField{}, false, fmt.Errorf("AnyValue field %d has wire type %d, want %d", f.num, f.typ, wire[f.num])
		}
		v, ok = f, true
	}
	return v, ok, nil
}

// protoBody renders a body AnyValue; kv says it is a kvlist.
func protoBody(b []byte) (body string, kv bool, err error) {
	f, ok, err := protoAnyField(b)
	if err != nil || !ok {
		return "", false, err
	}
	if f.num == anyString { // the common case, without a copy into a buffer
		if !utf8.Valid(f.b) {
			return "", false, otlpUTF8Error{"string_value"}
		}
		return string(f.b), false, nil
	}
	out, err := appendProtoAny(nil, f, 0)
	return string(out), f.num == anyKVList, err
}

// appendProtoAny renders the AnyValue whose set field is f, at depth levels
// of arrays and kvlists below the body.
func appendProtoAny(dst []byte, f protoField, depth int) ([]byte, error) {
	nested := depth > 0
	switch f.num {
	case anyString:
		if !utf8.Valid(f.b) {
			return dst, otlpUTF8Error{"string_value"}
		}
		return appendAnyString(dst, f.b, nested), nil
	case anyBool:
		return appendAnyBool(dst, f.val != 0), nil
	case anyInt:
		return appendAnyInt(dst, int64(f.val)), nil
	case anyDouble:
		return appendAnyDouble(dst, math.Float64frombits(f.val), nested), nil
	case anyBytes:
		return appendAnyBytes(dst, f.b, nested), nil
	case anyArray:
		return appendProtoList(dst, f.b, depth, false)
	case anyKVList:
		return appendProtoList(dst, f.b, depth, true)
	}
	return appendAnyEmpty(dst, nested), nil
}

// appendProtoList renders an ArrayValue as a JSON array, or a KeyValueList
// (kv) as a JSON object; both hold their entries in field 1.
func appendProtoList(dst, b []byte, depth int, kv bool) ([]byte, error) {
	open, end := byte('['), byte(']')
	if kv {
		open, end = '{', '}'
	}
	dst = append(dst, open)
	n := 0
	for f, err := range protoFields(b) {
		if err != nil {
			return dst, err
		}
		if f.num != 1 {
			continue
		}
		if err := f.want(protowire.BytesType, "values"); err != nil {
			return dst, err
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		value := f.b
		if kv {
			var key []byte
			if key, value, err = protoKeyValue(f.b); err != nil {
				return dst, err
			}
			if !utf8.Valid(key) {
				return dst, otlpUTF8Error{"kvlist key"}
			}
			dst = append(AppendJSONString(dst, string(key)), ':')
		}
		if dst, err = appendProtoNested(dst, value, depth+1); err != nil {
			return dst, err
		}
		n++
	}
	return append(dst, end), nil
}

// protoKeyValue reads a KeyValue. A KeyValue without a value gives an
// empty one, which is the AnyValue that holds nothing.
func protoKeyValue(b []byte) (key, value []byte, err error) {
	for f, err := range protoFields(b) {
		if err != nil {
			return nil, nil, err
		}
		switch f.num {
		case 1:
			if err := f.want(protowire.BytesType, "key"); err != nil {
				return nil, nil, err
			}
			key = f.b
		case 2:
			if err := f.want(protowire.BytesType, "value"); err != nil {
				return nil, nil, err
			}
			value = f.b
		}
	}
	return key, value, nil
}

// appendProtoNested renders the AnyValue b inside a list.
func appendProtoNested(dst, b []byte, depth int) ([]byte, error) {
	if depth > maxAnyDepth {
		return appendAnyTooDeep(dst), nil
	}
	f, ok, err := protoAnyField(b)
	if err != nil {
		return dst, err
	}
	if !ok {
		return appendAnyEmpty(dst, true), nil
	}
	return appendProtoAny(dst, f, depth)
}
