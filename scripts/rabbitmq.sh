#!/usr/bin/env bash
# A RabbitMQ node of its own in a folder, from Debian's rabbitmq-server
# (apt-get install rabbitmq-server), for the Go integration tests
# (integration/amqp_test.go) and .ci/run. It leaves the system's node alone:
# its own node name, ports, data, logs and Erlang cookie, all under DIR.
#
#   scripts/rabbitmq.sh start DIR [PORT]   start, wait until it serves; prints the AMQP URL
#   scripts/rabbitmq.sh stop DIR           stop (the data stays: a start brings the queues back)
#   scripts/rabbitmq.sh restart DIR        stop, then start on the same port
#   scripts/rabbitmq.sh url DIR            the AMQP URL of the node in DIR
#
# The tests set LOGPULSE_TEST_RABBITMQ=DIR to use (and restart) a node
# started this way.
set -euo pipefail

bin=/usr/lib/rabbitmq/bin
if [ ! -x "$bin/rabbitmq-server" ]; then
  echo "rabbitmq-server is not installed: apt-get install rabbitmq-server" >&2
  exit 1
fi

cmd="${1:?usage: $0 start|stop|restart|url DIR [PORT]}"
dir="${2:?usage: $0 $cmd DIR [PORT]}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

# env sets the node's variables from DIR/port (written by start).
env_for() {
  local port
  port="$(cat "$dir/port")"
  export HOME="$dir" # the Erlang cookie: $HOME/.erlang.cookie
  export RABBITMQ_NODENAME="lp$port@localhost"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$port"
  export RABBITMQ_DIST_PORT="$((port + 10000))"
  export RABBITMQ_MNESIA_BASE="$dir/mnesia"
  export RABBITMQ_LOG_BASE="$dir/log"
  export RABBITMQ_PID_FILE="$dir/pid"
  export RABBITMQ_CONFIG_FILE="$dir/rabbitmq" # .conf is added
  export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
  export RABBITMQ_PLUGINS_EXPAND_DIR="$dir/plugins-expand"
}

url() { echo "amqp://guest:guest@127.0.0.1:$(cat "$dir/port")/"; }

free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  if [ ! -f "$dir/port" ]; then
    local port="${1:-5800}"
    while ! free "$port" || ! free "$((port + 10000))"; do port=$((port + 1)); done
    echo "$port" >"$dir/port"
  fi
  env_for
  mkdir -p "$RABBITMQ_LOG_BASE"
  [ -f "$dir/.erlang.cookie" ] || { head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/.erlang.cookie"; chmod 400 "$dir/.erlang.cookie"; }
  echo '[].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
  echo '[].' >"$RABBITMQ_ADVANCED_CONFIG_FILE"
  # A test machine's disk may be fuller than RabbitMQ's default 50 MB
  # free; below the limit it blocks publishers, which looks like a hang.
  cat >"$dir/rabbitmq.conf" <<EOF
disk_free_limit.absolute = 1MB
log.file.level = warning
log.console = false
EOF
  # The node outlives this script: it must not inherit the caller's other
  # open files (a `flock FILE cmd` lock would be held as long as it runs).
  local fd
  for fd in $(ls /proc/$$/fd 2>/dev/null); do
    [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null || true
  done
  nohup "$bin/rabbitmq-server" >>"$dir/log/server.out" 2>&1 </dev/null &
  # await_startup waits for a node that is booting; before the VM is
  # up it fails at once, so retry.
  local i
  for i in $(seq 1 120); do
    if "$bin/rabbitmqctl" -q -n "$RABBITMQ_NODENAME" await_startup --timeout 60 >/dev/null 2>&1; then
      url
      return 0
    fi
    sleep 0.5
  done
  echo "RabbitMQ in $dir did not start; its log:" >&2
  tail -n 50 "$dir/log/server.out" >&2 || true
  exit 1
}

stop() {
  [ -f "$dir/port" ] || return 0
  env_for
  # shutdown waits until the VM has exited.
  "$bin/rabbitmqctl" -q -n "$RABBITMQ_NODENAME" shutdown >/dev/null 2>&1 || true
}

case "$cmd" in
  start) start "${3:-}" ;;
  stop) stop ;;
  restart) stop; start ;;
  url) url ;;
  *) echo "unknown command $cmd: start, stop, restart or url" >&2; exit 2 ;;
esac
