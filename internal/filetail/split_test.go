package filetail

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitter(t *testing.T) {
	tests := []struct {
		name string
		max  int
		in   string
		want []Line
	}{
		{"plain", 10, "a\nbb\n", []Line{{Text: []byte("a")}, {Text: []byte("bb"), Offset: 2}}},
		{"empty lines", 10, "\n\nx\n", []Line{{Text: []byte{}}, {Text: []byte{}, Offset: 1}, {Text: []byte("x"), Offset: 2}}},
		{"crlf", 10, "a\r\nb\r\n", []Line{{Text: []byte("a")}, {Text: []byte("b"), Offset: 3}}},
		{"lone cr kept", 10, "a\rb\n\r\n", []Line{{Text: []byte("a\rb")}, {Text: []byte{}, Offset: 4}}},
		{"incomplete last line held", 10, "a\nbc", []Line{{Text: []byte("a")}}},
		{"exactly max", 3, "abc\n", []Line{{Text: []byte("abc")}}},
		{"exactly max with crlf", 3, "abc\r\nd\n", []Line{{Text: []byte("abc")}, {Text: []byte("d"), Offset: 5}}},
		{"one over max", 3, "abcd\n", []Line{{Text: []byte("abc"), Truncated: true}}},
		{"far over max", 3, "abcdefghij\r\nk\n", []Line{{Text: []byte("abc"), Truncated: true}, {Text: []byte("k"), Offset: 12}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Whole input at once, then one byte at a time: chunk
			// boundaries must not change the lines.
			for _, step := range []int{len(tt.in), 1} {
				sp := splitter{max: tt.max}
				var got []Line
				for i := 0; i < len(tt.in); i += step {
					for p := []byte(tt.in[i:min(i+step, len(tt.in))]); len(p) > 0; {
						used, l, _, ok := sp.feed(p)
						p = p[used:]
						if ok {
							got = append(got, l)
						}
					}
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("step %d (-want +got):\n%s", step, diff)
				}
			}
		})
	}
}

func TestSplitterRawAndCut(t *testing.T) {
	sp := splitter{max: 4}
	_, _, raw, ok := sp.feed([]byte("abcdefg\r\n"))
	if !ok || raw != 9 || sp.next() != 9 {
		t.Fatalf("ok=%v raw=%d next=%d, want true 9 9", ok, raw, sp.next())
	}
	sp.feed([]byte("xy\r"))
	if !sp.pending() {
		t.Fatal("no pending line after an unterminated one")
	}
	l, raw := sp.cut(false)
	if diff := cmp.Diff(Line{Text: []byte("xy\r"), Offset: 9}, l); diff != "" || raw != 3 {
		t.Fatalf("raw %d, line (-want +got):\n%s", raw, diff)
	}
}
