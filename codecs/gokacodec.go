package codecs

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// DeltaCodec is the goka codec of the deltas topic (values are *Delta).
type DeltaCodec struct{}

// Encode encodes a *Delta or Delta.
func (DeltaCodec) Encode(v any) ([]byte, error) {
	switch d := v.(type) {
	case *Delta:
		return EncodeJSON(d)
	case Delta:
		return EncodeJSON(&d)
	}
	return nil, fmt.Errorf("delta codec: cannot encode %T", v)
}

// Decode decodes into a *Delta.
func (DeltaCodec) Decode(b []byte) (any, error) {
	d := new(Delta)
	if err := json.Unmarshal(b, d); err != nil {
		return nil, fmt.Errorf("decode delta: %w", err)
	}
	return d, nil
}

// AggregateCodec is the goka codec of the aggregate table (values are
// *Aggregate).
type AggregateCodec struct{}

// Encode encodes an *Aggregate or Aggregate.
func (AggregateCodec) Encode(v any) ([]byte, error) {
	switch a := v.(type) {
	case *Aggregate:
		return EncodeJSON(a)
	case Aggregate:
		return EncodeJSON(&a)
	}
	return nil, fmt.Errorf("aggregate codec: cannot encode %T", v)
}

// Decode decodes into an *Aggregate.
func (AggregateCodec) Decode(b []byte) (any, error) {
	a := new(Aggregate)
	if err := json.Unmarshal(b, a); err != nil {
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
