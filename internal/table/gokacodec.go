package table

import (
	"bytes"
	"fmt"
)

// DeltaCodec is the goka codec of the deltas topic (values are *Delta), in
// the wire format (wire.go); it reads the JSON of older releases too.
type DeltaCodec struct{}

// Encode encodes a *Delta or Delta; a nil *Delta as the zero Delta.
func (DeltaCodec) Encode(v any) ([]byte, error) {
	// Encoded on the stack and copied out at its size: the table keeps
	// the value, and a buffer grown by appends would carry its slack.
	var buf [256]byte
	switch d := v.(type) {
	case *Delta:
		if d == nil {
			d = &Delta{}
		}
		return bytes.Clone(AppendDelta(buf[:0], d)), nil
	case Delta:
		return bytes.Clone(AppendDelta(buf[:0], &d)), nil
	}
	return nil, fmt.Errorf("delta codec: cannot encode %T", v)
}

// Decode decodes into a *Delta.
func (DeltaCodec) Decode(b []byte) (any, error) {
	d := new(Delta)
	if err := DecodeDelta(b, d); err != nil {
		return nil, fmt.Errorf("decode delta: %w", err)
	}
	return d, nil
}

// ValueCodec is the goka codec of the aggregate table (values are *Value),
// as DeltaCodec.
type ValueCodec struct{}

// Encode encodes a *Value or Value; a nil *Value as the zero Value.
func (ValueCodec) Encode(v any) ([]byte, error) {
	var buf [256]byte
	switch a := v.(type) {
	case *Value:
		if a == nil {
			a = &Value{}
		}
		return bytes.Clone(AppendValue(buf[:0], a)), nil
	case Value:
		return bytes.Clone(AppendValue(buf[:0], &a)), nil
	}
	return nil, fmt.Errorf("value codec: cannot encode %T", v)
}

// Decode decodes into a *Value.
func (ValueCodec) Decode(b []byte) (any, error) {
	a := new(Value)
	if err := DecodeValue(b, a); err != nil {
		return nil, fmt.Errorf("decode table value: %w", err)
	}
	return a, nil
}
