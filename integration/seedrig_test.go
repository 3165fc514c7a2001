package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// missing skips a test whose outside tool is not installed, or fails it in
// CI (CI is set), where .ci/run installs everything.
func missing(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatal(msg + " (CI is set: .ci/run installs and starts it)")
	}
	tb.Skip(msg + ": skipping")
}

// seedPython is a Python with the replaced system's libraries (aio-pika,
// aiohttp, pandas): $LOGPULSE_TEST_PYTHON, else python3.
func seedPython(tb testing.TB) (python, script string) {
	tb.Helper()
	script, _ = filepath.Abs(filepath.Join("testdata", "seed", "seed.py"))
	python = os.Getenv("LOGPULSE_TEST_PYTHON")
	if python == "" {
		python = "python3"
	}
	if out, err := exec.Command(python, "-c", "import aio_pika, aiohttp, pandas").CombinedOutput(); err != nil {
		missing(tb, "no Python with aio-pika, aiohttp and pandas ("+python+": "+strings.TrimSpace(string(tail(out, 200)))+
			"; pip install -r integration/testdata/seed/requirements.txt and set LOGPULSE_TEST_PYTHON)")
	}
	return python, script
}

// seedRun runs seed.py and decodes the JSON line it prints into v.
func seedRun(tb testing.TB, python, script string, v any, args ...string) {
	tb.Helper()
	out, err := exec.Command(python, append([]string{script}, args...)...).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		tb.Fatalf("seed.py %s: %v\n%s%s", args[0], err, out, tail(stderr, 2000))
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), v); err != nil {
		tb.Fatalf("seed.py %s printed %q: %v", args[0], out, err)
	}
}

// rabbitMQ is a RabbitMQ node run by scripts/rabbitmq.sh.
type rabbitMQ struct {
	dir, url string
}

// rabbitScript is scripts/rabbitmq.sh.
func rabbitScript() string {
	p, _ := filepath.Abs(filepath.Join("..", "scripts", "rabbitmq.sh"))
	return p
}

// startRabbitMQ uses the node in $LOGPULSE_TEST_RABBITMQ (.ci/run starts
// one there), else starts one of the test's own when rabbitmq-server is
// installed.
func startRabbitMQ(tb testing.TB) *rabbitMQ {
	tb.Helper()
	r := &rabbitMQ{dir: os.Getenv("LOGPULSE_TEST_RABBITMQ")}
	if r.dir == "" {
		if _, err := os.Stat("/usr/lib/rabbitmq/bin/rabbitmq-server"); err != nil {
			missing(tb, "rabbitmq-server is not installed (apt-get install rabbitmq-server)")
		}
		r.dir = tb.TempDir()
		r.url = r.script(tb, "start")
		tb.Cleanup(func() { exec.Command(rabbitScript(), "stop", r.dir).Run() })
		return r
	}
	r.url = r.script(tb, "url")
	return r
}

func (r *rabbitMQ) script(tb testing.TB, cmd string) string {
	tb.Helper()
	out, err := exec.Command(rabbitScript(), cmd, r.dir).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		tb.Fatalf("scripts/rabbitmq.sh %s %s: %v\n%s", cmd, r.dir, err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// restart stops the node and starts it again on the same port and data.
func (r *rabbitMQ) restart(tb testing.TB) {
	tb.Helper()
	r.script(tb, "restart")
}

// publisher is seed.py publish running in the background.
type publisher struct {
	cmd         *exec.Cmd
	out, stderr bytes.Buffer
	done        chan error
}

func startPublisher(tb testing.TB, python, script string, args ...string) *publisher {
	tb.Helper()
	p := &publisher{done: make(chan error, 1)}
	p.cmd = exec.Command(python, append([]string{script, "publish"}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.stderr
	if err := p.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	tb.Cleanup(func() { p.cmd.Process.Kill() })
	return p
}

// running fails the test if the publisher has finished: what comes next
// would not be mid-stream.
func (p *publisher) running(tb testing.TB, what string) {
	tb.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		tb.Fatalf("aio-pika had published everything before %s: not mid-stream (make the publisher slower)", what)
	default:
	}
}

// wait waits for the publisher to finish and returns what it printed.
func (p *publisher) wait(tb testing.TB) string {
	tb.Helper()
	select {
	case err := <-p.done:
		if err != nil {
			tb.Fatalf("aio-pika publisher: %v\n%s", err, tail(p.stderr.Bytes(), 2000))
		}
	case <-time.After(3 * time.Minute):
		tb.Fatal("aio-pika publisher still running after 3 minutes")
	}
	return string(bytes.TrimSpace(p.out.Bytes()))
}
