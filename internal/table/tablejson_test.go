package table

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The direct table codec (tablejson.go, tablejson_decode.go) is a shortcut
// for encoding/json: EncodeJSON's bytes, json.Unmarshal's values and
// errors. Any difference is a bug in the shortcut.

// FuzzTableJSON builds a Delta and a Value from the fuzzer's bytes and
// checks that the direct encoder writes EncodeJSON's bytes and that the
// direct decoder reads them as encoding/json does; then the same for the
// bytes with one edit, so that the fuzzer reaches near-canonical input.
func FuzzTableJSON(f *testing.F) {
	f.Add([]byte{}, 0, byte(0))
	f.Add([]byte("\x01\x02\x05\x06\x07\x03\x04\x05\x07\x02\x03\x01\x00\x02\x07\x05\x03\x04\x01\x02\x03\x05\x00\x03\x01\x04"), 40, byte(' '))
	f.Add([]byte(strings.Repeat("\x03\x05\x07\x09\x02\x11\x13\x17\x00", 12)), 7, byte('"'))
	f.Fuzz(func(t *testing.T, in []byte, at int, edit byte) {
		g := tableGen{b: in}
		d, a := g.delta(), g.aggregate()
		checkTableEncode(t, AppendDeltaJSON(nil, &d), &d)
		checkTableEncode(t, AppendValueJSON(nil, &a), &a)
		for _, enc := range [][]byte{AppendDeltaJSON(nil, &d), AppendValueJSON(nil, &a)} {
			checkTableDecode(t, enc)
			checkTableDecode(t, editAt(enc, at, edit))
		}
	})
}

// FuzzTableJSONBytes: for any input, the direct decoders give what
// encoding/json gives. Seeded with the golden files and the edges of the
// direct path.
func FuzzTableJSONBytes(f *testing.F) {
	for _, s := range tableSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkTableDecode(t, []byte(s)) })
}

// TestTableJSONDirect: the direct decoders take what the encoder writes for
// plain strings (or they speed up nothing), and the goka codecs take the
// direct path both ways.
func TestTableJSONDirect(t *testing.T) {
	for _, s := range tableSeeds(t)[:6] {
		var d Delta
		var a Value
		if !readDeltaJSON([]byte(s), &d) && !readValueJSON([]byte(s), &a) {
			t.Errorf("direct path refused %s", s)
		}
	}
	d, a := typicalDelta(), typicalValue()
	enc, err := DeltaCodec{}.Encode(&d)
	if err != nil || string(enc) != string(AppendDeltaJSON(nil, &d)) {
		t.Fatalf("DeltaCodec wrote %s, %v", enc, err)
	}
	if !readDeltaJSON(enc, new(Delta)) {
		t.Errorf("direct path refused %s", enc)
	}
	enc, err = ValueCodec{}.Encode(a)
	if err != nil || string(enc) != string(AppendValueJSON(nil, &a)) {
		t.Fatalf("ValueCodec wrote %s, %v", enc, err)
	}
	if !readValueJSON(enc, new(Value)) {
		t.Errorf("direct path refused %s", enc)
	}
	for _, v := range []any{(*Delta)(nil), (*Value)(nil)} {
		enc, err := DeltaCodec{}.Encode(v)
		if _, ok := v.(*Value); ok {
			enc, err = ValueCodec{}.Encode(v)
		}
		if err != nil || string(enc) != "null" {
			t.Errorf("encoded %#v as %s, %v; EncodeJSON writes null", v, enc, err)
		}
	}
}

// checkTableEncode: enc is EncodeJSON(v).
func checkTableEncode(t *testing.T, enc []byte, v any) {
	t.Helper()
	want, err := EncodeJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(enc) != string(want) {
		t.Fatalf("encoded %+v as\n%s\nEncodeJSON writes\n%s", v, enc, want)
	}
}

// checkTableDecode: both decoders give json.Unmarshal's value and error for
// b, and the direct path takes b only where json.Unmarshal reads it the
// same. (Where the direct path declines, the result is json.Unmarshal's by
// construction; it is compared for the error only, because
// LevelMessages.UnmarshalJSON reads two spellings of a level in map order.)
func checkTableDecode(t *testing.T, b []byte) {
	t.Helper()
	checkDirectDecode(t, b, "Delta", readDeltaJSON, DecodeDeltaJSON)
	checkDirectDecode(t, b, "Value", readValueJSON, DecodeValueJSON)
}

