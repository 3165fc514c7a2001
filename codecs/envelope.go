package codecs

import (
	"encoding/json"
	"strings"
	"time"
)

// decodeWrapped decodes the line an envelope wraps (a syslog MSG, Docker's
// "log", a shipper's "message", a CRI line's text) as a record of its own
// would be: JSON, logfmt or text. The wrapped line's failings are not the
// record's: JSON that does not parse is read as text, a time it cannot read
// is no time.
func decodeWrapped(line string, ref time.Time) fields {
	line = strings.TrimSpace(line)
	if line == "" {
		return fields{}
	}
	if line[0] == '{' {
		if f, err := decodeJSON([]byte(line)); err == nil {
			return f
		}
		// The first part of a long JSON line a runtime split: cut, it does
		// not parse, but its level key is usually near the start.
		if l, key := jsonPrefixLevel(line); l != LevelUnknown {
			return fields{level: l, message: line, why: explain{format: "json", level: key}}
		}
	}
	if f, ok, err := decodeLogfmt(line, true); err == nil && ok {
		return f
	}
	f, err := decodeText(line, ref)
	if err != nil {
		f, _ = scanHeader(line, line, ref)
	}
	return f
}

// jsonPrefixLevel finds `"level": "error"` (or another level alias with a
// string or number) at the top of a JSON object that may be cut short.
func jsonPrefixLevel(line string) (Level, string) {
	for _, key := range aliasNames[fieldLevel][:5] { // level ... log.level
		i := strings.Index(line, `"`+key+`"`)
		if i < 0 {
			continue
		}
		rest := strings.TrimLeft(line[i+len(key)+2:], " \t")
		if !strings.HasPrefix(rest, ":") {
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t")
		if strings.HasPrefix(rest, `"`) {
			if end := strings.IndexByte(rest[1:], '"'); end >= 0 {
				if l := levelValue(rest[1 : end+1]); l != LevelUnknown {
					return l, key
				}
			}
			continue
		}
		end := 0
		for end < len(rest) && isDigit(rest[end]) {
			end++
		}
		if l := levelValue(rest[:end]); end > 0 && l != LevelUnknown {
			return l, key
		}
	}
	return LevelUnknown, ""
}

// unwrapJSON completes a JSON event from what its envelope wraps. A shipper
// that sends the raw line (Docker's json-file {"log": ...}, Fluent Bit,
// Filebeat, Vector, Logstash, journald's MESSAGE) gives no level of its own:
// then the wrapped message is decoded by the rules of a line and says the
// level, and the time where the envelope has none (an envelope's time has
// a zone; the line's often has not). A journald PRIORITY of 6 is what a
// service's standard output gets by default, so there too a level in the
// message wins.
func unwrapJSON(f *fields, ref time.Time) {
	if k := f.why.service; strings.EqualFold(k, "container_name") || strings.EqualFold(k, "_container_name") {
		f.service = strings.TrimPrefix(f.service, "/") // Docker names start with '/'
	}
	if f.message == "" || f.level != LevelUnknown && !(strings.EqualFold(f.why.level, "priority") && f.level == LevelInfo) {
		return
	}
	inner := decodeWrapped(f.message, ref)
	if inner.level == LevelUnknown {
		return
	}
	f.level = inner.level
	f.why.level = "message: " + inner.why.levelText()
	if !f.hasTime && inner.hasTime {
		f.time, f.hasTime, f.why.time, f.why.stamp = inner.time, true, "message: "+inner.why.timeText(), false
	}
	if f.service == "" && inner.service != "" {
		f.service, f.why.service = inner.service, "message: "+inner.why.serviceText()
	}
	if inner.message != "" {
		f.message = inner.message
	}
}

// metadataService reads the service a shipper's metadata names, for an
// event whose payload names none, in this order:
//
//	kubernetes.labels / pod_labels  app.kubernetes.io/name, then app (Fluent Bit, Filebeat, Vector)
//	kubernetes.container_name       Fluent Bit, Vector
//	kubernetes.container.name       Filebeat
//	container.name                  ECS (Filebeat's docker and container inputs)
//
// m is the top-level object.
func metadataService(m map[string]json.RawMessage) (string, string) {
	if raw, ok := m["kubernetes"]; ok {
		var k8s struct {
			Labels        map[string]json.RawMessage `json:"labels"`
			PodLabels     map[string]json.RawMessage `json:"pod_labels"`
			ContainerName string                     `json:"container_name"`
			Container     struct {
				Name string `json:"name"`
			} `json:"container"`
		}
		if json.Unmarshal(raw, &k8s) == nil {
			for _, labels := range []map[string]json.RawMessage{k8s.Labels, k8s.PodLabels} {
				for _, key := range []string{"app.kubernetes.io/name", "app"} {
					if s, ok := jsonString(labels[key]); ok && cleanName(s) != "" {
						return s, "kubernetes label " + key
					}
				}
			}
			// Filebeat dedots label names: app_kubernetes_io/name.
			if s, ok := jsonString(k8s.Labels["app_kubernetes_io/name"]); ok && cleanName(s) != "" {
				return s, "kubernetes label app.kubernetes.io/name"
			}
			if cleanName(k8s.ContainerName) != "" {
				return k8s.ContainerName, "kubernetes container name"
			}
			if cleanName(k8s.Container.Name) != "" {
				return k8s.Container.Name, "kubernetes container name"
			}
		}
	}
	if raw, ok := m["container"]; ok && len(raw) > 0 && raw[0] == '{' {
		var c struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(raw, &c) == nil && cleanName(c.Name) != "" {
			return strings.TrimPrefix(c.Name, "/"), "container name"
		}
	}
	return "", ""
}

// CRIPart returns the part of a split line that a CRI record is, read from
// its header alone: PartWhole for a value that is not a CRI line. It is for
// records that cannot be decoded otherwise (a part cut in the middle of a
// character, a time out of range): their place in a split line still
// counts.
func CRIPart(v []byte) Part {
	if len(v) > 64 {
		v = v[:64] // the header is 40 bytes at most
	}
	_, part, _ := criHeader(string(v))
	return part
}

// criHeader reads "<RFC 3339 time> <stream> <tag> " and returns the time,
// the part, and where the text starts.
func criHeader(v string) (time.Time, Part, int) {
	// Most lines that start with a timestamp are no CRI lines: a look for
	// the stream spares them a second parse of the timestamp.
	if !strings.Contains(v[:min(len(v), 48)], " std") {
		return time.Time{}, PartWhole, 0
	}
	t, n, ok := parseISOPrefix(v, true)
	if !ok || n+9 > len(v) || v[n] != ' ' {
		return time.Time{}, PartWhole, 0
	}
	var part Part
	switch v[n+1 : n+9] {
	case "stdout F":
		part = PartStdoutFinal
	case "stdout P":
		part = PartStdoutPartial
	case "stderr F":
		part = PartStderrFinal
	case "stderr P":
		part = PartStderrPartial
	default:
		return time.Time{}, PartWhole, 0
	}
	if n+9 < len(v) && v[n+9] != ' ' {
		return time.Time{}, PartWhole, 0
	}
	return t, part, min(n+10, len(v))
}

// criLine reads a line as a container runtime (CRI: containerd, CRI-O)
// writes it to /var/log/pods: "2026-11-26T10:00:00.123456789Z stderr F text".
// The tag is F for a whole line or the last part of a long one, P for the
// parts before (see Part); the text is decoded as a line of its own, with
// the runtime's time.
func criLine(v string, ref time.Time) (fields, bool) {
	t, part, n := criHeader(v)
	if part == PartWhole {
		return fields{}, false
	}
	text := v[n:]
	f := decodeWrapped(text, ref)
	f.time, f.hasTime, f.why.time, f.why.stamp = t, true, "the runtime's CRI timestamp", false
	f.why.format = "CRI"
	f.part = part
	if f.message == "" {
		f.message = text
	}
	return f, true
}
