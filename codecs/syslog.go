package codecs

import (
	"strings"
	"time"
)

// syslogLine reads a syslog message with its PRI, as relays (rsyslog,
// syslog-ng) forward it:
//
//	<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG   RFC 5424
//	<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[pid]: MSG              RFC 3164
//
// RFC 3164 also with an RFC 3339 timestamp (rsyslog's forward format) and
// without a host. The level is the PRI's severity (PRI % 8): emerg, alert
// and crit are FATAL, err ERROR, warning WARN, info INFO, debug DEBUG.
// notice and info are what senders give lines they know no level of:
// logger(1) and rsyslog's file input notice, Docker's syslog driver and
// journald's forwarding info for a program's standard output. So for those
// two a level in MSG's own header wins. APP-NAME or TAG is the service, HOSTNAME the host, the timestamp
// the time (MSG's own when the header has none).
func syslogLine(v string, ref time.Time) (fields, bool) {
	pri, n := syslogPRI(v)
	if n == 0 {
		return fields{}, false
	}
	var f fields
	var msg string
	var ok bool
	if len(v) > n+1 && v[n] == '1' && v[n+1] == ' ' {
		f, msg, ok = rfc5424(v[n+2:], ref)
		f.why.format = "syslog RFC 5424"
	} else {
		f, msg, ok = rfc3164(v[n:], ref)
		f.why.format = "syslog RFC 3164"
	}
	if !ok {
		return fields{}, false
	}
	inner := decodeWrapped(msg, ref)
	sev := pri % 8
	f.level, f.why.level = numericLevel(int64(sev)), syslogSeverityRule[sev]
	defaulted := (sev == 5 || sev == 6) && inner.level != LevelUnknown
	if defaulted {
		f.level = inner.level
		f.why.level = syslogSeverityRule[sev] + " (a default), then the message: " + inner.why.levelText()
	}
	if !f.hasTime {
		f.time, f.hasTime, f.why.time = inner.time, inner.hasTime, "message: "+inner.why.timeText()
	}
	if f.service == "" {
		f.service, f.why.service = inner.service, "message: "+inner.why.serviceText()
	}
	f.message = msg
	if defaulted {
		f.message = inner.message
	}
	return f, true
}

// syslogSeverityRule names each severity for --explain.
var syslogSeverityRule = [8]string{
	"syslog severity 0 (emerg)", "syslog severity 1 (alert)", "syslog severity 2 (crit)", "syslog severity 3 (err)",
	"syslog severity 4 (warning)", "syslog severity 5 (notice)", "syslog severity 6 (info)", "syslog severity 7 (debug)",
}

// syslogPRI reads "<PRI>" (0 to 191, no leading zero but in "<0>") and
// returns it with its length, or n == 0.
func syslogPRI(v string) (pri, n int) {
	if len(v) < 3 || v[0] != '<' {
		return 0, 0
	}
	i := 1
	for i < len(v) && i <= 3 && isDigit(v[i]) {
		pri = pri*10 + int(v[i]-'0')
		i++
	}
	if i == 1 || i >= len(v) || v[i] != '>' || pri > 191 || v[1] == '0' && i > 2 {
		return 0, 0
	}
	return pri, i + 1
}

// rfc5424 reads what follows "<PRI>1 ".
func rfc5424(s string, ref time.Time) (fields, string, bool) {
	var f fields
	var hdr [5]string // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
	for i := range hdr {
		sp := strings.IndexByte(s, ' ')
		if sp <= 0 {
			if i < 4 || s == "" {
				return fields{}, "", false
			}
			sp = len(s) // MSGID ends the message: no SD, no MSG
		}
		hdr[i], s = s[:sp], s[min(sp+1, len(s)):]
	}
	if hdr[0] != "-" {
		t, n, ok := parseISOPrefix(hdr[0], true)
		if !ok || n != len(hdr[0]) {
			return fields{}, "", false
		}
		f.time, f.hasTime, f.why.time = t, true, "syslog TIMESTAMP"
	}
	if hdr[1] != "-" {
		f.host = hdr[1]
	}
	if hdr[2] != "-" {
		f.service, f.why.service = hdr[2], "syslog APP-NAME"
	}
	// STRUCTURED-DATA: "-" or [id param="v"]..., values escaping '"', '\' and ']'.
	switch {
	case strings.HasPrefix(s, "-"):
		s = s[1:]
	case strings.HasPrefix(s, "["):
		for strings.HasPrefix(s, "[") {
			end := sdElementEnd(s)
			if end < 0 {
				return fields{}, "", false
			}
			s = s[end:]
		}
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, " "), "\uFEFF")
	return f, s, true
}

// sdElementEnd returns the index after the ']' that closes the SD-ELEMENT
// at s[0], or -1.
func sdElementEnd(s string) int {
	quoted := false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == ']' && !quoted:
			return i + 1
		}
	}
	return -1
}

// rfc3164 reads what follows "<PRI>": a timestamp, then HOSTNAME and TAG
// where they are.
func rfc3164(s string, ref time.Time) (fields, string, bool) {
	var f fields
	if t, n, ok := leadingTime(s, ref); ok && (n == len(s) || s[n] == ' ') {
		f.time, f.hasTime, f.why.time, f.why.stamp = t, true, s[:n], true
		s = strings.TrimLeft(s[n:], " ")
	}
	// HOSTNAME is a token without ':' or '['; the TAG after it ends with
	// ':' or "[pid]:". A first token that is a tag means no host.
	tok, rest, _ := strings.Cut(s, " ")
	if _, ok := syslogTag(tok); !ok && tok != "" && !strings.ContainsAny(tok, ":[") {
		if t, ok := syslogTag(strings.SplitN(rest, " ", 2)[0]); ok {
			f.host = tok
			_, rest, _ = strings.Cut(rest, " ")
			f.service, f.why.service = t, "syslog TAG"
			return f, rest, true
		}
	}
	if t, ok := syslogTag(tok); ok {
		f.service, f.why.service = t, "syslog TAG"
		return f, rest, true
	}
	return f, s, true
}

// syslogTag reads "name:" or "name[pid]:" and returns the name.
func syslogTag(tok string) (string, bool) {
	if len(tok) < 2 || tok[len(tok)-1] != ':' {
		return "", false
	}
	name := tok[:len(tok)-1]
	if i := strings.IndexByte(name, '['); i >= 0 {
		if name[len(name)-1] != ']' {
			return "", false
		}
		name = name[:i]
	}
	if name == "" || strings.ContainsAny(name, ":[]") {
		return "", false
	}
	return name, true
}
