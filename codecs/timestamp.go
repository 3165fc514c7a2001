package codecs

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Limits on the event time. Events from before the epoch are corrupt (or a
// duration logged under a "time" key); events far ahead of the record that
// carries them would open windows that no real event can close.
const maxFuture = 24 * time.Hour

// checkTime applies the limits on an event time; ref is the record
// timestamp, zero when the record has none.
func checkTime(t, ref time.Time) error {
	if t.Before(time.Unix(0, 0)) {
		return reject(ReasonBadTimestamp, "event time %s is before 1970", t.UTC().Format(time.RFC3339Nano))
	}
	if !ref.IsZero() && t.After(ref.Add(maxFuture)) {
		return reject(ReasonBadTimestamp, "event time %s is more than %s after the record timestamp %s",
			t.UTC().Format(time.RFC3339Nano), maxFuture, ref.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// parseTimeString reads the whole of s (a JSON string or a logfmt value) as
// an event time: unix seconds/ms/µs/ns by magnitude, or an ISO 8601 date-time
// with or without zone (no zone = UTC) and fraction, "T" or space between
// date and clock, or a bare date (midnight UTC).
func parseTimeString(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if t, ok := parseEpoch(s); ok {
		return t, true
	}
	if t, n, ok := parseISOPrefix(s, false); ok && n == len(s) {
		return t, true
	}
	return time.Time{}, false
}

// epochUnit tells the unit of a unix time, which carries none, by its
// magnitude: below 1e11 it is seconds (up to year 5138), below 1e14
// milliseconds, below 1e17 microseconds, else nanoseconds. Each range starts
// well past where the plausible dates of the unit before it end. It returns
// the unit in nanoseconds.
func epochUnit(abs float64) int64 {
	switch {
	case abs < 1e11:
		return 1e9
	case abs < 1e14:
		return 1e6
	case abs < 1e17:
		return 1e3
	}
	return 1
}

// parseEpoch reads s as a unix time: an optional sign, digits, an optional
// fraction, or a JSON number in exponent form.
func parseEpoch(s string) (time.Time, bool) {
	if strings.ContainsAny(s, "eE") {
		return parseEpochFloat(s)
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if intPart == "" || intPart == "-" || intPart == "+" || (hasFrac && !isDigits(frac)) {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	neg := strings.HasPrefix(intPart, "-")
	abs := float64(n)
	if neg {
		abs = -abs
	}
	unit := epochUnit(abs)
	// The fraction is a fraction of one unit: read up to nine digits as
	// nanounits, then scale to nanoseconds.
	var nanoUnits int64
	for i := 0; i < 9; i++ {
		nanoUnits *= 10
		if i < len(frac) {
			nanoUnits += int64(frac[i] - '0')
		}
	}
	fracNs := nanoUnits * unit / 1e9
	if neg {
		fracNs = -fracNs
	}
	perSec := 1e9 / unit
	return time.Unix(n/perSec, n%perSec*unit+fracNs).UTC(), true
}

// parseEpochFloat handles the exponent form a JSON encoder may write for a
// large number (1.7e9); float64 keeps it to about a microsecond.
func parseEpochFloat(s string) (time.Time, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, false
	}
	ns := f * float64(epochUnit(math.Abs(f)))
	if math.Abs(ns) >= math.MaxInt64 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(ns)).UTC(), true
}

// parseISOPrefix reads an ISO 8601 date-time at the start of s and returns
// it with the number of bytes read:
//
//	YYYY-MM-DD[T| ]hh:mm:ss[(.|,)fraction][Z|±hh[:mm]]
//
// "/" may stand for "-" (nginx writes 2006/01/02). needClock false also
// accepts a bare date. No zone means UTC. It is written out rather than
// tried layout by layout with time.Parse: it runs on every text line.
func parseISOPrefix(s string, needClock bool) (time.Time, int, bool) {
	if len(s) < 10 || (s[4] != '-' && s[4] != '/') || s[7] != s[4] {
		return time.Time{}, 0, false
	}
	y, ok1 := digits(s, 0, 4)
	mo, ok2 := digits(s, 5, 2)
	d, ok3 := digits(s, 8, 2)
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, 0, false
	}
	if len(s) < 19 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') {
		if needClock {
			return time.Time{}, 0, false
		}
		t, ok := civil(y, mo, d, 0, 0, 0, 0)
		return t, 10, ok
	}
	c, n, ok := readClock(s, 11)
	if !ok {
		return time.Time{}, 0, false
	}
	t, ok := civil(y, mo, d, c.h, c.mi, c.s, c.ns)
	if !ok {
		return time.Time{}, 0, false
	}
	off, n := parseZone(s, n)
	return t.Add(-off), n, true
}

// clock is a time of day as read, before a date is known.
type clock struct{ h, mi, s, ns int }

// readClock reads "hh:mm:ss[(.|,)fraction]" at s[i:] and returns the index
// after it. Ranges are checked by civil, once the date is known.
func readClock(s string, i int) (clock, int, bool) {
	if len(s) < i+8 || s[i+2] != ':' || s[i+5] != ':' {
		return clock{}, 0, false
	}
	h, ok1 := digits(s, i, 2)
	mi, ok2 := digits(s, i+3, 2)
	sec, ok3 := digits(s, i+6, 2)
	if !ok1 || !ok2 || !ok3 {
		return clock{}, 0, false
	}
	i += 8
	ns := 0
	if i+1 < len(s) && (s[i] == '.' || s[i] == ',') && isDigit(s[i+1]) {
		i++
		for scale := 100_000_000; i < len(s) && isDigit(s[i]); i++ {
			ns += int(s[i]-'0') * scale
			scale /= 10
		}
	}
	return clock{h, mi, sec, ns}, i, true
}

// parseZone reads an optional "Z" or "±hh[[:]mm]" at s[i:], returning the
// offset east of UTC and the index after it; anything else is no zone.
func parseZone(s string, i int) (time.Duration, int) {
	if i >= len(s) {
		return 0, i
	}
	if s[i] == 'Z' || s[i] == 'z' {
		return 0, i + 1
	}
	if s[i] == ' ' && i+1 < len(s) {
		// "10:00:00 +0200" (Icinga, access logs) and "10:00:00 UTC"
		// (PostgreSQL): a zone after a space, only in these two spellings,
		// so that "10:00:00 -1 ..." stays a clock and a column.
		if (s[i+1] == '+' || s[i+1] == '-') && i+6 <= len(s) && isDigits(s[i+2:i+6]) && (i+6 == len(s) || !isDigit(s[i+6])) {
			return parseZone(s, i+1)
		}
		if off, n, ok := zoneName(s, i+1); ok {
			return off, n
		}
		return 0, i
	}
	if s[i] != '+' && s[i] != '-' {
		return 0, i
	}
	h, ok := digits(s, i+1, 2)
	if !ok || h > 23 {
		return 0, i
	}
	j, m := i+3, 0
	if j < len(s) && s[j] == ':' {
		j++
	}
	if mm, ok := digits(s, j, 2); ok && mm < 60 {
		m, j = mm, j+2
	} else {
		j = i + 3
	}
	off := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
	if s[i] == '-' {
		off = -off
	}
	return off, j
}

// zoneName reads a zone abbreviation at s[i:], ended by anything but a
// letter. It knows those that name one offset wherever they are used;
// CST, IST, BST and the like name several and are left alone (the time is
// then read as UTC).
func zoneName(s string, i int) (time.Duration, int, bool) {
	j := i
	for j < len(s) && j-i < 5 && 'A' <= s[j] && s[j] <= 'Z' {
		j++
	}
	if j-i < 3 || j < len(s) && isLetter(s[j]) {
		return 0, 0, false
	}
	var h time.Duration
	switch s[i:j] {
	case "UTC", "GMT", "WET":
		h = 0
	case "WEST", "CET":
		h = 1
	case "CEST", "EET":
		h = 2
	case "EEST", "MSK":
		h = 3
	case "EST", "CDT":
		h = -5
	case "EDT":
		h = -4
	case "MST":
		h = -7
	case "MDT":
		h = -6
	case "PST":
		h = -8
	case "PDT":
		h = -7
	case "AKST":
		h = -9
	case "AKDT":
		h = -8
	case "HST":
		h = -10
	case "JST", "KST":
		h = 9
	case "HKT", "SGT":
		h = 8
	case "AEST":
		h = 10
	case "AEDT":
		h = 11
	case "NZST":
		h = 12
	case "NZDT":
		h = 13
	default:
		return 0, 0, false
	}
	return h * time.Hour, j, true
}

// civil builds a UTC time from calendar fields, or reports false when one
// is out of range (time.Date would quietly normalise 31 June to 1 July).
func civil(y, mo, d, h, mi, s, ns int) (time.Time, bool) {
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC), true
}

func daysIn(mo, y int) int {
	switch mo {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// inferYear dates a reading that carries no year (glog, Android, syslog,
// Redis): it takes the latest year that does not put the event more than
// maxFuture after the record timestamp ref. A log is read after it is
// written: a March line read in December is last March, and a December line
// read on 1 January is from the day before, while a clock a little ahead of
// the record's is not pushed back a year. Without a record timestamp the
// year cannot be told.
func inferYear(mo, d int, c clock, ref time.Time) (time.Time, bool) {
	if ref.IsZero() {
		return time.Time{}, false
	}
	ref = ref.UTC()
	limit := ref.Add(maxFuture)
	// 29 February needs up to four years back to find a leap year.
	for y := ref.Year() + 1; y >= ref.Year()-4; y-- {
		if t, ok := civil(y, mo, d, c.h, c.mi, c.s, c.ns); ok && !t.After(limit) {
			return t, true
		}
	}
	return time.Time{}, false
}

// digits reads exactly n ASCII digits at s[i:].
func digits(s string, i, n int) (int, bool) {
	if i < 0 || i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
