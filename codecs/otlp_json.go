package codecs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// isOTLPJSON tells an OTLP/JSON logs request from an ordinary JSON log
// line by its first key: resourceLogs, or resource_logs (OTLP/JSON
// receivers accept the proto field names too). It is the only field of
// ExportLogsServiceRequest, so a request has it first; an ordinary line
// pays a few byte compares. v is a trimmed JSON object.
func isOTLPJSON(v []byte) bool {
	if len(v) == 0 || v[0] != '{' {
		return false
	}
	i := 1
	for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r') {
		i++
	}
	if v = v[i:]; len(v) < 2 || v[1] != 'r' { // most lines fail here
		return false
	}
	return bytes.HasPrefix(v, []byte(`"resourceLogs"`)) || bytes.HasPrefix(v, []byte(`"resource_logs"`))
}

// decodeOTLPJSON reads an OTLP/JSON ExportLogsServiceRequest, as the
// Collector's Kafka exporter writes it with encoding otlp_json, and returns
// one fields per log record. v is a trimmed, UTF-8 JSON object that
// isOTLPJSON took. It reads what decodeOTLPProto reads, by the protobuf
// JSON mapping as pdata implements it: keys in lowerCamelCase or as the
// proto field names, matched exactly (unlike encoding/json's struct
// fields, which fold case); 64-bit integers as decimal strings or numbers;
// the severity number as a number or an enum name; bytes in base64; a
// repeated key adds to the list, a single one's last value counts. Unknown
// keys are ignored.
//
// JSON that does not parse is ReasonInvalidJSON; JSON of the wrong shape
// (logRecords an object, a time that is no integer) is ReasonInvalidOTLP;
// a request without a log record is ReasonEmpty.
func decodeOTLPJSON(v []byte, ref time.Time) ([]fields, error) {
	if !json.Valid(v) {
		var x any
		return nil, reject(ReasonInvalidJSON, "%s", json.Unmarshal(v, &x))
	}
	var out []fields
	err := eachJSONField(v, func(key string, raw json.RawMessage) error {
		if key != "resourceLogs" && key != "resource_logs" {
			return nil
		}
		return eachJSONElement(raw, func(rl json.RawMessage) error {
			var err error
			out, err = appendJSONResourceLogs(out, rl, ref)
			return err
		})
	})
	if err != nil {
		return nil, otlpReject(err)
	}
	if len(out) == 0 {
		return nil, reject(ReasonEmpty, "OTLP/JSON logs request holds no log record")
	}
	return out, nil
}

