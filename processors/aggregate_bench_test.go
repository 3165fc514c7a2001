package processors

import (
	"strconv"
	"testing"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// benchDelta is a delta as ingest writes it for one key of logpulse bench:
// three levels counted, one ERROR sampled, one template.
func benchDelta() *table.Delta {
	d := &table.Delta{}
	d.Counts[codecs.LevelInfo], d.Counts[codecs.LevelWarn], d.Counts[codecs.LevelError] = 7, 1, 1
	d.Samples = []table.Sample{{TimeMs: 1764151230123, Level: codecs.LevelError, Host: "web-7", Message: "payment declined: card 4411 expired", Partition: 3, Offset: 1048576}}
	d.Messages.Add(codecs.LevelError, "payment declined: card <*> expired", 1, table.MessageCapacity)
	return d
}

// benchValue is a busy window's table value: full samples of the sampled
// levels and a dozen templates each.
func benchValue() *table.Value {
	a := &table.Value{Offset: 981234}
	a.Counts[codecs.LevelInfo], a.Counts[codecs.LevelWarn], a.Counts[codecs.LevelError], a.Counts[codecs.LevelDebug] = 4200, 310, 57, 900
	a.Late[codecs.LevelInfo] = 3
	for _, l := range []codecs.Level{codecs.LevelWarn, codecs.LevelError, codecs.LevelFatal} {
		for i := range table.SamplesPerLevel {
			a.Samples = append(a.Samples, table.Sample{TimeMs: 1764151230123 - int64(i), Level: l, Host: "web-" + strconv.Itoa(i),
				Message: "payment declined: card 44" + strconv.Itoa(i) + " expired", Partition: int32(i), Offset: 1048576 + int64(i)})
		}
		for i := range 12 {
			a.Messages.Add(l, "upstream "+strconv.Itoa(i)+" timed out after <*>", int64(i+1), table.MessageCapacity)
		}
	}
	return a
}

// BenchmarkAggregateDelta is the aggregate stage's codec work per delta:
// decode the delta and the key's table value, apply, encode the value.
func BenchmarkAggregateDelta(b *testing.B) {
	dv, err := table.DeltaCodec{}.Encode(benchDelta())
	if err != nil {
		b.Fatal(err)
	}
	av, err := table.ValueCodec{}.Encode(benchValue())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	offset := int64(1 << 40)
	for b.Loop() {
		d, err := table.DeltaCodec{}.Decode(dv)
		if err != nil {
			b.Fatal(err)
		}
		a, err := table.ValueCodec{}.Decode(av)
		if err != nil {
			b.Fatal(err)
		}
		offset++
		if !Apply(a.(*table.Value), d.(*table.Delta), "svc|1764151200", offset) {
			b.Fatal("not applied")
		}
		if _, err := (table.ValueCodec{}).Encode(a); err != nil {
			b.Fatal(err)
		}
	}
}
