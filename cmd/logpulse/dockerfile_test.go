package main

import (
	"encoding/json"
	"go/version"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

func TestDockerfile(t *testing.T) {
	checkDockerfile(parseDockerfile(readRepoFile(t, "Dockerfile")), readRepoFile(t, "go.mod"), t.Errorf)
}

// checkDockerfile reports what would make the image fail to build or
// misbehave when compose runs it. Instruction order is checked only where
// the build breaks without it.
func checkDockerfile(stages []dockerStage, goMod string, errorf func(string, ...any)) {
	at := slices.IndexFunc(stages, func(s dockerStage) bool { return strings.HasPrefix(s.from, "golang:") })
	if at < 0 || at == len(stages)-1 {
		errorf("Dockerfile: want a golang build stage, then a run stage")
		return
	}
	build, final := stages[at], stages[len(stages)-1]
	find := func(st dockerStage, cmd, substr string) int {
		return slices.IndexFunc(st.ins, func(in dockerInstruction) bool {
			return in.cmd == cmd && strings.Contains(" "+in.args+" ", substr)
		})
	}

	goVersion, _, _ := strings.Cut(strings.TrimPrefix(build.from, "golang:"), "-")
	_, rest, _ := strings.Cut(goMod, "\ngo ")
	if want, _, _ := strings.Cut(rest, "\n"); version.Compare("go"+goVersion, "go"+want) < 0 {
		errorf("build image %s: Go %s is older than go.mod's go %s, and the image sets GOTOOLCHAIN=local", build.from, goVersion, want)
	}
	// go mod download fails on a module replaced by a directory not yet
	// copied (third_party/kfake).
	if download := find(build, "RUN", "go mod download"); download >= 0 {
		for _, dir := range localReplacements(goMod) {
			copied := slices.IndexFunc(build.ins, func(in dockerInstruction) bool {
				return in.cmd == "COPY" && slices.ContainsFunc(in.fields(), func(f string) bool {
					f = strings.TrimSuffix(strings.TrimPrefix(f, "./"), "/")
					return f == dir || f == "." || strings.HasPrefix(dir, f+"/")
				})
			})
			if copied < 0 || copied > download {
				errorf("build stage: go.mod replaces a module with ./%s; COPY it before RUN go mod download", dir)
			}
		}
	}
	i := find(build, "RUN", "go build")
	if i < 0 {
		errorf("build stage has no RUN go build")
		return
	}
	args := build.ins[i].fields()
	if !slices.Contains(args, "./cmd/logpulse") {
		errorf("go build %v does not build ./cmd/logpulse", args)
	}
	if !slices.Contains(args, "CGO_ENABLED=0") {
		errorf("go build %v: without CGO_ENABLED=0 the binary needs a libc the run image lacks", args)
	}
	o := slices.Index(args, "-o")
	if o < 0 || o+1 == len(args) {
		errorf("go build %v: no -o", args)
		return
	}
	var binary string
	if c := find(final, "COPY", " --from="+build.name+" "+args[o+1]+" "); c >= 0 {
		f := final.ins[c].fields()
		binary = f[len(f)-1]
	}
	var entry []string
	if e := slices.IndexFunc(final.ins, func(in dockerInstruction) bool { return in.cmd == "ENTRYPOINT" }); e >= 0 {
		json.Unmarshal([]byte(final.ins[e].args), &entry) // not JSON: the shell form, refused below
	}
	if binary == "" || !slices.Equal(entry, []string{binary}) {
		errorf("run stage: ENTRYPOINT %q is not [the binary built by go build -o %s] in exec form, which makes compose's command its arguments", entry, args[o+1])
	}
	user := "root"
	for _, in := range final.ins {
		if in.cmd == "USER" {
			user, _, _ = strings.Cut(in.args, ":")
		}
	}
	if user == "root" || user == "0" {
		errorf("run stage runs as root; want a non-root USER")
	}
	if !strings.HasPrefix(final.from, "busybox:") {
		errorf("run image %s: compose's health check of serve runs busybox wget", final.from)
	}
}

func TestDockerfileContext(t *testing.T) {
	checkDockerignore(readRepoFile(t, ".dockerignore"), buildInputs(t), t.Errorf)
}

// checkDockerignore reports a file the build needs that .dockerignore keeps
// out of the context, and what it must keep out, matched by the package
// Docker itself matches with.
func checkDockerignore(ignore string, need []string, errorf func(string, ...any)) {
	patterns, err := ignorefile.ReadAll(strings.NewReader(ignore))
	if err != nil {
		errorf(".dockerignore: %v", err)
		return
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		errorf(".dockerignore: %v", err)
		return
	}
	for _, p := range need {
		if out, _ := pm.MatchesOrParentMatches(p); out {
			errorf(".dockerignore excludes %s, which the build needs", p)
		}
	}
	for _, p := range []string{".git/HEAD", "logpulse-data/broker/x"} {
		if out, _ := pm.MatchesOrParentMatches(p); !out {
			errorf(".dockerignore sends %s to the build context", p)
		}
	}
}

// buildInputs lists, relative to the repository root, every file go build
// ./cmd/logpulse reads from the repository, as go list reports them.
func buildInputs(tb testing.TB) []string {
	tb.Helper()
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := exec.CommandContext(tb.Context(), "go", "list", "-deps", "-json=Dir,Module,GoFiles,CgoFiles,SFiles,EmbedFiles", ".").Output()
	if err != nil {
		tb.Fatalf("go list: %v", err)
	}
	need := []string{"go.sum"}
	add := func(p string) {
		rel, err := filepath.Rel(root, p)
		if rel = filepath.ToSlash(rel); err == nil && !strings.HasPrefix(rel, "../") && !slices.Contains(need, rel) {
			need = append(need, rel)
		}
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var pkg struct {
			Dir                                   string
			Module                                *struct{ GoMod string }
			GoFiles, CgoFiles, SFiles, EmbedFiles []string
		}
		if err := dec.Decode(&pkg); err != nil {
			tb.Fatalf("go list: %v", err)
		}
		if pkg.Module != nil {
			add(pkg.Module.GoMod)
		}
		for _, f := range slices.Concat(pkg.GoFiles, pkg.CgoFiles, pkg.SFiles, pkg.EmbedFiles) {
			add(filepath.Join(pkg.Dir, f))
		}
	}
	return need
}

// dockerStage is one FROM ... [AS name] and its instructions.
type dockerStage struct {
	from, name string
	ins        []dockerInstruction
}

type dockerInstruction struct{ cmd, args string }

func (in dockerInstruction) fields() []string { return strings.Fields(in.args) }

func loadDockerfile(tb testing.TB) []dockerStage {
	tb.Helper()
	return parseDockerfile(readRepoFile(tb, "Dockerfile"))
}

// parseDockerfile splits a Dockerfile into stages of instructions, joining
// continued lines: enough to read it, not to build it.
func parseDockerfile(s string) []dockerStage {
	var out []dockerStage
	var line string
	for raw := range strings.Lines(s) {
		raw = strings.TrimSpace(raw)
		if strings.HasPrefix(raw, "#") || raw == "" && line == "" {
			continue
		}
		if cont, ok := strings.CutSuffix(raw, `\`); ok {
			line += cont + " "
			continue
		}
		cmd, args, _ := strings.Cut(line+raw, " ")
		line = ""
		in := dockerInstruction{strings.ToUpper(cmd), strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := slices.DeleteFunc(in.fields(), func(s string) bool { return strings.HasPrefix(s, "--") })
			st := dockerStage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			out = append(out, st)
		} else if len(out) > 0 {
			out[len(out)-1].ins = append(out[len(out)-1].ins, in)
		}
	}
	return out
}

// localReplacements lists the directories go.mod's replace directives point
// at, relative to the repository root.
func localReplacements(goMod string) []string {
	var dirs []string
	for line := range strings.Lines(goMod) {
		if _, target, ok := strings.Cut(line, "=>"); ok {
			if f := strings.Fields(target); len(f) > 0 && strings.HasPrefix(f[0], "./") {
				dirs = append(dirs, strings.TrimSuffix(strings.TrimPrefix(f[0], "./"), "/"))
			}
		}
	}
	return dirs
}
