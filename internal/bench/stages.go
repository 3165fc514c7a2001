package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/logpulse/logpulse/internal/kstreams"
)

// procStack is logpulse as separate processes, as production runs it:
// `logpulse ingest`, `aggregate` and `serve` of cfg.Bin on env's topics (the
// stages' --name-prefix), answering over HTTP.
type procStack struct {
	procs []*child
	http  string // serve's address
	ready []string
	cl    *http.Client
}

// child is one process of a stack, with its resident high-water mark.
type child struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
	hwm    uint64
}

func startProcStack(ctx context.Context, e *env, logDir string) (*procStack, error) {
	cfg := e.cfg
	if cfg.Bin == "" {
		return nil, errors.New("the logpulse-stages phase needs the logpulse binary (Config.Bin)")
	}
	b := strings.Join(e.brokers, ",")
	common := []string{"--brokers", b, "--name-prefix", e.prefix, "--window", cfg.Window.String(),
		"--grace", cfg.Grace.String(), "--retention", cfg.Retention.String(), "--log-level", "warn"}
	topics := append([]string{"topics", "--partitions", fmt.Sprint(cfg.Partitions), "--replication", fmt.Sprint(cfg.Replication)}, common...)
	if out, err := exec.CommandContext(ctx, cfg.Bin, topics...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("logpulse topics: %w\n%s", err, out)
	}
	addrs, err := freeAddrs(3)
	if err != nil {
		return nil, err
	}
	s := &procStack{http: addrs[0], cl: &http.Client{Timeout: 5 * time.Second},
		ready: []string{addrs[0], addrs[1], addrs[2]}}
	for _, args := range [][]string{
		append([]string{"ingest", "--metrics-addr", addrs[1], "--transactional-id", e.prefix + "ingest"}, common...),
		append([]string{"aggregate", "--metrics-addr", addrs[2], "--instance-id", e.prefix + "aggregate"}, common...),
		append([]string{"serve", "--http", addrs[0], "--publish-alerts=false"}, common...),
	} {
		c, err := startChild(cfg.Bin, args, filepath.Join(logDir, args[0]+".log"))
		if err != nil {
			return nil, errors.Join(err, s.stop())
		}
		s.procs = append(s.procs, c)
	}
	return s, nil
}

func startChild(bin string, args []string, logPath string) (*child, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("log of logpulse %s: %w", args[0], err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("start logpulse %s: %w", args[0], err)
	}
	c := &child{name: args[0], cmd: cmd, exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		lf.Close()
		close(c.exited)
	}()
	return c, nil
}

// freeAddrs returns n loopback addresses with free ports.
func freeAddrs(n int) ([]string, error) {
	var out []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		out = append(out, l.Addr().String())
		defer l.Close()
	}
	return out, nil
}

// sampleRSS reads each running process's VmHWM.
func (s *procStack) sampleRSS() {
	for _, c := range s.procs {
		if v := kstreams.ProcStatus(c.cmd.Process.Pid, "VmHWM:"); v > 0 {
			c.hwm = max(c.hwm, v)
		}
	}
}

// failed is the error of a process that exited, nil while all run.
func (s *procStack) failed() error {
	for _, c := range s.procs {
		select {
		case <-c.exited:
			return fmt.Errorf("logpulse %s exited: %v", c.name, c.err)
		default:
		}
	}
	return nil
}

// stop reads the peaks one last time and stops every process: SIGTERM,
// SIGKILL after 20 s.
func (s *procStack) stop() error {
	s.sampleRSS()
	var errs []error
	for _, c := range s.procs {
		select {
		case <-c.exited:
			errs = append(errs, fmt.Errorf("logpulse %s exited early: %v", c.name, c.err))
			continue
		default:
		}
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, c := range s.procs {
		select {
		case <-c.exited:
		case <-time.After(20 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
	}
	return errors.Join(errs...)
}

// procRSS is each process's peak, by name.
func (s *procStack) procRSS() []ProcRSS {
	var out []ProcRSS
	for _, c := range s.procs {
		out = append(out, ProcRSS{Name: c.name, HWM: c.hwm})
	}
	return out
}

// total asks serve's /v1/levels for [from, to): events counted in windows,
// and events counted late. Until serve listens it is 0.
func (s *procStack) total(ctx context.Context, from, to time.Time, window time.Duration) (counted, late int64, err error) {
	// Steps of 60 windows keep the answer small.
	step := 60 * window
	to = from.Add((to.Sub(from) + step - 1) / step * step)
	q := url.Values{"from": {from.UTC().Format(time.RFC3339)}, "to": {to.UTC().Format(time.RFC3339)}, "step": {step.String()}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.http+"/v1/levels?"+q.Encode(), nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := s.cl.Do(req)
	if err != nil {
		return 0, 0, nil // not listening yet
	}
	defer resp.Body.Close()
	var body struct {
		Windows []struct {
			Late int64 `json:"late"`
		} `json:"windows"`
		Total int64 `json:"total"`
	}
	switch {
	case resp.StatusCode == http.StatusServiceUnavailable:
		return 0, 0, nil // views recovering
	case resp.StatusCode != http.StatusOK:
		return 0, 0, fmt.Errorf("GET /v1/levels: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, 0, fmt.Errorf("GET /v1/levels: %w", err)
	}
	for _, w := range body.Windows {
		late += w.Late
	}
	return body.Total, late, nil
}

// isReady reports whether every process answers /readyz with 200.
func (s *procStack) isReady(ctx context.Context) bool {
	for _, a := range s.ready {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+a+"/readyz", nil)
		if err != nil {
			return false
		}
		resp, err := s.cl.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false
		}
	}
	return true
}

// runStages starts logpulse as separate processes from offset 0 and waits
// until serve's /v1/levels shows exactly n events in [from, to).
func runStages(ctx context.Context, e *env, n int, from, to time.Time, logDir string) (time.Duration, []ProcRSS, error) {
	began := time.Now()
	s, err := startProcStack(ctx, e, logDir)
	if err != nil {
		return 0, nil, err
	}
	werr := waitCount(ctx, int64(n), 10*time.Minute, func(ctx context.Context) (int64, error) {
		s.sampleRSS()
		if err := s.failed(); err != nil {
			return 0, err
		}
		counted, late, err := s.total(ctx, from, to, e.cfg.Window)
		if err == nil && late != 0 {
			err = fmt.Errorf("view shows %d late events, want 0 (the input is in event-time order per partition)", late)
		}
		return counted, err
	})
	answered := time.Since(began)
	serr := s.stop()
	if werr != nil || serr != nil {
		return 0, nil, errors.Join(werr, serr)
	}
	return answered, s.procRSS(), nil
}

// waitCount polls count every 10 ms until it returns n; more than n is an
// exactness failure.
func waitCount(ctx context.Context, n int64, timeout time.Duration, count func(context.Context) (int64, error)) error {
	deadline := time.Now().Add(timeout)
	var last int64
	for {
		got, err := count(ctx)
		switch {
		case err != nil:
			return fmt.Errorf("%d of %d events counted: %w", last, n, err)
		case got > n:
			return fmt.Errorf("%d events counted, more than the %d produced: counted twice", got, n)
		case got == n:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("%d of %d events counted after %s", got, n, timeout)
		}
		last = got
		if err := sleepCtx(ctx, 10*time.Millisecond); err != nil {
			return err
		}
	}
}
