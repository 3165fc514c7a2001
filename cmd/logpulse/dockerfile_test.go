package main

import (
	"encoding/json"
	"errors"
	"go/version"
	"io/fs"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestComposeDockerfile(t *testing.T) {
	stages := loadDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s), want a build stage and a run stage", len(stages))
	}
	buildAt := slices.IndexFunc(stages, func(s dockerStage) bool { return strings.HasPrefix(s.from, "golang:") })
	if buildAt < 0 {
		t.Fatal("Dockerfile has no golang build stage")
	}
	build, final := stages[buildAt], stages[len(stages)-1]

	goVersion, _, _ := strings.Cut(strings.TrimPrefix(build.from, "golang:"), "-")
	if want := goModVersion(t); version.Compare("go"+goVersion, "go"+want) < 0 {
		t.Errorf("build image %s: Go %s is older than go.mod's go %s (the image sets GOTOOLCHAIN=local)", build.from, goVersion, want)
	}

	copyMod := slices.IndexFunc(build.ins, func(in dockerInstruction) bool {
		return in.cmd == "COPY" && slices.Contains(in.fields(), "go.mod") && slices.Contains(in.fields(), "go.sum")
	})
	download := slices.IndexFunc(build.ins, func(in dockerInstruction) bool {
		return in.cmd == "RUN" && strings.Contains(in.args, "go mod download")
	})
	copyAll := slices.IndexFunc(build.ins, func(in dockerInstruction) bool { return in.cmd == "COPY" && slices.Contains(in.fields(), ".") })
	goBuild := slices.IndexFunc(build.ins, func(in dockerInstruction) bool { return in.cmd == "RUN" && strings.Contains(in.args, "go build") })
	if !(0 <= copyMod && copyMod < download && download < copyAll && copyAll < goBuild) {
		t.Errorf("build stage: want COPY go.mod go.sum, RUN go mod download, COPY . ., RUN go build in that order; got positions %d, %d, %d, %d",
			copyMod, download, copyAll, goBuild)
	}
	// go mod download reads the go.mod of every module replaced by a
	// local directory (third_party/kfake), so those come first too.
	for _, dir := range localReplacements(t) {
		at := slices.IndexFunc(build.ins, func(in dockerInstruction) bool {
			return in.cmd == "COPY" && slices.ContainsFunc(in.fields(), func(f string) bool {
				f = strings.TrimSuffix(strings.TrimPrefix(f, "./"), "/")
				return f == dir || strings.HasPrefix(dir, f+"/") // the directory or one above it
			})
		})
		if at < 0 || at > download {
			t.Errorf("build stage: go.mod replaces a module with ./%s; COPY it before RUN go mod download", dir)
		}
	}
	if goBuild < 0 {
		t.FailNow()
	}
	buildArgs := build.ins[goBuild].fields()
	pkg, err := filepath.Rel(absPath(t, repoRoot), absPath(t, "."))
	if err != nil {
		t.Fatal(err)
	}
	if want := "./" + filepath.ToSlash(pkg); !slices.Contains(buildArgs, want) {
		t.Errorf("go build %v does not build %s", buildArgs, want)
	}
	if !slices.Contains(buildArgs, "CGO_ENABLED=0") {
		t.Errorf("go build %v: without CGO_ENABLED=0 the binary needs a libc the run image may lack", buildArgs)
	}
	i := slices.Index(buildArgs, "-o")
	if i < 0 || i+1 == len(buildArgs) {
		t.Fatalf("go build %v: no -o", buildArgs)
	}
	out := buildArgs[i+1]

	var binary string
	var entry, user, exposed []string
	for _, in := range final.ins {
		switch f := in.fields(); in.cmd {
		case "COPY":
			if len(f) == 3 && f[0] == "--from="+build.name && f[1] == out {
				binary = f[2]
			}
		case "ENTRYPOINT":
			entry = nil
			if err := json.Unmarshal([]byte(in.args), &entry); err != nil {
				t.Errorf("ENTRYPOINT %s: want the exec (JSON) form, so compose's command becomes its arguments", in.args)
			}
		case "USER":
			user = strings.Split(in.args, ":")
		case "EXPOSE":
			exposed = append(exposed, f...)
		case "HEALTHCHECK":
			t.Errorf("run stage: HEALTHCHECK would apply to every stage, and only serve has HTTP")
		}
	}
	if binary == "" {
		t.Errorf("run stage does not COPY --from=%s %s", build.name, out)
	}
	if d := cmp.Diff([]string{binary}, entry); d != "" {
		t.Errorf("ENTRYPOINT is not the logpulse binary (-want +got):\n%s", d)
	}
	if len(user) == 0 || user[0] == "root" || user[0] == "0" {
		t.Errorf("run stage runs as %v; want a non-root USER", user)
	}
	for _, name := range composeFiles {
		for _, st := range resolveStages(t, loadComposeFile(t, name)) {
			if addr, ok := st.value("http"); ok {
				_, port, _ := net.SplitHostPort(addr)
				if !slices.Contains(exposed, port) && !slices.Contains(exposed, port+"/tcp") {
					t.Errorf("%s: service %s listens on %s; the image EXPOSEs %v", name, st.name, port, exposed)
				}
			}
		}
	}
}

