package codecs

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestDecoderCache: a schema is fetched once per id; an id the registry
// says no to is remembered for badSchemaTTL, on the Decoder's clock; a
// registry that cannot be asked is not remembered, and its error is no
// *DecodeError.
func TestDecoderCache(t *testing.T) {
	ts := rfc3339(t, "2026-11-26T10:00:00Z")
	rec := func(id uint32) Record {
		return Record{Value: confluent(t, logEvent().codec, id, logEventNative(ts, "info", "m", "api", "")), Timestamp: ts}
	}
	reg := testRegistry()
	d := NewDecoder(0, reg)
	now := ts
	d.now = func() time.Time { return now }

	for range 3 {
		if _, err := d.Decode(rec(idLogEvent)); err != nil {
			t.Fatal(err)
		}
	}
	if n := reg.calls.Load(); n != 1 {
		t.Fatalf("%d lookups for one id, want 1", n)
	}

	for range 3 {
		_, err := d.Decode(rec(42))
		checkReason(t, err, ReasonInvalidAvro, "schema id 42: not found")
	}
	if n := reg.calls.Load(); n != 2 {
		t.Fatalf("%d lookups after an unknown id thrice, want 2", n)
	}
	// The schema is registered later: found once the no has expired.
	reg.schemas[42] = LogEventSchema()
	now = now.Add(badSchemaTTL)
	if _, err := d.Decode(rec(42)); err != nil {
		t.Fatalf("after the TTL: %v", err)
	}
	if n := reg.calls.Load(); n != 3 {
		t.Fatalf("%d lookups, want 3", n)
	}

	down := errors.New("connection refused")
	reg.err = down
	for range 2 {
		_, err := d.Decode(rec(43))
		var de *DecodeError
		if !errors.Is(err, down) || errors.As(err, &de) {
			t.Fatalf("registry down: error %v (%T), want one wrapping %v and no *DecodeError", err, err, down)
		}
	}
	if n := reg.calls.Load(); n != 5 {
		t.Fatalf("%d lookups, want 5: a failed lookup is not remembered", n)
	}
	// What is cached still decodes while the registry is down.
	if _, err := d.Decode(rec(idLogEvent)); err != nil {
		t.Fatalf("cached id with the registry down: %v", err)
	}
}

// TestDecoderCacheBounds: junk naming many ids fills neither map without
// bound, and does not push out the good codecs.
func TestDecoderCacheBounds(t *testing.T) {
	ts := rfc3339(t, "2026-11-26T10:00:00Z")
	reg := testRegistry()
	for id := 100; id < 100+maxSchemas+10; id++ {
		reg.schemas[id] = LogEventSchema()
	}
	d := NewDecoder(0, reg)
	for id := 100; id < 100+maxSchemas+10; id++ {
		if _, err := d.Decode(Record{Value: confluent(t, logEvent().codec, uint32(id), logEventNative(ts, "info", "m", "", "")), Timestamp: ts}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(d.codecs); n > maxSchemas {
		t.Errorf("%d codecs cached, bound is %d", n, maxSchemas)
	}
	good := len(d.codecs)
	for id := 10_000; id < 10_000+maxBadSchemas+10; id++ {
		_, err := d.Decode(Record{Value: []byte{0, byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id), 0}, Timestamp: ts})
		checkReason(t, err, ReasonInvalidAvro, "not found")
	}
	if n := len(d.bad); n > maxBadSchemas {
		t.Errorf("%d bad ids remembered, bound is %d", n, maxBadSchemas)
	}
	if len(d.codecs) != good {
		t.Errorf("unknown ids evicted codecs: %d left of %d", len(d.codecs), good)
	}
}

// TestDecoderConcurrent runs under -race: many goroutines on few ids.
func TestDecoderConcurrent(t *testing.T) {
	ts := rfc3339(t, "2026-11-26T10:00:00Z")
	d := NewDecoder(0, testRegistry())
	values := []struct {
		v       []byte
		wantErr bool
	}{
		{confluent(t, logEvent().codec, idLogEvent, logEventNative(ts, "info", "m", "api", "")), false},
		{confluent(t, mustCodec(t, v2Schema), idV2, map[string]any{"message": "m", "level": "info", "timestamp": ts}), false},
		{[]byte{0, 0, 0, 0, 77, 0}, true},
		{single(t, logEventNative(ts, "info", "m", "api", "")), false},
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				tc := values[(g+i)%len(values)]
				_, err := d.DecodeContext(context.Background(), Record{Value: tc.v, Timestamp: ts})
				if tc.wantErr != (err != nil) {
					t.Errorf("value %x: %v", tc.v, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestDecoderDelegates: what is not Confluent-framed is Decode's.
func TestDecoderDelegates(t *testing.T) {
	reg := testRegistry()
	d := NewDecoder(10, reg)
	r := Record{Value: []byte(`{"ts":1764151200,"level":"warn","msg":"m"}`)}
	_, err := d.Decode(r)
	checkReason(t, err, ReasonTooLarge, "")
	ev, err := NewDecoder(0, reg).Decode(r)
	if err != nil || ev.Level != LevelWarn {
		t.Fatalf("JSON through a Decoder: %+v, %v", ev, err)
	}
	if n := reg.calls.Load(); n != 0 {
		t.Errorf("%d registry lookups for records that are not Confluent-framed", n)
	}
}

func TestDecoderContextCancelled(t *testing.T) {
	ts := rfc3339(t, "2026-11-26T10:00:00Z")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	reg := &ctxRegistry{}
	d := NewDecoder(0, reg)
	_, err := d.DecodeContext(ctx, Record{Value: confluent(t, logEvent().codec, 1, logEventNative(ts, "info", "m", "", "")), Timestamp: ts})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// ctxRegistry answers once its context is done, as a network client does.
type ctxRegistry struct{}

func (ctxRegistry) Schema(ctx context.Context, _ int) (string, error) {
	<-ctx.Done()
	return "", ctx.Err()
}
