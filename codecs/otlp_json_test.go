package codecs

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIsOTLPJSON(t *testing.T) {
	for v, want := range map[string]bool{
		`{"resourceLogs":[]}`:                    true,
		`{"resource_logs":[]}`:                   true,
		"{\n  \"resourceLogs\": [":               true,
		`{"resourceLogs"`:                        true, // decodeOTLPJSON says it is broken
		`{"level":"error","msg":"resourceLogs"}`: false,
		`{"resourceLogsX":[]}`:                   false,
		`{"resource":{"service.name":"x"}}`:      false,
		`{"resourceSpans":[]}`:                   false,
		`{"resourcelogs":[]}`:                    false,
		`{}`:                                     false,
		`{`:                                      false,
		`["resourceLogs"]`:                       false,
		``:                                       false,
	} {
		if got := isOTLPJSON([]byte(v)); got != want {
			t.Errorf("isOTLPJSON(%s) = %v, want %v", v, got, want)
		}
	}
}

// TestOTLPJSONSpellings: the proto field names, numbers for 64-bit
// integers and enum names read as pdata writes them.
func TestOTLPJSONSpellings(t *testing.T) {
	want := []event{
		{"2026-11-26T11:00:00Z", "ERROR", "api", "h", "disk full"},
		{"2026-11-26T11:00:00Z", "WARN", "api", "h", "7"},
	}
	camel := `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}},{"key":"host.name","value":{"stringValue":"h"}}]},` +
		`"scopeLogs":[{"scope":{"name":"s"},"logRecords":[` +
		`{"timeUnixNano":"1795690800000000000","severityNumber":17,"body":{"stringValue":"disk full"}},` +
		`{"observedTimeUnixNano":"1795690800000000000","severityNumber":"SEVERITY_NUMBER_WARN3","body":{"intValue":"7"}}]}]}]}`
	snake := `{"resource_logs":[{"resource":{"attributes":[{"key":"service.name","value":{"string_value":"api"}},{"key":"host.name","value":{"string_value":"h"}}]},` +
		`"scope_logs":[{"scope":{"name":"s"},"log_records":[` +
		`{"time_unix_nano":1795690800000000000,"severity_number":"17","body":{"string_value":"disk full"}},` +
		`{"observed_time_unix_nano":1795690800000000000,"severity_number":"SEVERITY_NUMBER_WARN3","body":{"int_value":7}}]}]}]}`
	for name, v := range map[string]string{"camelCase": camel, "snake_case": snake} {
		fs, err := decodeOTLPJSON([]byte(v), otlpRef())
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if diff := cmp.Diff(want, otlpEvents(t, fs)); diff != "" {
			t.Errorf("%s: events (-want +got):\n%s", name, diff)
		}
	}
}

func TestOTLPSeverityName(t *testing.T) {
	for name, want := range map[string]int32{
		"SEVERITY_NUMBER_TRACE": 1, "SEVERITY_NUMBER_TRACE4": 4, "SEVERITY_NUMBER_INFO": 9,
		"SEVERITY_NUMBER_WARN2": 14, "SEVERITY_NUMBER_FATAL4": 24,
		"SEVERITY_NUMBER_UNSPECIFIED": 0, "SEVERITY_NUMBER_WARN5": 0, "ERROR": 0, "": 0,
	} {
		if got := otlpSeverityName(name); got != want {
			t.Errorf("otlpSeverityName(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestOTLPJSONMalformed(t *testing.T) {
	rec := func(r string) string {
		return `{"resourceLogs":[{"scopeLogs":[{"logRecords":[` + r + `]}]}]}`
	}
	for _, c := range []struct {
		name, value, reason string
	}{
		{"not JSON", `{"resourceLogs":[`, ReasonInvalidJSON},
		{"resourceLogs an object", `{"resourceLogs":{}}`, ReasonInvalidOTLP},
		{"time a float", rec(`{"timeUnixNano":1.5}`), ReasonInvalidOTLP},
		{"time negative", rec(`{"timeUnixNano":"-1"}`), ReasonInvalidOTLP},
		{"time a bool", rec(`{"timeUnixNano":true}`), ReasonInvalidOTLP},
		{"severity out of int32", rec(`{"severityNumber":4294967296}`), ReasonInvalidOTLP},
		{"body a string", rec(`{"body":"x"}`), ReasonInvalidOTLP},
		{"intValue not an integer", rec(`{"body":{"intValue":"seven"}}`), ReasonInvalidOTLP},
		{"kvlist value a string", rec(`{"body":{"kvlistValue":{"values":[{"key":"a","value":"b"}]}}}`), ReasonInvalidOTLP},
		{"service.name value an array", `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":[]}]}}]}`, ReasonInvalidOTLP},
	} {
		_, err := decodeOTLPJSON([]byte(c.value), otlpRef())
		if got := reasonOf(t, err); got != c.reason {
			t.Errorf("%s: reason %q (%v), want %q", c.name, got, err, c.reason)
		}
	}
	// Keys are matched exactly, as protobuf JSON (and pdata) match them:
	// encoding/json's folding of case would read "Body" as the body.
	fs, err := decodeOTLPJSON([]byte(rec(`{"Body":{"StringValue":5},"body":{"stringValue":"x"},"TimeUnixNano":"x"}`)), otlpRef())
	if err != nil || len(fs) != 1 || fs[0].message != "x" || fs[0].hasTime {
		t.Errorf("keys in other case: %+v, %v", fs, err)
	}
	// Leniencies: an unknown severity name is unspecified, nulls are unset.
	fs, err = decodeOTLPJSON([]byte(rec(`{"severityNumber":"SEVERITY_NUMBER_LOUD","severityText":null,"timeUnixNano":null,"body":{"kvlistValue":{"values":[{"key":"a"}]}}}`)), otlpRef())
	if err != nil || len(fs) != 1 || fs[0].level != LevelUnknown || fs[0].message != `{"a":null}` {
		t.Errorf("lenient record: %+v, %v", fs, err)
	}
}
