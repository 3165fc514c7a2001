package integration

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestRsyslog: rsyslog, the syslog daemon of most Linux hosts, ships to
// logs with omkafka (Debian: rsyslog-kafka), once as syslog messages from
// logger over TCP (RFC 5424 records) and once as the lines of a file it
// follows with imfile (RSYSLOG_FileFormat records); each service's
// per-level totals over HTTP are exactly what was sent.
func TestRsyslog(t *testing.T) {
	rs := findRsyslog(t)
	n := startRun(t, t.TempDir(), freeAddr(t))
	from := time.Now().UTC().Truncate(time.Minute).Add(-time.Minute)
	to := from.Add(30 * time.Minute) // the test takes a few minutes at most
	var sent int64

	t.Run("syslog", func(t *testing.T) {
		// The level is the PRI's severity; notice and info (what
		// senders give lines of no known level) leave it to a level
		// word leading the message, else INFO. The service is the
		// APP-NAME (the tag).
		cases := []struct {
			tag, sev, text, level string
			count                 int
		}{
			{"rsbilling", "emerg", "database lost", "FATAL", 1},
			{"rsauth", "alert", "keystore unreadable", "FATAL", 2},
			{"rsbilling", "crit", "ledger out of balance", "FATAL", 3},
			{"rsbilling", "err", "charge declined", "ERROR", 4},
			{"rsbilling", "warning", "gateway slow", "WARN", 5},
			{"rsauth", "info", "token issued", "INFO", 6},
			{"rsauth", "info", "ERROR budget reset", "ERROR", 2}, // info is a default
			{"rsauth", "err", "INFO cache warm", "ERROR", 1},     // err is not
			{"rsauth", "debug", "session cache hit", "DEBUG", 7},
			{"rsauth", "notice", "ERROR disk full", "ERROR", 3},
			{"rsbilling", "notice", "WARN retry 2 of 5", "WARN", 2},
			{"rsauth", "notice", "user logged in", "INFO", 4},
		}
		addr := freeAddr(t)
		host, port, _ := net.SplitHostPort(addr)
		rs.start(t, fmt.Sprintf(`
module(load="imtcp")
input(type="imtcp" address=%q port=%q ruleset="out" rateLimit.interval="0")
ruleset(name="out") {
  %s
}`, host, port, kafkaAction(n, `template="RSYSLOG_SyslogProtocol23Format"`)))
		poll(t, 30*time.Second, "rsyslog listening on "+addr, func() (bool, string) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				return false, err.Error()
			}
			c.Close()
			return true, ""
		})
		want := map[string]map[string]int64{}
		for _, c := range cases {
			// logger sends each line of its input as one message.
			var in strings.Builder
			for i := range c.count {
				fmt.Fprintf(&in, "%s (%d)\n", c.text, i)
			}
			cmd := exec.Command(rs.logger, "--tcp", "-n", host, "-P", port, "-p", "local0."+c.sev, "-t", c.tag)
			cmd.Stdin = strings.NewReader(in.String())
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("logger -p local0.%s: %v\n%s", c.sev, err, out)
			}
			if want[c.tag] == nil {
				want[c.tag] = map[string]int64{}
			}
			want[c.tag][c.level] += int64(c.count)
			sent += int64(c.count)
		}
		waitLevelTotals(t, n, from, to, want, sent)
	})

	t.Run("file", func(t *testing.T) {
		// Two files, one per imfile tag style: a bare name (as in
		// rsyslog's docs) and a syslog tag ending in a colon. imfile
		// reads a file it has no state for from its start, then follows
		// it: 20 lines of each are there before rsyslog starts, 30 after.
		dir := t.TempDir()
		tags := map[string]string{"rsfile": "rsfile", "rsapp": "rsapp:"} // service → tag
		msgs := []string{"ERROR payment failed", "WARN slow", "INFO ok", "DEBUG cache hit", "FATAL out of memory", "INFO user 7 logged in", "ERROR retry 3 failed"}
		want := map[string]map[string]int64{}
		var inputs strings.Builder
		for svc, tag := range tags {
			want[svc] = map[string]int64{}
			fmt.Fprintf(&inputs, "input(type=\"imfile\" file=%q tag=%q ruleset=\"out\")\n", filepath.Join(dir, svc+".log"), tag)
		}
		j := 0
		write := func(lines int) {
			t.Helper()
			for svc := range tags {
				f, err := os.OpenFile(filepath.Join(dir, svc+".log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
				if err != nil {
					t.Fatal(err)
				}
				for range lines {
					msg := msgs[j%len(msgs)]
					j++
					fmt.Fprintf(f, "%s %s\n", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), msg)
					want[svc][strings.Fields(msg)[0]]++
					sent++
				}
				f.Close()
			}
		}
		write(20)
		// The record key is the tag without its colon, so the service
		// is the same whether the decoder reads the tag or the key.
		// omkafka's default template is RSYSLOG_FileFormat.
		rs.start(t, fmt.Sprintf(`
module(load="imfile")
%s
template(name="program" type="string" string="%%programname%%")
ruleset(name="out") {
  %s
}`, inputs.String(), kafkaAction(n, `dynaKey="on" key="program"`)))
		write(30)
		waitLevelTotals(t, n, from, to, want, sent)
	})

	if t.Failed() {
		return
	}
	// Nothing else reached logs: no rsyslog notice, no repeat.
	n.settle(from, to, sent)
}

