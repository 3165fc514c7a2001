package codecs

import (
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// avroFields reads a decoded Avro record by field name, with the aliases of
// JSON (see aliases.go): a writer schema registered by a producer team need
// not be logevent.avsc, and its fields are named as that team's JSON logs
// would name them. Values come as goavro returns them: a union branch as a
// one-entry map keyed by the branch type, timestamp-millis and -micros as
// time.Time, long as int64, int as int32, an enum as a string, a record as a
// map.
func avroFields(m map[string]any) (fields, error) {
	var cs candidates[any]
	for k, v := range m {
		cs.offer(k, v)
	}
	var f fields
	var err error
	if f.time, f.hasTime, err = avroTime(&cs); err != nil {
		return fields{}, err
	}
	f.level = avroLevel(&cs)
	for _, c := range cs.of(fieldMessage) {
		if s, ok := avroString(c.val); ok {
			// Avro strings are UTF-8 by the spec, but goavro does not check:
			// the other decoders reject such bytes, and so does this one.
			if !utf8.ValidString(s) {
				return fields{}, reject(ReasonInvalidUTF8, "field %q is not valid UTF-8", c.key)
			}
			f.message = s
			break
		}
	}
	f.service = avroName(&cs, fieldService)
	f.host = avroName(&cs, fieldHost)
	return f, nil
}

// branch looks through a union: goavro gives a non-null branch as a
// one-entry map keyed by the branch's type name. A record of one field looks
// the same; where a record is wanted, avroMember asks for its field first.
func branch(v any) any {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		for _, inner := range m {
			return inner
		}
	}
	return v
}

// avroString returns v when it is a string, or a union's string branch. It
// does not look through other branches: {"log": {"level": "warn"}} (a
// record of one field) holds no message.
func avroString(v any) (string, bool) {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		v = m["string"]
	}
	s, ok := v.(string)
	return s, ok
}

// avroMember returns the field name of v when v is a record, or a union
// branch holding one.
func avroMember(v any, name string) (any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	if x, ok := m[name]; ok {
		return x, true
	}
	if inner, ok := branch(m).(map[string]any); ok {
		x, ok := inner[name]
		return x, ok
	}
	return nil, false
}

// avroTime reads the first time alias present. As in JSON, a time that is
// present but unreadable is an error, not a gap: falling back to the record
// timestamp would count the event in the wrong window.
func avroTime(cs *candidates[any]) (time.Time, bool, error) {
	for rank, c := range cs.of(fieldTime) {
		v := branch(c.val)
		if !c.set || v == nil || rank == rankMongoTime {
			continue
		}
		var (
			t  time.Time
			ok bool
		)
		switch v := v.(type) {
		case time.Time: // timestamp-millis, timestamp-micros, date
			t, ok = v, true
		case int64:
			// A long without a logical type carries no unit: it is read by
			// magnitude, as in JSON. Any millisecond time after March 1973
			// reads as milliseconds, and a producer that writes seconds or
			// nanoseconds is understood too.
			t, ok = epochInt(v), true
		case int32:
			t, ok = epochInt(int64(v)), true
		case float64:
			t, ok = epochFloat(v)
		case float32:
			t, ok = epochFloat(float64(v))
		case string:
			t, ok = parseTimeString(v)
		}
		if !ok {
			return time.Time{}, false, reject(ReasonBadTimestamp, "field %q: unreadable timestamp %s (%T)", c.key, truncate(fmt.Sprint(v), 64), v)
		}
		return t, true, nil
	}
	return time.Time{}, false, nil
}

// epochInt is parseEpoch for an integer already read.
func epochInt(n int64) time.Time {
	abs := math.Abs(float64(n))
	unit := epochUnit(abs)
	perSec := 1e9 / unit
	return time.Unix(n/perSec, n%perSec*unit).UTC()
}

// epochFloat is parseEpochFloat for a float already read.
func epochFloat(f float64) (time.Time, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, false
	}
	ns := f * float64(epochUnit(math.Abs(f)))
	if math.Abs(ns) >= math.MaxInt64 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(ns)).UTC(), true
}

// avroLevel reads the first level alias that holds a string (or enum
// symbol) or a number (bunyan/pino style); a name it does not know is
// LevelUnknown. ECS's {"log": {"level": ...}} is read as in JSON.
func avroLevel(cs *candidates[any]) Level {
	for rank, c := range cs.of(fieldLevel) {
		if !c.set || rank == rankMongoSeverity || rank == rankPriority {
			continue
		}
		v := c.val
		if rank == rankLogObject {
			var ok bool
			if v, ok = avroMember(v, "level"); !ok {
				continue
			}
		}
		switch v := branch(v).(type) {
		case string:
			return levelValue(v)
		case int64:
			return numericLevel(v)
		case int32:
			return numericLevel(int64(v))
		}
	}
	return LevelUnknown
}

// avroName reads a service or host: the first alias that holds a non-blank
// string, or a record with a "name" (the ECS shape).
func avroName(cs *candidates[any], f field) string {
	for _, c := range cs.of(f) {
		v := c.val
		if name, ok := avroMember(v, "name"); ok {
			v = name
		}
		if s, ok := avroString(v); ok && cleanName(s) != "" {
			return s
		}
	}
	return ""
}
