#!/usr/bin/env bash
# A real single-node Apache Kafka 3.9 or 4.x broker (KRaft, combined broker+controller)
# without Docker, from jars that Maven resolves from Maven Central, for the Go
# integration tests. scripts/kafka-cluster.sh runs several of them as one cluster
# through the LOGPULSE_KAFKA_NODE_ID/VOTERS/CLUSTER_ID/RF variables below.
#
# Usage:
#   scripts/kafka-node.sh start DIR [PORT]   # prints 127.0.0.1:PORT as its last line
#   scripts/kafka-node.sh stop DIR
#   scripts/kafka-node.sh kill DIR
#   scripts/kafka-node.sh pid DIR
#
# start: resolves the jars (cached in DIR/lib, or in $LOGPULSE_KAFKA_LIB when
# set, shared between DIRs), writes DIR/server.properties and DIR/log4j2.properties,
# formats DIR/data unless DIR/data/meta.properties exists (so a restart keeps the
# topics), starts the broker in the background (pid in DIR/kafka.pid, output in
# DIR/kafka.log, the previous run's in DIR/kafka.log.prev) and waits until it
# answers a metadata request. PORT (default 19092) is the client listener; the
# controller listens on PORT+1. If the broker of DIR is already running, start
# only waits for it to be ready and prints its address.
# stop: SIGTERM, then SIGKILL after 20 s; a no-op when nothing runs.
# kill: SIGKILL at once (a crash, for fault tests); a no-op when nothing runs.
# pid: prints the pid of DIR's running broker; exit status 1 when none runs.
#
# Environment:
#   KAFKA_VERSION          org.apache.kafka:kafka_2.13 version (default 4.4.0)
#   LOGPULSE_KAFKA_LIB     jar cache directory (default DIR/lib)
#   LOGPULSE_KAFKA_PROPS   extra server.properties lines, appended as is
#   KAFKA_HEAP_OPTS        JVM heap flags (default -Xms256m -Xmx1g)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness (default 90)
#   JAVA                   java binary (default $JAVA_HOME/bin/java or java)
# and, for a node of a cluster (scripts/kafka-cluster.sh sets them):
#   LOGPULSE_KAFKA_NODE_ID     node.id (default 1)
#   LOGPULSE_KAFKA_VOTERS      controller.quorum.voters (default: this node alone,
#                              NODE_ID@127.0.0.1:PORT+1)
#   LOGPULSE_KAFKA_CLUSTER_ID  cluster id to format DIR/data with (default: the one
#                              in DIR/cluster.id, else a new random one)
#   LOGPULSE_KAFKA_RF          replication factor of new topics and of the internal
#                              topics (default 1); min.insync.replicas and the
#                              internal topics' min ISR are a majority of it
#
# Example (Go tests):
#   export LOGPULSE_TEST_BROKERS=$(scripts/kafka-node.sh start /tmp/lp-kafka | tail -n1)
#   ...; scripts/kafka-node.sh stop /tmp/lp-kafka
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
LOG4J_SLF4J_VERSION="${LOG4J_SLF4J_VERSION:-2.24.3}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
NODE_ID="${LOGPULSE_KAFKA_NODE_ID:-1}"
RF="${LOGPULSE_KAFKA_RF:-1}"
STOP_GRACE=20
if [[ -n "${JAVA:-}" ]]; then :
elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"
else JAVA=java
fi

log() { echo "kafka-node: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: kafka-node.sh start DIR [PORT]
       kafka-node.sh stop DIR
       kafka-node.sh kill DIR
       kafka-node.sh pid DIR
EOF
  exit 2
}

# --- helpers -----------------------------------------------------------------

# The pid in DIR/kafka.pid if that process is alive and is our broker.
running_pid() {
  local pidfile="$DIR/kafka.pid" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid: it must be a JVM running kafka.Kafka.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

log_tail() {
  if [[ -f "$DIR/kafka.log" ]]; then
    log "last lines of $DIR/kafka.log:"
    tail -n 40 "$DIR/kafka.log" >&2 || true
  fi
}

# mvn dependency:copy-dependencies of the <dependency> elements in $1 into $LIB.
mvn_copy() {
  local pomdir out rc=0
  pomdir="$(mktemp -d)"
  cat >"$pomdir/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.logpulse</groupId>
  <artifactId>kafka-node</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
$1
  </dependencies>
</project>
EOF
  out="$(cd "$pomdir" && mvn -q -B dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$LIB" 2>&1)" || rc=$?
  rm -rf "$pomdir"
  if (( rc != 0 )); then
    printf '%s\n' "$out" | tail -n 30 >&2
    die "mvn could not resolve the Kafka $KAFKA_VERSION jars (see above)"
  fi
}

