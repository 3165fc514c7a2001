package main

// docker-compose.yml and the Dockerfile cannot be run where the tests run (no
// Docker engine), so these tests check them by construction: each service
// against the real command tree, flag sets and HTTP routes; the Kafka service
// against what the stages need; the image against go.mod and the sources.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/version"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/internal/rollup"
	"github.com/peterbourgon/ff/v3"
	"github.com/peterbourgon/ff/v3/ffcli"
	"gopkg.in/yaml.v3"
)

// repoRoot is the repository root, seen from this package's directory, where
// go test runs.
const repoRoot = "../.."

func TestComposeCommandTree(t *testing.T) {
	// The tests below build subcommands with the constructors; the tree run
	// builds must hold exactly those.
	var stderr bytes.Buffer
	if err := run(t.Context(), []string{"-h"}, strings.NewReader(""), io.Discard, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run -h: got %v, want flag.ErrHelp", err)
	}
	_, list, ok := strings.Cut(stderr.String(), "SUBCOMMANDS\n")
	if !ok {
		t.Fatalf("run -h lists no SUBCOMMANDS:\n%s", stderr.String())
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

func TestComposeServices(t *testing.T) {
	c := loadCompose(t)
	running := resolveStages(t, c)
	if len(running) == 0 {
		t.Fatal("docker-compose.yml has no service built from this repository")
	}
	for _, st := range running {
		if st.svc.Build == nil {
			t.Errorf("service %s: image %q is never pushed anywhere; it needs build: .", st.name, st.svc.Image)
		} else if ctx := filepath.Join(repoRoot, st.svc.Build.Context); !samePath(t, ctx, repoRoot) {
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
		oneShot := slices.ContainsFunc(slices.Collect(maps.Values(c.Services)), func(s composeService) bool {
			return s.DependsOn[st.name] == "service_completed_successfully"
		})
		switch r := st.svc.Restart; {
		case oneShot && r != "" && r != "no":
			t.Errorf("service %s: restart %q on a one-shot job; want \"no\"", st.name, r)
		case !oneShot && (r == "" || r == "no"):
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
		txnIDs := map[string]string{}
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
			if !st.set["transactional-id"] {
				continue // per-hostname default: unique per container
			}
			id := st.mustValue(t, "transactional-id")
			if n > 1 {
				t.Errorf("service %s: %d instances share transactional ID %q and would fence each other", st.name, n, id)
			}
			if other, dup := txnIDs[id]; dup {
				t.Errorf("services %s and %s share transactional ID %q", other, st.name, id)
			}
			txnIDs[id] = st.name
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

func TestComposeDependencies(t *testing.T) {
	c := loadCompose(t)
	for name, svc := range c.Services {
		for dep, cond := range svc.DependsOn {
			target, ok := c.Services[dep]
			switch {
			case !ok:
				t.Errorf("service %s depends on %s, which does not exist", name, dep)
				continue
			case len(target.Profiles) > 0 && len(svc.Profiles) == 0:
				t.Errorf("service %s runs in every profile but depends on %s, which runs only in %v", name, dep, target.Profiles)
			}
			hasCheck := target.Healthcheck != nil && len(target.Healthcheck.Test) > 0 && target.Healthcheck.Test[0] != "NONE"
			switch cond {
			case "service_started":
				if hasCheck {
					t.Errorf("service %s starts as soon as %s starts; wait for service_healthy", name, dep)
				}
			case "service_healthy":
				if !hasCheck {
					t.Errorf("service %s waits for %s to be healthy, which has no health check", name, dep)
				}
			case "service_completed_successfully":
				if target.Restart != "" && target.Restart != "no" {
					t.Errorf("service %s waits for %s to complete, which restarts (%s)", name, dep, target.Restart)
				}
			default:
				t.Errorf("service %s: depends_on %s has unknown condition %q", name, dep, cond)
			}
		}
		if c.dependsOn(name, name) {
			t.Errorf("service %s depends on itself", name)
		}
	}
}

func TestComposeKafka(t *testing.T) {
	c := loadCompose(t)
	var kafkas []string
	for name, svc := range c.Services {
		if strings.HasPrefix(svc.Image, "apache/kafka:") {
			kafkas = append(kafkas, name)
		}
	}
	if len(kafkas) == 0 {
		t.Fatal("no apache/kafka service")
	}
	brokers := len(kafkas)
	for _, name := range kafkas {
		svc := c.Services[name]
		env := svc.Environment
		intEnv := func(key string) int {
			n, err := strconv.Atoi(env[key])
			if err != nil {
				t.Errorf("service %s: %s=%q: want a number", name, key, env[key])
			}
			return n
		}
		if roles := strings.Split(env["KAFKA_PROCESS_ROLES"], ","); !slices.Contains(roles, "broker") || !slices.Contains(roles, "controller") {
			t.Errorf("service %s: KAFKA_PROCESS_ROLES=%q; a single KRaft node is broker,controller", name, env["KAFKA_PROCESS_ROLES"])
		}
		lis := kafkaListeners(t, env["KAFKA_LISTENERS"])
		ctrl := env["KAFKA_CONTROLLER_LISTENER_NAMES"]
		_, ctrlPort, _ := net.SplitHostPort(lis[ctrl])
		voter := fmt.Sprintf("%d@%s:%s", intEnv("KAFKA_NODE_ID"), name, ctrlPort)
		if !slices.Contains(strings.Split(env["KAFKA_CONTROLLER_QUORUM_VOTERS"], ","), voter) {
			t.Errorf("service %s: KAFKA_CONTROLLER_QUORUM_VOTERS=%q lacks itself, %s", name, env["KAFKA_CONTROLLER_QUORUM_VOTERS"], voter)
		}
		protocols := kafkaListeners(t, strings.ReplaceAll(env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"], ":", "://"))
		for l := range lis {
			if _, ok := protocols[l]; !ok {
				t.Errorf("service %s: listener %s has no security protocol", name, l)
			}
		}
		for l, addr := range kafkaListeners(t, env["KAFKA_ADVERTISED_LISTENERS"]) {
			host, port, _ := net.SplitHostPort(addr)
			if _, p, _ := net.SplitHostPort(lis[l]); p != port {
				t.Errorf("service %s: advertised %s %s, but the listener is %q", name, l, addr, lis[l])
			}
			// A listener advertised as localhost is for clients on the host.
			if host == "localhost" && !slices.Contains(svc.Ports, portMapping{Published: port, Target: port}) {
				t.Errorf("service %s: advertises %s to the host but does not publish %s:%s", name, addr, port, port)
			}
		}
		// Kafka's defaults (3) cannot be met by fewer brokers, and then
		// consumer groups and ingest's transactions never start.
		for _, key := range []string{"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"} {
			if n := intEnv(key); n < 1 || n > brokers {
				t.Errorf("service %s: %s=%d with %d broker(s)", name, key, n, brokers)
			}
		}
		if n := intEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"); n != 0 {
			t.Errorf("service %s: KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=%d delays every stage's start", name, n)
		}
		if i := slices.IndexFunc(svc.Volumes, func(v composeMount) bool { return v.Target == env["KAFKA_LOG_DIRS"] }); i < 0 {
			t.Errorf("service %s: KAFKA_LOG_DIRS=%q is not on a volume %v", name, env["KAFKA_LOG_DIRS"], svc.Volumes)
		} else if _, ok := c.Volumes[svc.Volumes[i].Source]; !ok {
			t.Errorf("service %s: volume %q is not declared under volumes:", name, svc.Volumes[i].Source)
		}
		if hc := svc.Healthcheck; hc == nil || !slices.Contains(hc.Test, "/opt/kafka/bin/kafka-broker-api-versions.sh") {
			t.Errorf("service %s: health check %v does not ask the broker for its API versions", name, hc)
		} else if i := slices.Index(hc.Test, "--bootstrap-server"); i < 0 || i+1 == len(hc.Test) || !listensOn(lis, hc.Test[i+1]) {
			t.Errorf("service %s: health check %v does not reach one of its listeners %v", name, hc.Test, lis)
		}
	}
	for _, st := range resolveStages(t, c) {
		if st.cmd.Name != "topics" {
			continue
		}
		if r, _ := strconv.Atoi(st.mustValue(t, "replication")); r > brokers {
			t.Errorf("service %s: replication %d with %d broker(s)", st.name, r, brokers)
		}
	}
}

func TestComposeDockerfile(t *testing.T) {
	dstages := parseDockerfile(t, filepath.Join(repoRoot, "Dockerfile"))
	if len(dstages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s), want a build stage and a run stage", len(dstages))
	}
	buildAt := slices.IndexFunc(dstages, func(s dockerStage) bool { return strings.HasPrefix(s.from, "golang:") })
	if buildAt < 0 {
		t.Fatal("Dockerfile has no golang build stage")
	}
	build, final := dstages[buildAt], dstages[len(dstages)-1]

	tag := strings.TrimPrefix(build.from, "golang:")
	goVersion, _, _ := strings.Cut(tag, "-")
	if want := goModVersion(t); version.Compare("go"+goVersion, "go"+want) < 0 {
		t.Errorf("build image %s: Go %s is older than go.mod's go %s (the image sets GOTOOLCHAIN=local)", build.from, goVersion, want)
	}

	copyMod := build.index(func(in dockerInstruction) bool {
		return in.cmd == "COPY" && slices.Contains(in.fields(), "go.mod") && slices.Contains(in.fields(), "go.sum")
	})
	download := build.index(func(in dockerInstruction) bool {
		return in.cmd == "RUN" && strings.Contains(in.args, "go mod download")
	})
	copyAll := build.index(func(in dockerInstruction) bool { return in.cmd == "COPY" && slices.Contains(in.fields(), ".") })
	goBuild := build.index(func(in dockerInstruction) bool { return in.cmd == "RUN" && strings.Contains(in.args, "go build") })
	if !(0 <= copyMod && copyMod < download && download < copyAll && copyAll < goBuild) {
		t.Errorf("build stage: want COPY go.mod go.sum, RUN go mod download, COPY . ., RUN go build in that order; got positions %d, %d, %d, %d",
			copyMod, download, copyAll, goBuild)
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
	out := ""
	if i := slices.Index(buildArgs, "-o"); i >= 0 && i+1 < len(buildArgs) {
		out = buildArgs[i+1]
	} else {
		t.Fatalf("go build %v: no -o", buildArgs)
	}

	var binary string
	for _, in := range final.ins {
		f := in.fields()
		if in.cmd == "COPY" && len(f) == 3 && f[0] == "--from="+build.name && f[1] == out {
			binary = f[2]
		}
	}
	if binary == "" {
		t.Errorf("run stage does not COPY --from=%s %s", build.name, out)
	}
	var entry, user []string
	var exposed []string
	for _, in := range final.ins {
		switch in.cmd {
		case "ENTRYPOINT":
			entry = nil
			if err := json.Unmarshal([]byte(in.args), &entry); err != nil {
				t.Errorf("ENTRYPOINT %s: want the exec (JSON) form, so compose's command becomes its arguments", in.args)
			}
		case "USER":
			user = strings.Split(in.args, ":")
		case "EXPOSE":
			exposed = append(exposed, in.fields()...)
		case "HEALTHCHECK":
			t.Errorf("run stage: HEALTHCHECK would apply to every stage, and only serve has HTTP")
		}
	}
	if d := cmp.Diff([]string{binary}, entry); d != "" {
		t.Errorf("ENTRYPOINT is not the logpulse binary (-want +got):\n%s", d)
	}
	if len(user) == 0 || user[0] == "root" || user[0] == "0" {
		t.Errorf("run stage runs as %v; want a non-root USER", user)
	}
	for _, st := range resolveStages(t, loadCompose(t)) {
		if addr, ok := st.value("http"); ok {
			_, port, _ := net.SplitHostPort(addr)
			if !slices.Contains(exposed, port) && !slices.Contains(exposed, port+"/tcp") {
				t.Errorf("service %s listens on %s; the image EXPOSEs %v", st.name, port, exposed)
			}
		}
	}
}

func TestComposeDockerignore(t *testing.T) {
	ignore := loadDockerignore(t, filepath.Join(repoRoot, ".dockerignore"))
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
	var prog, rawURL string
	switch hc.Test[0] {
	case "CMD":
		prog = hc.Test[1]
		for _, a := range hc.Test[2:] {
			if strings.HasPrefix(a, "http://") {
				rawURL = a
			}
		}
	default:
		tb.Errorf("service %s: health check %v: want the exec form [CMD, ...]", st.name, hc.Test)
		return
	}
	if prog == "wget" {
		final := parseDockerfile(tb, filepath.Join(repoRoot, "Dockerfile"))
		if from := final[len(final)-1].from; !strings.HasPrefix(from, "busybox:") {
			tb.Errorf("service %s: health check runs wget, which the run image %s lacks", st.name, from)
		}
	} else {
		tb.Errorf("service %s: health check runs %s, which the run image lacks (it has busybox wget)", st.name, prog)
	}
	u, err := url.Parse(rawURL)
	if err != nil || rawURL == "" {
		tb.Errorf("service %s: health check %v has no http:// URL", st.name, hc.Test)
		return
	}
	if h := u.Hostname(); (h != "localhost" && h != "127.0.0.1") || u.Port() != port || u.Path != "/readyz" {
		tb.Errorf("service %s: health check asks %s; want /readyz on this container's port %s", st.name, rawURL, port)
	}
	s := newStages(&common{window: time.Minute, retention: time.Hour}, nil, slog.New(slog.DiscardHandler))
	ix := rollup.New(1, time.Minute, time.Hour)
	for _, tc := range []struct {
		ready func() error
		want  int
	}{
		{func() error { return notReady("recovering") }, http.StatusServiceUnavailable},
		{func() error { return nil }, http.StatusOK},
	} {
		rec := httptest.NewRecorder()
		s.httpHandler(ix, 10, tc.ready).ServeHTTP(rec, httptest.NewRequest("GET", u.Path, nil))
		if rec.Code != tc.want {
			tb.Errorf("service %s: health check path %s answers %d, want %d", st.name, u.Path, rec.Code, tc.want)
		}
	}
}

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
		i := slices.IndexFunc(cliSubcommands(), func(c *ffcli.Command) bool { return c.Name == sub })
		if i < 0 {
			tb.Errorf("service %s: %q is not a logpulse subcommand", name, sub)
			continue
		}
		cmd := cliSubcommands()[i]
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
		for k := range svc.Environment {
			if f, ok := byEnv[k]; ok && !st.set[f] {
				tb.Errorf("service %s: %s=%q did not set --%s", name, k, svc.Environment[k], f)
			}
		}
		// The same command line through run's own tree: it must reach the
		// subcommand's flag parsing and stop at -h, not fail or run.
		var stderr bytes.Buffer
		err = run(tb.Context(), append(slices.Clone(svc.Command), "-h"), strings.NewReader(""), io.Discard, &stderr)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "USAGE\n  "+cmd.ShortUsage) {
			tb.Errorf("service %s: run %q: got %v and\n%s\nwant flag.ErrHelp and %s's usage", name, svc.Command, err, stderr.String(), sub)
			continue
		}
		found[name] = st
	}
	return found
}

// cliSubcommands builds the subcommands with the constructors run uses; each
// call returns fresh flag sets.
func cliSubcommands() []*ffcli.Command {
	env := &cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	return []*ffcli.Command{
		runCommand(env), brokerCommand(env), ingestCommand(env), aggregateCommand(env),
		serveCommand(env), topicsCommand(env), produceCommand(env),
	}
}

// composeFile is the part of the compose specification these tests read. yaml.v3
// resolves anchors, aliases and << merge keys while decoding.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image         string                  `yaml:"image"`
	Build         *buildSpec              `yaml:"build"`
	Entrypoint    any                     `yaml:"entrypoint"`
	Command       argList                 `yaml:"command"`
	Environment   composeEnv              `yaml:"environment"`
	DependsOn     composeDeps             `yaml:"depends_on"`
	Ports         []portMapping           `yaml:"ports"`
	Volumes       []composeMount          `yaml:"volumes"`
	Healthcheck   *composeHealthcheck     `yaml:"healthcheck"`
	Deploy        struct{ Replicas *int } `yaml:"deploy"`
	Scale         *int                    `yaml:"scale"`
	Restart       string                  `yaml:"restart"`
	Profiles      []string                `yaml:"profiles"`
	Hostname      string                  `yaml:"hostname"`
	ContainerName string                  `yaml:"container_name"`
}

func (s composeService) replicas() int {
	switch {
	case s.Deploy.Replicas != nil:
		return *s.Deploy.Replicas
	case s.Scale != nil:
		return *s.Scale
	}
	return 1
}

// dependsOn reports whether service from waits for service to, directly or
// through others.
func (c composeFile) dependsOn(from, to string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(s string) bool {
		for dep := range c.Services[s].DependsOn {
			if dep == to {
				return true
			}
			if !seen[dep] {
				seen[dep] = true
				if walk(dep) {
					return true
				}
			}
		}
		return false
	}
	return walk(from)
}

// composeKeys are the service attributes of the compose specification; a
// misspelt one (enviroment:) is silently ignored by an older Compose.
var composeKeys = strings.Fields(`annotations attach blkio_config build cap_add cap_drop cgroup
	cgroup_parent command configs container_name cpu_count cpu_percent cpu_period cpu_quota
	cpu_rt_period cpu_rt_runtime cpu_shares cpus cpuset credential_spec depends_on deploy develop
	device_cgroup_rules devices dns dns_opt dns_search domainname entrypoint env_file environment
	expose extends external_links extra_hosts gpus group_add healthcheck hostname image init ipc
	isolation label_file labels links logging mac_address mem_limit mem_reservation mem_swappiness
	memswap_limit models network_mode networks oom_kill_disable oom_score_adj pid pids_limit
	platform ports post_start pre_stop privileged profiles provider pull_policy read_only restart
	runtime scale secrets security_opt shm_size stdin_open stop_grace_period stop_signal
	storage_opt sysctls tmpfs tty ulimits use_api_socket user userns_mode uts volumes
	volumes_from working_dir`)

func loadCompose(tb testing.TB) composeFile {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docker-compose.yml"))
	if err != nil {
		tb.Fatal(err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		tb.Fatalf("docker-compose.yml: %v", err)
	}
	for k := range raw {
		if !strings.HasPrefix(k, "x-") && !slices.Contains([]string{"name", "services", "networks", "volumes", "configs", "secrets", "include", "models"}, k) {
			tb.Errorf("docker-compose.yml: top-level %q is not in the compose specification (version: is obsolete)", k)
		}
	}
	services, _ := raw["services"].(map[string]any)
	for name, s := range services {
		attrs, _ := s.(map[string]any)
		for k := range attrs {
			if !strings.HasPrefix(k, "x-") && !slices.Contains(composeKeys, k) {
				tb.Errorf("service %s: %q is not a compose service attribute", name, k)
			}
		}
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		tb.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

// argList is a command: a list, or a string split on spaces.
type argList []string

func (w *argList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*w = strings.Fields(n.Value)
		return nil
	}
	return n.Decode((*[]string)(w))
}

// composeEnv is a map or a list of KEY=VALUE.
type composeEnv map[string]string

func (e *composeEnv) UnmarshalYAML(n *yaml.Node) error {
	*e = composeEnv{}
	if n.Kind == yaml.SequenceNode {
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		for _, kv := range list {
			k, v, _ := strings.Cut(kv, "=")
			(*e)[k] = v
		}
		return nil
	}
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		return err
	}
	for k, v := range m {
		if v != nil {
			(*e)[k] = fmt.Sprint(v)
		} else {
			(*e)[k] = ""
		}
	}
	return nil
}

// composeDeps maps each dependency to its condition.
type composeDeps map[string]string

func (d *composeDeps) UnmarshalYAML(n *yaml.Node) error {
	*d = composeDeps{}
	if n.Kind == yaml.SequenceNode {
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		for _, s := range list {
			(*d)[s] = "service_started"
		}
		return nil
	}
	var m map[string]struct{ Condition string }
	if err := n.Decode(&m); err != nil {
		return err
	}
	for s, v := range m {
		(*d)[s] = v.Condition
		if v.Condition == "" {
			(*d)[s] = "service_started"
		}
	}
	return nil
}

// portMapping is a published port: "[ip:]published:target[/proto]" or the long form.
type portMapping struct{ Published, Target string }

func (p *portMapping) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		var long struct{ Target, Published any }
		if err := n.Decode(&long); err != nil {
			return err
		}
		p.Target = fmt.Sprint(long.Target)
		if long.Published != nil {
			p.Published = fmt.Sprint(long.Published)
		}
		return nil
	}
	s, _, _ := strings.Cut(n.Value, "/")
	i := strings.LastIndex(s, ":")
	p.Target = s[i+1:]
	if i >= 0 {
		s = s[:i]
		p.Published = s[strings.LastIndex(s, ":")+1:]
	}
	return nil
}

// composeMount is a volume: "source:target[:mode]" or the long form.
type composeMount struct{ Source, Target string }

func (m *composeMount) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		return n.Decode((*struct{ Source, Target string })(m))
	}
	parts := strings.Split(n.Value, ":")
	if len(parts) == 1 {
		m.Target = parts[0]
		return nil
	}
	m.Source, m.Target = parts[0], parts[1]
	return nil
}

