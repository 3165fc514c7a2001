package codecs

import (
	"fmt"
	"iter"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// decodeOTLPProto reads v, a raw record value, as a protobuf
// ExportLogsServiceRequest (LogsData on the wire), as the Collector's Kafka
// exporter writes it by default. It returns one fields per log record.
//
// ok says whether v is OTLP at all. It is when v starts with field 1 as
// length-delimited (0x0a), its top level parses to the end as protobuf
// fields, and v is not text (otlpBinary): a text line may by chance look like
// that envelope, but it can hold no log record, whose tags (0x12 for
// scope_logs and log_records) are control bytes that no text line has.
// When ok is false, v is for the other decoders. When ok is true, a
// malformed inside is a *DecodeError with ReasonInvalidOTLP, a string body
// that is not UTF-8 one with ReasonInvalidUTF8, and a request without a log
// record one with ReasonEmpty.
//
// Only the fields logpulse reads are walked: the envelope down to the log
// records, their time, severity, body and attributes, and the resource's
// attributes. Others (scope, trace and span ids, flags...) are skipped by
// their wire type, their content unread. A length is checked against what
// is left of v before anything is taken, and nothing is allocated by a
// claimed length: a value costs what its bytes cost.
func decodeOTLPProto(v []byte, ref time.Time) ([]fields, bool, error) {
	if !isOTLPProto(v) {
		return nil, false, nil
	}
	w := otlpProtoWalker{ref: ref}
	i := 0
	for f := range protoFields(v) { // the envelope is checked: no errors
		if f.num != 1 {
			continue
		}
		if err := w.resourceLogs(f.b); err != nil {
			return nil, true, otlpReject(otlpAt(err, "resource_logs", i))
		}
		i++
	}
	if len(w.out) == 0 {
		return nil, true, reject(ReasonEmpty, "OTLP logs request of %d bytes holds no log record", len(v))
	}
	return w.out, true, nil
}

// isOTLPProto tells an OTLP logs request from any other value: see
// decodeOTLPProto.
func isOTLPProto(v []byte) bool {
	if len(v) == 0 || v[0] != 0x0a {
		return false
	}
	for b := v; len(b) > 0; {
		num, typ, n := protowire.ConsumeField(b)
		if n < 0 || num == 1 && typ != protowire.BytesType {
			return false
		}
		b = b[n:]
	}
	return otlpBinary(v)
}

// otlpBinary reports whether v cannot pass as a text line: it holds a
// control byte that checkText rejects (every request with a log record
// does: 0x12, the tag of scope_logs and log_records), or it is not UTF-8.
// It is isText's rule, inverted, without the error checkText builds: this
// runs on every OTLP record.
func otlpBinary(v []byte) bool {
	for _, c := range v {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' && c != 0x1b || c == 0x7f {
			return true
		}
	}
	return !utf8.Valid(v)
}

// otlpProtoWalker collects the fields of the log records of one request.
type otlpProtoWalker struct {
	ref time.Time
	out []fields
}

// resourceLogs reads a ResourceLogs. The resource is read first, wherever
// it sits: pdata, which the Collector marshals with, writes a message's
// fields last to first. The scope logs are field 2, or field 1000 in
// requests from before OTLP 0.19 (instrumentation_library_logs, the same
// layout), which pdata still reads when there is no field 2.
func (w *otlpProtoWalker) resourceLogs(b []byte) error {
	var res otlpNames
	var scopeField protowire.Number
	for f, err := range protoFields(b) {
		if err != nil {
			return err
		}
		switch f.num {
		case 1:
			if err := f.want(protowire.BytesType, "resource"); err != nil {
				return err
			}
			if err := protoResource(f.b, &res); err != nil {
				return otlpIn("resource", err)
			}
		case 2, 1000:
			if err := f.want(protowire.BytesType, "scope_logs"); err != nil {
				return err
			}
			if scopeField != 2 {
				scopeField = f.num
			}
		}
	}
	i := 0
	for f := range protoFields(b) {
		if f.num != scopeField {
			continue
		}
		if err := w.scopeLogs(f.b, &res); err != nil {
			return otlpAt(err, "scope_logs", i)
		}
		i++
	}
	return nil
}

// protoResource reads the attributes of a Resource.
func protoResource(b []byte, res *otlpNames) error {
	i := 0
	for f, err := range protoFields(b) {
		if err != nil {
			return err
		}
		if f.num != 1 {
			continue
		}
		if err := f.want(protowire.BytesType, "attributes"); err != nil {
			return err
		}
		if err := protoAttribute(f.b, res); err != nil {
			return otlpAt(err, "attributes", i)
		}
		i++
	}
	return nil
}

