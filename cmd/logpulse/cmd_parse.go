package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/multiline"
	"github.com/peterbourgon/ff/v3/ffcli"
)

const (
	// parseMaxEventBytes is the pipeline's default --max-event-bytes: a
	// longer line is reported as too_large, as the pipeline would.
	parseMaxEventBytes = 1 << 20
	// parseMaxLineBytes is the longest line parse reads at all; past it,
	// the input is more likely binary than a log.
	parseMaxLineBytes = 16 << 20
)

func parseCommand(env *cliEnv) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse parse", flag.ContinueOnError)
	summary := fs.Bool("summary", false, "print the number of lines per level, and of errors per reason, instead of the events")
	contentType := fs.String("content-type", "", "read every line as this format: json, text or logfmt (default: detect per line, as the pipeline does)")
	key := fs.String("key", "", "record key, the service of lines that name none (default: unknown)")
	join := fs.Bool("multiline", false, "join continuation lines (a stack trace) to the event they continue, as produce does, and answer once per event")
	maxLines := fs.Int("multiline-max-lines", multiline.DefaultMaxLines, "--multiline: most lines in one event; the next line starts a new event")
	explain := fs.Bool("explain", false, `add "explain" to each event: the format, and the rule that found its level, time and service`)
	return &ffcli.Command{
		Name:       "parse",
		ShortUsage: "logpulse parse [--summary] [--explain] [--multiline] [--content-type json|text|logfmt] [--key SERVICE] [FILE...]",
		ShortHelp:  "decode log lines as the pipeline would: check a format before producing it",
		LongHelp: "Reads each FILE (standard input when there is none, or for -) and decodes every\n" +
			"line as one record of the logs topic, printing one JSON object per input line,\n" +
			"in order:\n" +
			`  {"timestamp": "2024-05-01T12:00:00.5Z", "level": "ERROR", "service": "api", "host": "web-1", "message": "disk full"}` + "\n" +
			"(host only when the line names one), or, for a line the pipeline would send to\n" +
			"logs.dlq with its reason:\n" +
			`  {"line": 17, "error": "invalid_json: unexpected end of JSON input"}` + "\n" +
			`with "file" as well when several files are given. A blank line is an "empty"` + "\n" +
			"error, as an empty record is. A line without a timestamp of its own gets the\n" +
			"current time, as a record gets its Kafka timestamp. The exit status is 1 when\n" +
			"any line cannot be decoded. A line that holds several events (an OTLP export)\n" +
			"gets one answer per event.\n\n" +
			"With --explain, each event says which rules read it, e.g.\n" +
			`  "explain": {"format": "syslog RFC 3164", "level": "syslog severity 3 (err)", "time": "timestamp \"Nov 26 10:00:00\"", "service": "syslog TAG"}` + "\n\n" +
			"With --multiline, lines that continue an event (indented, at ..., Caused by:,\n" +
			"... 12 more, a Python traceback) are joined to it as `produce` joins them, and\n" +
			`each event gets one answer; "line" is its first line.`,
		FlagSet: fs,
		Exec: func(ctx context.Context, files []string) error {
			ct, err := parseContentType(*contentType)
			if err != nil {
				return usageErr(err)
			}
			if *maxLines < 1 {
				return usageErr(fmt.Errorf("--multiline-max-lines must be at least 1, got %d", *maxLines))
			}
			p := &parser{
				contentType: ct,
				key:         []byte(*key),
				summary:     *summary,
				explain:     *explain,
				named:       len(files) > 1,
				unit:        "lines",
				out:         bufio.NewWriter(env.stdout),
				reasons:     map[string]*reasonCount{},
			}
			if *join {
				// No timeout: the input is read to its end, which flushes.
				if p.join, err = multiline.New(multiline.Config{MaxLines: *maxLines, MaxBytes: parseMaxEventBytes}); err != nil {
					return err
				}
				p.unit = "events"
			}
			p.enc = json.NewEncoder(p.out)
			p.enc.SetEscapeHTML(false)
			if len(files) == 0 {
				files = []string{"-"}
			}
			for _, name := range files {
				if err := p.file(ctx, name, env.stdin); err != nil {
					p.out.Flush()
					return err
				}
			}
			if *summary {
				p.printSummary()
			}
			if err := p.out.Flush(); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
			if p.failed > 0 {
				return fmt.Errorf("%d of %d %s cannot be decoded: the pipeline would send them to logs.dlq", p.failed, p.total, p.unit)
			}
			return nil
		},
	}
}

// parseContentType turns --content-type into the record header that forces
// a format in codecs.Decode.
func parseContentType(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", nil
	case "json", "application/json":
		return "application/json", nil
	case "text", "text/plain":
		return "text/plain", nil
	case "logfmt", "text/logfmt", "application/logfmt":
		return "text/logfmt", nil
	}
	return "", fmt.Errorf("--content-type must be json, text or logfmt, got %q", s)
}

// parser decodes lines and prints the events, or counts them for --summary.
type parser struct {
	contentType string
	key         []byte
	summary     bool
	explain     bool              // add each event's codecs.Explanation
	named       bool              // name the file in error lines: there are several
	join        *multiline.Joiner // --multiline; nil answers every line
	unit        string            // what an answer is for: "lines" or "events"
	first       int               // line number of the first line join holds

	out *bufio.Writer
	enc *json.Encoder

	total, failed int
	levels        [codecs.NumLevels]int
	reasons       map[string]*reasonCount
}

type reasonCount struct {
	n     int
	first string // where the first one is: "17" or "app.log:17"
}

