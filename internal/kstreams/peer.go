// Package kstreams builds and runs the Kafka Streams peer of
// integration/peers/kstreams (logpulse's job done as Kafka Streams'
// documentation recommends) and reads its answer, the latest count per
// (service, level, window) on its output topic. `logpulse bench` measures
// logpulse beside it; the integration suite checks that it counts exactly.
package kstreams

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultKafkaVersion is the kafka-streams release the pom builds against
// by default: the broker release CI runs first.
const DefaultKafkaVersion = "4.4.0"

// Build packages the peer in dir (integration/peers/kstreams) with Maven
// against kafka-streams version (empty: the pom's default) and returns the
// path of its self-contained jar. The first build resolves from Maven
// Central into ~/.m2; later ones work offline.
func Build(ctx context.Context, dir, version string) (string, error) {
	if _, err := exec.LookPath("mvn"); err != nil {
		return "", errors.New("mvn not found: install Maven (and Java 17) to build the Kafka Streams peer")
	}
	args := []string{"-q", "-B", "package"}
	if version != "" {
		args = append(args, "-Dkafka.version="+version)
	}
	cmd := exec.CommandContext(ctx, "mvn", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("mvn package in %s: %w\n%s", dir, err, tail(out, 40))
	}
	jar := filepath.Join(dir, "target", "kstreams-peer.jar")
	if _, err := os.Stat(jar); err != nil {
		return "", fmt.Errorf("mvn package in %s made no jar: %w", dir, err)
	}
	return jar, nil
}

// Config is one run of the peer.
type Config struct {
	Jar           string
	Brokers       []string
	Input, Output string // topics; Output must exist
	ApplicationID string // consumer group, internal topics' prefix
	StateDir      string // RocksDB stores; a fresh one per run
	Window, Grace time.Duration
	Threads       int      // stream threads; 0: one per core
	JavaOpts      []string // JVM flags (default -Xmx1g)
	Java          string   // java binary (default $JAVA_HOME/bin/java or java)
	LogFile       string   // the JVM's output (default StateDir/peer.log)
}

// Proc is the running peer.
type Proc struct {
	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{}
	err    error // set before exited closes

	mu  sync.Mutex
	hwm uint64
}

// Start starts the peer; it runs until Stop.
func Start(cfg Config) (*Proc, error) {
	java := cfg.Java
	if java == "" {
		java = "java"
		if h := os.Getenv("JAVA_HOME"); h != "" {
			java = filepath.Join(h, "bin", "java")
		}
	}
	opts := cfg.JavaOpts
	if opts == nil {
		opts = []string{"-Xmx1g"}
	}
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("kafka streams state dir: %w", err)
	}
	logPath := cfg.LogFile
	if logPath == "" {
		logPath = filepath.Join(cfg.StateDir, "peer.log")
	}
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("kafka streams log: %w", err)
	}
	args := append(append([]string{}, opts...), "-jar", cfg.Jar,
		"--bootstrap="+strings.Join(cfg.Brokers, ","), "--input="+cfg.Input, "--output="+cfg.Output,
		"--application-id="+cfg.ApplicationID, "--state-dir="+cfg.StateDir,
		"--window="+strconv.FormatInt(int64(cfg.Window/time.Second), 10),
		"--grace="+strconv.FormatInt(int64(cfg.Grace/time.Second), 10))
	if cfg.Threads > 0 {
		args = append(args, "--threads="+strconv.Itoa(cfg.Threads))
	}
	cmd := exec.Command(java, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("start kafka streams peer (%s): %w", java, err)
	}
	p := &Proc{cmd: cmd, log: lf, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Pid is the JVM's process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Exited is closed when the JVM has exited.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// ExitErr says how the JVM ended, with the last lines of its log; call it
// after Exited is closed.
func (p *Proc) ExitErr() error {
	b, _ := os.ReadFile(p.log.Name())
	return fmt.Errorf("kafka streams peer exited (%v); last lines of %s:\n%s", p.err, p.log.Name(), tail(b, 30))
}

// PeakRSS is the JVM's resident high-water mark (VmHWM) in bytes, as last
// read while it ran.
func (p *Proc) PeakRSS() uint64 {
	if v := ProcStatus(p.Pid(), "VmHWM:"); v > 0 {
		p.mu.Lock()
		p.hwm = max(p.hwm, v)
		p.mu.Unlock()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hwm
}

// Stop reads the peak RSS one last time, then stops the JVM: SIGTERM (the
// peer closes its KafkaStreams), SIGKILL after 20 s.
func (p *Proc) Stop() error {
	p.PeakRSS()
	defer p.log.Close()
	select {
	case <-p.exited:
		return p.ExitErr()
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	return nil
}

// ProcStatus reads a kB field (VmHWM:, VmRSS:) of /proc/PID/status in
// bytes; 0 when it cannot.
func ProcStatus(pid int, field string) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte(field)); ok {
			kb, err := strconv.ParseUint(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

func tail(b []byte, lines int) string {
	ls := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(ls[max(0, len(ls)-lines):], "\n")
}
