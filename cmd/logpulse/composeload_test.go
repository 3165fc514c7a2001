package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// repoRoot is the repository root, seen from this package's directory, where
// go test runs.
const repoRoot = "../.."

// readRepoFile returns the content of a file at the repository root.
func readRepoFile(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func absPath(tb testing.TB, p string) string {
	tb.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		tb.Fatal(err)
	}
	return a
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

// restarts reports whether the service has a restart policy.
func (s composeService) restarts() bool { return s.Restart != "" && s.Restart != "no" }

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

// composeFiles are the compose files in the repository: one broker, and a
// three-broker cluster. Every compose test checks each.
var composeFiles = []string{"docker-compose.yml", "docker-compose.cluster.yml"}

// forEachCompose runs check on each compose file, as a subtest named for it.
func forEachCompose(t *testing.T, check func(*testing.T, composeFile)) {
	for _, name := range composeFiles {
		t.Run(name, func(t *testing.T) { check(t, loadComposeFile(t, name)) })
	}
}

// loadComposeFile decodes a compose file, and reports keys that are not in
// the compose specification.
func loadComposeFile(tb testing.TB, name string) composeFile {
	tb.Helper()
	b := []byte(readRepoFile(tb, name))
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	for k := range raw {
		if !strings.HasPrefix(k, "x-") && !slices.Contains([]string{"name", "services", "networks", "volumes", "configs", "secrets", "include", "models"}, k) {
			tb.Errorf("%s: top-level %q is not in the compose specification (version: is obsolete)", name, k)
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
		tb.Fatalf("%s: %v", name, err)
	}
	return c
}

// The types below accept each short and long form the compose specification
// allows for what they hold, so rewriting the file in another valid form
// does not break the tests.

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
		(*e)[k] = ""
		if v != nil {
			(*e)[k] = fmt.Sprint(v)
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

// composeHealthcheck's Test is in the exec form: a string is ["CMD-SHELL", s].
type composeHealthcheck struct {
	Test []string
}

func (h *composeHealthcheck) UnmarshalYAML(n *yaml.Node) error {
	var v struct{ Test yaml.Node }
	if err := n.Decode(&v); err != nil {
		return err
	}
	if v.Test.Kind == yaml.ScalarNode {
		h.Test = []string{"CMD-SHELL", v.Test.Value}
		return nil
	}
	return v.Test.Decode(&h.Test)
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
