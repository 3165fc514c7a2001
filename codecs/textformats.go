package codecs

import (
	"strings"
	"time"
)

// Layouts whose shape, not a level word, says the level.

// glogLine reads the glog/klog header "Lmmdd hh:mm:ss.uuuuuu tid file:line] msg"
// (or "Lyyyymmdd ..."), whose first letter (I W E F) is the level.
func glogLine(line, head string, ref time.Time) (fields, bool) {
	if len(head) < 14 || !strings.Contains("IWEF", head[:1]) {
		return fields{}, false
	}
	// glog 0.7 writes the year too: "Lyyyymmdd hh:mm:ss.uuuuuu".
	y, withYear := digits(head, 1, 4)
	at := 1
	if withYear && len(head) > 9 && head[9] == ' ' {
		at = 5
	} else if head[5] != ' ' {
		return fields{}, false
	}
	mo, ok1 := digits(head, at, 2)
	d, ok2 := digits(head, at+2, 2)
	c, n, ok3 := readClock(head, at+5)
	if !ok1 || !ok2 || !ok3 || n < len(head) && head[n] != ' ' {
		return fields{}, false
	}
	var f fields
	f.level, _ = ParseLevel(head[:1])
	if at == 5 {
		f.time, f.hasTime = civil(y, mo, d, c.h, c.mi, c.s, c.ns)
	} else {
		f.time, f.hasTime = inferYear(mo, d, c, ref)
	}
	f.why.level, f.why.time, f.why.stamp = "glog Lmmdd column", head[1:n], true
	if i := strings.Index(head[n:], "] "); i >= 0 {
		n += i + 2
	}
	f.message = trimMessage(line[n:])
	return f, true
}

// androidBriefLine reads logcat's brief and tag formats, "E/Tag( 123): msg"
// and "E/Tag: msg". The '(' or ':' in the first token keeps "I/O error"
// from reading as INFO.
func androidBriefLine(line, head string) (fields, bool) {
	if len(head) < 3 || head[1] != '/' || !strings.Contains("VDIWEF", head[:1]) || !isLetter(head[2]) {
		return fields{}, false
	}
	if _, e := nextToken(head, 0); !strings.ContainsAny(head[:e], "(:") {
		return fields{}, false
	}
	var f fields
	f.level, _ = ParseLevel(head[:1])
	f.why.level = "logcat L/Tag column"
	f.message = trimMessage(line[2:])
	return f, true
}

// redisLine reads Redis' own layout, "[pid] dd Mon hh:mm:ss X msg" (2.x)
// and "pid:R dd Mon [yyyy] hh:mm:ss.mmm X msg" (3.0 on, R the role), whose
// level X is a symbol: '.' debug, '-' verbose, '*' notice, '#' warning.
// Redis' verbose sits between debug and notice; it counts as DEBUG, notice
// as INFO.
func redisLine(line, head string, ref time.Time) (fields, bool) {
	_, e := nextToken(head, 0)
	pid := head[:e]
	switch {
	case len(pid) > 2 && pid[0] == '[' && pid[len(pid)-1] == ']' && isDigits(pid[1:len(pid)-1]):
	case len(pid) > 2 && pid[len(pid)-2] == ':' && isLetter(pid[len(pid)-1]) && isDigits(pid[:len(pid)-2]):
	default:
		return fields{}, false
	}
	s, _ := nextToken(head, e)
	t, n, ok := leadingTime(head[s:], ref)
	if !ok {
		return fields{}, false
	}
	n += s
	if n+3 > len(head) || head[n] != ' ' || head[n+2] != ' ' {
		return fields{}, false
	}
	var f fields
	switch head[n+1] {
	case '.', '-':
		f.level = LevelDebug
	case '*':
		f.level = LevelInfo
	case '#':
		f.level = LevelWarn
	default:
		return fields{}, false
	}
	f.time, f.hasTime = t, true
	f.why.level, f.why.time, f.why.stamp = "redis symbol column", head[s:n], true
	f.message = trimMessage(line[n+3:])
	return f, true
}
