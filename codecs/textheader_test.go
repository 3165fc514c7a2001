package codecs

import "testing"

// TestDecodeTextHeaders covers the header rules on layouts of real software
// that the corpus folders do not hold, each line written from the
// software's documented layout.
func TestDecodeTextHeaders(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{
			name:  "PostgreSQL: zone name, pid, LOG",
			value: "2026-11-26 10:00:00.123 UTC [4242] LOG:  checkpoint starting: time",
			want:  event{"2026-11-26T10:00:00.123Z", "INFO", "unknown", "", "checkpoint starting: time"},
		},
		{
			name:  "PostgreSQL ERROR after the user@db column",
			value: "2026-11-26 10:00:00.123 UTC [4242] app@shop ERROR:  relation \"x\" does not exist",
			want:  event{"2026-11-26T10:00:00.123Z", "ERROR", "unknown", "", "relation \"x\" does not exist"},
		},
		{
			name:  "Tomcat: dd-Mon-yyyy",
			value: "26-Nov-2026 10:00:00.123 SEVERE [main] org.apache.catalina.startup.Catalina.start Server failed",
			want:  event{"2026-11-26T10:00:00.123Z", "ERROR", "unknown", "", "[main] org.apache.catalina.startup.Catalina.start Server failed"},
		},
		{
			name:  "Windows CBS: a timestamp followed by a comma",
			value: "2026-11-26 10:00:00, Info                  CBS    Loaded Servicing Stack v6.1.7601.23505",
			want:  event{"2026-11-26T10:00:00Z", "INFO", "unknown", "", "CBS    Loaded Servicing Stack v6.1.7601.23505"},
		},
		{
			name:  "BGL: the level ninth, after location columns",
			value: "- 1795687200 2026.11.26 R02-M1-N0-C:J12-U11 2026-11-26-10.00.00.675872 R02-M1-N0-C:J12-U11 RAS KERNEL FATAL data TLB error interrupt",
			want:  event{"2026-11-26T10:00:00Z", "FATAL", "unknown", "", "data TLB error interrupt"},
		},
		{
			name:  "rsyslog file format: host and tag, then the level",
			value: "2026-11-26T10:00:00.123456+00:00 web-1 billing[77]: WARN card declined",
			want:  event{"2026-11-26T10:00:00.123456Z", "WARN", "unknown", "", "card declined"},
		},
		{
			name:  "rsyslog file format, a tag without a colon and the app's own timestamp",
			value: "2026-11-26T10:00:00.347568+00:00 vm rsfile 2026-11-26T10:00:00.338Z ERROR payment failed",
			want:  event{"2026-11-26T10:00:00.347568Z", "ERROR", "unknown", "", "payment failed"},
		},
		{
			name:  "Elasticsearch",
			value: "[2026-11-26T10:00:00,123][WARN ][o.e.c.r.a.DiskThresholdMonitor] [node-1] high disk watermark exceeded",
			want:  event{"2026-11-26T10:00:00.123Z", "WARN", "unknown", "", "[o.e.c.r.a.DiskThresholdMonitor] [node-1] high disk watermark exceeded"},
		},
		{
			name:  "Rails",
			value: "E, [2026-11-26T10:00:00.123456 #1234] ERROR -- : boom",
			want:  event{"2026-11-26T10:00:00.123456Z", "ERROR", "unknown", "", "-- : boom"},
		},
		{
			name:  "MongoDB 3: W column",
			value: "2026-11-26T10:00:00.000+0000 W NETWORK  [conn12] slow query",
			want:  event{"2026-11-26T10:00:00Z", "WARN", "unknown", "", "NETWORK  [conn12] slow query"},
		},
		{
			name:  "etcd: E column",
			value: "2026-11-26 10:00:00.123456 E | rafthttp: failed to dial",
			want:  event{"2026-11-26T10:00:00.123456Z", "ERROR", "unknown", "", "rafthttp: failed to dial"},
		},
		{
			name:  "HealthApp: compact date, no level",
			value: "20261126-10:00:00:606|Step_LSC|30002312|onStandStepChanged 3579",
			want:  event{"2026-11-26T10:00:00.606Z", "UNKNOWN", "unknown", "", "|Step_LSC|30002312|onStandStepChanged 3579"},
		},
		{
			name:  "access log time in brackets",
			value: "[26/Nov/2026:11:00:00 +0100] [error] upstream timed out",
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "unknown", "", "upstream timed out"},
		},
		{
			name:  "Redis 4: day, month and year",
			value: "1:M 26 Nov 2026 10:00:00.123 # WARNING overcommit_memory is set to 0!",
			want:  event{"2026-11-26T10:00:00.123Z", "WARN", "unknown", "", "WARNING overcommit_memory is set to 0!"},
		},
		{
			name:  "PostgreSQL DEBUG2",
			value: "2026-11-26 10:00:00 UTC [1] DEBUG2:  autovacuum: processing database",
			want:  event{"2026-11-26T10:00:00Z", "DEBUG", "unknown", "", "autovacuum: processing database"},
		},
		{
			name:  "Apache 2.4 trace5",
			value: "[Thu Nov 26 10:00:00.123456 2026] [ssl:trace5] [pid 1] ssl_engine_io.c(2135): read 5 bytes",
			want:  event{"2026-11-26T10:00:00.123456Z", "TRACE", "unknown", "", "[pid 1] ssl_engine_io.c(2135): read 5 bytes"},
		},
		// Prose ends the header.
		{
			name:  "an upper-case level word in a sentence",
			value: "2026-11-26T10:00:00Z user alice changed the level to DEBUG",
			want:  event{"2026-11-26T10:00:00Z", "UNKNOWN", "unknown", "", "user alice changed the level to DEBUG"},
		},
		{
			name:  "a letter column needs a column after it",
			value: "2026-11-26T10:00:00Z I think it works",
			want:  event{"2026-11-26T10:00:00Z", "UNKNOWN", "unknown", "", "I think it works"},
		},
		{
			name:  "a tagged word in prose",
			value: "2026-11-26T10:00:00Z the reason was given as follows error: none",
			want:  event{"2026-11-26T10:00:00Z", "UNKNOWN", "unknown", "", "the reason was given as follows error: none"},
		},
	})
}

