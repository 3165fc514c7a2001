package main

import (
	"bytes"
	"go/ast"
	goparser "go/parser"
	"go/token"
	"io"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVersionInfo(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/logpulse/logpulse", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-11-26T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"}, {Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "arm64"},
		}}
	want := buildVersion{Module: "github.com/logpulse/logpulse", Version: "v0.3.0", Revision: "0123abcd",
		Time: "2026-11-26T10:00:00Z", Modified: true, GoVersion: "go1.26.8", Platform: "linux/arm64"}
	if d := cmp.Diff(want, versionInfo(bi, "", "")); d != "" {
		t.Errorf("from build info (-want +got):\n%s", d)
	}
	// An image built without .git: the linker flags fill in what the
	// toolchain could not stamp, and win over what it did.
	want.Version, want.Revision = "v0.3.1", "feedbeef"
	if d := cmp.Diff(want, versionInfo(bi, "v0.3.1", "feedbeef")); d != "" {
		t.Errorf("with -X values (-want +got):\n%s", d)
	}
	if got := versionInfo(nil, "", ""); got.Version != "(devel)" || got.Revision != "unknown" {
		t.Errorf("without build info: %+v", got)
	}
}

func TestVersionCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"version"}, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"logpulse ", "module ", "github.com/logpulse/logpulse", "revision ", "go "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("logpulse version does not print %q:\n%s", want, out.String())
		}
	}
}

// TestDockerfileStampsVersion: the image's go build sets the linker
// variables `logpulse version` reads, by their real names.
func TestDockerfileStampsVersion(t *testing.T) {
	f, err := goparser.ParseFile(token.NewFileSet(), "cmd_version.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var vars []string
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
			for _, s := range g.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					vars = append(vars, "main."+n.Name)
				}
			}
		}
	}
	var set []string
	for _, st := range loadDockerfile(t) {
		for _, in := range st.ins {
			if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
				for _, m := range regexp.MustCompile(`-X[= ]([\w.]+)=`).FindAllStringSubmatch(in.args, -1) {
					set = append(set, m[1])
				}
			}
		}
	}
	slices.Sort(vars)
	slices.Sort(set)
	if d := cmp.Diff(vars, set); d != "" {
		t.Errorf("linker variables in cmd_version.go (-) and set by the Dockerfile's go build (+) differ:\n%s", d)
	}
}
