package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestEveryValidatedFlagIsRefused runs every command with an invalid value
// of each of its flags and expects a refusal, before anything starts, that
// names the flag. A flag must be in bad or in anyValue: a new flag without
// either fails here, so its validation is decided, not forgotten.
func TestEveryValidatedFlagIsRefused(t *testing.T) {
	type badValue struct {
		value string
		extra []string // further arguments the refusal needs
		want  string   // what the error says; default "--<flag>"
	}
	// Keyed "command --flag" where commands differ, else "--flag".
	bad := map[string]badValue{
		"--brokers":                {value: "kafka"},
		"--tls-ca":                 {value: "/nonexistent/ca.pem"},
		"--tls-cert":               {value: "c.pem"},
		"--tls-key":                {value: "k.pem"},
		"--sasl-mechanism":         {value: "gssapi"},
		"--sasl-user":              {value: "u"},
		"--sasl-password":          {value: "p"},
		"--sasl-password-file":     {value: "/nonexistent/password"},
		"--name-prefix":            {value: "team a/"},
		"--partitions":             {value: "0"},
		"--replication":            {value: "0"},
		"--window":                 {value: "7m"},
		"--grace":                  {value: "-1s"},
		"--retention":              {value: "1m"},
		"--log-level":              {value: "loud"},
		"--log-format":             {value: "xml"},
		"--metrics-addr":           {value: "nohost"},
		"--http":                   {value: "nohost"},
		"--data-dir":               {value: ""},
		"--broker-listen":          {value: "nohost"},
		"--listen":                 {value: "nohost"},
		"--max-points":             {value: "0"},
		"--cors-origin":            {value: "*"},
		"--api-token-file":         {value: "/nonexistent/token"},
		"--rules":                  {value: "/nonexistent/rules.yaml"},
		"--demo-rate":              {value: "0", extra: []string{"--demo"}},
		"--demo-burst":             {value: "-1s"},
		"--max-event-bytes":        {value: "-1"},
		"--max-clock-skew":         {value: "0s"},
		"--idle-heartbeat":         {value: "-1s"},
		"--idle-after":             {value: "-1s"},
		"--transactional-id":       {value: ""},
		"--schema-registry":        {value: "registry:8081"},
		"--max-services":           {value: "0"},
		"--instance-id":            {value: ""},
		"--multiline-max-lines":    {value: "0"},
		"--multiline-timeout":      {value: "0s"},
		"--content-type":           {value: "xml"},
		"--phases":                 {value: "bogus"},
		"--span":                   {value: "-1s"},
		"--runs":                   {value: "0"},
		"--clients":                {value: "0", extra: []string{"--http"}},
		"--duration":               {value: "0s", extra: []string{"--latency"}},
		"produce --rate":           {value: "-1"},
		"produce --count":          {value: "-1"},
		"produce --services":       {value: "0"},
		"produce --format":         {value: "xml"},
		"produce --burst":          {value: "-1s"},
		"produce --amqp":           {value: "ftp://x", want: `--amqp "ftp://x"`},
		"produce --queue":          {value: "q"},
		"produce --amqp-prefetch":  {value: "0"},
		"produce --amqp-dedup-ids": {value: "-1"},
		"bench --rate":             {value: "0", extra: []string{"--latency"}},
		"bench --count":            {value: "0"},
		"bench --services":         {value: "0"},
		"bench --format":           {value: "xml"},
		"bench --peer":             {value: "flink"},
	}
	// Flags every value of their type is valid for (parse errors of the
	// type are TestFlagParseErrorsNameTheFlag's).
	anyValue := map[string]bool{
		"--tls": true, "--tls-server-name": true, "--api-token": true, "--publish-alerts": true,
		"--demo": true, "--broker-sync": true, "--sync": true, "--check": true, "--generate": true,
		"--stdin": true, "--from-start": true, "--multiline": true, "--amqp-declare": true,
		"--key": true, "--topic": true, "--file": true, "--seed": true, "--summary": true,
		"--explain": true, "--latency": true, "bench --http": true, "--cpuprofile-dir": true,
		"--kstreams-dir": true, "--kstreams-version": true, // mvn checks them where they are used
	}
	// Arguments that make each command valid, so only the flag under test
	// is wrong; none of them reaches a broker.
	base := map[string][]string{
		"run":       {"--data-dir", t.TempDir(), "--broker-listen", "127.0.0.1:0", "--http", "127.0.0.1:0"},
		"broker":    {"--data-dir", t.TempDir(), "--listen", "127.0.0.1:0"},
		"ingest":    {"--brokers", "127.0.0.1:1"},
		"aggregate": {"--brokers", "127.0.0.1:1"},
		"serve":     {"--brokers", "127.0.0.1:1"},
		"topics":    {"--brokers", "127.0.0.1:1"},
		"produce":   {"--brokers", "127.0.0.1:1", "--generate"},
	}
	// A command line the validation wrongly accepts must not run.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, cmd := range subcommands(&cliEnv{}) {
		cmd.FlagSet.VisitAll(func(f *flag.Flag) {
			name := cmd.Name + " --" + f.Name
			b, ok := bad[name]
			if !ok && anyValue[name] {
				return
			}
			if !ok {
				b, ok = bad["--"+f.Name]
			}
			if !ok {
				if !anyValue["--"+f.Name] {
					t.Errorf("%s: not in this test's bad values nor anyValue: decide whether it is validated", name)
				}
				return
			}
			want := b.want
			if want == "" {
				want = "--" + f.Name
			}
			t.Run(name, func(t *testing.T) {
				args := append([]string{cmd.Name}, base[cmd.Name]...)
				args = append(append(args, b.extra...), "--"+f.Name+"="+b.value)
				var out bytes.Buffer
				err := run(ctx, args, strings.NewReader(""), &out, &out)
				if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), want) {
					t.Errorf("%q: err %v; want a refused command line (exit 2) saying %q", args, err, want)
				}
			})
		})
	}
}

// TestFlagParseErrorsNameTheFlag: a value of the wrong type is refused by
// the flag package, naming the flag, with exit 2 too.
func TestFlagParseErrorsNameTheFlag(t *testing.T) {
	for _, cmd := range subcommands(&cliEnv{}) {
		cmd.FlagSet.VisitAll(func(f *flag.Flag) {
			g, ok := f.Value.(flag.Getter)
			if !ok {
				return // a flag.Func: any string
			}
			if _, isString := g.Get().(string); isString {
				return
			}
			args := []string{cmd.Name, "--" + f.Name + "=notavalue"}
			_, err := runCLI(t, args...)
			if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), "-"+f.Name) {
				t.Errorf("%q: err %v; want a refused command line naming -%s", args, err, f.Name)
			}
		})
	}
}

// visitNames are the names of fs's flags.
func visitNames(fs *flag.FlagSet) map[string]bool {
	names := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { names[f.Name] = true })
	return names
}
