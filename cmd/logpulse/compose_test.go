package main

// docker-compose.yml and the Dockerfile cannot be run where the tests run (no
// Docker engine), so these tests check them by construction: each service
// against the real command tree, flag sets and HTTP routes (this file); the
// Kafka service and the dependencies against what the stages need
// (compose_kafka_test.go); the image against go.mod and the sources
// (dockerfile_test.go). composeload_test.go reads docker-compose.yml.

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/peterbourgon/ff/v3"
	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/logpulse/logpulse/internal/view"
)

func TestComposeCommandTree(t *testing.T) {
	// The tests below build subcommands with the constructors; the tree run
	// builds must hold exactly those.
	help, err := runHelp(t)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run -h: got %v, want flag.ErrHelp", err)
	}
	_, list, ok := strings.Cut(help, "SUBCOMMANDS\n")
	if !ok {
		t.Fatalf("run -h lists no SUBCOMMANDS:\n%s", help)
	}
	list, _, _ = strings.Cut(list, "\n\n")
	var inTree []string
	for line := range strings.Lines(list) {
		if f := strings.Fields(line); len(f) > 0 {
			inTree = append(inTree, f[0])
		}
	}
	var built []string
	for _, c := range cliSubcommands() {
		built = append(built, c.Name)
	}
	slices.Sort(inTree)
	slices.Sort(built)
	if d := cmp.Diff(inTree, built); d != "" {
		t.Errorf("subcommands in run's tree (-) and built by this test's constructors (+) differ:\n%s", d)
	}
}

func TestComposeServices(t *testing.T) { forEachCompose(t, testComposeServices) }

func testComposeServices(t *testing.T, c composeFile) {
	running := resolveStages(t, c)
	if len(running) == 0 {
		t.Fatal("no service is built from this repository")
	}
	oneShot := map[string]bool{}
	for _, svc := range c.Services {
		for dep, cond := range svc.DependsOn {
			if cond == "service_completed_successfully" {
				oneShot[dep] = true
			}
		}
	}
	for _, st := range running {
		if st.svc.Build == nil {
			t.Errorf("service %s: image %q is never pushed anywhere; it needs build: .", st.name, st.svc.Image)
		} else if ctx := filepath.Join(repoRoot, st.svc.Build.Context); absPath(t, ctx) != absPath(t, repoRoot) {
			t.Errorf("service %s: build context %q is not the repository root", st.name, st.svc.Build.Context)
		} else if df := st.svc.Build.Dockerfile; df != "" && df != "Dockerfile" {
			t.Errorf("service %s: builds %s; the checked one is Dockerfile", st.name, df)
		}
		if st.svc.Entrypoint != nil {
			t.Errorf("service %s: entrypoint is set; the image's /logpulse must receive the command", st.name)
		}
		if st.set["generate"] && len(st.svc.Profiles) == 0 {
			t.Errorf("service %s: generated traffic runs in every profile; give it profiles: [demo]", st.name)
		}
		switch {
		case oneShot[st.name] && st.svc.restarts():
			t.Errorf("service %s: restart %q on a one-shot job; want \"no\"", st.name, st.svc.Restart)
		case !oneShot[st.name] && !st.svc.restarts():
			t.Errorf("service %s: long-running %s stage has no restart policy", st.name, st.cmd.Name)
		}
	}

	t.Run("brokers", func(t *testing.T) {
		for _, st := range running {
			if _, ok := st.value("brokers"); !ok {
				continue
			}
			brokers := strings.Split(st.mustValue(t, "brokers"), ",")
			if brokers[0] == "" {
				t.Errorf("service %s: %s has no --brokers (set LOGPULSE_BROKERS)", st.name, st.cmd.Name)
				continue
			}
			for _, b := range brokers {
				host, _, err := net.SplitHostPort(b)
				if err != nil {
					t.Errorf("service %s: broker %q: %v", st.name, b, err)
					continue
				}
				k, ok := c.Services[host]
				if !ok {
					t.Errorf("service %s: broker %q: no service %s in this file", st.name, b, host)
					continue
				}
				adv := kafkaListeners(t, k.Environment["KAFKA_ADVERTISED_LISTENERS"])
				if !slices.Contains(slices.Collect(maps.Values(adv)), b) {
					t.Errorf("service %s: broker %q is not among %s's advertised listeners %v", st.name, b, host, adv)
				}
				if !c.dependsOn(st.name, host) {
					t.Errorf("service %s: does not depend (directly or through others) on %s", st.name, host)
				}
			}
		}
	})

	t.Run("http", func(t *testing.T) {
		served := 0
		for _, st := range running {
			addr, ok := st.value("http")
			if !ok {
				continue
			}
			served++
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				t.Errorf("service %s: --http %q: %v", st.name, addr, err)
				continue
			}
			if !slices.ContainsFunc(st.svc.Ports, func(p portMapping) bool { return p.Target == port }) {
				t.Errorf("service %s: listens on %s but publishes %v", st.name, addr, st.svc.Ports)
			}
			checkReadyz(t, st, port)
		}
		if served == 0 {
			t.Error("no service serves the HTTP API")
		}
	})

	t.Run("scaling", func(t *testing.T) {
		partitions := -1
		for _, st := range running {
			if st.cmd.Name == "topics" {
				partitions, _ = strconv.Atoi(st.mustValue(t, "partitions"))
			}
		}
		if partitions < 1 {
			t.Fatal("no topics service provisions the topics")
		}
		aggregates := 0
		ids := map[string]string{} // flag=value → service
		for _, st := range running {
			n := st.svc.replicas()
			if st.cmd.Name == "aggregate" {
				aggregates++
				if n != 2 {
					t.Errorf("service %s: %d aggregate instances, want 2 (deploy.replicas)", st.name, n)
				}
			}
			if n > partitions {
				t.Errorf("service %s: %d instances but %d partitions; the extra ones would idle", st.name, n, partitions)
			}
			if n > 1 && (st.svc.Hostname != "" || st.svc.ContainerName != "") {
				t.Errorf("service %s: %d instances cannot share a hostname or container name", st.name, n)
			}
			if n > 1 && slices.ContainsFunc(st.svc.Ports, func(p portMapping) bool { return p.Published != "" }) {
				t.Errorf("service %s: %d instances cannot all publish host ports %v", st.name, n, st.svc.Ports)
			}
			// Ingest's transactional ID and aggregate's instance ID are
			// identities: two live instances with one fence each other.
			for _, flag := range []string{"transactional-id", "instance-id"} {
				if !st.set[flag] {
					continue // per-hostname default: unique per container
				}
				id := st.mustValue(t, flag)
				if n > 1 {
					t.Errorf("service %s: %d instances share --%s %q and would fence each other", st.name, n, flag, id)
				}
				if other, dup := ids[flag+"="+id]; dup {
					t.Errorf("services %s and %s share --%s %q", other, st.name, flag, id)
				}
				ids[flag+"="+id] = st.name
			}
		}
		if aggregates == 0 {
			t.Error("no service runs the aggregate stage")
		}
	})

	t.Run("windows", func(t *testing.T) {
		// Stages that disagree on the window layout write and read different
		// table keys, and topics sizes the table's retention from it.
		for _, name := range []string{"window", "grace", "retention"} {
			seen := map[string][]string{}
			for _, st := range running {
				if v, ok := st.value(name); ok {
					seen[v] = append(seen[v], st.name)
				}
			}
			if len(seen) > 1 {
				t.Errorf("--%s differs between services: %v", name, seen)
			}
		}
	})
}

