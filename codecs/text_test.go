package codecs

import "testing"

// TestDecodeText covers the layouts of the loghub samples with lines written
// for this test, and the other layouts the text decoder knows.
func TestDecodeText(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{
			name:  "seed format",
			value: "1700000000 ERROR disk full\n",
			want:  event{"2023-11-14T22:13:20Z", "ERROR", "unknown", "", "disk full"},
		},
		{
			name:  "seed format in ms",
			value: "1700000000123 WARN slow",
			want:  event{"2023-11-14T22:13:20.123Z", "WARN", "unknown", "", "slow"},
		},
		{
			name:  "RFC 3339",
			value: "2026-11-26T10:00:00.123+01:00 INFO started\r\n",
			want:  event{"2026-11-26T09:00:00.123Z", "INFO", "unknown", "", "started"},
		},
		{
			name:  "HDFS",
			value: "081109 203615 148 WARN dfs.DataNode: slow block",
			want:  event{"2008-11-09T20:36:15Z", "WARN", "unknown", "", "dfs.DataNode: slow block"},
		},
		{
			name:  "Hadoop",
			value: "2015-10-18 18:01:47,978 FATAL [main] org.apache.App: gone",
			want:  event{"2015-10-18T18:01:47.978Z", "FATAL", "unknown", "", "[main] org.apache.App: gone"},
		},
		{
			name:  "Zookeeper",
			value: "2015-07-29 17:41:44,747 - ERROR [Peer@774] - lost quorum",
			want:  event{"2015-07-29T17:41:44.747Z", "ERROR", "unknown", "", "[Peer@774] - lost quorum"},
		},
		{
			name:  "OpenStack",
			value: "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 WARNING nova.compute [req-1] slow",
			want:  event{"2017-05-16T00:00:00.008Z", "WARN", "unknown", "", "nova.compute [req-1] slow"},
		},
		{
			name:  "Spark",
			value: "17/06/09 20:10:40 ERROR executor.Executor: lost task",
			want:  event{"2017-06-09T20:10:40Z", "ERROR", "unknown", "", "executor.Executor: lost task"},
		},
		{
			name:  "log4j with thread first",
			value: "2026-11-26 10:00:00,123 [main] WARN  com.acme.App - low memory",
			want:  event{"2026-11-26T10:00:00.123Z", "WARN", "unknown", "", "com.acme.App - low memory"},
		},
		{
			name:  "Kafka's own layout",
			value: "[2026-11-26 10:00:00,123] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)",
			want:  event{"2026-11-26T10:00:00.123Z", "INFO", "unknown", "", "[KafkaServer id=1] started (kafka.server.KafkaServer)"},
		},
		{
			name:  "nginx error log",
			value: "2026/11/26 10:00:00 [error] 123#0: open() failed",
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "unknown", "", "123#0: open() failed"},
		},
		{
			name:  "Apache error log",
			value: "[Thu Nov 26 10:00:00 2026] [notice] workerEnv.init() ok",
			want:  event{"2026-11-26T10:00:00Z", "INFO", "unknown", "", "workerEnv.init() ok"},
		},
		{
			name:  "syslog crit in brackets",
			value: "Nov 26 10:00:00 host [crit] disk failing",
			want:  event{"2026-11-26T10:00:00Z", "FATAL", "unknown", "", "disk failing"},
		},
		{
			name:  "syslog without a level",
			value: "Nov 26 10:00:00 web-1 sshd[42]: Accepted publickey",
			want:  event{"2026-11-26T10:00:00Z", "UNKNOWN", "unknown", "", "web-1 sshd[42]: Accepted publickey"},
		},
		{
			name:  "angle brackets",
			value: "2026-11-26T10:00:00Z <E> boom",
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "unknown", "", "boom"},
		},
		{
			name:  "level key in a text line",
			value: "2026-11-26T10:00:00Z app[1]: level=warn slow",
			want:  event{"2026-11-26T10:00:00Z", "WARN", "unknown", "", "slow"},
		},
		{
			name:  "logfmt after a shipper's timestamp",
			value: `2026-11-26T10:00:00Z ts=2026-11-26T09:59:59.9Z level=error msg="disk full" service=api`,
			want:  event{"2026-11-26T09:59:59.9Z", "ERROR", "api", "", "disk full"},
		},
		{
			name:  "glog",
			value: "E1126 10:00:00.000123 12345 main.go:42] disk full",
			want:  event{"2026-11-26T10:00:00.000123Z", "ERROR", "unknown", "", "disk full"},
		},
		{
			name:  "glog across new year",
			value: "W1231 23:59:59.000000 1 x.go:1] late",
			ts:    "2027-01-01T00:00:05Z",
			want:  event{"2026-12-31T23:59:59Z", "WARN", "unknown", "", "late"},
		},
		{
			name:  "Android threadtime",
			value: "11-26 10:00:00.000  123  456 E Tag: msg",
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "unknown", "", "Tag: msg"},
		},
		{
			name:  "Android brief",
			value: "W/ActivityManager(  585): slow",
			want:  event{refTime, "WARN", "unknown", "", "ActivityManager(  585): slow"},
		},
		{
			name:  "java.util.logging",
			value: "2026-11-26 10:00:00 SEVERE com.acme.Db connect: refused",
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "unknown", "", "com.acme.Db connect: refused"},
		},
		{
			name:  "JUL FINE",
			value: "2026-11-26 10:00:00 FINE cache warm",
			want:  event{"2026-11-26T10:00:00Z", "DEBUG", "unknown", "", "cache warm"},
		},
		{
			name:  "Python logging",
			value: "WARNING:root:disk almost full",
			want:  event{refTime, "WARN", "unknown", "", "root:disk almost full"},
		},
		{
			name:  "zap console, lower case first",
			value: "2026-11-26T10:00:00.000Z\tinfo\tpkg/file.go:12\tserving",
			want:  event{"2026-11-26T10:00:00Z", "INFO", "unknown", "", "pkg/file.go:12\tserving"},
		},
		{
			name:  "level before the timestamp",
			value: "[ERROR] 2026-11-26 10:00:00 db down",
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "unknown", "", "db down"},
		},
		{
			name:  "log4j padded level in brackets",
			value: "2026-11-26 10:00:00,123 [WARN ] pool low",
			want:  event{"2026-11-26T10:00:00.123Z", "WARN", "unknown", "", "pool low"},
		},
		{
			name:  "level before the timestamp, logfmt after",
			value: "[WARN] 2026-11-26T10:00:00Z msg=slow took=3s",
			want:  event{"2026-11-26T10:00:00Z", "WARN", "unknown", "", "slow"},
		},
		{
			name:  "terminal colours",
			value: "\x1b[2m2026-11-26T10:00:00Z\x1b[0m \x1b[31mERROR\x1b[0m boom",
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "unknown", "", "boom"},
		},
		{
			name:  "stack trace: columns from the first line",
			value: "2026-11-26 10:00:00 ERROR boom\n\tat com.acme.Main.run(Main.java:1)\nCaused by: FATAL x",
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "unknown", "", "boom\n\tat com.acme.Main.run(Main.java:1)\nCaused by: FATAL x"},
		},
		{
			name:  "no structure: the whole line",
			value: "something happened",
			want:  event{refTime, "UNKNOWN", "unknown", "", "something happened"},
		},
		{
			name:  "common word first",
			value: "error: could not open file",
			want:  event{refTime, "ERROR", "unknown", "", "could not open file"},
		},
		// Letters and words that are not levels.
		{
			name:  "I/O is not INFO",
			value: "I/O error while reading",
			want:  event{refTime, "UNKNOWN", "unknown", "", "I/O error while reading"},
		},
		{
			name:  "a letter in the message",
			value: "2026-11-26T10:00:00Z E is for error",
			want:  event{"2026-11-26T10:00:00Z", "UNKNOWN", "unknown", "", "E is for error"},
		},
		{
			name:  "letters in parentheses",
			value: "2026-11-26T10:00:00Z see (a) and (e)",
			want:  event{"2026-11-26T10:00:00Z", "UNKNOWN", "unknown", "", "see (a) and (e)"},
		},
		{
			name:  "a rare synonym in lower case",
			value: "2026-11-26T10:00:00Z fine tuning done",
			want:  event{"2026-11-26T10:00:00Z", "UNKNOWN", "unknown", "", "fine tuning done"},
		},
		{
			name:  "a common word later in the message",
			value: "2026-11-26T10:00:00Z retry after error",
			want:  event{"2026-11-26T10:00:00Z", "UNKNOWN", "unknown", "", "retry after error"},
		},
		{
			name:  "a level word past the level columns",
			value: "2026-11-26T10:00:00Z job 7 of 9 hit ERROR state",
			want:  event{"2026-11-26T10:00:00Z", "UNKNOWN", "unknown", "", "job 7 of 9 hit ERROR state"},
		},
		{
			name:  "a longer word",
			value: "2026-11-26T10:00:00Z ERRORS: 0",
			want:  event{"2026-11-26T10:00:00Z", "UNKNOWN", "unknown", "", "ERRORS: 0"},
		},
		{
			name:  "a timestamp glued to a word",
			value: "2026-11-26T10:00:00Zx INFO y",
			want:  event{refTime, "INFO", "unknown", "", "y"},
		},
	})
}