// TestYearlessStamps: a timestamp without a year takes the latest year
// that does not put it more than a day after the record timestamp.
func TestYearlessStamps(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{
			name:  "a March line read in December: last March",
			value: "03-17 16:13:38.811  1702  2395 D WindowManager: freezing",
			ts:    "2026-12-05T12:00:00Z",
			want:  event{"2026-03-17T16:13:38.811Z", "DEBUG", "unknown", "", "WindowManager: freezing"},
		},
		{
			name:  "syslog in June, read in December",
			value: "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure",
			ts:    "2026-12-05T12:00:00Z",
			want:  event{"2026-06-14T15:16:01Z", "UNKNOWN", "unknown", "", "combo sshd(pam_unix)[19939]: authentication failure"},
		},
		{
			name:  "a clock a few hours ahead keeps the year",
			value: "Dec 05 20:00:00 web-1 app: ERROR x",
			ts:    "2026-12-05T12:00:00Z",
			want:  event{"2026-12-05T20:00:00Z", "ERROR", "unknown", "", "x"},
		},
		{
			name:  "29 February: the last leap year",
			value: "02-29 10:00:00.000  1  2 I Tag: leap",
			ts:    "2027-03-01T00:00:00Z",
			want:  event{"2024-02-29T10:00:00Z", "INFO", "unknown", "", "Tag: leap"},
		},
	})
}

// TestDecodeTextHeadersMore: more layouts of common servers, each line
// written from the software's documented layout.
func TestDecodeTextHeadersMore(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{
			name:  "Envoy: bracket groups in one token",
			value: "[2026-11-26 10:00:00.123][12][warning][main] [source/server/server.cc:100] no admin address",
			want:  event{"2026-11-26T10:00:00.123Z", "WARN", "unknown", "", "[source/server/server.cc:100] no admin address"},
		},
		{
			name:  "NATS",
			value: "[1] 2026/11/26 10:00:00.123456 [ERR] 10.0.0.1:4222 - cid:5 - TLS handshake error",
			want:  event{"2026-11-26T10:00:00.123456Z", "ERROR", "unknown", "", "10.0.0.1:4222 - cid:5 - TLS handshake error"},
		},
		{
			name:  "RabbitMQ",
			value: "2026-11-26 10:00:00.123456+00:00 [warning] <0.684.0> closing AMQP connection",
			want:  event{"2026-11-26T10:00:00.123456Z", "WARN", "unknown", "", "<0.684.0> closing AMQP connection"},
		},
		{
			name:  ".NET console logger",
			value: "fail: Microsoft.AspNetCore.Server.Kestrel[13]",
			want:  event{refTime, "ERROR", "unknown", "", "Microsoft.AspNetCore.Server.Kestrel[13]"},
		},
		{
			name:  "gunicorn",
			value: "[2026-11-26 10:00:00 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:8)",
			want:  event{"2026-11-26T10:00:00Z", "FATAL", "unknown", "", "WORKER TIMEOUT (pid:8)"},
		},
		{
			name:  "Celery",
			value: "[2026-11-26 10:00:00,123: WARNING/MainProcess] consumer: Connection lost",
			want:  event{"2026-11-26T10:00:00.123Z", "WARN", "unknown", "", "consumer: Connection lost"},
		},
		{
			name:  "Unbound: epoch in brackets, tagged level",
			value: "[1795687200] unbound[123:0] info: start of service",
			want:  event{"2026-11-26T10:00:00Z", "INFO", "unknown", "", "start of service"},
		},
		{
			name:  "Jenkins: tab-separated",
			value: "2026-11-26 10:00:00.000+0000 [id=1]\tSEVERE\thudson.WebAppMain: failed",
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "unknown", "", "hudson.WebAppMain: failed"},
		},
		{
			name:  "Spring Boot",
			value: "2026-11-26 10:00:00.000  WARN 12345 --- [           main] c.e.App                  : low memory",
			want:  event{"2026-11-26T10:00:00Z", "WARN", "unknown", "", "12345 --- [           main] c.e.App                  : low memory"},
		},
	})
}

