package main

// No Docker engine runs where the tests run. compose-go, the loader docker
// compose itself is built on, loads each compose file and checks it against
// the compose specification; the checks here add what the specification
// cannot know: each logpulse service against the real CLI's flag sets (this
// file) and the Kafka services against what the stages need
// (compose_kafka_test.go). TestComposeCatches proves every check by a
// fileMistake written into a copy of the real file.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// repoRoot is the repository root, seen from this package's directory.
const repoRoot = "../.."

func readRepoFile(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestCompose(t *testing.T) {
	for _, name := range []string{"docker-compose.yml", "docker-compose.cluster.yml"} {
		t.Run(name, func(t *testing.T) {
			p, err := loadCompose(t.Context(), name, readRepoFile(t, name))
			if err != nil {
				t.Fatal(err)
			}
			checkCompose(t, p, t.Errorf)
		})
	}
}

// loadCompose loads a compose file as `docker compose up` does, with no
// variables from this host's environment; then with every profile enabled,
// for the checks. The first load refuses a service that depends on one only
// a profile starts.
func loadCompose(ctx context.Context, name, content string) (*types.Project, error) {
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		return nil, err
	}
	var p *types.Project
	for _, profiles := range [][]string{nil, {"*"}} {
		p, err = loader.LoadWithContext(ctx, types.ConfigDetails{
			WorkingDir:  root,
			ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, name), Content: []byte(content)}},
			Environment: types.Mapping{},
		}, func(o *loader.Options) {
			o.SetProjectName("logpulse", true)
			o.Profiles = profiles
			o.ResolvePaths = true
		})
		if err != nil {
			return nil, fmt.Errorf("load %s with profiles %v: %w", name, profiles, err)
		}
	}
	return p, nil
}

// checkCompose reports through errorf what in a loaded project would break
// logpulse once it runs.
func checkCompose(tb testing.TB, p *types.Project, errorf func(string, ...any)) {
	tb.Helper()
	stages := resolveComposeStages(p, errorf)
	checkComposeServices(tb, p, stages, errorf)
	checkKafka(tb, p, stages, errorf)
}

// composeStage is a compose service that runs logpulse, with its subcommand's real
// flag set parsed from the service's command and LOGPULSE_* environment.
type composeStage struct {
	name string
	svc  types.ServiceConfig
	cmd  string
	fs   *flag.FlagSet
}