// appendJSONResourceLogs appends the fields of the log records of a
// ResourceLogs to out. As in protobuf, its resource is read first wherever
// it sits, and the scope logs of OTLP before 0.19 (under pdata's name and
// the old OTLP/JSON one) are read when there are no others.
func appendJSONResourceLogs(out []fields, b json.RawMessage, ref time.Time) ([]fields, error) {
	var (
		res               otlpNames
		scopes, oldScopes []json.RawMessage
	)
	err := eachJSONField(b, func(key string, raw json.RawMessage) error {
		switch key {
		case "resource":
			return eachJSONField(raw, func(key string, raw json.RawMessage) error {
				if key != "attributes" {
					return nil
				}
				return jsonAttributes(raw, &res)
			})
		case "scopeLogs", "scope_logs":
			return eachJSONElement(raw, func(s json.RawMessage) error { scopes = append(scopes, s); return nil })
		case "deprecatedScopeLogs", "deprecated_scope_logs", "instrumentationLibraryLogs", "instrumentation_library_logs":
			return eachJSONElement(raw, func(s json.RawMessage) error { oldScopes = append(oldScopes, s); return nil })
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	if len(scopes) == 0 {
		scopes = oldScopes
	}
	for i, s := range scopes {
		err := eachJSONField(s, func(key string, raw json.RawMessage) error {
			if key != "logRecords" && key != "log_records" {
				return nil
			}
			return eachJSONElement(raw, func(lr json.RawMessage) error {
				l, err := jsonLogRecord(lr, &res)
				if err == nil {
					out = append(out, l.fields(ref))
				}
				return err
			})
		})
		if err != nil {
			return out, otlpAt(err, "scopeLogs", i)
		}
	}
	return out, nil
}

// jsonLogRecord reads a LogRecord whose resource says res.
func jsonLogRecord(b json.RawMessage, res *otlpNames) (otlpLog, error) {
	var (
		l    otlpLog
		rec  otlpNames
		body json.RawMessage
	)
	err := eachJSONField(b, func(key string, raw json.RawMessage) error {
		switch key {
		case "timeUnixNano", "time_unix_nano":
			return jsonTimeNanos(raw, &l.time)
		case "observedTimeUnixNano", "observed_time_unix_nano":
			return jsonTimeNanos(raw, &l.observed)
		case "severityNumber", "severity_number":
			return jsonSeverity(raw, &l.severityNumber)
		case "severityText", "severity_text":
			var err error
			l.severityText, err = jsonText(raw)
			return err
		case "body":
			body = raw
		case "attributes":
			return jsonAttributes(raw, &rec)
		}
		return nil
	})
	if err != nil {
		return l, err
	}
	if body != nil {
		kind, raw, err := jsonAnyField(body)
		if err != nil {
			return l, otlpIn("body", err)
		}
		out, err := appendJSONAny(nil, kind, raw, 0)
		if err != nil {
			return l, otlpIn("body", err)
		}
		l.body, l.bodyKV = string(out), kind == anyKVList
	}
	l.service, l.host = otlpService(&rec, res), otlpHost(&rec, res)
	return l, nil
}

// jsonAttributes reads the attributes n wants from a list of KeyValues; a
// value that is not a string names nothing.
func jsonAttributes(b json.RawMessage, n *otlpNames) error {
	return eachJSONElement(b, func(kv json.RawMessage) error {
		key, value, err := jsonKeyValue(kv)
		if err != nil || !n.wants(key) {
			return err
		}
		kind, value, err := jsonAnyField(value)
		if err != nil {
			return fmt.Errorf("%q: %w", truncate(key, 64), err)
		}
		if kind != anyString {
			return nil
		}
		s, err := jsonText(value)
		if err != nil {
			return fmt.Errorf("%q: %w", truncate(key, 64), err)
		}
		n.set(key, s)
		return nil
	})
}

// jsonKeyValue reads a KeyValue; a missing value is null, the AnyValue that
// holds nothing.
func jsonKeyValue(b json.RawMessage) (key string, value json.RawMessage, err error) {
	value = json.RawMessage("null")
	err = eachJSONField(b, func(k string, raw json.RawMessage) error {
		switch k {
		case "key":
			var err error
			key, err = jsonText(raw)
			return err
		case "value":
			value = raw
		}
		return nil
	})
	return key, value, err
}

// jsonAnyField returns which value of its oneof an AnyValue sets, by the
// protobuf field numbers (0 for none), and that value, raw. As in pdata,
// the last one set counts; string_value_strindex (of profiles) holds no
// value logpulse reads.
func jsonAnyField(b json.RawMessage) (kind protowire.Number, raw json.RawMessage, err error) {
	err = eachJSONField(b, func(key string, v json.RawMessage) error {
		if k, ok := anyFieldOf(key); ok {
			kind, raw = k, v
		}
		return nil
	})
	return kind, raw, err
}

// anyFieldOf maps an AnyValue key, in either spelling, to its field.
func anyFieldOf(key string) (protowire.Number, bool) {
	switch key {
	case "stringValue", "string_value":
		return anyString, true
	case "boolValue", "bool_value":
		return anyBool, true
	case "intValue", "int_value":
		return anyInt, true
	case "doubleValue", "double_value":
		return anyDouble, true
	case "arrayValue", "array_value":
		return anyArray, true
	case "kvlistValue", "kvlist_value":
		return anyKVList, true
	case "bytesValue", "bytes_value":
		return anyBytes, true
	case "stringValueStrindex", "string_value_strindex":
		return 0, true
	}
	return 0, false
}