// composeHealthcheck.s Test is in the exec form: a string is ["CMD-SHELL", s].
type composeHealthcheck struct {
	Test argList
}

func (h *composeHealthcheck) UnmarshalYAML(n *yaml.Node) error {
	var v struct{ Test yaml.Node }
	if err := n.Decode(&v); err != nil {
		return err
	}
	if v.Test.Kind == yaml.ScalarNode {
		h.Test = argList{"CMD-SHELL", v.Test.Value}
		return nil
	}
	return v.Test.Decode((*[]string)(&h.Test))
}

// buildSpec is "build: dir" or the long form.
type buildSpec struct{ Context, Dockerfile string }

func (b *buildSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	return n.Decode((*struct{ Context, Dockerfile string })(b))
}

// listeners parses Kafka's "NAME://host:port,..." into name → host:port.
func kafkaListeners(tb testing.TB, s string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for item := range strings.SplitSeq(s, ",") {
		name, addr, ok := strings.Cut(strings.TrimSpace(item), "://")
		if !ok {
			tb.Errorf("listener %q: want NAME://host:port", item)
			continue
		}
		out[name] = addr
	}
	return out
}

// listensOn reports whether localhost:port reaches one of the listeners.
func listensOn(lis map[string]string, bootstrap string) bool {
	host, port, err := net.SplitHostPort(bootstrap)
	if err != nil || (host != "localhost" && host != "127.0.0.1") {
		return false
	}
	return slices.ContainsFunc(slices.Collect(maps.Values(lis)), func(addr string) bool {
		h, p, _ := net.SplitHostPort(addr)
		return p == port && (h == "" || h == "0.0.0.0" || h == host)
	})
}

