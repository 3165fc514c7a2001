package codecs

import (
	"strings"
	"time"
)

// leadingTime reads a timestamp at the start of a text line and returns it
// with the number of bytes read. It knows the layouts real logs start with:
//
//	2026-11-26T10:00:00.123+01:00   RFC 3339 / ISO 8601, "T" or space, "." or ","
//	2026/11/26 10:00:00             nginx
//	1700000000 or 1700000000123     unix seconds or ms (the seed format), by magnitude
//	081109 203615                   HDFS: yymmdd hhmmss
//	17/06/09 20:10:40               Spark: yy/mm/dd
//	11-26 10:00:00.000              Android logcat: no year
//	Nov 26 10:00:00                 syslog (RFC 3164): no year
//	Sun Dec 04 04:47:44 2005        ctime, as in Apache's error log
//	26 Nov [2026] 10:00:00.000      Redis: day first, year or none
//	26-Nov-2026 10:00:00.000        BIND, Tomcat
//	26/Nov/2026:10:00:00 +0100      Apache and nginx access logs
//	20261126-10:00:00               compact date
//
// No zone means UTC; " +0100" after the clock is a zone too. Layouts without
// a year take the latest year that does not put them more than a day after
// the record timestamp ref (see inferYear). The first bytes pick the one layout to
// try, so a line that starts with none costs a few comparisons.
func leadingTime(s string, ref time.Time) (time.Time, int, bool) {
	if s == "" {
		return time.Time{}, 0, false
	}
	if !isDigit(s[0]) {
		return leadingNamedTime(s, ref)
	}
	run := 0
	for run < len(s) && isDigit(s[run]) {
		run++
	}
	next := byte(' ')
	if run < len(s) {
		next = s[run]
	}
	switch {
	case run == 4 && (next == '-' || next == '/'):
		return parseISOPrefix(s, true)
	case run == 6 && next == ' ':
		return hdfsTime(s)
	case run <= 2 && len(s) > run+4 && monthNumber(s[run+1:run+4]) > 0:
		return dayMonthTime(s, run, ref)
	case run == 2 && next == '/':
		return shortYearTime(s)
	case run == 2 && next == '-':
		return monthDayTime(s, ref)
	case run == 8 && (next == '-' || next == 'T' || next == ' '):
		return compactTime(s)
	case run >= 9 && run <= 19:
		n := run
		if next == '.' {
			for n++; n < len(s) && isDigit(s[n]); n++ {
			}
		}
		t, ok := parseEpoch(s[:n])
		return t, n, ok
	}
	return time.Time{}, 0, false
}

// dayMonthTime reads the layouts that give the day, then the month by name:
// "26 Nov [2026] 10:00:00" (Redis), "26-Nov-2026 10:00:00" (BIND, Tomcat),
// "26/Nov/2026:10:00:00 +0100" (access logs). run is the day's length.
func dayMonthTime(s string, run int, ref time.Time) (time.Time, int, bool) {
	d, _ := digits(s, 0, run)
	sep := s[run]
	if sep != ' ' && sep != '-' && sep != '/' {
		return time.Time{}, 0, false
	}
	mo := monthNumber(s[run+1 : run+4])
	i := run + 4
	if i >= len(s) || s[i] != sep && s[i] != ' ' {
		return time.Time{}, 0, false
	}
	y, hasYear := digits(s, i+1, 4)
	if hasYear {
		i += 5
		if i >= len(s) || s[i] != ' ' && s[i] != ':' {
			return time.Time{}, 0, false
		}
	} else if sep != ' ' {
		return time.Time{}, 0, false
	}
	c, n, ok := readClock(s, i+1)
	if !ok {
		return time.Time{}, 0, false
	}
	var t time.Time
	if hasYear {
		t, ok = civil(y, mo, d, c.h, c.mi, c.s, c.ns)
	} else {
		t, ok = inferYear(mo, d, c, ref)
	}
	if !ok {
		return time.Time{}, 0, false
	}
	off, n := parseZone(s, n)
	return t.Add(-off), n, true
}