// scopeLogs reads the log records of a ScopeLogs.
func (w *otlpProtoWalker) scopeLogs(b []byte, res *otlpNames) error {
	i := 0
	for f, err := range protoFields(b) {
		if err != nil {
			return err
		}
		if f.num != 2 {
			continue
		}
		if err := f.want(protowire.BytesType, "log_records"); err != nil {
			return err
		}
		if err := w.logRecord(f.b, res); err != nil {
			return otlpAt(err, "log_records", i)
		}
		i++
	}
	return nil
}

// logRecord reads a LogRecord and appends its fields.
func (w *otlpProtoWalker) logRecord(b []byte, res *otlpNames) error {
	var (
		l        otlpLog
		rec      otlpNames
		body     []byte
		hasBody  bool
		sevText  []byte
		attrSeen int
	)
	for f, err := range protoFields(b) {
		if err != nil {
			return err
		}
		switch f.num {
		case 1:
			if err := f.want(protowire.Fixed64Type, "time_unix_nano"); err != nil {
				return err
			}
			l.time = otlpTime(f.val)
		case 11:
			if err := f.want(protowire.Fixed64Type, "observed_time_unix_nano"); err != nil {
				return err
			}
			l.observed = otlpTime(f.val)
		case 2:
			if err := f.want(protowire.VarintType, "severity_number"); err != nil {
				return err
			}
			// An enum is an int32 on the wire, sign-extended to 64 bits.
			l.severityNumber = int32(f.val)
		case 3:
			if err := f.want(protowire.BytesType, "severity_text"); err != nil {
				return err
			}
			sevText = f.b
		case 5:
			if err := f.want(protowire.BytesType, "body"); err != nil {
				return err
			}
			body, hasBody = f.b, true
		case 6:
			if err := f.want(protowire.BytesType, "attributes"); err != nil {
				return err
			}
			if err := protoAttribute(f.b, &rec); err != nil {
				return otlpAt(err, "attributes", attrSeen)
			}
			attrSeen++
		}
	}
	if l.severityNumber < 1 || l.severityNumber > 24 {
		l.severityText = string(sevText) // only read when the number says nothing
	}
	if hasBody {
		var err error
		if l.body, l.bodyKV, err = protoBody(body); err != nil {
			return otlpIn("body", err)
		}
	}
	l.service, l.host = otlpService(&rec, res), otlpHost(&rec, res)
	w.out = append(w.out, l.fields(w.ref))
	return nil
}

// protoAttribute reads a KeyValue into n when n wants its key; a value that
// is not a string names nothing.
func protoAttribute(b []byte, n *otlpNames) error {
	key, value, err := protoKeyValue(b)
	if err != nil {
		return err
	}
	if !n.wants(string(key)) {
		return nil
	}
	f, ok, err := protoAnyField(value)
	if err != nil {
		return fmt.Errorf("%q: %w", truncate(string(key), 64), err)
	}
	if ok && f.num == anyString {
		n.set(string(key), string(f.b))
	}
	return nil
}

// protoField is one field of a protobuf message: val holds a varint or
// fixed value, b a length-delimited one.
type protoField struct {
	num protowire.Number
	typ protowire.Type
	val uint64
	b   []byte
}

// want checks the wire type of a field logpulse reads.
func (f protoField) want(typ protowire.Type, name string) error {
	if f.typ != typ {
		return fmt.Errorf("field %d (%s) has wire type %d, want %d", f.num, name, f.typ, typ)
	}
	return nil
}

// protoFields iterates over the fields of the message b. A field that does
// not parse (a tag or length past the end, a bad varint, an unmatched
// group) ends the walk with an error; groups, which OTLP does not use, are
// skipped whole.
func protoFields(b []byte) iter.Seq2[protoField, error] {
	return func(yield func(protoField, error) bool) {
		for len(b) > 0 {
			num, typ, n := protowire.ConsumeTag(b)
			if n < 0 {
				yield(protoField{}, fmt.Errorf("field tag at %d bytes from the end: %w", len(b), protowire.ParseError(n)))
				return
			}
			f := protoField{num: num, typ: typ}
			b = b[n:]
			switch typ {
			case protowire.VarintType:
				f.val, n = protowire.ConsumeVarint(b)
			case protowire.Fixed64Type:
				f.val, n = protowire.ConsumeFixed64(b)
			case protowire.Fixed32Type:
				var v uint32
				v, n = protowire.ConsumeFixed32(b)
				f.val = uint64(v)
			case protowire.BytesType:
				f.b, n = protowire.ConsumeBytes(b)
			default:
				n = protowire.ConsumeFieldValue(num, typ, b)
			}
			if n < 0 {
				yield(protoField{}, fmt.Errorf("field %d: %w", num, protowire.ParseError(n)))
				return
			}
			b = b[n:]
			if !yield(f, nil) {
				return
			}
		}
	}
}
