package codecs

import (
	"encoding/base64"
	"math"
	"strconv"
)

// The appenders below render an OTLP AnyValue as otlpLog.body says: at the
// top (nested false) a scalar is written as text, a string as it is; inside
// an array or kvlist (nested true) every value is written as JSON, so that
// the whole is compact JSON. The protobuf and JSON decoders both render
// through them, which is what makes a body read the same from either
// encoding.

// appendAnyString writes a string value. s must be valid UTF-8: the
// protobuf decoder checks it, and encoding/json only returns valid UTF-8.
func appendAnyString[T string | []byte](dst []byte, s T, nested bool) []byte {
	if !nested {
		return append(dst, s...)
	}
	return AppendJSONString(dst, string(s))
}

// appendAnyBool writes a bool value.
func appendAnyBool(dst []byte, b bool) []byte { return strconv.AppendBool(dst, b) }

// appendAnyInt writes an int value.
func appendAnyInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }

// appendAnyDouble writes a double as encoding/json does (no exponent for
// 1e-6 <= |f| < 1e21, the shortest digits that read back the same). JSON
// has no NaN or infinity: those are written with their protobuf JSON names,
// as strings when nested.
func appendAnyDouble(dst []byte, f float64, nested bool) []byte {
	var special string
	switch {
	case math.IsNaN(f):
		special = "NaN"
	case math.IsInf(f, 1):
		special = "Infinity"
	case math.IsInf(f, -1):
		special = "-Infinity"
	default:
		format := byte('f')
		if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
			format = 'e'
		}
		return strconv.AppendFloat(dst, f, format, -1, 64)
	}
	return appendAnyString(dst, special, nested)
}

// appendAnyBytes writes a bytes value in standard base64, as protobuf JSON
// writes bytes.
func appendAnyBytes(dst, b []byte, nested bool) []byte {
	if nested {
		dst = append(dst, '"')
	}
	dst = base64.StdEncoding.AppendEncode(dst, b)
	if nested {
		dst = append(dst, '"')
	}
	return dst
}

// appendAnyEmpty writes an AnyValue that holds nothing: no text at the top,
// null when nested.
func appendAnyEmpty(dst []byte, nested bool) []byte {
	if nested {
		return append(dst, "null"...)
	}
	return dst
}

// appendAnyTooDeep stands for a value nested deeper than maxAnyDepth.
func appendAnyTooDeep(dst []byte) []byte { return append(dst, `"..."`...) }