// compactTime reads "yyyymmdd-hh:mm:ss" (also with "T" or " "), with a
// fraction after '.', ',' or ':'.
func compactTime(s string) (time.Time, int, bool) {
	y, _ := digits(s, 0, 4)
	mo, _ := digits(s, 4, 2)
	d, _ := digits(s, 6, 2)
	c, n, ok := readClock(s, 9)
	if !ok {
		return time.Time{}, 0, false
	}
	if c.ns == 0 && n+1 < len(s) && s[n] == ':' && isDigit(s[n+1]) {
		// HealthApp's "hh:mm:ss:SSS".
		m := n + 1
		for scale := 100_000_000; m < len(s) && isDigit(s[m]); m++ {
			c.ns += int(s[m]-'0') * scale
			scale /= 10
		}
		n = m
	}
	t, ok := civil(y, mo, d, c.h, c.mi, c.s, c.ns)
	return t, n, ok
}

// hdfsTime reads "yymmdd hhmmss" (HDFS), and "yymmdd hh:mm:ss" (MySQL
// 5's error log).
func hdfsTime(s string) (time.Time, int, bool) {
	yy, ok1 := digits(s, 0, 2)
	mo, ok2 := digits(s, 2, 2)
	d, ok3 := digits(s, 4, 2)
	var (
		c   clock
		n   int
		ok4 = true
	)
	if len(s) > 9 && s[9] == ':' {
		c, n, ok4 = readClock(s, 7)
	} else {
		var ok5, ok6 bool
		c.h, ok4 = digits(s, 7, 2)
		c.mi, ok5 = digits(s, 9, 2)
		c.s, ok6 = digits(s, 11, 2)
		ok4, n = ok4 && ok5 && ok6, 13
	}
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return time.Time{}, 0, false
	}
	t, ok := civil(century(yy), mo, d, c.h, c.mi, c.s, c.ns)
	return t, n, ok
}

// shortYearTime reads Spark's "yy/mm/dd hh:mm:ss[.fff]".
func shortYearTime(s string) (time.Time, int, bool) {
	if len(s) < 9 || s[5] != '/' || s[8] != ' ' {
		return time.Time{}, 0, false
	}
	yy, ok1 := digits(s, 0, 2)
	mo, ok2 := digits(s, 3, 2)
	d, ok3 := digits(s, 6, 2)
	c, n, ok4 := readClock(s, 9)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return time.Time{}, 0, false
	}
	t, ok := civil(century(yy), mo, d, c.h, c.mi, c.s, c.ns)
	return t, n, ok
}

// monthDayTime reads Android logcat's "mm-dd hh:mm:ss.fff".
func monthDayTime(s string, ref time.Time) (time.Time, int, bool) {
	if len(s) < 6 || s[5] != ' ' {
		return time.Time{}, 0, false
	}
	mo, ok1 := digits(s, 0, 2)
	d, ok2 := digits(s, 3, 2)
	c, n, ok3 := readClock(s, 6)
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, 0, false
	}
	t, ok := inferYear(mo, d, c, ref)
	return t, n, ok
}

// leadingNamedTime reads the layouts that start with a name: syslog's
// "Mmm _d hh:mm:ss" and ctime's "Www Mmm _d hh:mm:ss yyyy".
func leadingNamedTime(s string, ref time.Time) (time.Time, int, bool) {
	if len(s) > 4 && isWeekday(s[:3]) && s[3] == ' ' {
		mo, d, c, n, ok := syslogStamp(s[4:])
		n += 4
		if !ok || n+5 > len(s) || s[n] != ' ' {
			return time.Time{}, 0, false
		}
		y, ok := digits(s, n+1, 4)
		if !ok {
			return time.Time{}, 0, false
		}
		t, ok := civil(y, mo, d, c.h, c.mi, c.s, c.ns)
		return t, n + 5, ok
	}
	if t, n, ok := monthDayYearTime(s); ok {
		return t, n, true
	}
	mo, d, c, n, ok := syslogStamp(s)
	if !ok {
		return time.Time{}, 0, false
	}
	t, ok := inferYear(mo, d, c, ref)
	return t, n, ok
}

