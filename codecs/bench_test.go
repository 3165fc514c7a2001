package codecs

import (
	"testing"
	"time"
)

func benchmarkDecode(b *testing.B, value string) {
	r := Record{
		Key:       []byte("checkout"),
		Value:     []byte(value),
		Timestamp: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC),
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(value)))
	for b.Loop() {
		if _, err := Decode(r, 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeJSON(b *testing.B) {
	benchmarkDecode(b, `{"ts":"2026-11-26T10:00:00.123Z","level":"error","msg":"payment declined: card expired","service":"checkout","host":"web-7","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","user_id":48213,"latency_ms":112.5}`)
}

func BenchmarkDecodeText(b *testing.B) {
	benchmarkDecode(b, `2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001`)
}

func BenchmarkDecodeLogfmt(b *testing.B) {
	benchmarkDecode(b, `ts=2026-11-26T10:00:00.123Z level=error msg="payment declined: card expired" service=checkout host=web-7 trace_id=4bf92f3577b34da6a3ce929d0e0e4736 user_id=48213`)
}

// BenchmarkDecodeJSONNested is the encoding/json path: ECS nests the level
// and the service, which the flat-object scanner leaves to encoding/json.
func BenchmarkDecodeJSONNested(b *testing.B) {
	benchmarkDecode(b, `{"@timestamp":"2026-11-26T10:00:00.123Z","log":{"level":"error"},"message":"payment declined: card expired","service":{"name":"checkout"},"host":{"name":"web-7"}}`)
}

// BenchmarkDecodeDocker is Docker's json-file record: an envelope with the
// line, its newline escaped, and no level of its own, so the line is
// decoded too.
func BenchmarkDecodeDocker(b *testing.B) {
	benchmarkDecode(b, `{"log":"2026-11-26T10:00:00.123Z WARN [main] com.acme.Pool: pool low (12 of 200 free)\n","stream":"stderr","time":"2026-11-26T10:00:00.123456789Z"}`)
}

// BenchmarkDecodeSyslog is an RFC 5424 record as rsyslog forwards it.
func BenchmarkDecodeSyslog(b *testing.B) {
	benchmarkDecode(b, `<11>1 2026-11-26T10:00:00.123456+00:00 web-1 billing 4321 - [timeQuality tzKnown="1" isSynced="0"] payment declined: card expired`)
}