// value is the flag's effective value; "" if the subcommand has no such flag.
func (s *composeStage) value(name string) string {
	if f := s.fs.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

func (s *composeStage) isSet(name string) (set bool) {
	s.fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// subcommandFlags returns a fresh flag set of the named subcommand, built by
// the CLI's own constructors (nil if there is none): the one place these
// tests reach into the CLI's code.
func subcommandFlags(name string) *flag.FlagSet {
	for _, c := range subcommands(&cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}) {
		if c.Name == name {
			c.FlagSet.SetOutput(io.Discard)
			return c.FlagSet
		}
	}
	return nil
}

// resolveComposeStages parses each logpulse service's command line and
// environment with the real flag set. A variable is read as ff reads it:
// LOGPULSE_SOME_FLAG sets --some-flag, an empty value sets nothing, and the
// command line wins.
func resolveComposeStages(p *types.Project, errorf func(string, ...any)) []*composeStage {
	var out []*composeStage
	for _, name := range p.ServiceNames() {
		svc := p.Services[name]
		if svc.Build == nil && !strings.HasPrefix(svc.Image, "logpulse") {
			continue
		}
		if len(svc.Command) == 0 {
			errorf("service %s: no command; want a logpulse subcommand", name)
			continue
		}
		fs := subcommandFlags(svc.Command[0])
		if fs == nil {
			errorf("service %s: %q is not a logpulse subcommand", name, svc.Command[0])
			continue
		}
		byEnv := map[string]string{}
		fs.VisitAll(func(f *flag.Flag) {
			byEnv["LOGPULSE_"+strings.ToUpper(strings.NewReplacer("-", "_", ".", "_", "/", "_").Replace(f.Name))] = f.Name
		})
		var args []string
		for k, v := range svc.Environment {
			if !strings.HasPrefix(k, "LOGPULSE_") {
				continue
			}
			if f, ok := byEnv[k]; !ok {
				errorf("service %s: %s has no flag for %s", name, svc.Command[0], k)
			} else if v != nil && *v != "" {
				args = append(args, "--"+f+"="+*v)
			}
		}
		slices.Sort(args)
		if err := fs.Parse(append(args, svc.Command[1:]...)); err != nil {
			errorf("service %s: %s with %q: %v", name, svc.Command[0], args, err)
			continue
		}
		if fs.NArg() > 0 {
			errorf("service %s: %s takes no arguments, got %q", name, svc.Command[0], fs.Args())
			continue
		}
		out = append(out, &composeStage{name: name, svc: svc, cmd: svc.Command[0], fs: fs})
	}
	return out
}

func checkComposeServices(tb testing.TB, p *types.Project, stages []*composeStage, errorf func(string, ...any)) {
	tb.Helper()
	root, _ := filepath.Abs(repoRoot)
	oneShot := map[string]bool{}
	for _, svc := range p.Services {
		for dep, d := range svc.DependsOn {
			oneShot[dep] = oneShot[dep] || d.Condition == types.ServiceConditionCompletedSuccessfully
		}
	}
	for _, name := range p.ServiceNames() {
		svc := p.Services[name]
		restarts := svc.Restart != "" && svc.Restart != "no"
		if oneShot[name] == restarts {
			errorf("service %s: restart %q; want \"no\" on a one-shot job, a policy on a long-running one", name, svc.Restart)
		}
		for dep, d := range svc.DependsOn {
			hc := p.Services[dep].HealthCheck
			healthy := hc != nil && !hc.Disable && len(hc.Test) > 0 && hc.Test[0] != "NONE"
			switch {
			case d.Condition == types.ServiceConditionStarted && healthy:
				errorf("service %s starts as soon as %s starts; wait for service_healthy", name, dep)
			case d.Condition == types.ServiceConditionHealthy && !healthy:
				errorf("service %s waits for %s to be healthy, which has no health check", name, dep)
			}
		}
	}

	cmds := map[string]bool{}
	ids := map[string]string{} // flag=value → service
	for _, st := range stages {
		cmds[st.cmd] = true
		if b := st.svc.Build; b == nil || b.Context != root || b.Dockerfile != "Dockerfile" {
			errorf("service %s: image %s is not built from this repository's Dockerfile; want build: .", st.name, st.svc.Image)
		}
		if len(st.svc.Entrypoint) > 0 {
			errorf("service %s: entrypoint is set; the image's /logpulse must receive the command", st.name)
		}
		if st.isSet("generate") && len(st.svc.Profiles) == 0 {
			errorf("service %s: generated traffic runs in every deployment; give it profiles: [demo]", st.name)
		}
		if st.fs.Lookup("brokers") != nil {
			for _, b := range strings.Split(st.value("brokers"), ",") {
				checkComposeBroker(p, st, b, errorf)
			}
		}
		if addr := st.value("http"); addr != "" {
			checkComposeHTTP(st, addr, errorf)
		}
		// Ingest's transactional ID and aggregate's instance ID are
		// identities: two live instances with one fence each other. Their
		// defaults derive from the container's hostname.
		n := st.svc.GetScale()
		if n > 1 && st.svc.Hostname != "" {
			errorf("service %s: %d instances share hostname %s, and with it their IDs", st.name, n, st.svc.Hostname)
		}
		for _, f := range []string{"transactional-id", "instance-id"} {
			if !st.isSet(f) {
				continue
			}
			id := st.value(f)
			if n > 1 {
				errorf("service %s: %d instances share --%s %s and would fence each other", st.name, n, f, id)
			}
			if other, dup := ids[f+"="+id]; dup {
				errorf("services %s and %s share --%s %s and would fence each other", other, st.name, f, id)
			}
			ids[f+"="+id] = st.name
		}
	}
	for _, want := range []string{"topics", "ingest", "aggregate", "serve"} {
		if !cmds[want] {
			errorf("no service runs logpulse %s; the pipeline needs every stage", want)
		}
	}
	// Stages that disagree on the window layout write and read different
	// table keys, and topics sizes the table's retention from it.
	for _, f := range []string{"window", "grace", "retention"} {
		seen := map[string][]string{}
		for _, st := range stages {
			if st.fs.Lookup(f) != nil {
				seen[st.value(f)] = append(seen[st.value(f)], st.name)
			}
		}
		if len(seen) > 1 {
			errorf("--%s differs between services: %v", f, seen)
		}
	}
}

// checkComposeBroker checks that a service reaches Kafka at b: a broker of this
// project advertises that address, and the service waits for it.
func checkComposeBroker(p *types.Project, st *composeStage, b string, errorf func(string, ...any)) {
	host, _, err := net.SplitHostPort(b)
	if err != nil {
		errorf("service %s: broker %q: %v", st.name, b, err)
		return
	}
	k, ok := p.Services[host]
	if !ok || !strings.Contains(svcEnv(k, "KAFKA_ADVERTISED_LISTENERS"), "://"+b) {
		errorf("service %s: broker %s is not advertised by a service of this file", st.name, b)
	}
	if deps, err := p.WithSelectedServices([]string{st.name}); err != nil || !slices.Contains(deps.ServiceNames(), host) {
		errorf("service %s: does not depend (directly or through others) on broker %s", st.name, host)
	}
}

// checkComposeHTTP checks that a service serving HTTP on addr publishes its
// port, and that its health check asks /readyz there with wget, which the
// run image has (checkDockerfile).
func checkComposeHTTP(st *composeStage, addr string, errorf func(string, ...any)) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		errorf("service %s: --http %q: %v", st.name, addr, err)
		return
	}
	if !slices.ContainsFunc(st.svc.Ports, func(p types.ServicePortConfig) bool { return fmt.Sprint(p.Target) == port }) {
		errorf("service %s: listens on %s but does not publish it", st.name, addr)
	}
	var u *url.URL
	if hc := st.svc.HealthCheck; hc != nil && len(hc.Test) > 2 && hc.Test[0] == "CMD" && hc.Test[1] == "wget" {
		u, _ = url.Parse(hc.Test[len(hc.Test)-1])
	}
	if u == nil || u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" || u.Port() != port || u.Path != "/readyz" {
		errorf("service %s: health check is not [CMD, wget, ..., http://127.0.0.1:%s/readyz]", st.name, port)
	}
}

// svcEnv is a service's environment variable; "" when unset.
func svcEnv(svc types.ServiceConfig, key string) string {
	if v := svc.Environment[key]; v != nil {
		return *v
	}
	return ""
}