// monthDayYearTime reads "Nov 26, 2026 10:00:00 AM" (java.util.logging's
// SimpleFormatter) and "Nov 26 2026 10:00:00": a month name, the day, a
// comma or not, the year, a clock, and AM or PM or neither.
func monthDayYearTime(s string) (time.Time, int, bool) {
	if len(s) < 19 || s[3] != ' ' {
		return time.Time{}, 0, false
	}
	mo := monthNumber(s[:3])
	if mo == 0 {
		return time.Time{}, 0, false
	}
	i := 4
	d, ok := digits(s, i, 2)
	if ok {
		i += 2
	} else if d, ok = digits(s, i, 1); ok {
		i++
	} else {
		return time.Time{}, 0, false
	}
	if i < len(s) && s[i] == ',' {
		i++
	}
	y, ok := digits(s, i+1, 4)
	if !ok || s[i] != ' ' || i+5 >= len(s) || s[i+5] != ' ' {
		return time.Time{}, 0, false
	}
	i += 6
	// "10:00:00" or JUL's "1:00:00 PM": the hour may have one digit.
	var (
		c clock
		n int
	)
	if i+1 < len(s) && s[i+1] == ':' {
		c, n, ok = readClock("0"+s[i:], 0)
		n += i - 1
	} else {
		c, n, ok = readClock(s, i)
	}
	if !ok {
		return time.Time{}, 0, false
	}
	if n+3 <= len(s) && s[n] == ' ' && (s[n+1] == 'A' || s[n+1] == 'P') && s[n+2] == 'M' {
		switch {
		case c.h == 12 && s[n+1] == 'A':
			c.h = 0
		case c.h < 12 && s[n+1] == 'P':
			c.h += 12
		}
		n += 3
	}
	t, ok := civil(y, mo, d, c.h, c.mi, c.s, c.ns)
	return t, n, ok
}

// syslogStamp reads "Mmm _d hh:mm:ss": a month name, a day padded with a
// space or a zero, a clock.
func syslogStamp(s string) (mo, d int, c clock, n int, ok bool) {
	if len(s) < 14 || s[3] != ' ' {
		return 0, 0, clock{}, 0, false
	}
	if mo = monthNumber(s[:3]); mo == 0 {
		return 0, 0, clock{}, 0, false
	}
	i := 4
	if s[i] == ' ' {
		i++
	}
	if d, ok = digits(s, i, 2); ok {
		i += 2
	} else if d, ok = digits(s, i, 1); ok {
		i++
	} else {
		return 0, 0, clock{}, 0, false
	}
	if i >= len(s) || s[i] != ' ' {
		return 0, 0, clock{}, 0, false
	}
	c, n, ok = readClock(s, i+1)
	return mo, d, c, n, ok
}

// monthNumber returns 1-12 for an English month abbreviation, 0 otherwise.
func monthNumber(s string) int {
	const names = "janfebmaraprmayjunjulaugsepoctnovdec"
	for i := 0; i < len(names); i += 3 {
		if strings.EqualFold(s, names[i:i+3]) {
			return i/3 + 1
		}
	}
	return 0
}

func isWeekday(s string) bool {
	const names = "montuewedthufrisatsun"
	for i := 0; i < len(names); i += 3 {
		if strings.EqualFold(s, names[i:i+3]) {
			return true
		}
	}
	return false
}

// century places a two-digit year as POSIX strptime does: 69-99 in the
// 1900s, 00-68 in the 2000s.
func century(yy int) int {
	if yy >= 69 {
		return 1900 + yy
	}
	return 2000 + yy
}
