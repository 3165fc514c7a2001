package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	now := ts(t, testNow)
	tests := []struct {
		in   string
		want string
	}{
		{"2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z"},
		{"2024-05-01T12:00:00.5Z", "2024-05-01T12:00:00.5Z"},
		{"2024-05-01T14:00:00+02:00", "2024-05-01T12:00:00Z"},
		{"2024-05-01T14:00:00 02:00", "2024-05-01T12:00:00Z"}, // '+' unescaped in a query
		{"2024-05-01T08:00:00-04:00", "2024-05-01T12:00:00Z"},
		{"1714564800", "2024-05-01T12:00:00Z"},
		{"0", "1970-01-01T00:00:00Z"},
		{"now", testNow},
		{"NOW", testNow},
		{"-15m", "2024-05-01T12:19:30Z"},
		{"-2h", "2024-05-01T10:34:30Z"},
		{"-1h30m", "2024-05-01T11:04:30Z"},
		{"-0s", testNow},
	}
	for _, tt := range tests {
		got, err := parseTime("from", tt.in, now)
		if err != nil {
			t.Errorf("parseTime(%q): %v", tt.in, err)
			continue
		}
		if want := ts(t, tt.want); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %s, want %s in UTC", tt.in, got, want)
		}
	}
}

func TestAlign(t *testing.T) {
	tests := []struct {
		in       string
		step     time.Duration
		down, up string
	}{
		{"2024-05-01T12:00:00Z", time.Minute, "2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z"},
		{"2024-05-01T12:00:00.001Z", time.Minute, "2024-05-01T12:00:00Z", "2024-05-01T12:01:00Z"},
		{"2024-05-01T12:00:59Z", time.Minute, "2024-05-01T12:00:00Z", "2024-05-01T12:01:00Z"},
		{"2024-05-01T12:07:00Z", 5 * time.Minute, "2024-05-01T12:05:00Z", "2024-05-01T12:10:00Z"},
		{"2024-05-01T12:07:00+02:00", time.Hour, "2024-05-01T10:00:00Z", "2024-05-01T11:00:00Z"},
		{"2024-05-01T12:00:00Z", 24 * time.Hour, "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z"},
		{"2024-05-01T12:00:00Z", 7 * time.Minute, "2024-05-01T11:59:00Z", "2024-05-01T12:06:00Z"}, // counted from the epoch, not the hour
		{"1969-12-31T23:59:30Z", time.Minute, "1969-12-31T23:59:00Z", "1970-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		in := ts(t, tt.in)
		if got, want := alignDown(in, tt.step), ts(t, tt.down); !got.Equal(want) {
			t.Errorf("alignDown(%s, %s) = %s, want %s", tt.in, tt.step, got, want)
		}
		if got, want := alignUp(in, tt.step), ts(t, tt.up); !got.Equal(want) {
			t.Errorf("alignUp(%s, %s) = %s, want %s", tt.in, tt.step, got, want)
		}
	}
}

func TestParseStep(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", time.Minute},
		{"1m", time.Minute},
		{"5m", 5 * time.Minute},
		{"300", 5 * time.Minute},
		{"1h", time.Hour},
		{"24h", 24 * time.Hour},
	}
	for _, tt := range tests {
		got, err := parseStep(tt.in, time.Minute)
		if err != nil || got != tt.want {
			t.Errorf("parseStep(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

// TestBadParams checks every 400: the param named and a message that says
// what to send instead.
func TestBadParams(t *testing.T) {
	tests := []struct {
		target string
		param  string
		msg    string // a substring of the error
	}{
		{"/v1/levels?from=yesterday", "from", "want RFC 3339"},
		{"/v1/levels?to=2024-05-01", "to", "want RFC 3339"},
		{"/v1/levels?from=2024-05-01T12:00:00", "from", "want RFC 3339"}, // no offset
		{"/v1/levels?from=15m", "from", "leading '-', e.g. -15m"},
		{"/v1/levels?from=-1d", "from", "use hours, e.g. -24h"},
		{"/v1/levels?from=-15", "from", "like -15m"},
		{"/v1/levels?from=1714564800000", "from", "milliseconds"},
		{"/v1/levels?from=99999999999999999999", "from", "milliseconds"},
		{"/v1/levels?from=1969-12-31T00:00:00Z&to=1970-01-01T00:10:00Z", "from", "out of range"},
		{"/v1/levels?from=-1000000h", "from", "out of range"},
		{"/v1/levels?from=2024-05-01T12:10:00Z&to=2024-05-01T12:00:00Z", "from", "must be before to"},
		{"/v1/levels?from=2024-05-01T12:00:00Z&to=2024-05-01T12:00:00Z", "from", "must be before to"},
		{"/v1/levels?from=2024-05-01T13:00:00Z", "from", "must be before to"}, // to defaults to now
		{"/v1/levels?step=90s", "step", "step must be a positive multiple of the window size 1m0s, e.g. 5m"},
		{"/v1/levels?step=30", "step", "multiple of the window size 1m0s"},
		{"/v1/levels?step=0", "step", "positive multiple"},
		{"/v1/levels?step=-5m", "step", "positive multiple"},
		{"/v1/levels?step=five", "step", "want a duration like 5m or whole seconds like 300"},
		{"/v1/levels?step=1.5", "step", "want a duration like 5m"},
		{"/v1/levels?step=99999999999999999999", "step", "too large"},
		{"/v1/levels?from=-1000h", "step", "more than the limit of 10000: use a larger step, e.g."},
		{"/v1/levels?from=9999-12-31T23:00:00Z&to=9999-12-31T23:59:30Z&step=1h", "to", "after 9999-12-31T23:59:59Z"},
		{"/v1/services?from=nope", "from", "want RFC 3339"},
		{"/v1/services?to=-5x", "to", "like -15m"},
		{"/v1/services?from=-5m&to=-10m", "from", "must be before to"},
		{"/v1/services?limit=0", "limit", "want a whole number from 1 to 1000"},
		{"/v1/services?limit=1001", "limit", "from 1 to 1000"},
		{"/v1/services?limit=-3", "limit", "from 1 to 1000"},
		{"/v1/services?limit=ten", "limit", "from 1 to 1000"},
		{"/v1/services?after=!!", "after", "pass the next field of the previous page as it is"},
		{"/v1/services?after=YWJj", "after", "is not a cursor"},   // "abc"
		{"/v1/services?after=LTE6YQ", "after", "is not a cursor"}, // "-1:a"
	}
	h := testHandler(t, testSource(t))
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := serve(t, h, "GET", tt.target)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", rec.Code)
			}
			got := decode[errorBody](t, rec)
			if got.Param != tt.param || !strings.Contains(got.Error, tt.msg) {
				t.Errorf("got %+v, want param %q and an error containing %q", got, tt.param, tt.msg)
			}
			t.Log(got.Error)
		})
	}
}