// rsyslog is an installed rsyslogd with omkafka.
type rsyslog struct {
	bin, modDir, logger string
}

// findRsyslog skips the test when rsyslogd, omkafka or logger is missing,
// or fails it under LOGPULSE_REQUIRE_RSYSLOG=1 (CI installs them).
func findRsyslog(tb testing.TB) rsyslog {
	tb.Helper()
	missing := func(what string) {
		msg := what + " is not installed (apt-get install rsyslog rsyslog-kafka; .ci/run installs them): skipping the rsyslog test"
		if os.Getenv("LOGPULSE_REQUIRE_RSYSLOG") == "1" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	var rs rsyslog
	var err error
	if rs.bin, err = exec.LookPath("rsyslogd"); err != nil {
		// /usr/sbin is not on every user's PATH.
		if rs.bin = "/usr/sbin/rsyslogd"; !fileExists(rs.bin) {
			missing("rsyslogd")
		}
	}
	mods, _ := filepath.Glob("/usr/lib/*/rsyslog/omkafka.so")
	mods = append(mods, "/usr/lib/rsyslog/omkafka.so", "/usr/lib64/rsyslog/omkafka.so")
	for _, m := range mods {
		if fileExists(m) {
			rs.modDir = filepath.Dir(m)
			break
		}
	}
	if rs.modDir == "" {
		missing("omkafka (rsyslog-kafka)")
	}
	if rs.logger, err = exec.LookPath("logger"); err != nil {
		missing("logger")
	}
	return rs
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// kafkaAction is an omkafka action to n's logs topic that never drops a
// message: an in-memory action queue, retried forever while the broker is
// away, and librdkafka's failed deliveries resubmitted.
func kafkaAction(n *node, params string) string {
	return fmt.Sprintf(`action(type="omkafka" broker=["%s"] topic=%q %s
    confParam=["queue.buffering.max.ms=10"] resubmitOnFailure="on"
    queue.type="LinkedList" queue.size="100000" action.resumeRetryCount="-1")`,
		strings.Join(n.brokers, `", "`), n.topics.Logs, params)
}

// start runs rsyslogd in the foreground with only conf's inputs and
// rulesets (no /dev/log, no system config, its own work directory and pid
// file) until the end of the test; its output is shown if the test fails.
func (rs rsyslog) start(tb testing.TB, conf string) {
	tb.Helper()
	dir := tb.TempDir()
	confPath := filepath.Join(dir, "rsyslog.conf")
	conf = fmt.Sprintf(`global(workDirectory=%q)
module(load="omkafka")
%s
`, dir, conf)
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	args := []string{"-f", confPath, "-M", rs.modDir}
	if out, err := exec.Command(rs.bin, append(args, "-N1")...).CombinedOutput(); err != nil {
		tb.Fatalf("rsyslogd -N1 (check the config): %v\n%s\n%s", err, out, conf)
	}
	logPath := filepath.Join(dir, "rsyslogd.log")
	logf, err := os.Create(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(rs.bin, append(args, "-n", "-i", filepath.Join(dir, "rsyslogd.pid"))...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if tb.Failed() {
			b, _ := os.ReadFile(logPath)
			tb.Logf("rsyslogd config:\n%s\nrsyslogd output, last 4 KiB:\n%s", conf, tail(b, 4096))
		}
	})
}

// waitLevelTotals polls /v1/levels over [from, to) until every service of
// want has exactly its per-level totals and all services together have
// total events; on failure it shows some of their records as they are.
func waitLevelTotals(t *testing.T, n *node, from, to time.Time, want map[string]map[string]int64, total int64) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			for _, r := range recordsOf(t, n, want) {
				t.Logf("logs[%d]@%d key %q value %q", r.Partition, r.Offset, r.Key, r.Value)
			}
		}
	})
	poll(t, time.Minute, fmt.Sprintf("per-level totals of %d services, %d events in all", len(want), total), func() (bool, string) {
		got := map[string]map[string]int64{}
		for svc := range want {
			s, err := n.levels(from, to, svc)
			if err != nil {
				return false, err.Error()
			}
			got[svc] = map[string]int64{}
			for _, counts := range s {
				for l, c := range counts {
					got[svc][l] += c
				}
			}
		}
		all, err := n.levels(from, to, "")
		if err != nil {
			return false, err.Error()
		}
		diff := cmp.Diff(want, got)
		return diff == "" && all.total() == total, fmt.Sprintf("%d of %d events in all; per service and level (-sent +counted):\n%s", all.total(), total, diff)
	})
}

// recordsOf reads logs from its start and returns up to three records
// of each of want's services (by key or tag), as logpulse sees them.
func recordsOf(tb testing.TB, n *node, want map[string]map[string]int64) []*kgo.Record {
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.brokers...), kgo.ConsumeTopics(n.topics.Logs),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		tb.Log(err)
		return nil
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	shown := map[string]int{}
	var recs []*kgo.Record
	for len(recs) < 3*len(want) && ctx.Err() == nil {
		for _, r := range cl.PollFetches(ctx).Records() {
			for svc := range want {
				v := string(r.Value)
				if (string(r.Key) == svc || strings.Contains(v, " "+svc+" ") || strings.Contains(v, " "+svc+": ")) && shown[svc] < 3 {
					shown[svc]++
					recs = append(recs, r)
				}
			}
		}
	}
	return recs
}
