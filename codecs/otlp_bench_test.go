package codecs

import "testing"

// BenchmarkOTLPProto decodes the SDK-like batch of three records as the
// exporter's otlp_proto writes it.
func BenchmarkOTLPProto(b *testing.B) {
	v, ref := otlpProtoOf(b, threeRecordLogs(b)), otlpRef()
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		if fs, ok, err := decodeOTLPProto(v, ref); !ok || err != nil || len(fs) != 3 {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkOTLPJSON is the same batch as otlp_json writes it.
func BenchmarkOTLPJSON(b *testing.B) {
	v, ref := otlpJSONOf(b, threeRecordLogs(b)), otlpRef()
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		if fs, err := decodeOTLPJSON(v, ref); err != nil || len(fs) != 3 {
			b.Fatal(err)
		}
	}
}

// BenchmarkIsOTLPJSON is what an ordinary JSON line pays for the OTLP
// check.
func BenchmarkIsOTLPJSON(b *testing.B) {
	v := []byte(`{"ts":"2026-11-26T10:00:00.123Z","level":"error","msg":"payment declined: card expired","service":"checkout","host":"web-7"}`)
	b.ReportAllocs()
	for b.Loop() {
		if isOTLPJSON(v) {
			b.Fatal("taken for OTLP")
		}
	}
}

// BenchmarkIsOTLPProto is what an ordinary text or JSON line pays for the
// protobuf check.
func BenchmarkIsOTLPProto(b *testing.B) {
	v := []byte(`{"ts":"2026-11-26T10:00:00.123Z","level":"error","msg":"payment declined: card expired"}`)
	ref := otlpRef()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, _ := decodeOTLPProto(v, ref); ok {
			b.Fatal("taken for OTLP")
		}
	}
}
