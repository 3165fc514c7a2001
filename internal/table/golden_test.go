package table

import (
	"encoding/binary"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/codecs"
	"github.com/lovoo/goka"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// goldenCase is one value pinned by a golden file of the wire format
// (testdata/golden/*.hex) and, for the values the JSON format could
// write, by the file that format wrote (testdata/golden/json).
type goldenCase struct {
	file, json string
	codec      goka.Codec
	value      any
}

func goldenCases() []goldenCase {
	var agg Value
	agg.Counts[codecs.LevelInfo], agg.Counts[codecs.LevelError], agg.Counts[codecs.LevelUnknown] = 120, 3, 1
	agg.Late[codecs.LevelWarn] = 2
	agg.Offset = 4711
	var delta Delta
	delta.Counts[codecs.LevelFatal], delta.Late[codecs.LevelDebug] = 1, 5
	sampled := Value{Offset: 12}
	sampled.Counts[codecs.LevelError], sampled.Counts[codecs.LevelWarn] = 3, 1
	sampled.Samples = []Sample{
		{TimeMs: 1764151230000, Level: codecs.LevelError, Host: "api-1", Message: "user 43 failed", Partition: 2, Offset: 17},
		{TimeMs: 1764151220000, Level: codecs.LevelWarn, Message: "slow: 120ms", Offset: 3},
	}
	sampled.Messages.Add(codecs.LevelError, "user <*> failed", 3, MessageCapacity)
	sampled.Messages.Add(codecs.LevelWarn, "slow: <*>", 1, MessageCapacity)
	sampled.Messages[codecs.LevelWarn].Other = 4
	return []goldenCase{
		{"value.hex", "aggregate.json", ValueCodec{}, &agg},
		{"value_watermark.hex", "aggregate_watermark.json", ValueCodec{}, &Value{Offset: 9, StreamTimeMs: 1764151200000}},
		{"value_samples.hex", "aggregate_samples.json", ValueCodec{}, &sampled},
		{"delta.hex", "delta.json", DeltaCodec{}, &delta},
		{"delta_samples.hex", "delta_samples.json", DeltaCodec{}, &Delta{Counts: sampled.Counts, Samples: sampled.Samples, Messages: sampled.Messages}},
		{"delta_watermark.hex", "delta_watermark.json", DeltaCodec{}, &Delta{StreamTimeMs: 1764151200000}},
		{"delta_loop.hex", "delta_loop.json", DeltaCodec{}, &Delta{Counts: delta.Counts, Late: delta.Late, Origin: 4711}},
		// Watermarks with idleness: written only in the wire format.
		{"value_watermark_idle.hex", "", ValueCodec{}, &Value{Offset: 9, StreamTimeMs: 1764151200000,
			RecordTimeMs: 1764151260000, IdleMs: 60000, GraceMs: 300000, CaughtUp: true, FinalMs: 1764151100000}},
		{"delta_watermark_idle.hex", "", DeltaCodec{}, &Delta{StreamTimeMs: 1764151200000,
			RecordTimeMs: 1764151260000, IdleMs: 60000, GraceMs: 300000, CaughtUp: true}},
	}
}

// TestTableWireFormat pins the bytes of the deltas topic and the aggregate
// table: they outlive a deploy (the table is compacted, not rebuilt), so a
// change here must stay readable by the previous release and by this one
// (docs/operations.md, Upgrading).
func TestTableWireFormat(t *testing.T) {
	for _, tc := range goldenCases() {
		path := filepath.Join("testdata", "golden", tc.file)
		got, err := tc.codec.Encode(tc.value)
		if err != nil {
			t.Fatalf("encode %s: %v", tc.file, err)
		}
		if *update {
			if err := os.WriteFile(path, []byte(hex.EncodeToString(got)+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/table -run TestTableWireFormat -update to create it)", err)
		}
		want, err := hex.DecodeString(strings.TrimSpace(string(text)))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: encoding changed\n got %x\nwant %x", tc.file, got, want)
		}
		back, err := tc.codec.Decode(want)
		if err != nil {
			t.Fatalf("decode %s: %v", tc.file, err)
		}
		if diff := cmp.Diff(tc.value, back); diff != "" {
			t.Errorf("%s does not decode to what was encoded (-want +got):\n%s", tc.file, diff)
		}
	}
}

// TestTableReadsJSON: the values the releases before the wire format wrote
// (JSON, pinned by their own golden files) read as the same values, so a
// table is upgraded in place: no reset, no migration.
func TestTableReadsJSON(t *testing.T) {
	for _, tc := range goldenCases() {
		if tc.json == "" {
			continue // written after the JSON format
		}
		b, err := os.ReadFile(filepath.Join("testdata", "golden", "json", tc.json))
		if err != nil {
			t.Fatal(err)
		}
		got, err := tc.codec.Decode(b)
		if err != nil {
			t.Fatalf("decode %s: %v", tc.json, err)
		}
		if diff := cmp.Diff(tc.value, got); diff != "" {
			t.Errorf("%s reads differently from what it was written from (-want +got):\n%s", tc.json, diff)
		}
		if v, ok := tc.value.(*Value); ok {
			if o, err := OffsetOf(b); err != nil || o != v.Offset {
				t.Errorf("OffsetOf(%s) = %d, %v; want %d", tc.json, o, err, v.Offset)
			}
		}
	}
}

// TestCountsForwardCompatible: a level added by a newer release must not
// stop an older aggregate (it would fail on the same delta forever), in
// either format.
func TestCountsForwardCompatible(t *testing.T) {
	// ERROR = 2, and a level 9 this build does not know = 5, in counts
	// and with a template in messages.
	wire := []byte{wireVersion, 0, 0, 0, 0, 0, 0} // stream time, origin, the watermark fields
	wire = binary.AppendUvarint(wire, 1<<codecs.LevelError|1<<9)
	wire = binary.AppendVarint(binary.AppendVarint(wire, 2), 5)
	wire = append(wire, 0, 0) // no late counts, no samples
	wire = binary.AppendUvarint(wire, 1<<9)
	wire = appendString(append(wire, 0, 1), "x") // other 0, 1 template
	wire = binary.AppendVarint(wire, 1)
	for _, b := range [][]byte{[]byte(`{"counts":{"ERROR":2,"NOTICE":5},"late":{}}`), wire} {
		v, err := DeltaCodec{}.Decode(b)
		if err != nil {
			t.Fatalf("decode %x with an unknown level: %v", b, err)
		}
		d := v.(*Delta)
		if got := d.Counts[codecs.LevelError]; got != 2 || d.Counts.Total() != 2 {
			t.Errorf("%x: counts %v, want ERROR = 2 only", b, d.Counts)
		}
		if d.Messages != (LevelMessages{}) {
			t.Errorf("%x: messages of an unknown level kept: %v", b, d.Messages)
		}
	}
}