func TestComposeDockerignore(t *testing.T) {
	ignore := loadDockerignore(t)
	need := []string{"go.mod", "go.sum"}
	root := absPath(t, repoRoot)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed while we walk: others edit the tree too
		} else if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			// What the go command ignores, and build output.
			if p != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "logpulse-data" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		need = append(need, filepath.ToSlash(rel))
		need = append(need, embedded(t, root, p)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range need {
		if ignore.excludes(p) {
			t.Errorf(".dockerignore excludes %s, which the build needs", p)
		}
	}
	for _, p := range []string{".git/HEAD", "logpulse-data/broker/x"} {
		if !ignore.excludes(p) {
			t.Errorf(".dockerignore sends %s to the build context", p)
		}
	}
}

// dockerStage is one FROM ... [AS name] and its instructions.
type dockerStage struct {
	from, name string
	ins        []dockerInstruction
}

type dockerInstruction struct{ cmd, args string }

func (in dockerInstruction) fields() []string { return strings.Fields(in.args) }

// localReplacements lists the directories go.mod's replace directives
// point at, relative to the repository root.
func localReplacements(tb testing.TB) []string {
	tb.Helper()
	var dirs []string
	for line := range strings.Lines(readRepoFile(tb, "go.mod")) {
		_, target, ok := strings.Cut(line, "=>")
		if !ok {
			continue
		}
		if f := strings.Fields(target); len(f) > 0 && (strings.HasPrefix(f[0], "./") || strings.HasPrefix(f[0], "../")) {
			dirs = append(dirs, strings.TrimSuffix(strings.TrimPrefix(f[0], "./"), "/"))
		}
	}
	return dirs
}

// loadDockerfile parses the repository's Dockerfile into its stages.
func loadDockerfile(tb testing.TB) []dockerStage {
	tb.Helper()
	var out []dockerStage
	var line string
	for raw := range strings.Lines(readRepoFile(tb, "Dockerfile")) {
		raw = strings.TrimSpace(raw)
		if strings.HasPrefix(raw, "#") || (raw == "" && line == "") {
			continue
		}
		if cont, ok := strings.CutSuffix(raw, `\`); ok {
			line += cont + " "
			continue
		}
		line += raw
		cmd, args, _ := strings.Cut(line, " ")
		line = ""
		in := dockerInstruction{strings.ToUpper(cmd), strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := slices.DeleteFunc(in.fields(), func(s string) bool { return strings.HasPrefix(s, "--") })
			st := dockerStage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			out = append(out, st)
			continue
		}
		if len(out) == 0 {
			if in.cmd != "ARG" {
				tb.Fatalf("Dockerfile: %s before FROM", in.cmd)
			}
			continue
		}
		out[len(out)-1].ins = append(out[len(out)-1].ins, in)
	}
	return out
}

func goModVersion(tb testing.TB) string {
	tb.Helper()
	for line := range strings.Lines(readRepoFile(tb, "go.mod")) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "go "); ok {
			return strings.TrimSpace(v)
		}
	}
	tb.Fatal("go.mod has no go directive")
	return ""
}

// dockerignore is a .dockerignore's patterns, matched as Docker matches them:
// a pattern excludes a path or any of its parents, ** spans directories, and
// the last matching pattern wins (! re-includes).
type dockerignore []ignorePattern

type ignorePattern struct {
	re      *regexp.Regexp
	include bool
}

func loadDockerignore(tb testing.TB) dockerignore {
	tb.Helper()
	var out dockerignore
	for line := range strings.Lines(readRepoFile(tb, ".dockerignore")) {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		include := strings.HasPrefix(p, "!")
		p = path.Clean(strings.TrimPrefix(strings.TrimPrefix(p, "!"), "/"))
		var re strings.Builder
		for i := 0; i < len(p); i++ {
			switch {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case p[i] == '*':
				re.WriteString("[^/]*")
			case p[i] == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(p[i : i+1]))
			}
		}
		out = append(out, ignorePattern{regexp.MustCompile("^" + re.String() + "$"), include})
	}
	return out
}

// excludes reports whether the build context lacks name, a slash-separated
// path from the repository root.
func (d dockerignore) excludes(name string) bool {
	excluded := false
	for _, p := range d {
		for dir := name; dir != "."; dir = path.Dir(dir) {
			if p.re.MatchString(dir) {
				excluded = !p.include
				break
			}
		}
	}
	return excluded
}

// embedded lists the files a Go file's //go:embed directives name, relative
// to root.
func embedded(tb testing.TB, root, file string) []string {
	tb.Helper()
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // removed while the caller walks the tree
	} else if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for line := range strings.Lines(string(b)) {
		pats, ok := strings.CutPrefix(strings.TrimSpace(line), "//go:embed ")
		if !ok {
			continue
		}
		for _, pat := range strings.Fields(pats) {
			pat = strings.TrimPrefix(strings.Trim(pat, "\"`"), "all:")
			matches, _ := filepath.Glob(filepath.Join(filepath.Dir(file), pat))
			for _, m := range matches {
				filepath.WalkDir(m, func(p string, d fs.DirEntry, err error) error {
					if err == nil && !d.IsDir() {
						rel, _ := filepath.Rel(root, p)
						out = append(out, filepath.ToSlash(rel))
					}
					return nil
				})
			}
		}
	}
	return out
}