// checkReadyz checks that a service's health check asks /readyz on the port
// it serves, with a program the run image has, and that the real handler
// answers that path with 503 until ready.
func checkReadyz(tb testing.TB, st *composeStage, port string) {
	tb.Helper()
	hc := st.svc.Healthcheck
	if hc == nil || len(hc.Test) < 2 {
		tb.Errorf("service %s: no health check", st.name)
		return
	}
	if hc.Test[0] != "CMD" {
		tb.Errorf("service %s: health check %v: want the exec form [CMD, ...]", st.name, hc.Test)
		return
	}
	if prog := hc.Test[1]; prog != "wget" {
		tb.Errorf("service %s: health check runs %s, which the run image lacks (it has busybox wget)", st.name, prog)
	} else if stages := loadDockerfile(tb); !strings.HasPrefix(stages[len(stages)-1].from, "busybox:") {
		tb.Errorf("service %s: health check runs wget, which the run image %s lacks", st.name, stages[len(stages)-1].from)
	}
	var rawURL string
	for _, a := range hc.Test[2:] {
		if strings.HasPrefix(a, "http://") {
			rawURL = a
		}
	}
	u, err := url.Parse(rawURL)
	if err != nil || rawURL == "" {
		tb.Errorf("service %s: health check %v has no http:// URL", st.name, hc.Test)
		return
	}
	if !isLoopback(u.Hostname()) || u.Port() != port || u.Path != "/readyz" {
		tb.Errorf("service %s: health check asks %s; want /readyz on this container's port %s", st.name, rawURL, port)
	}
	ix := view.New(1, 1, time.Minute, time.Hour)
	h := func(ready func() error) http.Handler {
		s := newStages(&common{window: time.Minute, retention: time.Hour}, nil, slog.New(slog.DiscardHandler))
		h, err := s.apiHandler(&apiFlags{maxPoints: 10}, ix, ready, nil, nil, nil)
		if err != nil {
			tb.Fatal(err)
		}
		return h
	}
	for _, tc := range []struct {
		ready func() error
		want  int
	}{
		{func() error { return notReady("recovering") }, http.StatusServiceUnavailable},
		{func() error { return nil }, http.StatusOK},
	} {
		rec := httptest.NewRecorder()
		h(tc.ready).ServeHTTP(rec, httptest.NewRequest("GET", u.Path, nil))
		if rec.Code != tc.want {
			tb.Errorf("service %s: health check path %s answers %d, want %d", st.name, u.Path, rec.Code, tc.want)
		}
	}
}

