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

func BenchmarkDeltaEncode(b *testing.B) {
	d := typicalDelta()
	benchEncode(b, func() ([]byte, error) { return DeltaCodec{}.Encode(&d) })
}

func BenchmarkDeltaDecode(b *testing.B) {
	d := typicalDelta()
	benchDecode(b, AppendDelta(nil, &d), func(v []byte) error { _, err := DeltaCodec{}.Decode(v); return err })
}

func BenchmarkValueEncode(b *testing.B) {
	v := typicalValue()
	benchEncode(b, func() ([]byte, error) { return ValueCodec{}.Encode(&v) })
}

func BenchmarkValueDecode(b *testing.B) {
	v := typicalValue()
	benchDecode(b, AppendValue(nil, &v), func(v []byte) error { _, err := ValueCodec{}.Decode(v); return err })
}

// BenchmarkValueDecodeJSON reads a value the JSON format wrote: the cost
// of a key's first read after the upgrade.
func BenchmarkValueDecodeJSON(b *testing.B) {
	js := []byte(`{"counts":{"ERROR":1,"INFO":7,"WARN":1},"late":{},"samples":[{"t":1764151230123,"level":"ERROR","host":"web-7","msg":"payment declined: card 4411 expired","p":3,"o":1048576}],"messages":{"ERROR":{"counts":{"payment declined: card <*> expired":1}}},"offset":981234}`)
	var want Value
	if err := json.Unmarshal(js, &want); err != nil {
		b.Fatal(err)
	}
	benchDecode(b, js, func(v []byte) error { _, err := ValueCodec{}.Decode(v); return err })
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
