package processors

import "time"

// WindowStart returns the start of the tumbling window of the given size that
// holds t. Windows are aligned to the unix epoch, so in UTC a 1m window starts
// on the minute and a 1h window on the hour.
func WindowStart(t time.Time, size time.Duration) time.Time {
	return t.UTC().Truncate(size)
}

// Closed reports whether the window starting at start is closed at the given
// stream time: stream time has reached its end plus grace. An event for a
// closed window is late.
func Closed(start time.Time, size, grace time.Duration, streamTime time.Time) bool {
	return !streamTime.Before(start.Add(size + grace))
}
