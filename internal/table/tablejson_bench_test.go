package table

import (
	"encoding/json"
	"testing"

	"github.com/logpulse/logpulse/codecs"
)

// typicalDelta is a delta as ingest writes it for one key of logpulse
// bench: three levels counted, one ERROR sampled, one template.
func typicalDelta() Delta {
	var d Delta
	d.Counts[codecs.LevelInfo], d.Counts[codecs.LevelWarn], d.Counts[codecs.LevelError] = 7, 1, 1
	d.Samples = []Sample{{TimeMs: 1764151230123, Level: codecs.LevelError, Host: "web-7", Message: "payment declined: card 4411 expired", Partition: 3, Offset: 1048576}}
	d.Messages.Add(codecs.LevelError, "payment declined: card <*> expired", 1, MessageCapacity)
	return d
}

// typicalValue is the table value after such deltas.
func typicalValue() Value {
	d := typicalDelta()
	return Value{Counts: d.Counts, Samples: d.Samples, Messages: d.Messages, Offset: 981234}
}

// The Reflect benchmarks are the path before the direct codec: EncodeJSON
// and json.Unmarshal.

func BenchmarkDeltaEncodeReflect(b *testing.B) {
	d := typicalDelta()
	benchEncode(b, func() ([]byte, error) { return EncodeJSON(&d) })
}

func BenchmarkDeltaEncodeDirect(b *testing.B) {
	d := typicalDelta()
	benchEncode(b, func() ([]byte, error) { return DeltaCodec{}.Encode(&d) })
}

func BenchmarkDeltaDecodeReflect(b *testing.B) {
	d := typicalDelta()
	benchDecode(b, AppendDeltaJSON(nil, &d), func(v []byte) error { return json.Unmarshal(v, new(Delta)) })
}

func BenchmarkDeltaDecodeDirect(b *testing.B) {
	d := typicalDelta()
	benchDecode(b, AppendDeltaJSON(nil, &d), func(v []byte) error { _, err := DeltaCodec{}.Decode(v); return err })
}

func BenchmarkAggregateEncodeReflect(b *testing.B) {
	a := typicalValue()
	benchEncode(b, func() ([]byte, error) { return EncodeJSON(&a) })
}

func BenchmarkAggregateEncodeDirect(b *testing.B) {
	a := typicalValue()
	benchEncode(b, func() ([]byte, error) { return ValueCodec{}.Encode(&a) })
}

func BenchmarkAggregateDecodeReflect(b *testing.B) {
	a := typicalValue()
	benchDecode(b, AppendValueJSON(nil, &a), func(v []byte) error { return json.Unmarshal(v, new(Value)) })
}

func BenchmarkAggregateDecodeDirect(b *testing.B) {
	a := typicalValue()
	benchDecode(b, AppendValueJSON(nil, &a), func(v []byte) error { _, err := ValueCodec{}.Decode(v); return err })
}

func benchEncode(b *testing.B, encode func() ([]byte, error)) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := encode(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecode(b *testing.B, v []byte, decode func([]byte) error) {
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		if err := decode(v); err != nil {
			b.Fatal(err)
		}
	}
}