# Resolve kafka_2.13 + kafka-tools + the slf4j->log4j2 binding into $LIB;
# skipped when $LIB already holds them for $KAFKA_VERSION.
resolve_jars() {
  mkdir -p "$LIB"
  exec 9>"$LIB/.lock"
  flock 9
  if [[ -f "$LIB/.complete" && "$(cat "$LIB/.complete")" == "$KAFKA_VERSION" ]]; then
    exec 9>&-
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (needed to resolve the Kafka jars)"
  log "resolving Kafka $KAFKA_VERSION jars from Maven Central into $LIB"
  rm -f "$LIB"/*.jar "$LIB/.complete"
  # kafka-tools is only for the readiness check (TopicCommand); its Connect
  # runtime (Jetty, Jersey: ~11 MB) is not needed. Kafka 4.x logs through the
  # slf4j 1.7 API; log4j-slf4j-impl binds that to log4j2. From 4.1 on Kafka's
  # poms bring log4j-api/core themselves, so they are excluded from the binding
  # to keep Kafka's own log4j version.
  mvn_copy "
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
      <exclusions>
        <exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion>
        <exclusion><groupId>com.fasterxml.jackson.jakarta.rs</groupId><artifactId>*</artifactId></exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$LOG4J_SLF4J_VERSION</version>
      <exclusions>
        <exclusion><groupId>org.apache.logging.log4j</groupId><artifactId>*</artifactId></exclusion>
        <exclusion><groupId>org.slf4j</groupId><artifactId>*</artifactId></exclusion>
      </exclusions>
    </dependency>"
  [[ -f "$LIB/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "kafka_2.13-$KAFKA_VERSION.jar missing in $LIB after mvn"
  if ! compgen -G "$LIB/log4j-core-*.jar" >/dev/null; then
    # Kafka 4.0.x: its poms carry no log4j2 at all; take the binding's.
    mvn_copy "
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$LOG4J_SLF4J_VERSION</version>
      <exclusions>
        <exclusion><groupId>org.slf4j</groupId><artifactId>*</artifactId></exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>$LOG4J_SLF4J_VERSION</version>
    </dependency>"
  fi
  echo "$KAFKA_VERSION" >"$LIB/.complete"
  exec 9>&-
}

write_configs() {
  local cport=$((PORT + 1))
  local voters="${LOGPULSE_KAFKA_VOTERS:-$NODE_ID@127.0.0.1:$cport}"
  # A majority of the replicas must acknowledge acks=all writes: 1 of 1, 2 of 3.
  local min_isr=$((RF / 2 + 1))
  cat >"$DIR/server.properties" <<EOF
# Written by scripts/kafka-node.sh on every start; edits are lost.
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DIR/data
num.partitions=1
default.replication.factor=$RF
min.insync.replicas=$min_isr
auto.create.topics.enable=false
offsets.topic.replication.factor=$RF
transaction.state.log.replication.factor=$RF
transaction.state.log.min.isr=$min_isr
share.coordinator.state.topic.replication.factor=$RF
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0
# A dead ingest's open transaction is aborted within 1 s of its 10 s timeout,
# not up to 10 s after (Kafka's default scan interval): docs/guarantees.md, "Failover time".
transaction.abort.timed.out.transaction.cleanup.interval.ms=1000
EOF
  if [[ -n "${LOGPULSE_KAFKA_PROPS:-}" ]]; then
    printf '%s\n' "$LOGPULSE_KAFKA_PROPS" >>"$DIR/server.properties"
  fi
  # Everything goes to stdout, which start redirects into DIR/kafka.log (so a
  # JVM crash or a stack trace on stderr lands there too).
  cat >"$DIR/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.target = SYSTEM_OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
  # Kafka 3.x logs through reload4j (log4j 1), configured apart.
  cat >"$DIR/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
EOF
}

java_cp() { echo "$LIB/*"; }

# --- commands ----------------------------------------------------------------

cmd_start() {
  [[ "$PORT" =~ ^[0-9]+$ ]] && (( PORT > 0 && PORT < 65535 )) || die "bad PORT: $PORT"
  [[ "$NODE_ID" =~ ^[0-9]+$ ]] || die "bad LOGPULSE_KAFKA_NODE_ID: $NODE_ID"
  [[ "$RF" =~ ^[1-9][0-9]*$ ]] || die "bad LOGPULSE_KAFKA_RF: $RF"
  local addr="127.0.0.1:$PORT" pid
  command -v "$JAVA" >/dev/null || die "java not found (set JAVA or JAVA_HOME)"

  if pid="$(running_pid)"; then
    log "broker of $DIR already running (pid $pid)"
  else
    local p
    for p in "$PORT" $((PORT + 1)); do
      port_open "$p" && die "port $p on 127.0.0.1 is already in use by another process"
    done
    resolve_jars
    mkdir -p "$DIR/data"
    write_configs
    local cp jvm_opts
    cp="$(java_cp)"
    # shellcheck disable=SC2206
    jvm_opts=(${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g} -XX:+UseG1GC -XX:MaxGCPauseMillis=20
      -Djava.awt.headless=true -Dlog4j2.configurationFile="$DIR/log4j2.properties"
      -Dlog4j.configuration="file:$DIR/log4j.properties")

    if [[ ! -f "$DIR/data/meta.properties" ]]; then
      local cid
      if [[ -n "${LOGPULSE_KAFKA_CLUSTER_ID:-}" ]]; then
        cid="$LOGPULSE_KAFKA_CLUSTER_ID"
        echo "$cid" >"$DIR/cluster.id"
      elif [[ -s "$DIR/cluster.id" ]]; then
        cid="$(cat "$DIR/cluster.id")"
      else
        # A Kafka Uuid: 16 random bytes, base64url without padding (22 chars).
        cid="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
        echo "$cid" >"$DIR/cluster.id"
      fi
      log "formatting $DIR/data (cluster id $cid)"
      local out
      out="$("$JAVA" "${jvm_opts[@]}" -cp "$cp" kafka.tools.StorageTool format \
          -t "$cid" -c "$DIR/server.properties" 2>&1)" \
        || { printf '%s\n' "$out" >&2; die "kafka.tools.StorageTool format failed"; }
    fi

    [[ -f "$DIR/kafka.log" ]] && mv -f "$DIR/kafka.log" "$DIR/kafka.log.prev"
    # setsid: own session, so the broker survives the caller's process group;
    # all three standard streams are redirected so a caller reading our stdout
    # through a pipe (Go's exec.Cmd.Output) is not held open by the broker.
    (
      cd "$DIR"
      exec setsid "$JAVA" "${jvm_opts[@]}" -cp "$cp" kafka.Kafka "$DIR/server.properties" \
        </dev/null >>"$DIR/kafka.log" 2>&1
    ) &
    pid=$!
    echo "$pid" >"$DIR/kafka.pid"
    log "started broker (pid $pid), waiting for $addr"
  fi

  # Ready = the JVM is alive, the port accepts connections, the server logged
  # its startup, and a real metadata request (TopicCommand --list) answers.
  local deadline=$((SECONDS + START_TIMEOUT)) stage=port
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail
      die "broker exited during startup (see $DIR/kafka.log)"
    fi
    if (( SECONDS >= deadline )); then
      log_tail
      die "broker not ready on $addr within ${START_TIMEOUT}s (pid $pid still running; stop it with: $0 stop $DIR)"
    fi
    case "$stage" in
      port) port_open "$PORT" && stage=started ;;
      started) grep -q 'Kafka Server started' "$DIR/kafka.log" 2>/dev/null && stage=request ;;
      request)
        if timeout 30 "$JAVA" -Xmx128m -XX:TieredStopAtLevel=1 -cp "$(java_cp)" \
            -Dlog4j2.configurationFile="$DIR/log4j2.properties" -Dlog4j2.level=WARN \
            -Dlog4j.configuration="file:$DIR/log4j.properties" \
            org.apache.kafka.tools.TopicCommand --bootstrap-server "$addr" --list \
            >/dev/null 2>&1; then
          break
        fi ;;
    esac
    sleep 0.2
  done
  log "broker ready on $addr"
  echo "$addr"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    log "no broker running for $DIR"
    rm -f "$DIR/kafka.pid"
    return 0
  fi
  log "stopping broker (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_GRACE))
  while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "broker still alive after ${STOP_GRACE}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$DIR/kafka.pid"
  log "stopped"
}

cmd_kill() {
  local pid
  if ! pid="$(running_pid)"; then
    log "no broker running for $DIR"
    rm -f "$DIR/kafka.pid"
    return 0
  fi
  log "killing broker (pid $pid) with SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$DIR/kafka.pid"
  log "killed"
}

# --- main --------------------------------------------------------------------

(( $# >= 2 )) || usage
CMD="$1"
mkdir -p "$2"
DIR="$(cd "$2" && pwd)"
PORT="${3:-19092}"
LIB="${LOGPULSE_KAFKA_LIB:-$DIR/lib}"

case "$CMD" in
  start) (( $# <= 3 )) || usage; cmd_start ;;
  stop) (( $# == 2 )) || usage; cmd_stop ;;
  kill) (( $# == 2 )) || usage; cmd_kill ;;
  pid) (( $# == 2 )) || usage; running_pid ;;
  *) usage ;;
esac
