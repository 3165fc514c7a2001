package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/peterbourgon/ff/v3"
	"github.com/peterbourgon/ff/v3/ffcli"
)

// envPrefix: every flag --some-flag can be set as LOGPULSE_SOME_FLAG.
const envPrefix = "LOGPULSE"

// run is the whole CLI, callable in-process by tests.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	env := &cliEnv{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &ffcli.Command{
		Name:       "logpulse",
		ShortUsage: "logpulse <subcommand> [flags]",
		LongHelp: "Real-time log analytics on Kafka. Start everything on an embedded broker with\n" +
			"  logpulse run --demo\nand open http://localhost:8080/v1/levels.",
		FlagSet:     flag.NewFlagSet("logpulse", flag.ContinueOnError),
		Subcommands: subcommands(env),
	}
	root.Exec = func(_ context.Context, args []string) error {
		fmt.Fprint(stderr, usage(root))
		if len(args) > 0 {
			return usageErr(fmt.Errorf("unknown subcommand %q: see the list above", args[0]))
		}
		return usageErr(errors.New("missing subcommand: see the list above"))
	}
	root.FlagSet.SetOutput(stderr)
	for _, c := range root.Subcommands {
		c.FlagSet.SetOutput(stderr)
		c.UsageFunc = usage
		c.Options = append(c.Options, ff.WithEnvVarPrefix(envPrefix))
	}
	root.UsageFunc = usage
	if err := root.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErr(err) // the flag package printed the usage
	}
	return root.Run(ctx)
}

// subcommands builds every subcommand, in the order -h lists them.
func subcommands(env *cliEnv) []*ffcli.Command {
	return []*ffcli.Command{
		runCommand(env), brokerCommand(env), ingestCommand(env), aggregateCommand(env),
		serveCommand(env), topicsCommand(env), produceCommand(env), parseCommand(env),
		benchCommand(env), versionCommand(env), helpCommand(env),
	}
}

// cliEnv is what subcommands get from the process: standard streams.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// usage lists every flag with its environment variable and default.
func usage(c *ffcli.Command) string {
	var b strings.Builder
	if c.ShortHelp != "" {
		fmt.Fprintf(&b, "%s\n\n", c.ShortHelp)
	}
	fmt.Fprintf(&b, "USAGE\n  %s\n\n", c.ShortUsage)
	if c.LongHelp != "" {
		fmt.Fprintf(&b, "%s\n\n", c.LongHelp)
	}
	if len(c.Subcommands) > 0 {
		fmt.Fprintf(&b, "SUBCOMMANDS\n")
		tw := tabwriter.NewWriter(&b, 0, 2, 2, ' ', 0)
		for _, s := range c.Subcommands {
			fmt.Fprintf(tw, "  %s\t%s\n", s.Name, s.ShortHelp)
		}
		tw.Flush()
		fmt.Fprintf(&b, "\nRun `logpulse <subcommand> -h` for its flags.\n")
	}
	n := 0
	c.FlagSet.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintf(&b, "FLAGS (flag, environment variable, default)\n")
		tw := tabwriter.NewWriter(&b, 0, 2, 2, ' ', 0)
		c.FlagSet.VisitAll(func(f *flag.Flag) {
			def := f.DefValue
			if def == "" {
				def = `""`
			}
			fmt.Fprintf(tw, "  --%s\t%s\t%s\t%s\n", f.Name, envName(f.Name), def, f.Usage)
		})
		tw.Flush()
	}
	return b.String()
}

func envName(flagName string) string {
	return envPrefix + "_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(flagName))
}
