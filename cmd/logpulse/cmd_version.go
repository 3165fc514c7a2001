package main

import (
	"context"
	"flag"
	"fmt"
	"runtime/debug"
	"text/tabwriter"

	"github.com/peterbourgon/ff/v3/ffcli"
)

// Set by the linker (go build -ldflags "-X main.linkedVersion=v1.2.3 -X
// main.linkedRevision=abc123"): an image built without the repository's .git
// has no VCS stamp, so the Dockerfile passes them as build arguments. The
// only package-level variables of the command, since -X can set nothing else;
// read only by the version command.
var (
	linkedVersion  string
	linkedRevision string
)

// buildVersion is what `logpulse version` reports.
type buildVersion struct {
	Module, Version string
	Revision, Time  string
	Modified        bool
	GoVersion       string
	Platform        string
}

// versionInfo reads the build info the Go toolchain embedded (bi may be
// nil), with the linker-set version and revision taking precedence.
func versionInfo(bi *debug.BuildInfo, version, revision string) buildVersion {
	v := buildVersion{Version: "(devel)", Revision: "unknown"}
	if bi != nil {
		v.Module, v.GoVersion = bi.Main.Path, bi.GoVersion
		if bi.Main.Version != "" {
			v.Version = bi.Main.Version
		}
		var goos, goarch string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Revision = s.Value
			case "vcs.time":
				v.Time = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			case "GOOS":
				goos = s.Value
			case "GOARCH":
				goarch = s.Value
			}
		}
		if goos != "" {
			v.Platform = goos + "/" + goarch
		}
	}
	if version != "" {
		v.Version = version
	}
	if revision != "" {
		v.Revision = revision
	}
	return v
}

func versionCommand(env *cliEnv) *ffcli.Command {
	fs := flag.NewFlagSet("logpulse version", flag.ContinueOnError)
	return &ffcli.Command{
		Name:       "version",
		ShortUsage: "logpulse version",
		ShortHelp:  "print the module version, VCS revision and Go version of this binary",
		FlagSet:    fs,
		Exec: func(context.Context, []string) error {
			bi, _ := debug.ReadBuildInfo()
			v := versionInfo(bi, linkedVersion, linkedRevision)
			rev := v.Revision
			if v.Modified {
				rev += " (modified)"
			}
			tw := tabwriter.NewWriter(env.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintf(tw, "logpulse\t%s\n", v.Version)
			fmt.Fprintf(tw, "module\t%s\n", v.Module)
			fmt.Fprintf(tw, "revision\t%s\n", rev)
			if v.Time != "" {
				fmt.Fprintf(tw, "committed\t%s\n", v.Time)
			}
			fmt.Fprintf(tw, "go\t%s\n", v.GoVersion)
			if v.Platform != "" {
				fmt.Fprintf(tw, "platform\t%s\n", v.Platform)
			}
			return tw.Flush()
		},
	}
}