// TestDecodeTextReviewed: layouts and prose a review found misread.
func TestDecodeTextReviewed(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{
			name:  "Monolog: channel.LEVEL",
			value: "[2026-11-26 10:00:00] production.ERROR: Undefined variable $x",
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "unknown", "", "Undefined variable $x"},
		},
		{
			name:  "PostgreSQL on RDS: the level ends the prefix",
			value: "2026-11-26 10:00:00 UTC::@:[1234]:ERROR:  relation does not exist",
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "unknown", "", "relation does not exist"},
		},
		{
			name:  "log4j %5p in brackets",
			value: "2026-11-26 10:00:00,123 [ WARN] pool low",
			want:  event{"2026-11-26T10:00:00.123Z", "WARN", "unknown", "", "pool low"},
		},
		{
			name:  "glog with the year",
			value: "W20261126 10:00:00.123456 1234 f.cc:12] disk slow",
			want:  event{"2026-11-26T10:00:00.123456Z", "WARN", "unknown", "", "disk slow"},
		},
		{
			name:  "Tornado",
			value: "[W 2026-11-26 10:00:00.123 NotebookApp] kernel died",
			want:  event{"2026-11-26T10:00:00.123Z", "WARN", "unknown", "", "NotebookApp] kernel died"},
		},
		{
			name:  "MySQL 5: yymmdd hh:mm:ss",
			value: "261126 10:00:00 [Note] InnoDB: Started",
			want:  event{"2026-11-26T10:00:00Z", "INFO", "unknown", "", "InnoDB: Started"},
		},
		{
			name:  "java.util.logging's SimpleFormatter",
			value: "Nov 26, 2026 1:00:00 PM org.apache.Foo bar",
			want:  event{"2026-11-26T13:00:00Z", "UNKNOWN", "unknown", "", "org.apache.Foo bar"},
		},
		{
			name:  "a zone abbreviation",
			value: "2026-11-26 11:00:00.123 CET [1234] LOG:  checkpoint",
			want:  event{"2026-11-26T10:00:00.123Z", "INFO", "unknown", "", "checkpoint"},
		},
		{
			name:  "an access log's time, fourth",
			value: `10.0.0.1 - frank [26/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 512`,
			want:  event{"2026-11-26T10:00:00Z", "UNKNOWN", "unknown", "", `"GET / HTTP/1.1" 200 512`},
		},
		{
			name:  "a pid is no unix time",
			value: "web-1 app 1795687200 started",
			want:  event{refTime, "UNKNOWN", "unknown", "", "web-1 app 1795687200 started"},
		},
		// Prose.
		{
			name:  "a sentence that starts with a level word",
			value: "Debug builds are slower",
			want:  event{refTime, "UNKNOWN", "unknown", "", "Debug builds are slower"},
		},
		{
			name:  "a rare synonym in capitals in a sentence",
			value: "2026-11-26T10:00:00Z Received ALERT from monitoring",
			want:  event{"2026-11-26T10:00:00Z", "UNKNOWN", "unknown", "", "Received ALERT from monitoring"},
		},
		{
			name:  "LOG without its colon",
			value: "2026-11-26T10:00:00Z Set LOG level to DEBUG",
			want:  event{"2026-11-26T10:00:00Z", "UNKNOWN", "unknown", "", "Set LOG level to DEBUG"},
		},
	})
}
