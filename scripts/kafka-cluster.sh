#!/usr/bin/env bash
# A real Apache Kafka 3.9 or 4.x cluster of 1 or 3 KRaft nodes (each a combined
# broker+controller) on loopback, without Docker, for tests that kill, stop and
# restart single brokers. Each node is a scripts/kafka-node.sh node (same jars,
# same readiness check), told its node id, the voters and the replication
# factor through LOGPULSE_KAFKA_* variables.
#
# Usage:
#   scripts/kafka-cluster.sh start DIR [N [BASEPORT]]  # prints the bootstrap list last
#   scripts/kafka-cluster.sh kill DIR I      # SIGKILL node I, no grace
#   scripts/kafka-cluster.sh stop DIR [I]    # SIGTERM node I, or every node
#   scripts/kafka-cluster.sh restart DIR I   # node I again, on its data; prints the list
#   scripts/kafka-cluster.sh addrs DIR       # prints the bootstrap list
#
# start: N (1 or 3, default 3) nodes in DIR/node1..N; node I listens for clients
# on BASEPORT+2*(I-1) (BASEPORT default 19092) and as a controller on the port
# after. All share one cluster id (DIR/cluster.id) and one static quorum of all
# N; with 3 nodes new topics and the internal topics get replication factor 3
# and min ISR 2, so acks=all writes go on while any one node is down. All nodes
# start at once (a quorum of 3 elects a controller only once 2 are up), then
# start waits until each one is ready (as kafka-node.sh start) and a metadata
# request lists every running broker. N and BASEPORT are kept in
# DIR/cluster.env: a later start DIR (after stop DIR) brings back the same
# cluster on its data.
# restart: stops node I if it runs, starts it and waits as start does; when all
# N nodes then run, it also waits until no partition is under-replicated, so
# the next fault finds every replica in sync.
# The jars are resolved once into $LOGPULSE_KAFKA_LIB (default DIR/lib).
#
# Environment: as kafka-node.sh (KAFKA_VERSION, LOGPULSE_KAFKA_LIB,
# LOGPULSE_KAFKA_PROPS, KAFKA_START_TIMEOUT, JAVA); KAFKA_HEAP_OPTS defaults to
# -Xms256m -Xmx512m per node here. KAFKA_VERSION and LOGPULSE_KAFKA_LIB are
# kept in DIR/cluster.env too, and LOGPULSE_KAFKA_PROPS (given to start) in
# DIR/cluster.props, so restart uses the cluster's own.
#
# Example:
#   brokers=$(scripts/kafka-cluster.sh start /tmp/lp-cluster | tail -n1)
#   scripts/kafka-cluster.sh kill /tmp/lp-cluster 2; ...
#   scripts/kafka-cluster.sh restart /tmp/lp-cluster 2; ...
#   scripts/kafka-cluster.sh stop /tmp/lp-cluster
set -euo pipefail

NODE_SH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kafka-node.sh"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
if [[ -n "${JAVA:-}" ]]; then :
elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"
else JAVA=java
fi

log() { echo "kafka-cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  cat >&2 <<'EOF'
usage: kafka-cluster.sh start DIR [N [BASEPORT]]
       kafka-cluster.sh kill DIR I
       kafka-cluster.sh stop DIR [I]
       kafka-cluster.sh restart DIR I
       kafka-cluster.sh addrs DIR
EOF
  exit 2
}

# --- cluster state -----------------------------------------------------------

# Reads DIR/cluster.env (key=value lines written by start) into NODES,
# BASEPORT, VERSION and LIB; returns 1 when DIR holds no cluster.
load_state() {
  local key val
  [[ -f "$DIR/cluster.env" ]] || return 1
  while IFS='=' read -r key val; do
    case "$key" in
      nodes) NODES="$val" ;;
      baseport) BASEPORT="$val" ;;
      version) VERSION="$val" ;;
      lib) LIB="$val" ;;
    esac
  done <"$DIR/cluster.env"
}

need_state() {
  load_state || die "no cluster in $DIR (start it first)"
  if [[ -n "${KAFKA_VERSION:-}" && "$KAFKA_VERSION" != "$VERSION" ]]; then
    die "the cluster in $DIR runs Kafka $VERSION, not KAFKA_VERSION=$KAFKA_VERSION"
  fi
  LIB="${LOGPULSE_KAFKA_LIB:-$LIB}"
}

need_node() {
  if ! [[ "$1" =~ ^[1-9][0-9]*$ ]] || (( $1 > NODES )); then
    die "no node $1 (the cluster has $NODES)"
  fi
}

port_of() { echo $((BASEPORT + 2 * ($1 - 1))); }

