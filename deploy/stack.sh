#!/usr/bin/env bash
# deploy/stack.sh - local service stack for epipe, without Docker:
#   * MariaDB       private instance of the Debian package (binlog ROW/FULL, GTID)
#   * Kafka 3.9.1   single-node KRaft, jars fetched with Maven
#   * Elasticsearch 8.19.7 integ-test-zip, fetched with Maven, run as an unprivileged user
# and, unless EPIPE_STACK_SECURE=0, the secured parts (certificates made with openssl):
#   * MariaDB with TLS on (the same instance; accounts choose REQUIRE SSL/X509)
#   * a SASL_SSL listener (SCRAM-SHA-512/256, PLAIN) on the same Kafka broker
#   * elasticsearch-secure: a second, small Elasticsearch node with security on (TLS, API key)
#
# Usage: deploy/stack.sh up|down|status|logs <svc> [-f|LINES]
# This file is the core (settings, processes, commands); each service is one file in
# deploy/stack/ (mariadb.sh, kafka.sh, elasticsearch.sh, tls.sh for the secured parts) and its
# configuration files are templates in deploy/stack/templates/.
# All state lives in <repo>/.stack/, downloads in ${EPIPE_CACHE_DIR:-$HOME/.cache/epipe}.
# See deploy/README.md for the environment variables.
set -euo pipefail

# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
STACK_LIB="$REPO_DIR/deploy/stack"
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"
STACK_DIR="${EPIPE_STACK_DIR:-$REPO_DIR/.stack}"
CACHE_DIR="${EPIPE_CACHE_DIR:-$HOME/.cache/epipe}"
SECURE="${EPIPE_STACK_SECURE:-1}"
if [[ "$SECURE" == 0 ]]; then
  SERVICES="${EPIPE_STACK_SERVICES:-mariadb kafka elasticsearch}"
else
  SERVICES="${EPIPE_STACK_SERVICES:-mariadb kafka elasticsearch elasticsearch-secure}"
fi

MYSQL_PORT="${EPIPE_MYSQL_PORT:-3307}"
KAFKA_PORT="${EPIPE_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${EPIPE_KAFKA_CONTROLLER_PORT:-9093}"
ES_PORT="${EPIPE_ES_PORT:-9200}"
ES_TRANSPORT_PORT="${EPIPE_ES_TRANSPORT_PORT:-9301}"
# The secured parts' ports follow the base ports, so a second stack on other ports needs no more
# settings: 9094, 9201, 9302 by default.
KAFKA_SASL_PORT="${EPIPE_KAFKA_SASL_PORT:-$((KAFKA_PORT + 2))}"
ESS_PORT="${EPIPE_ES_SECURE_PORT:-$((ES_PORT + 1))}"
ESS_TRANSPORT_PORT="${EPIPE_ES_SECURE_TRANSPORT_PORT:-$((ES_TRANSPORT_PORT + 1))}"
ESS_HEAP="${EPIPE_ES_SECURE_HEAP:-320m}"

KAFKA_VERSION=3.9.1
KAFKA_SCALA=2.13
SLF4J_RELOAD4J_VERSION=1.7.36
ES_VERSION=8.19.7
MVN_DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

KAFKA_HEAP_OPTS="${EPIPE_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
ES_HEAP="${EPIPE_ES_HEAP:-512m}"
ES_USER="${EPIPE_ES_USER:-epipe-es}"   # only used when running as root

MYSQL_TIMEOUT="${EPIPE_MYSQL_TIMEOUT:-60}"
KAFKA_TIMEOUT="${EPIPE_KAFKA_TIMEOUT:-120}"
ES_TIMEOUT="${EPIPE_ES_TIMEOUT:-180}"
STOP_TIMEOUT="${EPIPE_STOP_TIMEOUT:-30}"

