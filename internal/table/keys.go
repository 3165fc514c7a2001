package table

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Keys of the deltas topic and the aggregate table. A window key is
// "<service>|<window start, unix seconds>"; a watermark key starts with
// watermarkPrefix and an overflow key with overflowPrefix, which no service
// name can (Decode replaces control characters in services).
const (
	watermarkPrefix = "\x00wm|"
	overflowPrefix  = "\x00of|"
)

// WindowKey is the key of one (service, window) in the deltas topic and the
// table.
func WindowKey(service string, start time.Time) string {
	return service + "|" + strconv.FormatInt(start.Unix(), 10)
}

// ParseWindowKey splits a key made by WindowKey.
func ParseWindowKey(key string) (service string, start time.Time, err error) {
	i := strings.LastIndexByte(key, '|')
	if i < 0 || IsWatermarkKey(key) {
		return "", time.Time{}, fmt.Errorf("not a window key: %q", key)
	}
	sec, err := strconv.ParseInt(key[i+1:], 10, 64)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("window key %q: %w", key, err)
	}
	return key[:i], time.Unix(sec, 0).UTC(), nil
}

// OverflowKey is a window key that counts, in the table partition it
// hashes to, the events of the services that partition did not admit to
// the window starting at start: it holds more than its share of the cap
// of services per window. salt is chosen by the caller so that the key
// lands on a given partition. ParseWindowKey reads it as a window key of
// a service that IsOverflowService reports, so it expires with its window.
func OverflowKey(start time.Time, salt int) string {
	return WindowKey(overflowPrefix+strconv.Itoa(salt), start)
}

// IsOverflowKey reports whether key was made by OverflowKey.
func IsOverflowKey(key string) bool { return strings.HasPrefix(key, overflowPrefix) }

// IsOverflowService reports whether service, as ParseWindowKey returns it,
// is that of an overflow key.
func IsOverflowService(service string) bool { return strings.HasPrefix(service, overflowPrefix) }

// WatermarkKey is the key that carries the stream time of input partition
// inPart into the table partition the key hashes to; salt is chosen by the
// caller so that the key lands on a given partition.
func WatermarkKey(inPart int32, salt int) string {
	return watermarkPrefix + strconv.Itoa(int(inPart)) + "|" + strconv.Itoa(salt)
}

// IsWatermarkKey reports whether key was made by WatermarkKey.
func IsWatermarkKey(key string) bool { return strings.HasPrefix(key, watermarkPrefix) }

// ParseWatermarkKey returns the input partition of a watermark key.
func ParseWatermarkKey(key string) (inPart int32, err error) {
	rest, ok := strings.CutPrefix(key, watermarkPrefix)
	if !ok {
		return 0, fmt.Errorf("not a watermark key: %q", key)
	}
	p, _, _ := strings.Cut(rest, "|")
	n, err := strconv.ParseInt(p, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("watermark key %q: %w", key, err)
	}
	return int32(n), nil
}