addrs() {
  local i list=()
  for i in $(seq 1 "$NODES"); do list+=("127.0.0.1:$(port_of "$i")"); done
  (IFS=,; echo "${list[*]}")
}

voters() {
  local i list=()
  for i in $(seq 1 "$NODES"); do list+=("$i@127.0.0.1:$(($(port_of "$i") + 1))"); done
  (IFS=,; echo "${list[*]}")
}

# kafka-node.sh CMD for node I (its DIR and PORT appended), with the cluster's
# settings; its messages are relabelled with the node.
node_sh() {
  local i="$1" cmd="$2" args=("$DIR/node$1")
  [[ "$cmd" == start ]] && args+=("$(port_of "$i")")
  local rf=1
  (( NODES >= 3 )) && rf=3
  {
    KAFKA_VERSION="$VERSION" LOGPULSE_KAFKA_LIB="$LIB" KAFKA_HEAP_OPTS="$HEAP_OPTS" \
    LOGPULSE_KAFKA_NODE_ID="$i" LOGPULSE_KAFKA_VOTERS="$(voters)" LOGPULSE_KAFKA_RF="$rf" \
    LOGPULSE_KAFKA_CLUSTER_ID="$(cat "$DIR/cluster.id")" \
    LOGPULSE_KAFKA_PROPS="$(cat "$DIR/cluster.props" 2>/dev/null || true)" \
      "$NODE_SH" "$cmd" "${args[@]}" 2>&1 1>&3 3>&- |
      sed -u "s/^kafka-node: /kafka-cluster: node $i: /" >&2
  } 3>&1
}

