package processors

import (
	"testing"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
)

// TestUpgradeFromJSON is an upgrade without a reset: the table and the
// deltas topic still hold JSON written by the release before the wire
// format. Recovery orders a JSON record against a wire one by offset, a
// JSON value takes a wire delta and a JSON delta (both counted once), and
// what is written back is in the wire format.
func TestUpgradeFromJSON(t *testing.T) {
	old := []byte(`{"counts":{"ERROR":3,"INFO":120},"late":{"WARN":2},"offset":4711}`)
	newer := func(offset int64) []byte {
		v := table.Value{Offset: offset}
		v.Counts[codecs.LevelError] = 1
		return table.AppendValue(nil, &v)
	}
	st := storage.NewMemory()
	ctx := &goka.DefaultUpdateContext{}
	for _, v := range [][]byte{newer(4000), old, newer(10)} { // a stale wire write after the JSON one
		if err := Recover(ctx, st, "api|1", v); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := st.Get("api|1")
	if string(got) != string(old) {
		t.Fatalf("recovered %q, want the JSON value (highest offset)", got)
	}

	v, err := table.ValueCodec{}.Decode(got)
	if err != nil {
		t.Fatal(err)
	}
	agg := v.(*table.Value)
	wireDelta, err := table.DeltaCodec{}.Encode(&table.Delta{Counts: table.Counts{codecs.LevelError: 2}})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		delta  []byte
		offset int64
	}{
		{[]byte(`{"counts":{"ERROR":5},"late":{}}`), 4712}, // written by the old ingest, still in the deltas topic
		{wireDelta, 4713},
		{wireDelta, 4713}, // redelivered
	} {
		d, err := table.DeltaCodec{}.Decode(step.delta)
		if err != nil {
			t.Fatalf("decode delta %q: %v", step.delta, err)
		}
		Apply(agg, d.(*table.Delta), "api|1", step.offset)
	}
	out, err := table.ValueCodec{}.Encode(agg)
	if err != nil {
		t.Fatal(err)
	}
	if out[0] == '{' {
		t.Errorf("wrote JSON %s after the upgrade", out)
	}
	v, err = table.ValueCodec{}.Decode(out)
	if err != nil {
		t.Fatal(err)
	}
	back := v.(*table.Value)
	if back.Counts[codecs.LevelError] != 3+5+2 || back.Counts[codecs.LevelInfo] != 120 || back.Late[codecs.LevelWarn] != 2 || back.Offset != 4713 {
		t.Errorf("after the upgrade: %+v; want ERROR 10, INFO 120, late WARN 2, offset 4713", back)
	}
}