// isLoopback reports whether host is this container, as a health check names it.
func isLoopback(host string) bool { return host == "localhost" || host == "127.0.0.1" }

// composeStage is a compose service that runs logpulse, resolved against the CLI.
type composeStage struct {
	name string
	svc  composeService
	cmd  *ffcli.Command // a fresh subcommand, its flags parsed as run parses them
	set  map[string]bool
}

// value is the flag's effective value, and whether the subcommand has it.
func (st *composeStage) value(name string) (string, bool) {
	f := st.cmd.FlagSet.Lookup(name)
	if f == nil {
		return "", false
	}
	return f.Value.String(), true
}

func (st *composeStage) mustValue(tb testing.TB, name string) string {
	tb.Helper()
	v, ok := st.value(name)
	if !ok {
		tb.Fatalf("service %s: %s has no --%s", st.name, st.cmd.Name, name)
	}
	return v
}

// resolveStages parses each logpulse service's command and LOGPULSE_*
// environment with a fresh subcommand and ff, as run does, and runs the
// command line through run's own tree with -h.
func resolveStages(tb testing.TB, c composeFile) map[string]*composeStage {
	tb.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, envPrefix+"_") {
			tb.Setenv(k, "") // ff ignores empty variables
		}
	}
	found := map[string]*composeStage{}
	for name, svc := range c.Services {
		if svc.Build == nil && !strings.HasPrefix(svc.Image, "logpulse") {
			continue
		}
		if len(svc.Command) == 0 {
			tb.Errorf("service %s: no command; want a logpulse subcommand", name)
			continue
		}
		sub, args := svc.Command[0], svc.Command[1:]
		cmds := cliSubcommands()
		i := slices.IndexFunc(cmds, func(c *ffcli.Command) bool { return c.Name == sub })
		if i < 0 {
			tb.Errorf("service %s: %q is not a logpulse subcommand", name, sub)
			continue
		}
		cmd := cmds[i]
		cmd.FlagSet.SetOutput(io.Discard)
		byEnv := map[string]string{}
		cmd.FlagSet.VisitAll(func(f *flag.Flag) { byEnv[envName(f.Name)] = f.Name })
		for k, v := range svc.Environment {
			if !strings.HasPrefix(k, envPrefix+"_") {
				continue
			}
			if _, ok := byEnv[k]; !ok {
				tb.Errorf("service %s: %s has no flag for %s", name, sub, k)
			}
			tb.Setenv(k, v)
		}
		err := ff.Parse(cmd.FlagSet, args, ff.WithEnvVarPrefix(envPrefix))
		for k := range svc.Environment {
			if strings.HasPrefix(k, envPrefix+"_") {
				tb.Setenv(k, "")
			}
		}
		if err != nil {
			tb.Errorf("service %s: %s %v: %v", name, sub, args, err)
			continue
		}
		if rest := cmd.FlagSet.Args(); len(rest) > 0 {
			tb.Errorf("service %s: %s takes no arguments, got %q", name, sub, rest)
			continue
		}
		st := &composeStage{name: name, svc: svc, cmd: cmd, set: map[string]bool{}}
		cmd.FlagSet.Visit(func(f *flag.Flag) { st.set[f.Name] = true })
		for k, v := range svc.Environment {
			if f, ok := byEnv[k]; ok && !st.set[f] {
				tb.Errorf("service %s: %s=%q did not set --%s", name, k, v, f)
			}
		}
		// The same command line through run's own tree: it must reach the
		// subcommand's flag parsing and stop at -h, not fail or run.
		help, err := runHelp(tb, svc.Command...)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(help, "USAGE\n  "+cmd.ShortUsage) {
			tb.Errorf("service %s: run %q: got %v and\n%s\nwant flag.ErrHelp and %s's usage", name, svc.Command, err, help, sub)
			continue
		}
		found[name] = st
	}
	return found
}

// runHelp runs the CLI with args and -h, and returns what it wrote to stderr.
func runHelp(tb testing.TB, args ...string) (string, error) {
	tb.Helper()
	var stderr bytes.Buffer
	err := run(tb.Context(), append(slices.Clone(args), "-h"), strings.NewReader(""), io.Discard, &stderr)
	return stderr.String(), err
}

// cliSubcommands builds the subcommands with the constructors run uses; each
// call returns fresh flag sets.
func cliSubcommands() []*ffcli.Command {
	env := &cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	return subcommands(env)
}
