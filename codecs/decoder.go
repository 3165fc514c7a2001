package codecs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/linkedin/goavro/v2"
)

// SchemaRegistry gives the writer schema of a Confluent-framed Avro record
// by its schema id. internal/schemaregistry implements it over franz-go's
// pkg/sr; an interface keeps network clients out of codecs and lets tests
// use a map.
//
// When the registry's answer about an id is final (no schema by that id, or
// one logpulse cannot read), Schema returns a *SchemaError: the records that
// name the id are bad input. Any other error means the registry could not
// be asked.
type SchemaRegistry interface {
	Schema(ctx context.Context, id int) (string, error)
}

// SchemaError is the error of a SchemaRegistry whose answer about an id is
// final: there is no schema by that id, or not one logpulse can read (not
// Avro, say). Decoder sends the records that name the id to the dead-letter
// topic with ReasonInvalidAvro.
type SchemaError struct {
	ID  int
	Err error
}

func (e *SchemaError) Error() string { return fmt.Sprintf("schema id %d: %v", e.ID, e.Err) }

func (e *SchemaError) Unwrap() error { return e.Err }

// Limits of the Decoder's schema cache.
const (
	// maxSchemas bounds the codecs kept. Ids are few: one per schema
	// version that producers write, so the bound is for safety only.
	maxSchemas = 256
	// maxBadSchemas bounds the ids remembered as bad. Binary junk that
	// happens to start with NUL names random ids, so this one fills; it is
	// kept apart so that junk cannot push the good codecs out.
	maxBadSchemas = 1024
	// badSchemaTTL is how long an id stays known as bad, sparing the
	// registry a request per record. It is short so that a schema
	// registered after records naming it were produced is found soon.
	badSchemaTTL = time.Minute
	// schemaLookupTimeout bounds one registry request, so that a hung
	// registry cannot stall the pipeline for longer.
	schemaLookupTimeout = 10 * time.Second
)

// Decoder decodes records as Decode does, and Confluent-framed Avro too:
// it fetches the writer schema of each schema id once from a registry and
// keeps its codec. It is safe for concurrent use.
type Decoder struct {
	maxBytes int
	reg      SchemaRegistry
	now      func() time.Time // the clock of badSchemaTTL; tests replace it

	mu     sync.RWMutex
	codecs map[int]writerSchema
	bad    map[int]badSchema
}

// writerSchema is what decoding with a registered schema needs.
type writerSchema struct {
	codec *goavro.Codec
	guard *avroGuard // nil for a schema without arrays or maps
}

// badSchema is an id the registry gave a final no for, until when that is
// believed.
type badSchema struct {
	err   error // a *DecodeError
	until time.Time
}

// NewDecoder returns a Decoder. maxBytes > 0 caps the value size, as for
// Decode. reg may be nil: then a Confluent-framed record is rejected with
// ReasonInvalidAvro, as Decode rejects it.
func NewDecoder(maxBytes int, reg SchemaRegistry) *Decoder {
	return &Decoder{
		maxBytes: maxBytes,
		reg:      reg,
		now:      time.Now,
		codecs:   make(map[int]writerSchema),
		bad:      make(map[int]badSchema),
	}
}

// Decode is DecodeContext with no context of the caller's; a registry
// request still gives up after schemaLookupTimeout.
func (d *Decoder) Decode(r Record) (LogEvent, error) {
	return d.DecodeContext(context.Background(), r)
}

