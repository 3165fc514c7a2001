package filetail

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStdin(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		want []Line
	}{
		{"lines", "a\r\nb\n", []Line{{Path: "-", Text: []byte("a")}, {Path: "-", Text: []byte("b"), Offset: 3}}},
		{"last line without newline is emitted at EOF", "a\nb", []Line{{Path: "-", Text: []byte("a")}, {Path: "-", Text: []byte("b"), Offset: 2}}},
		{"long line", "abcdefgh\nx\n", []Line{{Path: "-", Text: []byte("abcd"), Truncated: true}, {Path: "-", Text: []byte("x"), Offset: 9}}},
		{"empty", "", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &collector{}
			if err := Stdin(context.Background(), strings.NewReader(tt.in), 4, nil, c.emit); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c.all()); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStdinBatches(t *testing.T) {
	text, want := numbered("l", 1, 2*maxBatch+1)
	c := &collector{} // refuses batches over maxBatch
	if err := Stdin(context.Background(), strings.NewReader(text), 0, nil, c.emit); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, c.texts("-")); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestStdinBatchBytes(t *testing.T) {
	line := strings.Repeat("x", 1<<20)
	in := strings.Repeat(line+"\n", 20)
	var sizes []int
	emit := func(batch []Line) error {
		n := 0
		for _, l := range batch {
			n += len(l.Text)
		}
		sizes = append(sizes, n)
		return nil
	}
	if err := Stdin(context.Background(), strings.NewReader(in), 0, nil, emit); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range sizes {
		if n > maxBatchBytes+DefaultMaxLineBytes {
			t.Errorf("batch of %d bytes, want at most %d", n, maxBatchBytes+DefaultMaxLineBytes)
		}
		total += n
	}
	if total != 20<<20 {
		t.Errorf("%d bytes emitted, want %d", total, 20<<20)
	}
}

func TestStdinEmitError(t *testing.T) {
	c := &collector{fail: func([]Line) error { return errBoom }}
	err := Stdin(context.Background(), strings.NewReader("a\n"), 0, nil, c.emit)
	if !errors.Is(err, errBoom) {
		t.Fatalf("Stdin returned %v, want %v", err, errBoom)
	}
}

func TestStdinStreamsAndStopsOnCancel(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	c := &collector{}
	done := make(chan error, 1)
	go func() { done <- Stdin(ctx, pr, 0, nil, c.emit) }()

	// Lines reach emit while the stream stays open.
	if _, err := io.WriteString(pw, "first\nsecond\n"); err != nil {
		t.Fatal(err)
	}
	waitTexts(t, c, "-", []string{"first", "second"})

	// Nothing more is written: the Read stays blocked, and cancel must
	// still end Stdin.
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stdin did not return after cancel")
	}
}
