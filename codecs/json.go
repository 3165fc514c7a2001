package codecs

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// decodeJSON reads a JSON object (v is trimmed and non-empty). Only the top
// level is walked, plus the objects ECS nests fields in: {"log": {"level"}},
// {"service": {"name"}}, {"host": {"name"}}. See aliases.go for the keys.
func decodeJSON(v []byte) (fields, error) { return decodeJSONVia(v, true) }

// decodeJSONVia is decodeJSON with the flat-object scanner (scanFlatJSON)
// tried first or not: the result is the same either way, which
// FuzzJSONFlatPath checks.
func decodeJSONVia(v []byte, flat bool) (fields, error) {
	if v[0] != '{' {
		if json.Valid(v) {
			return fields{}, reject(ReasonInvalidJSON, "JSON value is %s, want an object", jsonKind(v))
		}
		var x any
		return fields{}, reject(ReasonInvalidJSON, "%s", json.Unmarshal(v, &x))
	}
	var cs candidates[json.RawMessage]
	var top map[string]json.RawMessage // the map walk's, for shipper metadata
	if !flat || !scanFlatJSON(v, &cs) {
		cs = candidates[json.RawMessage]{}
		// Declared here, not above: a map the flat path never makes would
		// escape to the heap on every record.
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v, &m); err != nil {
			return fields{}, reject(ReasonInvalidJSON, "%s", err)
		}
		for k, raw := range m {
			cs.offer(k, raw)
		}
		top = m
	}

	f := fields{why: explain{format: "json"}}
	var err error
	if f.time, f.hasTime, f.why.time, err = jsonTime(&cs); err != nil {
		return fields{}, err
	}
	f.level, f.why.level = jsonLevel(&cs)
	for _, c := range cs.of(fieldMessage) {
		if s, ok := jsonString(c.val); ok { // "log" as an object is no message
			f.message = s
			break
		}
	}
	f.service, f.why.service = jsonName(&cs, fieldService)
	f.host, _ = jsonName(&cs, fieldHost)
	if f.service == "" && top != nil {
		f.service, f.why.service = metadataService(top)
	}
	return f, nil
}

// jsonTime reads the first time alias present. Unlike the other fields, a
// time that is present but unreadable is an error, not a gap: falling back
// to the record timestamp would count the event in the wrong window.
func jsonTime(cs *candidates[json.RawMessage]) (time.Time, bool, string, error) {
	for rank, c := range cs.of(fieldTime) {
		if !c.set || isNull(c.val) {
			continue
		}
		if rank == rankMongoTime {
			var mongo struct {
				Date json.RawMessage `json:"$date"`
			}
			if c.val[0] != '{' || json.Unmarshal(c.val, &mongo) != nil || mongo.Date == nil {
				continue // a "t" of another shape is no time
			}
			c.val = mongo.Date
		}
		var text string
		switch c.val[0] {
		case '"':
			var ok bool
			if text, ok = jsonString(c.val); !ok {
				err := json.Unmarshal(c.val, &text)
				return time.Time{}, false, "", reject(ReasonInvalidJSON, "field %q: %s", c.key, err)
			}
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			text = string(c.val)
		default:
			return time.Time{}, false, "", reject(ReasonBadTimestamp, "field %q is %s, want a string or a number", c.key, jsonKind(c.val))
		}
		t, ok := parseTimeString(text)
		if !ok {
			return time.Time{}, false, "", reject(ReasonBadTimestamp, "field %q: unreadable timestamp %q", c.key, truncate(text, 64))
		}
		return t, true, c.key, nil
	}
	return time.Time{}, false, "", nil
}

// jsonLevel reads the first level alias that holds a string or a number,
// and its key; a name it does not know is LevelUnknown.
func jsonLevel(cs *candidates[json.RawMessage]) (Level, string) {
	for rank, c := range cs.of(fieldLevel) {
		if !c.set {
			continue
		}
		if rank == rankPriority && c.key != "PRIORITY" {
			continue // journald's spelling only: a "priority" of a job says nothing
		}
		if rank == rankLogObject {
			var nested struct {
				Level json.RawMessage `json:"level"`
			}
			if c.val[0] != '{' || json.Unmarshal(c.val, &nested) != nil || nested.Level == nil {
				continue
			}
			c.val = nested.Level
		}
		if s, ok := jsonString(c.val); ok {
			if rank == rankMongoSeverity {
				if l := mongoSeverity(s); l != LevelUnknown {
					return l, c.key
				}
				continue
			}
			return levelValue(s), c.key
		}
		if rank == rankMongoSeverity {
			continue
		}
		if isJSONNumber(c.val) {
			return levelValue(string(c.val)), c.key
		}
	}
	return LevelUnknown, ""
}

// mongoSeverity reads MongoDB's severities: F E W I, and D or D1-D5.
func mongoSeverity(s string) Level {
	switch {
	case len(s) == 1 && strings.Contains("FEWID", s):
		l, _ := ParseLevel(s)
		return l
	case len(s) == 2 && s[0] == 'D' && '1' <= s[1] && s[1] <= '5':
		return LevelDebug
	}
	return LevelUnknown
}

// jsonName reads a service or host: the first alias that holds a non-blank
// string, or an object with a "name" (ECS's {"service": {"name": ...}}).
func jsonName(cs *candidates[json.RawMessage], f field) (string, string) {
	for _, c := range cs.of(f) {
		if !c.set {
			continue
		}
		raw := c.val
		if raw[0] == '{' {
			var nested struct {
				Name json.RawMessage `json:"name"`
			}
			if json.Unmarshal(raw, &nested) != nil || nested.Name == nil {
				continue
			}
			raw = nested.Name
		}
		if s, ok := jsonString(raw); ok && cleanName(s) != "" {
			return s, c.key
		}
	}
	return "", ""
}

// jsonString unmarshals raw when it is a JSON string.
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	// Most strings have no escapes: then, the value being valid JSON and
	// valid UTF-8, the bytes between the quotes are the string, and the
	// reflection of json.Unmarshal can be skipped.
	if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(raw, []byte("null")) }

func isJSONNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || isDigit(raw[0]))
}

// jsonKind names the type of a valid JSON value for error messages.
func jsonKind(raw []byte) string {
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