// DecodeContext decodes r as Decode does, and a Confluent-framed Avro
// record (a zero byte, a 4-byte big-endian schema id, the binary body) with
// the writer schema the registry has for the id. The record's fields are
// read by name, with the aliases of JSON, so a writer schema need not be
// logevent.avsc. ctx cancels the registry request that a schema id not seen
// before needs.
//
// Bad input gives a *DecodeError, as Decode: an id the registry does not
// know, a schema that does not parse, a body that does not match, or an
// array or map block that claims more items than the body has bytes (see
// avroGuard). When the registry cannot be asked (unreachable, 5xx, ctx
// done), the error is not a *DecodeError: the record is not known to be
// bad, and the caller should retry it rather than dead-letter it.
func (d *Decoder) DecodeContext(ctx context.Context, r Record) (LogEvent, error) {
	if d.reg == nil || (d.maxBytes > 0 && len(r.Value) > d.maxBytes) ||
		avroFramingOf(r.ContentType, r.Value) != framingConfluent {
		return Decode(r, d.maxBytes)
	}
	// Confluent ids are a Java int: one with the high bit set names no
	// schema, and asking the registry about it would be a wasted request.
	u := binary.BigEndian.Uint32(r.Value[1:confluentHeader])
	if int32(u) < 0 {
		return LogEvent{}, reject(ReasonInvalidAvro, "schema id %d is negative", int32(u))
	}
	id := int(u)
	w, err := d.codec(ctx, id)
	if err != nil {
		return LogEvent{}, err
	}
	body := r.Value[confluentHeader:]
	if w.guard != nil {
		if err := w.guard.check(body); err != nil {
			return LogEvent{}, reject(ReasonInvalidAvro, "schema id %d: %s", id, err)
		}
	}
	return decodeAvroBody(r, w.codec, body, id)
}

// DecodeAllContext is DecodeContext for every event r holds, appended to
// dst, as DecodeAll.
func (d *Decoder) DecodeAllContext(ctx context.Context, r Record, dst []LogEvent) ([]LogEvent, error) {
	if d.reg == nil || (d.maxBytes > 0 && len(r.Value) > d.maxBytes) ||
		avroFramingOf(r.ContentType, r.Value) != framingConfluent {
		return DecodeAll(r, d.maxBytes, dst)
	}
	ev, err := d.DecodeContext(ctx, r)
	if err != nil {
		return dst, err
	}
	return append(dst, ev), nil
}

// codec returns the codec of schema id, from the cache or the registry.
func (d *Decoder) codec(ctx context.Context, id int) (writerSchema, error) {
	d.mu.RLock()
	c, ok := d.codecs[id]
	bad, isBad := d.bad[id]
	d.mu.RUnlock()
	if ok {
		return c, nil
	}
	if isBad && d.now().Before(bad.until) {
		return writerSchema{}, bad.err
	}

	// Two goroutines may fetch the same id at once; that costs a request,
	// not a wrong answer, and is rarer than a lock held across a request
	// would be costly.
	c, err := d.fetch(ctx, id)
	var de *DecodeError
	if err != nil && !errors.As(err, &de) {
		return writerSchema{}, err // not an answer about the id: remember nothing
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		now := d.now()
		if len(d.bad) >= maxBadSchemas {
			for k, b := range d.bad {
				if !now.Before(b.until) {
					delete(d.bad, k)
				}
			}
			if len(d.bad) >= maxBadSchemas {
				clear(d.bad)
			}
		}
		d.bad[id] = badSchema{err: err, until: now.Add(badSchemaTTL)}
		return writerSchema{}, err
	}
	if len(d.codecs) >= maxSchemas {
		for k := range d.codecs { // any one: past the bound, ids are not few
			delete(d.codecs, k)
			break
		}
	}
	d.codecs[id] = c
	delete(d.bad, id)
	return c, nil
}

// fetch asks the registry for schema id and builds its codec. A final
// answer that the id cannot be read is a *DecodeError.
func (d *Decoder) fetch(ctx context.Context, id int) (writerSchema, error) {
	ctx, cancel := context.WithTimeout(ctx, schemaLookupTimeout)
	defer cancel()
	schema, err := d.reg.Schema(ctx, id)
	if err != nil {
		var se *SchemaError
		if errors.As(err, &se) {
			return writerSchema{}, reject(ReasonInvalidAvro, "%s", err)
		}
		return writerSchema{}, fmt.Errorf("look up avro schema id %d: %w", id, err)
	}
	c, err := goavro.NewCodec(schema)
	if err != nil {
		return writerSchema{}, reject(ReasonInvalidAvro, "schema id %d is not an avro schema goavro reads: %s", id, truncate(err.Error(), 200))
	}
	g, err := newAvroGuard(schema)
	if err != nil {
		return writerSchema{}, reject(ReasonInvalidAvro, "schema id %d: %s", id, err)
	}
	return writerSchema{codec: c, guard: g}, nil
}
