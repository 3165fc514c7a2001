package codecs

import "testing"

// BenchmarkDecodeAvro decodes the event of BenchmarkDecodeJSON in both Avro
// framings; confluent is with a warm schema cache, as all records but the
// first of a schema id are.
func BenchmarkDecodeAvro(b *testing.B) {
	ts := rfc3339(b, "2026-11-26T12:00:00Z")
	ev := LogEvent{Time: rfc3339(b, "2026-11-26T10:00:00.123Z"), Level: LevelError, Service: "checkout", Host: "web-7",
		Message: "payment declined: card expired"}
	single, err := AppendAvroSingle(nil, ev)
	if err != nil {
		b.Fatal(err)
	}
	conf, err := AppendAvroConfluent(nil, idLogEvent, ev)
	if err != nil {
		b.Fatal(err)
	}
	d := NewDecoder(1<<20, testRegistry())
	for _, bc := range []struct {
		name   string
		value  []byte
		decode func(Record) (LogEvent, error)
	}{
		{"single", single, func(r Record) (LogEvent, error) { return Decode(r, 1<<20) }},
		{"confluent", conf, d.Decode},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := Record{Key: []byte("checkout"), Value: bc.value, Timestamp: ts}
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.value)))
			for b.Loop() {
				if _, err := bc.decode(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