// parsedEvent is the output for a line that decodes.
type parsedEvent struct {
	Timestamp string `json:"timestamp"`
	Level     string `json:"level"`
	Service   string `json:"service"`
	Host      string `json:"host,omitempty"`
	Message   string `json:"message"`

	Explain *codecs.Explanation `json:"explain,omitempty"`
}

// parsedError is the output for a line that does not.
type parsedError struct {
	File  string `json:"file,omitempty"`
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// file parses one input; "-" is stdin.
func (p *parser) file(ctx context.Context, name string, stdin io.Reader) error {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err // "open NAME: no such file or directory" says it all
		}
		defer f.Close()
		r = f
	}
	done := make(chan struct{})
	defer close(done)
	lines := scanLines(r, done)
	for n := 1; ; n++ {
		var (
			l  scanned
			ok bool
		)
		select {
		case l, ok = <-lines:
		default:
			// Nothing read yet: show what is done before waiting, so that
			// lines typed or piped in slowly are answered as they come.
			if err := p.out.Flush(); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
			select {
			case l, ok = <-lines:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		switch {
		case !ok:
			return p.flushEvent(name) // an event ends with its file
		case errors.Is(l.err, bufio.ErrTooLong):
			return fmt.Errorf("read %s: line %d is longer than %d MiB: is this a log?", displayName(name), n, parseMaxLineBytes>>20)
		case l.err != nil:
			return fmt.Errorf("read %s: %w", displayName(name), l.err)
		}
		if err := p.add(name, n, l.line); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
}

// add answers line n, or passes it to the joiner and answers the event it
// ends, if it ends one.
func (p *parser) add(name string, n int, line []byte) error {
	if p.join == nil {
		return p.line(name, n, line)
	}
	starts := !p.join.Pending()
	ev, done := p.join.Add(line, time.Time{})
	if done {
		if err := p.line(name, p.first, ev.Text); err != nil {
			return err
		}
		starts = true
	}
	if starts {
		p.first = n
	}
	return nil
}

// flushEvent answers the event the joiner holds at the end of a file.
func (p *parser) flushEvent(name string) error {
	if p.join == nil {
		return nil
	}
	if ev, ok := p.join.Flush(); ok {
		if err := p.line(name, p.first, ev.Text); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
	}
	return nil
}

func (p *parser) line(name string, n int, line []byte) error {
	rec := codecs.Record{Key: p.key, Value: line, Timestamp: time.Now(), ContentType: p.contentType}
	var (
		evs []codecs.LogEvent
		why []codecs.Explanation
		err error
	)
	if p.explain {
		evs, why, err = codecs.Explain(rec, parseMaxEventBytes)
	} else {
		evs, err = codecs.DecodeAll(rec, parseMaxEventBytes, nil)
	}
	if err != nil {
		p.total++
		p.failed++
		reason := codecs.ReasonUndecodable
		var de *codecs.DecodeError
		if errors.As(err, &de) {
			reason = de.Reason
		}
		rc := p.reasons[reason]
		if rc == nil {
			where := fmt.Sprint(n)
			if p.named {
				where = name + ":" + where
			}
			rc = &reasonCount{first: where}
			p.reasons[reason] = rc
		}
		rc.n++
		if p.summary {
			return nil
		}
		out := parsedError{Line: n, Error: err.Error()}
		if p.named {
			out.File = name
		}
		return p.enc.Encode(out)
	}
	for i, ev := range evs {
		p.total++
		p.levels[ev.Level]++
		if p.summary {
			continue
		}
		out := parsedEvent{
			Timestamp: ev.Time.UTC().Format(time.RFC3339Nano),
			Level:     ev.Level.String(),
			Service:   ev.Service,
			Host:      ev.Host,
			Message:   ev.Message,
		}
		if why != nil {
			out.Explain = &why[i]
		}
		if err := p.enc.Encode(out); err != nil {
			return err
		}
	}
	return nil
}

// printSummary writes the count table: levels from least to most severe,
// then lines with no readable level, then the errors by reason.
func (p *parser) printSummary() {
	share := func(n int) string {
		if p.total == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(p.total))
	}
	tw := tabwriter.NewWriter(p.out, 0, 2, 2, ' ', 0)
	fmt.Fprintf(tw, "LEVEL\t%s\tSHARE\n", strings.ToUpper(p.unit))
	for _, l := range append(codecs.Levels()[1:], codecs.LevelUnknown) {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", l, p.levels[l], share(p.levels[l]))
	}
	fmt.Fprintf(tw, "(error)\t%d\t%s\n", p.failed, share(p.failed))
	fmt.Fprintf(tw, "total\t%d\t\n", p.total)
	if len(p.reasons) > 0 {
		fmt.Fprintf(tw, "\nREASON\t%s\tFIRST LINE\n", strings.ToUpper(p.unit))
		for _, r := range slices.Sorted(maps.Keys(p.reasons)) {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", r, p.reasons[r].n, p.reasons[r].first)
		}
	}
	tw.Flush()
}

func displayName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}

// scanned is one line read, or the error that ended the input.
type scanned struct {
	line []byte
	err  error
}

// scanLines reads r line by line on its own goroutine, so that the caller
// can stop on a signal while a read blocks (a terminal on stdin). It stops
// when r ends or done is closed.
func scanLines(r io.Reader, done <-chan struct{}) <-chan scanned {
	ch := make(chan scanned)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), parseMaxLineBytes)
		for sc.Scan() {
			select {
			case ch <- scanned{line: bytes.Clone(sc.Bytes())}:
			case <-done:
				return
			}
		}
		if err := sc.Err(); err != nil {
			select {
			case ch <- scanned{err: err}:
			case <-done:
			}
		}
	}()
	return ch
}
