package table

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// DeltaCodec is the goka codec of the deltas topic (values are *Delta).
// It writes EncodeJSON's bytes and reads as json.Unmarshal does, directly
// for the shape it writes (tablejson.go).
type DeltaCodec struct{}

// Encode encodes a *Delta or Delta.
func (DeltaCodec) Encode(v any) ([]byte, error) {
	// Encoded on the stack and copied out at its size: the table keeps
	// the value, and a buffer grown by appends would carry its slack.
	var buf [512]byte
	switch d := v.(type) {
	case *Delta:
		if d == nil {
			return []byte("null"), nil
		}
		return bytes.Clone(AppendDeltaJSON(buf[:0], d)), nil
	case Delta:
		return bytes.Clone(AppendDeltaJSON(buf[:0], &d)), nil
	}
	return nil, fmt.Errorf("delta codec: cannot encode %T", v)
}

// Decode decodes into a *Delta.
func (DeltaCodec) Decode(b []byte) (any, error) {
	d := new(Delta)
	if err := DecodeDeltaJSON(b, d); err != nil {
		return nil, fmt.Errorf("decode delta: %w", err)
	}
	return d, nil
}

// ValueCodec is the goka codec of the aggregate table (values are
// *Value), direct as DeltaCodec.
type ValueCodec struct{}

// Encode encodes a *Value or Value.
func (ValueCodec) Encode(v any) ([]byte, error) {
	var buf [512]byte
	switch a := v.(type) {
	case *Value:
		if a == nil {
			return []byte("null"), nil
		}
		return bytes.Clone(AppendValueJSON(buf[:0], a)), nil
	case Value:
		return bytes.Clone(AppendValueJSON(buf[:0], &a)), nil
	}
	return nil, fmt.Errorf("aggregate codec: cannot encode %T", v)
}

// Decode decodes into a *Value.
func (ValueCodec) Decode(b []byte) (any, error) {
	a := new(Value)
	if err := DecodeValueJSON(b, a); err != nil {
		return nil, fmt.Errorf("decode aggregate: %w", err)
	}
	return a, nil
}

// EncodeJSON is json.Marshal without HTML escaping: message templates hold
// "<*>", which would take 14 bytes escaped instead of 3. Either form reads
// back the same. The HTTP API answers with it too.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
