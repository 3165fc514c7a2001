package codecs

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// taggedNative is a datum of taggedSchema whose cause nests depth deep.
func taggedNative(ts time.Time, depth int) map[string]any {
	var cause any
	for range depth {
		cause = map[string]any{"other.Cause": map[string]any{"inner": cause, "lvl": "ERROR"}}
	}
	span := map[string]any{"id": []byte{1, 2, 3, 4}, "ms": 1.5, "ok": true, "w": float32(2)}
	return map[string]any{
		"message": "with tags", "level": "WARN",
		// One entry: goavro writes a map in Go map order, so two entries
		// would make the encoding (and the committed fuzz seed) random.
		"tags":  map[string]any{"region": "eu"},
		"spans": []any{span, span},
		"next":  map[string]any{"com.example.Span": span},
		"cause": cause, "raw": []byte{0, 1}, "n": int32(-7), "ts": ts,
	}
}

// TestAvroGuard: bodies that goavro would answer by allocating gigabytes
// are rejected before it sees them; what goavro writes passes.
func TestAvroGuard(t *testing.T) {
	ts := rfc3339(t, "2026-11-26T10:00:00Z")
	tagged := mustCodec(t, taggedSchema)
	reg := testRegistry()
	reg.schemas[20] = `{"type": "record", "name": "A", "fields": [{"name": "a", "type": {"type": "array", "items": "null"}}]}`
	reg.schemas[21] = `{"type": "record", "name": "M", "fields": [{"name": "m", "type": {"type": "map", "values": "long"}}]}`
	reg.schemas[22] = `{"type": "record", "name": "L", "fields": [{"name": "a", "type": {"type": "array", "items": "long"}}]}`
	reg.schemas[23] = `{"type": "record", "name": "N", "fields": [{"name": "next", "type": ["null", "N"]}, {"name": "a", "type": {"type": "array", "items": "long"}}]}`
	d := NewDecoder(0, reg)
	maxCount := []byte{0xFE, 0xFF, 0xFF, 0xFF, 0x0F} // 2^31-1, zig-zag
	deep := []byte{0, 0, 0, 0, 23}
	for range maxGuardDepth {
		deep = append(deep, 2) // union branch 1: another N
	}
	deep = append(deep, 0, 0)

	for _, tc := range []struct {
		name   string
		value  []byte
		reason string
		msg    string
		want   *event
	}{
		{name: "goavro's bytes", value: confluent(t, tagged, idTagged, taggedNative(ts, 3)),
			want: &event{"2026-11-26T10:00:00Z", "WARN", "svc", "", "with tags"}},
		{name: "negative block count, with a size", value: []byte{0, 0, 0, 0, 22, 3, 4, 2, 4, 0},
			reason: ReasonBadTimestamp, msg: "no timestamp"}, // decoded: the record has no time
		{name: "array of 2^31 nulls", value: append([]byte{0, 0, 0, 0, 20}, maxCount...),
			reason: ReasonInvalidAvro, msg: "block of 2147483647 items in 0 bytes"},
		{name: "map of 2^31 entries", value: append([]byte{0, 0, 0, 0, 21}, append(maxCount, 2, 'k', 2, 0)...),
			reason: ReasonInvalidAvro, msg: "block of 2147483647 items in 4 bytes"},
		{name: "array in a tagged record", value: append(confluent(t, tagged, idTagged, map[string]any{
			"message": "m", "level": "INFO", "tags": map[string]any{}, "spans": []any{}, "next": nil, "cause": nil,
			"raw": []byte{}, "n": int32(0), "ts": ts})[:9], maxCount...), // header, message, level, empty tags
			reason: ReasonInvalidAvro, msg: "block of 2147483647 items"},
		{name: "min int64 block count", value: []byte{0, 0, 0, 0, 22, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0, 0},
			reason: ReasonInvalidAvro, msg: "block of"},
		{name: "nested too deep", value: deep, reason: ReasonInvalidAvro, msg: "nested deeper"},
		{name: "bytes after the record", value: append(confluent(t, tagged, idTagged, taggedNative(ts, 0)), 0),
			reason: ReasonInvalidAvro, msg: "1 bytes left"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := d.Decode(Record{Key: []byte("svc"), Value: tc.value})
			if tc.want == nil {
				checkReason(t, err, tc.reason, tc.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(*tc.want, eventOf(ev)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestAvroGuardNeeded(t *testing.T) {
	for _, tc := range []struct {
		schema string
		want   bool
	}{
		{LogEventSchema(), false},
		{appLogSchema, false},
		{ecsSchema, false},
		{taggedSchema, true},
		{`"string"`, false},
		{`{"type": "map", "values": "string"}`, true},
		{`["null", {"type": "array", "items": "int"}]`, true},
	} {
		g, err := newAvroGuard(tc.schema)
		if err != nil || (g != nil) != tc.want {
			t.Errorf("newAvroGuard(%.40q) = %v, %v; want a guard: %v", tc.schema, g != nil, err, tc.want)
		}
	}
}
