// Package multiline joins the lines of one multi-line log event, such as a
// Java stack trace or a Python traceback, into that event: lines in, events
// out. It is what `logpulse produce --file`/`--stdin` and
// `logpulse parse --multiline` use.
//
// # Rules
//
// A line continues the event held before it, in the spirit of Filebeat's and
// Fluent Bit's multiline settings for stack traces, when it
//
//   - starts with a space or a tab and is not blank (Java and .NET frames,
//     Python frames, wrapped messages);
//   - starts with "at ", "Caused by:", "Suppressed:" or "..." (frames and
//     "... 12 more" written without indentation);
//   - is a Java-style exception line: a dotted class name ending in
//     Exception, Error or Throwable, alone or followed by ":" and a message
//     ("java.lang.IllegalStateException: boom", which logback writes on the
//     line after the message);
//   - is "Traceback (most recent call last):", which continues the event
//     before it (logging.exception writes the message first) or starts one
//     when there is none; then the traceback's indented lines, and the first
//     line after them that is not indented ("ValueError: bad input"), which
//     ends it, continue it too. After that line, blank lines and Python's
//     two sentences that chain tracebacks ("During handling of the above
//     exception, another exception occurred:", "The above exception was the
//     direct cause of the following exception:") continue the event, so
//     that a chained traceback stays one event. Blank lines that end up at
//     an event's end are left out of its text.
//
// A line that starts like the header of a log line is never a continuation,
// also where a traceback expects its last line: one that starts with a
// digit (a date, a time, Unix seconds), "[" or "{" (a bracketed timestamp or
// level, a JSON object), "<" and a digit (a syslog priority), a month
// abbreviation and a space (syslog), an upper-case level word (ERROR, WARN,
// ... as in "ERROR:root:boom"), a glog header ("E0501 "), or a logfmt key
// ("level="). Any other line starts a new event, and so does every line when
// no event is held. Go's panic dumps are not recognised as one event:
// "goroutine 1 [running]:" and each unindented function name start events,
// which only the indented file:line lines join.
//
// # Bounds
//
// An event holds at most Config.MaxLines lines and Config.MaxBytes bytes of
// text. The line that would take it past either bound starts a new event,
// even when it is a continuation. Filebeat drops such excess lines instead
// and keeps one event; here nothing a log wrote is dropped, a record never
// grows past the bound by joining, and an event is held for at most
// MaxLines lines however fast continuation lines arrive (a file of indented
// lines cannot keep its reader's checkpoint back for ever). The price is
// that an event longer than the bound is sent, and counted, as two or more.
//
// All a Joiner remembers belongs to the event it holds, so a reader that
// checkpoints the start of that event (and the end of the last line of each
// event it sent) and resumes there after a restart loses and repeats no
// line.
package multiline