ALL_SERVICES="mariadb kafka elasticsearch elasticsearch-secure"
RUN_DIR="$STACK_DIR/run"            # pid files (one per service = its process group id)
MDB_DIR="$STACK_DIR/mariadb"
KAFKA_DIR="$STACK_DIR/kafka"
ESS_USER=epipe                      # file-realm account of the secured node
TLS_DIR="$STACK_DIR/tls"            # CA, server and client certificates (made by openssl)
SECRETS_DIR="$STACK_DIR/secrets"    # generated passwords and the API key, mode 600
KAFKA_SASL_USER=epipe
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
ES_CACHE_HOME="$CACHE_DIR/elasticsearch-$ES_VERSION"

is_root() { [[ "$(id -u)" == 0 ]]; }

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
T0_MS="$(date +%s%3N)"
say() { # messages carry the time since the script started, handy in CI logs
  local ms=$(($(date +%s%3N) - T0_MS))
  printf '[stack %3d.%ds] %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$*"
}
warn() { printf '[stack] WARNING: %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }

port_open() { # port -> 0 when something accepts TCP on 127.0.0.1:port
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

port_owner() { # best effort description of who listens on a port
  if command -v ss >/dev/null 2>&1; then
    ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*users:(\(.*\))/\1/p' | head -1
  fi
}

# render TEMPLATE KEY=VALUE...: deploy/stack/templates/TEMPLATE with every {{KEY}} replaced by
# its VALUE (taken literally); a placeholder left without a value is an error.
render() {
  local template="$STACK_LIB/templates/$1" text kv
  shift
  text="$(<"$template")" || die "cannot read $template"
  for kv in "$@"; do text="${text//"{{${kv%%=*}}}"/"${kv#*=}"}"; done
  [[ "$text" != *'{{'[A-Z]*'}}'* ]] || die "$template: a placeholder has no value"
  printf '%s\n' "$text"
}

# write_config FILE (content on stdin): (re)write FILE when the content differs from what is
# there, so an unchanged configuration keeps its file untouched.
write_config() {
  local file="$1" tmp
  tmp="$(mktemp "$file.XXXXXX")" || die "cannot write $file"
  cat >"$tmp" || die "cannot write $file"
  if [[ -f "$file" ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 0
  fi
  chmod 644 "$tmp"
  mv -f "$tmp" "$file" || die "cannot write $file"
}

rotate_log() { # keep one previous copy of a per-start log file
  if [[ -s "$1" ]]; then mv -f "$1" "$1.prev"; fi
  : >"$1"
}

tail_log() { # file [lines] [byte offset] - prints the tail of a log for error messages
  local f="$1" n="${2:-30}" off="${3:-0}"
  if [[ -s "$f" ]] && (($(stat -c %s "$f") > off)); then
    printf -- '----- last %s lines of %s -----\n' "$n" "$f" >&2
    tail -c +$((off + 1)) "$f" | tail -n "$n" >&2
    printf -- '-----\n' >&2
  fi
}

svc_valid() { [[ " $ALL_SERVICES " == *" $1 "* ]]; }

secure_on() { [[ "$SECURE" != 0 ]]; }

svc_selected() { [[ " $(selected_services | paste -sd' ') " == *" $1 "* ]]; }

selected_services() {
  local s
  for s in $SERVICES; do
    svc_valid "$s" || die "unknown service '$s' in EPIPE_STACK_SERVICES (valid: $ALL_SERVICES)"
    printf '%s\n' "$s"
  done
}

# --- per-service facts -----------------------------------------------------
# svc_call SVC FUNCTION ARGS...: the service file's FUNCTION (deploy/stack/<service>.sh) for
# SVC. Every service file defines: marker (a string in the command line of each of its
# processes), port, ports (all it listens on), log, out (stdout/stderr of the launched process),
# configs (generated files; a change restarts a running service), timeout, prepare, start,
# healthy and wait DEADLINE_MS. The two Elasticsearch nodes share one file, which is told which.
svc_call() {
  local svc="$1" fn="$2"
  shift 2
  case "$svc" in
    mariadb) "mdb_$fn" "$@" ;;
    kafka) "kafka_$fn" "$@" ;;
    elasticsearch | elasticsearch-secure) "es_$fn" "$svc" "$@" ;;
  esac
}

# A digest of the service's generated configuration files, to tell whether 'up' changed them.
svc_config_digest() {
  local f
  for f in $(svc_call "$1" configs); do
    if [[ -f "$f" ]]; then sha256sum "$f"; else echo "missing $f"; fi
  done | sha256sum
}

# PIDs of the service: members of the process group recorded in the pid file whose
# command line contains the service marker. Never anything else.
svc_pids() {
  local svc="$1" pidfile="$RUN_DIR/$1.pid" pgid marker p cmd
  [[ -s "$pidfile" ]] || return 0
  pgid="$(cat "$pidfile")"
  [[ "$pgid" =~ ^[0-9]+$ ]] || return 0
  marker="$(svc_call "$svc" marker)"
  for p in $(pgrep -g "$pgid" 2>/dev/null || true); do
    cmd="$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" || true)"
    [[ "$cmd" == *"$marker"* ]] && printf '%s\n' "$p"
  done
  return 0
}

join_pids() { tr '\n' ',' <<<"$1" | sed 's/,*$//'; }

svc_running() { [[ -n "$(svc_pids "$1")" ]]; }

svc_rss_kib() {
  local total=0 p r
  for p in $(svc_pids "$1"); do
    r="$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)"
    total=$((total + ${r:-0}))
  done
  echo "$total"
}

# launch NAME LOGFILE CMD... : start CMD in its own session (so it survives the shell
# and `down` can address exactly its process group) and record the group id.
launch() {
  local svc="$1" out="$2" pidfile="$RUN_DIR/$1.pid" log
  shift 2
  rm -f "$pidfile"
  # remember where this start begins in the (appending) service log, for error messages
  log="$(svc_call "$svc" log)"
  if [[ -f "$log" ]]; then stat -c %s "$log"; else echo 0; fi >"$RUN_DIR/$svc.logoffset"
  # shellcheck disable=SC2016
  # The wrapper records its pid (= new session/process group id), closes every inherited
  # descriptor above 2 (our lock files, pipes of make/CI) and execs the service.
  setsid bash -c 'echo $$ >"$0"
    for f in /proc/$$/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-" 2>/dev/null; done
    exec "$@"' "$pidfile" "$@" </dev/null >>"$out" 2>&1 &
  for _ in $(seq 1 50); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.1
  done
  die "$svc: could not launch (no pid file $pidfile)"
}

stop_svc() {
  local svc="$1" pids waited=0
  pids="$(svc_pids "$svc")"
  if [[ -z "$pids" ]]; then
    say "$svc: not running"
    rm -f "$RUN_DIR/$svc.pid"
    return 0
  fi
  say "$svc: stopping (pid $(join_pids "$pids"))"
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  while [[ -n "$(svc_pids "$svc")" ]] && ((waited < STOP_TIMEOUT * 5)); do
    sleep 0.2
    waited=$((waited + 1))
  done
  pids="$(svc_pids "$svc")"
  if [[ -n "$pids" ]]; then
    warn "$svc: still running after ${STOP_TIMEOUT}s, sending SIGKILL to $(join_pids "$pids")"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$RUN_DIR/$svc.pid"
  say "$svc: stopped"
}

# refuse to start when a port we need is taken by someone else
check_ports_free() {
  local svc="$1" p owner
  for p in $(svc_call "$svc" ports); do
    if port_open "$p"; then
      owner="$(port_owner "$p")"
      die "$svc: port 127.0.0.1:$p is already in use${owner:+ by $owner}; stop that process or choose another port (see deploy/README.md)"
    fi
  done
}

fail_health() { # svc reason
  local svc="$1" reason="$2" log out off
  log="$(svc_call "$svc" log)"
  out="$(svc_call "$svc" out)"
  off="$(cat "$RUN_DIR/$svc.logoffset" 2>/dev/null || echo 0)"
  printf '[stack] ERROR: %s %s. Log file: %s\n' "$svc" "$reason" "$log" >&2
  if [[ ! -s "$log" ]] || (($(stat -c %s "$log") <= off)); then
    printf '[stack] (%s has nothing from this start yet)\n' "$log" >&2
  fi
  tail_log "$log" 30 "$off"
  tail_log "$out" 30
  exit 1
}

# ---------------------------------------------------------------------------
# Prerequisites
# ---------------------------------------------------------------------------
apt_install() {
  is_root || die "missing packages: $*; install them (apt-get install $*) or run as root"
  command -v apt-get >/dev/null 2>&1 || die "missing packages: $* (and no apt-get to install them)"
  say "installing packages: $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_tools() {
  local need=() svc
  command -v curl >/dev/null 2>&1 || need+=(curl)
  command -v setsid >/dev/null 2>&1 || need+=(util-linux)
  command -v pgrep >/dev/null 2>&1 || need+=(procps)
  secure_on && ! command -v openssl >/dev/null 2>&1 && need+=(openssl)
  for svc in $(selected_services); do
    case "$svc" in
      mariadb)
        if ! command -v mariadbd >/dev/null 2>&1 && [[ ! -x /usr/sbin/mariadbd ]]; then
          need+=(mariadb-server)
        fi
        command -v mariadb >/dev/null 2>&1 || need+=(mariadb-client)
        ;;
      kafka | elasticsearch)
        if [[ -z "${EPIPE_JAVA_HOME:-}" ]] && ! command -v java >/dev/null 2>&1; then
          need+=(openjdk-17-jre-headless)
        fi
        command -v mvn >/dev/null 2>&1 || need+=(maven)
        [[ "$svc" == elasticsearch ]] && ! command -v unzip >/dev/null 2>&1 && need+=(unzip)
        ;;
    esac
  done
  if ((${#need[@]})); then
    # shellcheck disable=SC2207
    need=($(printf '%s\n' "${need[@]}" | sort -u))
    apt_install "${need[@]}"
  fi
  # Debian keeps mariadbd in /usr/sbin, which is not always on a non-root PATH
  [[ ":$PATH:" == *":/usr/sbin:"* ]] || PATH="$PATH:/usr/sbin"
}

java_home() {
  local j
  if [[ -n "${EPIPE_JAVA_HOME:-}" ]]; then
    printf '%s\n' "$EPIPE_JAVA_HOME"
    return
  fi
  j="$(readlink -f "$(command -v java)")" || die "java not found; set EPIPE_JAVA_HOME"
  dirname "$(dirname "$j")"
}

with_cache_lock() { # run a command while holding the cache lock (shared by all checkouts)
  mkdir -p "$CACHE_DIR"
  (
    flock -w 900 9 || die "timed out waiting for the cache lock $CACHE_DIR/.lock"
    "$@"
  ) 9>"$CACHE_DIR/.lock"
}

# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------
# shellcheck source=deploy/stack/tls.sh
. "$STACK_LIB/tls.sh"
# shellcheck source=deploy/stack/mariadb.sh
. "$STACK_LIB/mariadb.sh"
# shellcheck source=deploy/stack/kafka.sh
. "$STACK_LIB/kafka.sh"
# shellcheck source=deploy/stack/elasticsearch.sh
. "$STACK_LIB/elasticsearch.sh"

# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------
write_env() {
  render env.tmpl MYSQL_PORT="$MYSQL_PORT" KAFKA_PORT="$KAFKA_PORT" ES_PORT="$ES_PORT" | write_config "$STACK_DIR/env"
}

cmd_up() {
  local t0 svc deadline digest waiting=()
  declare -A deadlines=()
  t0="$(now_ms)"
  mkdir -p "$STACK_DIR" "$RUN_DIR" "$CACHE_DIR"
  exec 8>"$STACK_DIR/.lock"
  flock -w 900 8 || die "another 'stack.sh' is holding $STACK_DIR/.lock"
  ensure_tools
  if secure_on; then tls_prepare; fi
  # Phase 1: prepare and launch everything that is not already up (in parallel)
  for svc in $(selected_services); do
    digest="$(svc_config_digest "$svc")"
    svc_call "$svc" prepare
    if svc_running "$svc"; then
      if [[ "$(svc_config_digest "$svc")" != "$digest" ]]; then
        say "$svc: configuration changed, restarting"
        stop_svc "$svc"
      elif svc_call "$svc" healthy; then
        say "$svc: already running and healthy (port $(svc_call "$svc" port)), skipped"
        continue
      else
        say "$svc: running but not healthy yet, waiting"
        deadlines[$svc]=$(($(now_ms) + $(svc_call "$svc" timeout) * 1000))
        waiting+=("$svc")
        continue
      fi
    fi
    check_ports_free "$svc"
    say "$svc: starting"
    svc_call "$svc" start
    deadlines[$svc]=$(($(now_ms) + $(svc_call "$svc" timeout) * 1000))
    waiting+=("$svc")
  done
  # Phase 2: wait for health
  for svc in ${waiting[@]+"${waiting[@]}"}; do
    deadline="${deadlines[$svc]}"
    svc_call "$svc" wait "$deadline"
    say "$svc: healthy (port $(svc_call "$svc" port))"
  done
  secure_finish
  write_env
  local ms=$(($(now_ms) - t0))
  say "stack up in $((ms / 1000)).$(printf '%03d' $((ms % 1000)) | cut -c1)s (services: $(selected_services | paste -sd' ')); env: $STACK_DIR/env"
}

cmd_down() {
  local svc order=""
  [[ -d "$STACK_DIR" ]] || { say "nothing to stop ($STACK_DIR does not exist)"; return 0; }
  mkdir -p "$RUN_DIR"
  exec 8>"$STACK_DIR/.lock"
  flock -w 900 8 || die "another 'stack.sh' is holding $STACK_DIR/.lock"
  for svc in $(selected_services); do order="$svc $order"; done # reverse order
  for svc in $order; do stop_svc "$svc"; done
}

cmd_status() {
  local svc pids rss health rc=0
  for svc in $(selected_services); do
    pids="$(join_pids "$(svc_pids "$svc")")"
    if [[ -n "$pids" ]]; then
      rss="$(svc_rss_kib "$svc")"
      if svc_call "$svc" healthy; then health=healthy; else health=unhealthy; rc=1; fi
      printf '%-14s running  pid=%-14s port=%-5s rss=%sMiB  %s\n' "$svc" "$pids" "$(svc_call "$svc" port)" \
        "$((rss / 1024))" "$health"
    else
      printf '%-14s stopped  pid=%-14s port=%-5s rss=-\n' "$svc" "-" "$(svc_call "$svc" port)"
      rc=1
    fi
  done
  return $rc
}

cmd_logs() {
  local svc="${1:-}" arg="${2:-}" log
  if [[ -z "$svc" ]] || ! svc_valid "$svc"; then
    die "usage: $0 logs <${ALL_SERVICES// /|}> [-f|LINES]"
  fi
  log="$(svc_call "$svc" log)"
  [[ -f "$log" ]] || die "$svc: no log yet ($log)"
  if [[ "$arg" == "-f" ]]; then
    exec tail -n 50 -F "$log"
  fi
  echo "==> $log <=="
  tail -n "${arg:-100}" "$log"
  if [[ -s "$(svc_call "$svc" out)" && "$(svc_call "$svc" out)" != "$log" ]]; then
    echo "==> $(svc_call "$svc" out) <=="
    tail -n "${arg:-100}" "$(svc_call "$svc" out)"
  fi
}

usage() {
  cat <<EOF
Usage: $0 <command>
  up              start the local stack (idempotent; services already healthy are skipped)
  down            stop the processes started by 'up' (by pid file; SIGTERM, then SIGKILL)
  status          one line per service: state, pid, port, RSS (exit 1 if any is not healthy)
  logs <svc> [-f|LINES]   show the log of mariadb|kafka|elasticsearch|elasticsearch-secure
Services: EPIPE_STACK_SERVICES="$ALL_SERVICES" (default; EPIPE_STACK_SECURE=0 leaves out the
secured parts: MariaDB TLS, the Kafka SASL_SSL listener and elasticsearch-secure). See deploy/README.md.
EOF
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  logs) shift; cmd_logs "$@" ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