node_running() { "$NODE_SH" pid "$DIR/node$1" >/dev/null 2>&1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A Kafka command-line tool (kafka-tools) run against the cluster: its stdout
# is the tool's output alone, its client's logging goes to stderr (dropped).
tool() {
  if [[ ! -f "$DIR/tools-log4j2.properties" ]]; then
    cat >"$DIR/tools-log4j2.properties" <<'EOF'
status = error
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
    # Kafka 3.x logs through reload4j (log4j 1).
    cat >"$DIR/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  fi
  timeout 30 "$JAVA" -Xmx128m -XX:TieredStopAtLevel=1 -cp "$LIB/*" \
    -Dlog4j2.configurationFile="$DIR/tools-log4j2.properties" \
    -Dlog4j.configuration="file:$DIR/tools-log4j.properties" "$@" 2>/dev/null
}

# Waits until a metadata request lists every running node as a broker that
# answers, and, when all N run, until no partition is under-replicated.
wait_cluster() {
  local i want=() hosts=() bootstrap cls=kafka.admin.BrokerApiVersionsCommand
  for i in $(seq 1 "$NODES"); do
    if node_running "$i"; then
      want+=("$i")
      hosts+=("127.0.0.1:$(port_of "$i")")
    fi
  done
  (( ${#want[@]} > 0 )) || die "no node of $DIR is running"
  bootstrap="$(IFS=,; echo "${hosts[*]}")"
  # Kafka 4.0 moved the tool from core (Scala) to kafka-tools (Java).
  if grep -qa 'org/apache/kafka/tools/BrokerApiVersionsCommand' "$LIB"/kafka-tools-*.jar; then
    cls=org.apache.kafka.tools.BrokerApiVersionsCommand
  fi
  local deadline=$((SECONDS + START_TIMEOUT)) out seen missing urp
  while :; do
    out="$(tool "$cls" --bootstrap-server "$bootstrap" || true)"
    # One line per broker: "127.0.0.1:19092 (id: 1 rack: null ...) -> (",
    # or "... -> ERROR: ..." for one that does not answer.
    seen="$(grep -v -- '-> ERROR' <<<"$out" | sed -n 's/.*(id: \([0-9]*\) .*/\1/p' | sort -u | tr '\n' ' ')"
    missing=()
    for i in "${want[@]}"; do [[ " $seen" == *" $i "* ]] || missing+=("broker $i"); done
    if (( ${#missing[@]} == 0 )); then
      (( ${#want[@]} < NODES )) && break
      if urp="$(tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" \
          --describe --under-replicated-partitions)" && [[ -z "$urp" ]]; then
        break
      fi
      missing=("under-replicated partitions")
    fi
    if (( SECONDS >= deadline )); then
      die "cluster in $DIR not ready within ${START_TIMEOUT}s: waiting for ${missing[*]} (brokers seen: ${seen:-none})"
    fi
    sleep 0.5
  done
  log "brokers ${want[*]} ready"
}

# --- commands ----------------------------------------------------------------

cmd_start() {
  local n="${1:-}" baseport="${2:-}"
  if load_state; then
    if [[ -n "$n" && "$n" != "$NODES" ]] || [[ -n "$baseport" && "$baseport" != "$BASEPORT" ]]; then
      die "$DIR holds a cluster of $NODES nodes on port $BASEPORT; stop it and remove $DIR to start another"
    fi
    if [[ -n "${KAFKA_VERSION:-}" && "$KAFKA_VERSION" != "$VERSION" ]]; then
      die "the cluster in $DIR runs Kafka $VERSION, not KAFKA_VERSION=$KAFKA_VERSION"
    fi
    LIB="${LOGPULSE_KAFKA_LIB:-$LIB}"
  else
    NODES="${n:-3}"
    BASEPORT="${baseport:-19092}"
    # kafka-node.sh's default release, so that the two never disagree.
    # shellcheck disable=SC2016 # the $ and braces are sed's text, not bash's
    VERSION="${KAFKA_VERSION:-$(sed -n 's/^KAFKA_VERSION="${KAFKA_VERSION:-\(.*\)}"$/\1/p' "$NODE_SH")}"
    LIB="${LOGPULSE_KAFKA_LIB:-$DIR/lib}"
  fi
  [[ -n "$VERSION" ]] || die "no default KAFKA_VERSION in $NODE_SH"
  [[ "$NODES" == 1 || "$NODES" == 3 ]] || die "N must be 1 or 3, not $NODES"
  if ! [[ "$BASEPORT" =~ ^[1-9][0-9]*$ ]] || (( BASEPORT + 2 * NODES > 65536 )); then
    die "bad BASEPORT: $BASEPORT"
  fi
  printf 'nodes=%s\nbaseport=%s\nversion=%s\nlib=%s\n' "$NODES" "$BASEPORT" "$VERSION" "$LIB" \
    >"$DIR/cluster.env"
  # Extra server.properties lines, for every node and every restart.
  if [[ -n "${LOGPULSE_KAFKA_PROPS:-}" || ! -f "$DIR/cluster.props" ]]; then
    printf '%s\n' "${LOGPULSE_KAFKA_PROPS:-}" >"$DIR/cluster.props"
  fi
  if [[ ! -s "$DIR/cluster.id" ]]; then
    # A Kafka Uuid: 16 random bytes, base64url without padding (22 chars).
    head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$DIR/cluster.id"
  fi

  # Fail before starting any node rather than leave a part of the cluster up.
  local i p
  for i in $(seq 1 "$NODES"); do
    node_running "$i" && continue
    for p in "$(port_of "$i")" $(($(port_of "$i") + 1)); do
      port_open "$p" && die "port $p on 127.0.0.1 (node $i) is already in use by another process"
    done
  done

  log "starting $NODES Kafka $VERSION nodes in $DIR"
  local pids=() failed=()
  for i in $(seq 1 "$NODES"); do
    node_sh "$i" start >/dev/null &
    pids+=($!)
  done
  for i in $(seq 1 "$NODES"); do
    wait "${pids[i - 1]}" || failed+=("$i")
  done
  if (( ${#failed[@]} > 0 )); then
    die "node(s) ${failed[*]} did not start (logs: $DIR/node*/kafka.log; stop the rest with: $0 stop $DIR)"
  fi
  wait_cluster
  addrs
}

cmd_restart() {
  local i="$1"
  if node_running "$i"; then node_sh "$i" stop; fi
  node_sh "$i" start >/dev/null
  wait_cluster
  addrs
}

cmd_stop_all() {
  local i pids=() rc=0
  # All at once: stopped one by one, the last nodes would wait for a quorum
  # that is already gone.
  for i in $(seq 1 "$NODES"); do
    node_sh "$i" stop &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || rc=1; done
  return "$rc"
}

# --- main --------------------------------------------------------------------

(( $# >= 2 )) || usage
CMD="$1"
mkdir -p "$2"
DIR="$(cd "$2" && pwd)"

case "$CMD" in
  start) (( $# <= 4 )) || usage; cmd_start "${3:-}" "${4:-}" ;;
  kill) (( $# == 3 )) || usage; need_state; need_node "$3"; node_sh "$3" kill ;;
  stop)
    (( $# <= 3 )) || usage
    need_state
    if (( $# == 3 )); then need_node "$3"; node_sh "$3" stop; else cmd_stop_all; fi ;;
  restart) (( $# == 3 )) || usage; need_state; need_node "$3"; cmd_restart "$3" ;;
  addrs) (( $# == 2 )) || usage; need_state; addrs ;;
  *) usage ;;
esac
