package codecs

import "strings"

// Explanation says which rules found the level, time and service of one
// event, for logpulse parse --explain: a user with an unusual format sees
// at once why an event read as it did. Its wording is for people, not
// programs, and may change.
type Explanation struct {
	Format  string `json:"format"`
	Level   string `json:"level"`
	Time    string `json:"time"`
	Service string `json:"service"`
}

// Explain decodes r as DecodeAll does and explains each event.
func Explain(r Record, maxBytes int) ([]LogEvent, []Explanation, error) {
	if maxBytes > 0 && len(r.Value) > maxBytes {
		return nil, nil, reject(ReasonTooLarge, "value is %d bytes, the limit is %d", len(r.Value), maxBytes)
	}
	if ev, ok, err := decodeAvro(r); ok {
		if err != nil {
			return nil, nil, err
		}
		return []LogEvent{ev}, []Explanation{{Format: "avro", Level: "field level", Time: "field timestamp", Service: "field service, else the record key"}}, nil
	}
	f, rest, err := decodeFields(r, maxBytes)
	if err != nil {
		return nil, nil, err
	}
	evs, err := appendEvents(nil, r, f, rest)
	if err != nil {
		return nil, nil, err
	}
	all := append([]fields{f}, rest...)
	out := make([]Explanation, len(all))
	for i, f := range all {
		out[i] = f.why.explain(f, r)
	}
	return evs, out, nil
}

func (w explain) explain(f fields, r Record) Explanation {
	e := Explanation{Format: w.format, Level: w.levelText(), Time: w.timeText(), Service: w.serviceText()}
	if f.level == LevelUnknown {
		e.Level = "no level found: UNKNOWN"
	}
	if !f.hasTime {
		e.Time = "none in the payload: the record timestamp"
	}
	if cleanName(f.service) == "" {
		if cleanName(string(r.Key)) != "" {
			e.Service = "none in the payload: the record key"
		} else {
			e.Service = "none in the payload and no record key: unknown"
		}
	}
	return e
}

// levelText, timeText and serviceText word the rule that found a field.
// The JSON and logfmt decoders keep only the key, and the text decoder the
// timestamp as read; the words are put together here, when asked.
func (w explain) levelText() string   { return w.keyed(w.level) }
func (w explain) serviceText() string { return w.keyed(w.service) }

func (w explain) timeText() string {
	if w.stamp {
		return `timestamp "` + w.time + `"`
	}
	return w.keyed(w.time)
}

func (w explain) keyed(s string) string {
	// A rule has words; a key, almost never a space.
	if s != "" && (w.format == "json" || w.format == "logfmt") && !strings.Contains(s, " ") {
		return `field "` + s + `"`
	}
	return s
}
