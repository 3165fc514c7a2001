package table

import (
	"encoding/json"
	"testing"
)

// FuzzCountsJSON: the direct encoder writes json.Marshal's bytes, and the
// direct parser reads what encoding/json reads wherever it accepts the
// input at all.
func FuzzCountsJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"INFO":1}`, `{"ERROR":3,"INFO":120,"UNKNOWN":1}`, ` { "WARN" : -2 , "WARN":5 } `,
		`{"info":1}`, `{"INFO":1.5}`, `{"INFO":1e3}`, `{"INFO":99999999999999999999}`, `null`, `{"INFO":01}`,
		`{"NEW":4,"INFO":1}`, `{"INFO":1,}`, `{"INFO":"1"}`, `{"IN\u0046O":1}`} {
		f.Add(s, int64(1), int64(0), int64(-7), int64(1<<62))
	}
	f.Fuzz(func(t *testing.T, s string, a, b, c, d int64) {
		counts := Counts{a, b, c, d, a ^ d, 0, b - c}
		want, err := json.Marshal(counts.Map())
		if err != nil {
			t.Fatal(err)
		}
		if got := appendCountsJSON(nil, counts); string(got) != string(want) {
			t.Fatalf("encoded %v as %s, json.Marshal writes %s", counts, got, want)
		}
		if back, ok := parseCountsJSON(want); !ok || back != counts {
			t.Fatalf("parsed %s as %v (ok %v), want %v", want, back, ok, counts)
		}
		if got, ok := parseCountsJSON([]byte(s)); ok {
			ref, err := countsViaMap([]byte(s))
			if err != nil || ref != got {
				t.Fatalf("%q: parsed %v, encoding/json gives %v, %v", s, got, ref, err)
			}
		}
	})
}
