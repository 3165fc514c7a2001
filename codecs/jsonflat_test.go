package codecs

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// FuzzJSONFlatPath: the flat-object scanner gives what encoding/json gives,
// candidate for candidate, field for field, error for error. The scanner is
// only a shortcut; any difference is a bug in it.
func FuzzJSONFlatPath(f *testing.F) {
	for _, v := range append(fuzzSeeds(), flatSeeds...) {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, value string) {
		checkFlatPath(t, []byte(value))
	})
}

// flatSeeds are objects at the edges of what the scanner takes.
var flatSeeds = []string{
	`{}`, `{ }`, `{"a":1}`, `{"level":"warn","level":"error"}`, `{"Level":"warn","level":"error"}`,
	`{"LEVEL":"warn","Level":"error"}`, `{"ts":-0.5e+3,"msg":"x"}`, `{"ts":01}`, `{"ts":1.}`, `{"ts":1e}`,
	`{"ts":-}`, `{"msg":"a\"b"}`, `{"m\u0073g":"x"}`, `{"msg":"x",}`, `{"msg":"x"}x`, `{"msg":"x"} `,
	`{"msg" : "x" , "level" : true , "host" : null , "service" : false}`, `{"msg":"é","service":"ü"}`,
	`{"msg":"tab	inside"}`, `{"msg":"x"`, `{"msg"}`, `{"msg":"x" "level":"y"}`, `{"ts":1700000000123,"level":50}`,
	`{"timestamp":"2026-11-26T10:00:00Z","ts":"bad","time":12}`, `{"service":{"name":"a"},"app":"b"}`,
	`{"log":"hi\n","log":{"level":"x"}}`, `{"a":[1,2],"msg":"x"}`, `{"msg":nul}`, `{"msg":tru}`, `{"host":"  "}`,
}

func checkFlatPath(t *testing.T, v []byte) {
	t.Helper()
	v = bytes.TrimSpace(v)
	if len(v) == 0 || v[0] != '{' || !utf8.Valid(v) {
		return // Decode never hands such a value to decodeJSON
	}
	var flat candidates[json.RawMessage]
	if scanFlatJSON(v, &flat) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v, &m); err != nil {
			t.Fatalf("scanner took %q, encoding/json rejects it: %v", v, err)
		}
		var ref candidates[json.RawMessage]
		for k, raw := range m {
			ref.offer(k, raw)
		}
		if !reflect.DeepEqual(flat, ref) {
			t.Fatalf("%q: scanner's candidates differ from encoding/json's\nscanner: %+v\nref:     %+v", v, flat, ref)
		}
	}
	got, gerr := decodeJSONVia(v, true)
	want, werr := decodeJSONVia(v, false)
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(fields{}, explain{})); diff != "" {
		t.Fatalf("%q: fields differ (-encoding/json +scanner):\n%s", v, diff)
	}
	if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
		t.Fatalf("%q: error %v, want %v", v, gerr, werr)
	}
}

// TestJSONFlatPath runs the differential check on the seeds, so plain go
// test covers the scanner's edges.
func TestJSONFlatPath(t *testing.T) {
	for _, v := range append(fuzzSeeds(), flatSeeds...) {
		checkFlatPath(t, []byte(v))
	}
	// The scanner must take the generator's and the common shape, or it
	// speeds up nothing.
	var cs candidates[json.RawMessage]
	if !scanFlatJSON([]byte(`{"timestamp":1764151200000,"level":"INFO","message":"GET /v1/items/7 200","service":"api","host":"api-1"}`), &cs) {
		t.Fatal("scanner refused a flat log object")
	}
}

// TestAliasNames: aliasNames spells every role as rolesOf matches it, so
// keyString never hands the scanner another key's name.
func TestAliasNames(t *testing.T) {
	n := 0
	for f := range numFields {
		for rank, name := range aliasNames[f] {
			if name == "" {
				continue
			}
			n++
			roles, k := rolesOf(name)
			found := false
			for _, r := range roles[:k] {
				found = found || r == role{f, uint8(rank)}
			}
			if !found {
				t.Errorf("aliasNames[%d][%d] = %q, but rolesOf(%q) = %v", f, rank, name, name, roles[:k])
			}
			if int(aliasStart[f])+rank >= int(aliasStart[f+1]) {
				t.Errorf("alias %q: rank %d of field %d is past its slots in aliasStart", name, rank, f)
			}
		}
	}
	if n != 32 {
		t.Errorf("%d alias names, rolesOf knows 32 (31 keys, \"log\" twice)", n)
	}
}