func checkDirectDecode[T any](t *testing.T, b []byte, name string, read func([]byte, *T) bool, decode func([]byte, *T) error) {
	t.Helper()
	var got, ref T
	refErr := json.Unmarshal(b, &ref)
	if read(b, &got) {
		if refErr != nil {
			t.Fatalf("direct path read %q as a %s, json.Unmarshal: %v", b, name, refErr)
		}
		if diff := cmp.Diff(ref, got); diff != "" {
			t.Fatalf("%q: %s differs (-json.Unmarshal +direct):\n%s", b, name, diff)
		}
	}
	if err := decode(b, &got); (err == nil) != (refErr == nil) || err != nil && err.Error() != refErr.Error() {
		t.Fatalf("%q: %s error %v, json.Unmarshal: %v", b, name, err, refErr)
	}
}

// editAt returns b with one edit at position at: c replaces, is inserted
// or deletes, depending on at.
func editAt(b []byte, at int, c byte) []byte {
	if len(b) == 0 {
		return []byte{c}
	}
	i := at % len(b)
	if i < 0 {
		i += len(b)
	}
	out := append([]byte(nil), b[:i]...)
	switch (at / max(len(b), 1)) % 3 {
	case 0:
		out = append(append(out, c), b[i+1:]...)
	case 1:
		out = append(append(out, c), b[i:]...)
	default:
		out = append(out, b[i+1:]...)
	}
	return out
}

// tableSeeds are the golden files (first) and inputs at the edges of the
// direct path.
func tableSeeds(tb testing.TB) []string {
	tb.Helper()
	var seeds []string
	for _, name := range []string{"aggregate.json", "aggregate_samples.json", "aggregate_watermark.json",
		"delta.json", "delta_samples.json", "delta_watermark.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "golden", name))
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, strings.TrimSuffix(string(b), "\n"))
	}
	return append(seeds,
		` { "counts" : { "INFO" : 1 } , "late" : { } , "offset" : 3 , "expired" : false } `,
		"{\"counts\":{},\n\t\"late\":{},\r\"samples\":[ ],\"messages\":{ }}",
		`null`, `{}`, `[]`, `{"counts":null}`, `{"samples":null}`, `{"samples":[null]}`, `{"messages":null}`,
		`{"messages":{"ERROR":null}}`, `{"messages":{"error":{"counts":{"a":1}},"ERROR":{"counts":{"b":2}}}}`,
		`{"messages":{"NOTICE":{"counts":{"a":1}}}}`, `{"messages":{"WARN":{}}}`, `{"messages":{"WARN":{"counts":null}}}`,
		`{"messages":{"WARN":{"counts":{"a":1},"counts":{"b":2}}}}`, `{"messages":{"WARN":{"counts":{"a":1,"a":2},"other":1,"other":3}}}`,
		`{"messages":{"WARN":{"counts":{"a":1}},"WARN":{"other":2}}}`, `{"messages":{"WARN":{"Counts":{"a":1}}}}`,
		`{"messages":{"INFO":{"counts":{"<\u002a>":1}}}}`, `{"messages":{"INFO":{"counts":{"a":1.0}}}}`,
		`{"samples":[{"t":1,"level":"error","msg":"x","p":0,"o":0}]}`, `{"samples":[{"level":"notice"}]}`,
		`{"samples":[{"level":"\u212aNOWN"}]}`, `{"samples":[{"level":"UN\u212aNOWN"}]}`, "{\"samples\":[{\"level\":\"UN\u212aNOWN\"}]}", `{"samples":[{"level":5}]}`,
		`{"samples":[{"t":1,"t":2,"msg":"a","msg":"b","host":"h"}]}`, `{"samples":[{"p":2147483648}]}`, `{"samples":[{"p":-2147483648}]}`,
		`{"samples":[{"msg":"a\nb"}]}`, `{"samples":[{"msg":"a\"b"}]}`, "{\"samples\":[{\"msg\":\"\xff\"}]}",
		"{\"samples\":[{\"msg\":\"\xed\xa0\x80\"}]}", "{\"samples\":[{\"msg\":\"tab\tinside\"}]}", `{"samples":[{"x":1}]}`,
		`{"samples":[{}],"samples":[]}`, `{"samples":[{},]}`, `{"samples":[{}}`, `{"counts":{"INFO":1},"counts":{"WARN":2}}`,
		`{"counts":{"INFO":1,"INFO":2}}`, `{"counts":{"info":1}}`, `{"Counts":{"INFO":1}}`, `{"COUNTS":{}}`,
		`{"offset":1e3}`, `{"offset":-0}`, `{"offset":01}`, `{"offset":9223372036854775808}`, `{"offset":-9223372036854775808}`,
		`{"stream_time_ms":1.5}`, `{"expired":true,"expired":false}`, `{"expired":1}`, `{"expired":tru}`, `{"offset":"1"}`,
		`{"counts":{}}x`, `{"counts":{}`, `{"counts":{},}`, `{,}`, `{"counts" {}}`, `{"unknown":1}`, "\ufeff{}",
	)
}
