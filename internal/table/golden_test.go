package table

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/codecs"
	"github.com/lovoo/goka"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestTableWireFormat pins the bytes of the deltas topic and the aggregate
// table: they outlive a deploy (the table is compacted, not rebuilt), so a
// change here must stay readable by the previous release and by this one.
func TestTableWireFormat(t *testing.T) {
	var agg Value
	agg.Counts[codecs.LevelInfo], agg.Counts[codecs.LevelError], agg.Counts[codecs.LevelUnknown] = 120, 3, 1
	agg.Late[codecs.LevelWarn] = 2
	agg.Offset = 4711
	var delta Delta
	delta.Counts[codecs.LevelFatal], delta.Late[codecs.LevelDebug] = 1, 5
	// Samples and message templates (added after the first release; the
	// files above, written without them, must still read).
	sampled := Value{Offset: 12}
	sampled.Counts[codecs.LevelError], sampled.Counts[codecs.LevelWarn] = 3, 1
	sampled.Samples = []Sample{
		{TimeMs: 1764151230000, Level: codecs.LevelError, Host: "api-1", Message: "user 43 failed", Partition: 2, Offset: 17},
		{TimeMs: 1764151220000, Level: codecs.LevelWarn, Message: "slow: 120ms", Offset: 3},
	}
	sampled.Messages.Add(codecs.LevelError, "user <*> failed", 3, MessageCapacity)
	sampled.Messages.Add(codecs.LevelWarn, "slow: <*>", 1, MessageCapacity)
	sampled.Messages[codecs.LevelWarn].Other = 4
	for _, tc := range []struct {
		file  string
		codec goka.Codec
		value any
	}{
		{"aggregate.json", ValueCodec{}, &agg},
		{"aggregate_watermark.json", ValueCodec{}, &Value{Offset: 9, StreamTimeMs: 1764151200000}},
		{"aggregate_samples.json", ValueCodec{}, &sampled},
		{"delta.json", DeltaCodec{}, &delta},
		{"delta_samples.json", DeltaCodec{}, &Delta{Counts: sampled.Counts, Samples: sampled.Samples, Messages: sampled.Messages}},
		{"delta_watermark.json", DeltaCodec{}, &Delta{StreamTimeMs: 1764151200000}},
		{"delta_loop.json", DeltaCodec{}, &Delta{Counts: delta.Counts, Late: delta.Late, Origin: 4711}},
	} {
		path := filepath.Join("testdata", "golden", tc.file)
		got, err := tc.codec.Encode(tc.value)
		if err != nil {
			t.Fatalf("encode %s: %v", tc.file, err)
		}
		if *update {
			if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/table -run TestTableWireFormat -update to create it)", err)
		}
		if !bytes.Equal(got, bytes.TrimSuffix(want, []byte("\n"))) {
			t.Errorf("%s: encoding changed\n got %s\nwant %s", tc.file, got, want)
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

// TestCountsForwardCompatible: a level added by a newer release must not
// stop an older aggregate (it would fail on the same delta forever).
func TestCountsForwardCompatible(t *testing.T) {
	v, err := DeltaCodec{}.Decode([]byte(`{"counts":{"ERROR":2,"NOTICE":5},"late":{}}`))
	if err != nil {
		t.Fatalf("decode with an unknown level: %v", err)
	}
	if got := v.(*Delta).Counts[codecs.LevelError]; got != 2 {
		t.Errorf("ERROR = %d, want 2", got)
	}
}
