package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/logpulse/logpulse/internal/app"
	"github.com/peterbourgon/ff/v3/ffcli"
)

func helpCommand(env *cliEnv) *ffcli.Command {
	return &ffcli.Command{
		Name:       "help",
		ShortUsage: "logpulse help flags",
		ShortHelp:  "print the flag reference of every command (markdown, as in docs/operations.md)",
		FlagSet:    flag.NewFlagSet("logpulse help", flag.ContinueOnError),
		Exec: func(_ context.Context, args []string) error {
			if len(args) != 1 || args[0] != "flags" {
				return usageErr(fmt.Errorf("usage: logpulse help flags (got %q); a command's own help is logpulse <command> -h", args))
			}
			// Fresh flag sets: the defaults, not what this process parsed.
			return flagReference(env.stdout, subcommands(&cliEnv{stdin: env.stdin, stdout: io.Discard, stderr: io.Discard}))
		},
	}
}

// flagReference writes a markdown table of each command's flags: name,
// environment variable, default and usage, in -h's order.
func flagReference(w io.Writer, cmds []*ffcli.Command) error {
	var b strings.Builder
	cell := strings.NewReplacer("|", `\|`, "\n", " ").Replace
	for _, c := range cmds {
		n := 0
		c.FlagSet.VisitAll(func(*flag.Flag) { n++ })
		if n == 0 {
			continue
		}
		fmt.Fprintf(&b, "### `logpulse %s`\n\n%s\n\n", c.Name, c.ShortHelp)
		fmt.Fprintf(&b, "| Flag | Environment | Default | Meaning |\n|---|---|---|---|\n")
		c.FlagSet.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(&b, "| `--%s` | `%s` | %s | %s |\n", f.Name, envName(f.Name), docDefault(f.DefValue), cell(f.Usage))
		})
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, strings.TrimSuffix(b.String(), "\n"))
	return err
}

// docDefault is a default as the reference shows it: the same on every
// machine, so a default named after the host reads <hostname>.
func docDefault(def string) string {
	if h := "-" + app.Hostname(); strings.HasSuffix(def, h) {
		def = strings.TrimSuffix(def, h) + "-<hostname>"
	}
	if def == "" {
		return "(empty)"
	}
	return "`" + def + "`"
}