// dockerStage is one FROM ... [AS name] and its instructions.
type dockerStage struct {
	from, name string
	ins        []dockerInstruction
}

func (s dockerStage) index(match func(dockerInstruction) bool) int {
	return slices.IndexFunc(s.ins, match)
}

type dockerInstruction struct{ cmd, args string }

func (in dockerInstruction) fields() []string { return strings.Fields(in.args) }

func parseDockerfile(tb testing.TB, path string) []dockerStage {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var out []dockerStage
	var line string
	for raw := range strings.Lines(string(b)) {
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
	b, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		tb.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
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
type dockerignore []struct {
	re      *regexp.Regexp
	include bool
}

func loadDockerignore(tb testing.TB, path string) dockerignore {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var out dockerignore
	for line := range strings.Lines(string(b)) {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		include := strings.HasPrefix(p, "!")
		p = filepath.ToSlash(filepath.Clean(strings.TrimPrefix(strings.TrimPrefix(p, "!"), "/")))
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
		out = append(out, struct {
			re      *regexp.Regexp
			include bool
		}{regexp.MustCompile("^" + re.String() + "$"), include})
	}
	return out
}

func (d dockerignore) excludes(path string) bool {
	excluded := false
	for _, p := range d {
		for dir := path; dir != "."; dir = filepath.ToSlash(filepath.Dir(dir)) {
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
		return nil
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

func absPath(tb testing.TB, p string) string {
	tb.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func samePath(tb testing.TB, a, b string) bool {
	tb.Helper()
	return absPath(tb, a) == absPath(tb, b)
}
