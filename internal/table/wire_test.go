package table

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/logpulse/logpulse/codecs"
)

// FuzzWire builds a Delta and a Value from the fuzzer's bytes: each reads
// back as written, except what the format normalises (a level past the
// known ones reads as UNKNOWN, as the JSON format wrote it).
func FuzzWire(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x01\x02\x05\x06\x07\x03\x04\x05\x07\x02\x03\x01\x00\x02\x07\x05\x03\x04\x01\x02\x03\x05\x00\x03\x01\x04"))
	f.Add([]byte(strings.Repeat("\x03\x05\x07\x09\x02\x11\x13\x17\x00", 12)))
	f.Fuzz(func(t *testing.T, in []byte) {
		g := tableGen{b: in}
		d, v := g.delta(), g.value()
		var gotD Delta
		if err := DecodeDelta(AppendDelta(nil, &d), &gotD); err != nil {
			t.Fatalf("decode delta %+v: %v", d, err)
		}
		normalise(d.Samples, &d.Messages)
		if diff := cmp.Diff(d, gotD, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("delta reads back differently (-written +read):\n%s", diff)
		}
		var gotV Value
		if err := DecodeValue(AppendValue(nil, &v), &gotV); err != nil {
			t.Fatalf("decode value %+v: %v", v, err)
		}
		normalise(v.Samples, &v.Messages)
		if diff := cmp.Diff(v, gotV, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("value reads back differently (-written +read):\n%s", diff)
		}
		if o, err := OffsetOf(AppendValue(nil, &v)); err != nil || o != v.Offset {
			t.Fatalf("OffsetOf = %d, %v; want %d", o, err, v.Offset)
		}
	})
}

// normalise makes a written value what the format reads back.
func normalise(samples []Sample, lm *LevelMessages) {
	for i := range samples {
		samples[i].Level = wireLevel(samples[i].Level)
	}
	for _, m := range lm {
		if m != nil && m.Counts == nil {
			m.Counts = map[string]int64{}
		}
	}
}

// FuzzWireBytes: any bytes decode without a panic or an allocation beyond
// their size, and what decodes is stable: written again, it reads the same.
func FuzzWireBytes(f *testing.F) {
	for _, tc := range goldenCases() {
		b, err := tc.codec.Encode(tc.value)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{wireVersion, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{wireVersion, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Delta
		if DecodeDelta(b, &d) == nil && len(b) > 0 && b[0] == wireVersion {
			var again Delta
			if err := DecodeDelta(AppendDelta(nil, &d), &again); err != nil || !cmp.Equal(d, again, cmpopts.EquateEmpty()) {
				t.Fatalf("%x: delta %+v written again reads %+v, %v", b, d, again, err)
			}
		}
		var v Value
		if DecodeValue(b, &v) == nil && len(b) > 0 && b[0] == wireVersion {
			var again Value
			if err := DecodeValue(AppendValue(nil, &v), &again); err != nil || !cmp.Equal(v, again, cmpopts.EquateEmpty()) {
				t.Fatalf("%x: value %+v written again reads %+v, %v", b, v, again, err)
			}
		}
	})
}

// TestWireRefusesShortAndUnknown: every cut of a value is an error, not a
// value with fields missing; a version this build does not know is refused
// with what to do; bytes after the known fields (a field a newer build
// appended) are ignored.
func TestWireRefusesShortAndUnknown(t *testing.T) {
	for _, tc := range goldenCases() {
		b, err := tc.codec.Encode(tc.value)
		if err != nil {
			t.Fatal(err)
		}
		for n := range len(b) {
			if v, err := tc.codec.Decode(b[:n]); err == nil {
				t.Errorf("%s cut to %d bytes read as %+v", tc.file, n, v)
			}
		}
		longer := append(b[:len(b):len(b)], 0x07, 0x01)
		if v, err := tc.codec.Decode(longer); err != nil || !cmp.Equal(v, tc.value) {
			t.Errorf("%s with bytes appended: %+v, %v", tc.file, v, err)
		}
		newer := append([]byte{wireVersion + 1}, b[1:]...)
		if _, err := tc.codec.Decode(newer); err == nil || !strings.Contains(err.Error(), "version 2") || !strings.Contains(err.Error(), "Upgrading") {
			t.Errorf("%s as version 2: %v; want an error naming the version and what to do", tc.file, err)
		}
	}
}

// TestExpiredValue: the local store's answer for a dropped window takes no
// delta, and the aggregate never has to write it: it survives the codec
// as it is.
func TestExpiredValue(t *testing.T) {
	exp := ExpiredValue()
	b := AppendValue(nil, &exp)
	var back Value
	if err := DecodeValue(b, &back); err != nil || !back.Expired() {
		t.Fatalf("expired value read back as %+v, %v", back, err)
	}
	if v := (Value{Offset: 1 << 40}); v.Expired() {
		t.Error("a live value reads as expired")
	}
	var c Counts
	c[codecs.LevelInfo] = 1
	if (&Value{Counts: c}).Expired() {
		t.Error("the zero offset reads as expired")
	}
}
