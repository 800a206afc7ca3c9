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
# All state lives in <repo>/.stack/, downloads in ${EPIPE_CACHE_DIR:-$HOME/.cache/epipe}.
# See deploy/README.md for the environment variables.
set -euo pipefail

# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
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
ES_LINK="$STACK_DIR/elasticsearch"  # a directory, or a symlink when the ES user cannot reach .stack
ESS_LINK="$STACK_DIR/elasticsearch-secure"
ES_SECURE=0                         # set by with_ess while the secured node's functions run
ES_SVC=elasticsearch                # likewise
ESS_USER=epipe                      # file-realm account of the secured node
TLS_DIR="$STACK_DIR/tls"            # CA, server and client certificates (made by openssl)
SECRETS_DIR="$STACK_DIR/secrets"    # generated passwords and the API key, mode 600
KAFKA_SASL_USER=epipe
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
ES_CACHE_HOME="$CACHE_DIR/elasticsearch-$ES_VERSION"

IS_ROOT=0
[[ "$(id -u)" == 0 ]] && IS_ROOT=1

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

# write_config FILE (content on stdin): (re)write FILE; sets CONFIG_CHANGED=1 when the
# content differs from what was there (a running service is then restarted by 'up').
CONFIG_CHANGED=0
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
  CONFIG_CHANGED=1
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

# with_ess CMD...: run an Elasticsearch function for the secured node. Bash locals are
# dynamically scoped, so every es_* function called from here sees the secured node's settings.
with_ess() {
  local ES_LINK="$ESS_LINK" ES_PORT="$ESS_PORT" ES_TRANSPORT_PORT="$ESS_TRANSPORT_PORT"
  local ES_HEAP="$ESS_HEAP" ES_SECURE=1 ES_SVC=elasticsearch-secure
  "$@"
}

selected_services() {
  local s
  for s in $SERVICES; do
    svc_valid "$s" || die "unknown service '$s' in EPIPE_STACK_SERVICES (valid: $ALL_SERVICES)"
    printf '%s\n' "$s"
  done
}

# --- per-service facts -----------------------------------------------------
es_dir() { # resolved state directory of Elasticsearch
  if [[ -e "$ES_LINK" ]]; then (cd "$ES_LINK" && pwd -P); else printf '%s\n' "$ES_LINK"; fi
}

svc_marker() { # a string present in the command line of every process of the service
  case "$1" in
    mariadb) printf '%s\n' "$MDB_DIR/my.cnf" ;;
    kafka) printf '%s\n' "$KAFKA_DIR/server.properties" ;;
    elasticsearch) printf '%s\n' "$(es_dir)/" ;; # launcher: -Des.path.conf=, node: -Djava.io.tmpdir=
    elasticsearch-secure) with_ess svc_marker elasticsearch ;;
  esac
}

svc_port() {
  case "$1" in
    mariadb) echo "$MYSQL_PORT" ;;
    kafka) echo "$KAFKA_PORT" ;;
    elasticsearch) echo "$ES_PORT" ;;
    elasticsearch-secure) echo "$ESS_PORT" ;;
  esac
}

svc_all_ports() {
  case "$1" in
    mariadb) echo "$MYSQL_PORT" ;;
    kafka) echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT$(secure_on && echo " $KAFKA_SASL_PORT")" ;;
    elasticsearch) echo "$ES_PORT $ES_TRANSPORT_PORT" ;;
    elasticsearch-secure) echo "$ESS_PORT $ESS_TRANSPORT_PORT" ;;
  esac
}

svc_log() { # main log file
  case "$1" in
    mariadb) echo "$MDB_DIR/mariadb.log" ;;
    kafka) echo "$KAFKA_DIR/kafka.log" ;;
    elasticsearch) echo "$(es_dir)/logs/$(es_cluster).log" ;;
    elasticsearch-secure) with_ess svc_log elasticsearch ;;
  esac
}

svc_out() { # stdout/stderr capture of the launched process (JVM crashes, CLI errors)
  case "$1" in
    mariadb) echo "$MDB_DIR/mariadb.out" ;;
    kafka) echo "$KAFKA_DIR/kafka.out" ;;
    elasticsearch) echo "$(es_dir)/elasticsearch.out" ;;
    elasticsearch-secure) with_ess svc_out elasticsearch ;;
  esac
}

# PIDs of the service: members of the process group recorded in the pid file whose
# command line contains the service marker. Never anything else.
svc_pids() {
  local svc="$1" pidfile="$RUN_DIR/$1.pid" pgid marker p cmd
  [[ -s "$pidfile" ]] || return 0
  pgid="$(cat "$pidfile")"
  [[ "$pgid" =~ ^[0-9]+$ ]] || return 0
  marker="$(svc_marker "$svc")"
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
  log="$(svc_log "$svc")"
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
  for p in $(svc_all_ports "$svc"); do
    if port_open "$p"; then
      owner="$(port_owner "$p")"
      die "$svc: port 127.0.0.1:$p is already in use${owner:+ by $owner}; stop that process or choose another port (see deploy/README.md)"
    fi
  done
}

fail_health() { # svc reason
  local svc="$1" reason="$2" log out off
  log="$(svc_log "$svc")"
  out="$(svc_out "$svc")"
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
APT_UPDATED=0
apt_install() {
  ((IS_ROOT)) || die "missing packages: $*; install them (apt-get install $*) or run as root"
  command -v apt-get >/dev/null 2>&1 || die "missing packages: $* (and no apt-get to install them)"
  say "installing packages: $*"
  if ((APT_UPDATED == 0)); then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
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
# Certificates and secrets of the secured services (nothing of it is committed)
# ---------------------------------------------------------------------------
# One local CA signs a server certificate (127.0.0.1 and localhost, used by MariaDB, the Kafka
# SASL_SSL listener and the secured Elasticsearch node) and a client certificate (CN=epipe, for
# REQUIRE X509 accounts and Kafka mutual TLS). A second CA, which no service trusts, and a client
# certificate it signed let tests check that an untrusted server, or client, is refused. They are
# remade when missing or about to expire.
tls_valid() {
  local f
  for f in ca.pem server.pem server.key client.pem client.key untrusted-ca.pem untrusted-client.pem \
    untrusted-client.key server-keystore.pem; do
    [[ -s "$TLS_DIR/$f" ]] || return 1
  done
  for f in ca.pem server.pem client.pem; do
    openssl x509 -checkend 86400 -noout -in "$TLS_DIR/$f" >/dev/null 2>&1 || return 1
  done
}

tls_cert() { # name subject extensions [ca]: a key and a certificate signed by the local CA
  local name="$1" subject="$2" ext="$3" ca="${4:-ca}"
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "$subject" 2>/dev/null
  printf '%b' "$ext" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial -days 825 -sha256 \
    -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

tls_prepare() {
  mkdir -p "$TLS_DIR" "$SECRETS_DIR"
  chmod 700 "$SECRETS_DIR"
  tls_valid && return 0
  say "tls: making a local CA, server and client certificates with openssl"
  (
    set -e
    cd "$TLS_DIR"
    rm -f ./*.pem ./*.key ./*.srl
    ca_ext=(-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign")
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -sha256 -subj "/CN=epipe local test CA" \
      "${ca_ext[@]}" -keyout ca.key -out ca.pem 2>/dev/null
    tls_cert server "/CN=localhost" \
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n'
    tls_cert client "/CN=epipe" \
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n'
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -sha256 -subj "/CN=epipe untrusted CA" \
      "${ca_ext[@]}" -keyout untrusted-ca.key -out untrusted-ca.pem 2>/dev/null
    # a client certificate the services must refuse
    tls_cert untrusted-client "/CN=epipe" \
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' untrusted-ca
    # Kafka's PEM key store: the private key (PKCS#8) and its certificate in one file
    cat server.key server.pem >server-keystore.pem
    chmod 600 ./*.key server-keystore.pem
  ) || die "tls: openssl could not make the certificates in $TLS_DIR"
}

# Written into each secured service's generated configuration: remade certificates change the
# configuration, so 'up' restarts the services that hold the old ones.
tls_stamp() { printf '# certificates: %s\n' "$(sha256sum "$TLS_DIR/server.pem" "$TLS_DIR/ca.pem" | sha256sum | cut -c1-16)"; }

secret() { # name -> path of a generated secret (made once, random, mode 600)
  local f="$SECRETS_DIR/$1"
  if [[ ! -s "$f" ]]; then
    (umask 077 && openssl rand -hex 16 >"$f") || die "cannot write $f"
  fi
  printf '%s\n' "$f"
}

# ---------------------------------------------------------------------------
# MariaDB
# ---------------------------------------------------------------------------
mdb_socket() {
  local s="$MDB_DIR/mariadb.sock"
  if ((${#s} > 100)); then # unix socket paths are limited to 107 bytes
    s="/tmp/epipe-mariadb-$(printf '%s' "$STACK_DIR" | sha1sum | cut -c1-12).sock"
  fi
  printf '%s\n' "$s"
}

mdb_tcp() { # run a statement over TCP as root with an empty password
  timeout 15 mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P"$MYSQL_PORT" -uroot \
    --connect-timeout=3 -N -B -e "$1"
}

mdb_sock() {
  timeout 15 mariadb --no-defaults --protocol=SOCKET --socket="$(mdb_socket)" -uroot \
    --connect-timeout=3 -N -B -e "$1"
}

mdb_healthy() {
  svc_running mariadb && mdb_tcp 'SELECT 1' >/dev/null 2>&1
}

mdb_prepare() {
  mkdir -p "$MDB_DIR/data" "$MDB_DIR/binlog" "$MDB_DIR/tmp"
  write_config "$MDB_DIR/my.cnf" <<EOF
# Generated by deploy/stack.sh - do not edit (regenerated on every 'up').
# Private MariaDB instance for epipe tests; the system server (if any) is left alone.
[mysqld]
port                          = $MYSQL_PORT
bind-address                  = 127.0.0.1
socket                        = $(mdb_socket)
pid-file                      = $MDB_DIR/mariadbd.pid
datadir                       = $MDB_DIR/data
tmpdir                        = $MDB_DIR/tmp
log_error                     = $MDB_DIR/mariadb.log
skip-name-resolve

# replication / CDC source settings that epipe checks at start
server_id                     = 1
log_bin                       = $MDB_DIR/binlog/mariadb-bin
log_bin_index                 = $MDB_DIR/binlog/mariadb-bin.index
binlog_format                 = ROW
binlog_row_image              = FULL
binlog_row_metadata           = FULL
gtid_strict_mode              = ON

character-set-server          = utf8mb4
collation-server              = utf8mb4_unicode_ci
innodb_autoinc_lock_mode      = 2
innodb_buffer_pool_size       = 256M
max_connections               = 500

# THIS IS A THROWAWAY TEST INSTANCE: durability is traded for speed.
# Never use these two settings on a server whose data matters.
innodb_flush_log_at_trx_commit = 2
sync_binlog                   = 0
$(mdb_tls_config)
EOF
  if [[ ! -d "$MDB_DIR/data/mysql" ]]; then
    say "mariadb: initialising data directory"
    rm -rf "$MDB_DIR/data" && mkdir -p "$MDB_DIR/data"
    local user_opt=()
    ((IS_ROOT)) && user_opt=(--user=root)
    if ! mariadb-install-db --defaults-file="$MDB_DIR/my.cnf" "${user_opt[@]}" \
      --auth-root-authentication-method=normal --skip-test-db >"$MDB_DIR/install-db.log" 2>&1; then
      printf '[stack] ERROR: mariadb: mariadb-install-db failed. Log file: %s\n' "$MDB_DIR/install-db.log" >&2
      tail_log "$MDB_DIR/install-db.log" 30
      exit 1
    fi
  fi
}

mdb_tls_config() { # TLS offered to every client; an account decides whether it is required
  secure_on || return 0
  printf '%s\n' "" "# TLS (deploy/stack.sh secured parts): accounts opt in with REQUIRE SSL / X509" "$(tls_stamp)" \
    "ssl_ca                        = $TLS_DIR/ca.pem" \
    "ssl_cert                      = $TLS_DIR/server.pem" \
    "ssl_key                       = $TLS_DIR/server.key"
}

mdb_start() {
  local user_opt=()
  ((IS_ROOT)) && user_opt=(--user=root)
  rotate_log "$MDB_DIR/mariadb.out"
  launch mariadb "$MDB_DIR/mariadb.out" mariadbd --defaults-file="$MDB_DIR/my.cnf" "${user_opt[@]}"
}

# make root log in over TCP with an empty password (run through the socket)
mdb_fix_root() {
  mdb_sock "
    SET SESSION sql_log_bin = 0;
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
    ALTER USER 'root'@'127.0.0.1' IDENTIFIED VIA mysql_native_password USING PASSWORD('');
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
    ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
    FLUSH PRIVILEGES;" >/dev/null
}

mdb_wait() { # deadline_ms
  local deadline="$1" fixed=0
  while :; do
    svc_running mariadb || fail_health mariadb "exited during start-up"
    if mdb_tcp 'SELECT 1' >/dev/null 2>&1; then return 0; fi
    if ((fixed == 0)) && mdb_sock 'SELECT 1' >/dev/null 2>&1; then
      # server is up but root cannot log in over TCP: fix the accounts once
      mdb_fix_root || true
      fixed=1
      continue
    fi
    (($(now_ms) < deadline)) || fail_health mariadb "did not become healthy within ${MYSQL_TIMEOUT}s (root over TCP on 127.0.0.1:$MYSQL_PORT)"
    sleep 0.5
  done
}

# ---------------------------------------------------------------------------
# Kafka
# ---------------------------------------------------------------------------
kafka_fetch() {
  [[ "$(cat "$KAFKA_HOME/.complete" 2>/dev/null)" == "$KAFKA_VERSION" ]] && return 0
  say "kafka: fetching Kafka $KAFKA_VERSION jars with Maven (once, into the cache)"
  rm -rf "$KAFKA_HOME/libs.tmp"
  mkdir -p "$KAFKA_HOME"
  cat >"$KAFKA_HOME/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by deploy/stack.sh: only used to resolve the Kafka broker's runtime jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.epipe</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_$KAFKA_SCALA</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>$SLF4J_RELOAD4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
  if ! (cd "$KAFKA_HOME" && mvn -q -B -f pom.xml "$MVN_DEP_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs.tmp" >"$KAFKA_HOME/mvn.log" 2>&1); then
    tail_log "$KAFKA_HOME/mvn.log" 30
    die "kafka: Maven could not fetch the Kafka jars (log: $KAFKA_HOME/mvn.log)"
  fi
  [[ -f "$KAFKA_HOME/libs.tmp/kafka_$KAFKA_SCALA-$KAFKA_VERSION.jar" ]] ||
    die "kafka: kafka_$KAFKA_SCALA-$KAFKA_VERSION.jar missing after Maven run (log: $KAFKA_HOME/mvn.log)"
  rm -rf "$KAFKA_HOME/libs"
  mv "$KAFKA_HOME/libs.tmp" "$KAFKA_HOME/libs"
  echo "$KAFKA_VERSION" >"$KAFKA_HOME/.complete"
}

kafka_java_opts() {
  # shellcheck disable=SC2086
  printf '%s\n' $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true "-Dlog4j.configuration=file:$KAFKA_DIR/log4j.properties"
}

kafka_sasl_password() { cat "$(secret kafka-sasl-password)"; }

kafka_sasl_config() { # the SASL_SSL listener: SCRAM users live in the cluster metadata, PLAIN here
  secure_on || return 0
  local l=listener.name.sasl_ssl
  cat <<EOF

# SASL_SSL listener (deploy/stack.sh secured parts); certificates in $TLS_DIR
$(tls_stamp)
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN
$l.ssl.keystore.type=PEM
$l.ssl.keystore.location=$TLS_DIR/server-keystore.pem
$l.ssl.truststore.type=PEM
$l.ssl.truststore.location=$TLS_DIR/ca.pem
$l.ssl.client.auth=requested
$l.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
$l.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
$l.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SASL_USER="$(kafka_sasl_password)";
EOF
}

kafka_scram_marker() { # what the SCRAM credentials were made from, without the password itself
  printf '%s %s\n' "$KAFKA_SASL_USER" "$(kafka_sasl_password | sha256sum | cut -c1-16)"
}

kafka_prepare() {
  local id scram=()
  with_cache_lock kafka_fetch
  mkdir -p "$KAFKA_DIR/data"
  write_config "$KAFKA_DIR/server.properties" <<EOF
# Generated by deploy/stack.sh - do not edit (regenerated on every 'up').
# Single-node Kafka $KAFKA_VERSION in KRaft mode for epipe tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT$(secure_on && echo ",SASL_SSL://127.0.0.1:$KAFKA_SASL_PORT")
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT$(secure_on && echo ",SASL_SSL://127.0.0.1:$KAFKA_SASL_PORT")
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT$(secure_on && echo ",SASL_SSL:SASL_SSL")
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$KAFKA_DIR/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
$(kafka_sasl_config)
EOF
  write_config "$KAFKA_DIR/log4j.properties" <<EOF
# Generated by deploy/stack.sh
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$KAFKA_DIR/kafka.log
log4j.appender.file.MaxFileSize=50MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel\$=WARN
log4j.logger.kafka.controller=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.org.apache.kafka.storage.internals.log=WARN
log4j.logger.kafka.log=WARN
EOF
  write_config "$KAFKA_DIR/jvm.options" <<<"$(kafka_java_opts)"
  if [[ ! -f "$KAFKA_DIR/data/meta.properties" ]]; then
    if [[ ! -s "$KAFKA_DIR/cluster.id" ]]; then
      # 16 random bytes, URL-safe base64 without padding (22 chars) - the Kafka Uuid format
      while :; do
        id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
        [[ "$id" != -* ]] && break
      done
      printf '%s\n' "$id" >"$KAFKA_DIR/cluster.id"
    fi
    say "kafka: formatting KRaft storage (cluster id $(cat "$KAFKA_DIR/cluster.id"))"
    # SCRAM credentials are part of the metadata: a fresh format writes them at no cost
    if secure_on; then
      scram=(--add-scram "SCRAM-SHA-512=[name=$KAFKA_SASL_USER,password=$(kafka_sasl_password)]"
        --add-scram "SCRAM-SHA-256=[name=$KAFKA_SASL_USER,password=$(kafka_sasl_password)]")
    fi
    rm -f "$KAFKA_DIR/scram.done"
    if ! "$(java_home)/bin/java" -Xmx256m -cp "$KAFKA_HOME/libs/*" \
      "-Dlog4j.configuration=file:$KAFKA_DIR/log4j.properties" kafka.tools.StorageTool format \
      -t "$(cat "$KAFKA_DIR/cluster.id")" -c "$KAFKA_DIR/server.properties" --ignore-formatted \
      ${scram[@]+"${scram[@]}"} >"$KAFKA_DIR/format.log" 2>&1; then
      printf '[stack] ERROR: kafka: storage format failed. Log file: %s\n' "$KAFKA_DIR/format.log" >&2
      tail_log "$KAFKA_DIR/format.log" 30
      exit 1
    fi
    if secure_on; then kafka_scram_marker >"$KAFKA_DIR/scram.done"; fi
  fi
}

# A broker formatted before the secured parts existed (or with another password) gets its
# SCRAM credentials through the admin API once it is up.
kafka_secure_finish() {
  secure_on || return 0
  [[ "$(cat "$KAFKA_DIR/scram.done" 2>/dev/null)" == "$(kafka_scram_marker)" ]] && return 0
  say "kafka: adding SCRAM credentials for user $KAFKA_SASL_USER"
  local pw mechanism
  pw="$(kafka_sasl_password)"
  : >"$KAFKA_DIR/scram.log"
  # One mechanism per request: the broker refuses two credentials of one user in one request.
  for mechanism in SCRAM-SHA-512 SCRAM-SHA-256; do
    if ! "$(java_home)/bin/java" -Xmx128m -cp "$KAFKA_HOME/libs/*" \
      "-Dlog4j.configuration=file:$KAFKA_DIR/log4j.properties" kafka.admin.ConfigCommand \
      --bootstrap-server "127.0.0.1:$KAFKA_PORT" --alter --entity-type users --entity-name "$KAFKA_SASL_USER" \
      --add-config "$mechanism=[password=$pw]" >>"$KAFKA_DIR/scram.log" 2>&1; then
      tail_log "$KAFKA_DIR/scram.log" 20
      die "kafka: could not add the $mechanism credentials (log: $KAFKA_DIR/scram.log)"
    fi
  done
  kafka_scram_marker >"$KAFKA_DIR/scram.done"
}

kafka_start() {
  local opts=()
  mapfile -t opts <"$KAFKA_DIR/jvm.options"
  rotate_log "$KAFKA_DIR/kafka.out"
  rotate_log "$KAFKA_DIR/kafka.log"
  launch kafka "$KAFKA_DIR/kafka.out" "$(java_home)/bin/java" "${opts[@]}" \
    -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$KAFKA_DIR/server.properties"
}

# Does the broker answer a Kafka ApiVersions request? (plain node, no node_modules needed;
# falls back to a TCP connect when node is not installed)
kafka_answers() {
  if command -v node >/dev/null 2>&1; then
    timeout 5 node -e '
      const net = require("net");
      const id = Buffer.from("epipe-stack");
      const body = Buffer.alloc(10 + id.length);
      body.writeInt16BE(18, 0);          // ApiVersions
      body.writeInt16BE(0, 2);           // v0
      body.writeInt32BE(4242, 4);        // correlation id
      body.writeInt16BE(id.length, 8);
      id.copy(body, 10);
      const size = Buffer.alloc(4);
      size.writeInt32BE(body.length);
      const s = net.connect({ host: "127.0.0.1", port: Number(process.argv[1]) }, () =>
        s.write(Buffer.concat([size, body])));
      let buf = Buffer.alloc(0);
      s.setTimeout(3000, () => process.exit(2));
      s.on("error", () => process.exit(1));
      s.on("close", () => process.exit(4));
      s.on("data", (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 10) process.exit(buf.readInt32BE(4) === 4242 && buf.readInt16BE(8) === 0 ? 0 : 3);
      });' "$KAFKA_PORT" 2>/dev/null
  else
    port_open "$KAFKA_PORT"
  fi
}

kafka_healthy() {
  svc_running kafka && grep -q 'Kafka Server started' "$KAFKA_DIR/kafka.log" 2>/dev/null && kafka_answers
}

kafka_wait() {
  local deadline="$1"
  while :; do
    svc_running kafka || fail_health kafka "exited during start-up"
    kafka_healthy && return 0
    (($(now_ms) < deadline)) || fail_health kafka "did not become healthy within ${KAFKA_TIMEOUT}s (broker on 127.0.0.1:$KAFKA_PORT)"
    sleep 0.5
  done
}

# ---------------------------------------------------------------------------
# Elasticsearch
# ---------------------------------------------------------------------------
es_fetch() {
  [[ "$(cat "$ES_CACHE_HOME/.complete" 2>/dev/null)" == "$ES_VERSION" ]] && return 0
  say "elasticsearch: fetching Elasticsearch $ES_VERSION with Maven (once, into the cache)"
  local tmp="$CACHE_DIR/.es-download.$$"
  rm -rf "$tmp" "$ES_CACHE_HOME"
  mkdir -p "$tmp"
  if ! (cd "$tmp" && mvn -q -B "$MVN_DEP_PLUGIN:copy" \
    -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
    -DoutputDirectory="$tmp" >"$tmp/mvn.log" 2>&1); then
    tail_log "$tmp/mvn.log" 30
    die "elasticsearch: Maven could not fetch the distribution (log: $tmp/mvn.log)"
  fi
  unzip -q "$tmp/elasticsearch-$ES_VERSION.zip" -d "$tmp/x" || die "elasticsearch: unzip failed"
  [[ -x "$tmp/x/elasticsearch-$ES_VERSION/bin/elasticsearch" ]] ||
    die "elasticsearch: unexpected archive layout in $tmp"
  # the distribution is run by an unprivileged user: make it world-readable
  chmod -R a+rX "$tmp/x/elasticsearch-$ES_VERSION"
  mv "$tmp/x/elasticsearch-$ES_VERSION" "$ES_CACHE_HOME"
  rm -rf "$tmp"
  echo "$ES_VERSION" >"$ES_CACHE_HOME/.complete"
}

es_cluster() { if ((ES_SECURE)); then echo epipe-local-secure; else echo epipe-local; fi; }

es_run_user() { if ((IS_ROOT)); then echo "$ES_USER"; else id -un; fi; }

as_es_user() { # run a command as the Elasticsearch user
  if ((IS_ROOT)); then
    setpriv --reuid="$ES_USER" --regid="$ES_USER" --init-groups -- "$@"
  else
    "$@"
  fi
}

es_ensure_user() {
  ((IS_ROOT)) || return 0
  id -u "$ES_USER" >/dev/null 2>&1 && return 0
  say "elasticsearch: creating system user $ES_USER (Elasticsearch refuses to run as root)"
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$ES_USER"
}

# Pick the state directory: .stack/elasticsearch if the ES user can reach it, otherwise
# (e.g. checkout below a mode-700 home directory) a directory under /var/tmp, linked from
# .stack/elasticsearch.
es_setup_dir() {
  [[ -e "$ES_LINK" ]] && return 0
  [[ -L "$ES_LINK" ]] && rm -f "$ES_LINK" # dangling link (external directory was removed)
  if as_es_user test -x "$STACK_DIR" -a -r "$STACK_DIR"; then
    mkdir -p "$ES_LINK"
  else
    local ext
    ext="/var/tmp/epipe-stack-$(printf '%s' "$STACK_DIR" | sha1sum | cut -c1-12)/$(basename "$ES_LINK")"
    warn "user $(es_run_user) cannot reach $STACK_DIR; keeping Elasticsearch state in $ext"
    rm -rf "$ext"
    mkdir -p "$ext"
    chmod 755 "$(dirname "$ext")"
    ln -sfn "$ext" "$ES_LINK"
  fi
}

# Directory the ES user runs the distribution from: the cache itself when readable by
# that user, otherwise a hard-linked (or copied) mirror in the state directory.
es_home() {
  local dir="$1"
  if as_es_user test -r "$ES_CACHE_HOME/lib/elasticsearch-$ES_VERSION.jar" -a -x "$ES_CACHE_HOME/bin"; then
    rm -rf "$dir/dist"
    printf '%s\n' "$ES_CACHE_HOME"
    return
  fi
  if [[ ! -f "$dir/dist/.complete" ]] || ! cmp -s "$dir/dist/.complete" "$ES_CACHE_HOME/.complete"; then
    rm -rf "$dir/dist"
    cp -al "$ES_CACHE_HOME" "$dir/dist" 2>/dev/null || { rm -rf "$dir/dist"; cp -a "$ES_CACHE_HOME" "$dir/dist"; }
  fi
  printf '%s\n' "$dir/dist"
}

es_env_file() { echo "$(es_dir)/run.env"; }

es_prepare() {
  local dir home jh jvm
  with_cache_lock es_fetch
  es_ensure_user
  mkdir -p "$STACK_DIR" && chmod 755 "$STACK_DIR"
  es_setup_dir
  dir="$(es_dir)"
  chmod 755 "$dir"
  home="$(es_home "$dir")"
  jh="$(java_home)"
  mkdir -p "$dir/config" "$dir/data" "$dir/logs" "$dir/tmp"
  if [[ ! -f "$dir/config/log4j2.properties" ]]; then
    cp -r "$home/config/." "$dir/config/"
    rm -f "$dir/config/elasticsearch.yml" "$dir/config/jvm.options"
  fi
  write_config "$dir/config/elasticsearch.yml" <<EOF
# Generated by deploy/stack.sh - do not edit (regenerated on every 'up').
cluster.name: $(es_cluster)
node.name: $(es_cluster)-1
discovery.type: single-node
network.host: 127.0.0.1
http.port: $ES_PORT
transport.port: $ES_TRANSPORT_PORT
path.data: $dir/data
path.logs: $dir/logs
$(es_security_config)
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
EOF
  # the distribution's jvm.options writes gc.log / hs_err files relative to the working
  # directory (the read-only distribution): point them at the logs directory instead
  jvm="$(sed -e "s#file=[^:]*gc\.log#file=$dir/logs/gc.log#" \
    -e "s#filecount=[0-9]*,filesize=[0-9]*m#filecount=4,filesize=16m#" \
    -e "s#-XX:ErrorFile=[^ ]*hs_err#-XX:ErrorFile=$dir/logs/hs_err#" \
    "$home/config/jvm.options")" || die "elasticsearch: cannot read $home/config/jvm.options"
  write_config "$dir/config/jvm.options" <<EOF
$jvm
-XX:HeapDumpPath=$dir/logs
EOF
  write_config "$dir/run.env" <<EOF
ES_HOME=$home
ES_JAVA_HOME=$jh
ES_JAVA_OPTS=-Xms$ES_HEAP -Xmx$ES_HEAP
EOF
  if ((ES_SECURE)); then
    mkdir -p "$dir/config/certs"
    cp "$TLS_DIR/ca.pem" "$TLS_DIR/server.pem" "$TLS_DIR/server.key" "$dir/config/certs/"
    es_file_users "$dir"
  fi
  if ((IS_ROOT)); then
    chown -R "$ES_USER:$ES_USER" "$dir/config" "$dir/data" "$dir/logs" "$dir/tmp"
    chown "$ES_USER:$ES_USER" "$dir"
  fi
}

es_security_config() {
  if ((ES_SECURE == 0)); then
    echo "xpack.security.enabled: false"
    return
  fi
  cat <<EOF
# Security on: TLS on HTTP (certificates from deploy/stack.sh), users in the file realm.
# Transport TLS is not needed: a single node bound to 127.0.0.1 has no peers.
$(tls_stamp)
xpack.security.enabled: true
xpack.security.http.ssl.enabled: true
xpack.security.http.ssl.key: certs/server.key
xpack.security.http.ssl.certificate: certs/server.pem
xpack.security.http.ssl.certificate_authorities: ["certs/ca.pem"]
xpack.security.transport.ssl.enabled: false
EOF
}

# The account epipe uses, in the file realm (config/users, users_roles, roles.yml): the file
# realm needs no security index, which this distribution cannot create (its mapping uses the
# pattern_capture filter of the analysis-common module, which the integ-test-zip lacks), so API
# keys and native users are not available here. The password hash is PBKDF2 as Elasticsearch
# writes it ({PBKDF2}<iterations>$<salt>$<key>, HMAC-SHA512, 32 bytes), made with openssl
# instead of a 10 s JVM start of elasticsearch-users; the realm reloads the files by itself.
hex_to_b64() { printf '%b' "$(sed 's/../\\x&/g' <<<"$1")" | base64 -w0; }

es_file_users() {
  local dir="$1" pw salt key
  pw="$(cat "$(secret es-password)")"
  if [[ -f "$dir/config/users" ]] && grep -q "^$ESS_USER:" "$dir/config/users" &&
    [[ "$(cat "$dir/users.done" 2>/dev/null)" == "$(printf '%s' "$pw" | sha256sum | cut -c1-16)" ]]; then
    return 0 # made for this password already
  fi
  salt="$(openssl rand -hex 32)"
  key="$(openssl kdf -keylen 32 -kdfopt digest:SHA512 -kdfopt "pass:$pw" -kdfopt "hexsalt:$salt" \
    -kdfopt iter:10000 PBKDF2 | tr -d ':\n')" || die "$ES_SVC: openssl cannot make a PBKDF2 hash"
  printf '%s:{PBKDF2}10000$%s$%s\n' "$ESS_USER" "$(hex_to_b64 "$salt")" "$(hex_to_b64 "$key")" >"$dir/config/users"
  printf 'epipe:%s\n' "$ESS_USER" >"$dir/config/users_roles"
  cat >"$dir/config/roles.yml" <<EOF
# Generated by deploy/stack.sh: what epipe needs, nothing more on the cluster.
epipe:
  cluster: ["monitor", "manage_index_templates"]
  indices:
    - names: ["*"]
      privileges: ["all"]
EOF
  printf '%s' "$pw" | sha256sum | cut -c1-16 >"$dir/users.done"
}

# curl to the secured node as epipe's account: CA from the stack, credentials from a config on
# stdin (so the password is on no command line)
ess_curl() {
  printf 'user = "%s:%s"\n' "$ESS_USER" "$(cat "$(secret es-password)")" |
    curl -s -m 10 -K - --cacert "$TLS_DIR/ca.pem" "$@"
}

es_start() {
  local dir home jh opts
  dir="$(es_dir)"
  home="$(sed -n 's/^ES_HOME=//p' "$dir/run.env")"
  jh="$(sed -n 's/^ES_JAVA_HOME=//p' "$dir/run.env")"
  opts="$(sed -n 's/^ES_JAVA_OPTS=//p' "$dir/run.env")"
  rotate_log "$dir/elasticsearch.out"
  rm -f "$dir/elasticsearch.pid"
  # -d: the launcher returns once the node is up; the node stays in our process group
  local drop=()
  ((IS_ROOT)) && drop=(setpriv --reuid="$ES_USER" --regid="$ES_USER" --init-groups --)
  launch "$ES_SVC" "$dir/elasticsearch.out" ${drop[@]+"${drop[@]}"} \
    env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$dir" LANG=C.UTF-8 \
    ES_JAVA_HOME="$jh" ES_PATH_CONF="$dir/config" ES_TMPDIR="$dir/tmp" ES_JAVA_OPTS="$opts" \
    "$home/bin/elasticsearch" -d -p "$dir/elasticsearch.pid"
}

es_healthy() {
  local body path="_cluster/health?wait_for_status=yellow&timeout=2s"
  svc_running "$ES_SVC" || return 1
  if ((ES_SECURE)); then
    body="$(ess_curl "https://127.0.0.1:$ES_PORT/$path" 2>/dev/null)" || return 1
  else
    body="$(curl -s -m 5 "http://127.0.0.1:$ES_PORT/$path" 2>/dev/null)" || return 1
  fi
  [[ "$body" == *'"status":"green"'* || "$body" == *'"status":"yellow"'* ]]
}

es_wait() {
  local deadline="$1"
  while :; do
    svc_running "$ES_SVC" || fail_health "$ES_SVC" "exited during start-up"
    es_healthy && return 0
    (($(now_ms) < deadline)) || fail_health "$ES_SVC" "did not become healthy within ${ES_TIMEOUT}s (port $ES_PORT)"
    sleep 1
  done
}

ess_prepare() { with_ess es_prepare; }
ess_start() { with_ess es_start; }
ess_healthy() { with_ess es_healthy; }
ess_wait() { with_ess es_wait "$@"; }

# The secured services in the daemon's own variables (source it, or read it in a test). Like
# .stack/env, it names every service, whichever ones this 'up' started: the fault tests restart
# one service at a time, and the file must not shrink to that one.
# MariaDB accounts opt in to TLS: create one with REQUIRE SSL or REQUIRE X509 and set
# EPIPE_MYSQL_USER / EPIPE_MYSQL_PASSWORD; root over TLS works for a first look.
write_secure_env() {
  local f="$STACK_DIR/secure.env"
  if ! secure_on; then
    rm -f "$f"
    return 0
  fi
  {
    echo "# Generated by deploy/stack.sh up - the secured services; source it: . .stack/secure.env"
    echo "export EPIPE_MYSQL_HOST=127.0.0.1 EPIPE_MYSQL_PORT=$MYSQL_PORT EPIPE_MYSQL_USER=root EPIPE_MYSQL_PASSWORD="
    echo "export EPIPE_MYSQL_TLS=true EPIPE_MYSQL_TLS_CA_FILE=$TLS_DIR/ca.pem"
    echo "export EPIPE_MYSQL_TLS_CERT_FILE=$TLS_DIR/client.pem EPIPE_MYSQL_TLS_KEY_FILE=$TLS_DIR/client.key"
    echo "export EPIPE_KAFKA_BROKERS=127.0.0.1:$KAFKA_SASL_PORT EPIPE_KAFKA_SSL=true EPIPE_KAFKA_TLS_CA_FILE=$TLS_DIR/ca.pem"
    echo "export EPIPE_KAFKA_SASL_MECHANISM=scram-sha-512 EPIPE_KAFKA_SASL_USERNAME=$KAFKA_SASL_USER"
    echo "export EPIPE_KAFKA_SASL_PASSWORD_FILE=$SECRETS_DIR/kafka-sasl-password"
    echo "export EPIPE_ES_URL=https://127.0.0.1:$ESS_PORT EPIPE_ES_CA_FILE=$TLS_DIR/ca.pem"
    echo "export EPIPE_ES_USERNAME=$ESS_USER EPIPE_ES_PASSWORD_FILE=$SECRETS_DIR/es-password"
  } | write_config "$f"
}

secure_finish() {
  secure_on || return 0
  if svc_selected kafka; then kafka_secure_finish; fi
  write_secure_env
}

# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------
svc_fn() { # svc action -> function name
  case "$1" in
    mariadb) echo "mdb_$2" ;;
    kafka) echo "kafka_$2" ;;
    elasticsearch) echo "es_$2" ;;
    elasticsearch-secure) echo "ess_$2" ;;
  esac
}

svc_timeout() {
  case "$1" in
    mariadb) echo "$MYSQL_TIMEOUT" ;;
    kafka) echo "$KAFKA_TIMEOUT" ;;
    elasticsearch | elasticsearch-secure) echo "$ES_TIMEOUT" ;;
  esac
}

write_env() {
  write_config "$STACK_DIR/env" <<EOF
# Generated by deploy/stack.sh up - source it: . .stack/env
export EPIPE_MYSQL_HOST=127.0.0.1 EPIPE_MYSQL_PORT=$MYSQL_PORT EPIPE_MYSQL_USER=root EPIPE_MYSQL_PASSWORD=
export EPIPE_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export EPIPE_ES_URL=http://127.0.0.1:$ES_PORT
EOF
}

cmd_up() {
  local t0 svc deadline waiting=()
  declare -A deadlines=()
  t0="$(now_ms)"
  mkdir -p "$STACK_DIR" "$RUN_DIR" "$CACHE_DIR"
  exec 8>"$STACK_DIR/.lock"
  flock -w 900 8 || die "another 'stack.sh' is holding $STACK_DIR/.lock"
  ensure_tools
  if secure_on; then tls_prepare; fi
  # Phase 1: prepare and launch everything that is not already up (in parallel)
  for svc in $(selected_services); do
    CONFIG_CHANGED=0
    "$(svc_fn "$svc" prepare)"
    if svc_running "$svc"; then
      if ((CONFIG_CHANGED)); then
        say "$svc: configuration changed, restarting"
        stop_svc "$svc"
      elif "$(svc_fn "$svc" healthy)"; then
        say "$svc: already running and healthy (port $(svc_port "$svc")), skipped"
        continue
      else
        say "$svc: running but not healthy yet, waiting"
        deadlines[$svc]=$(($(now_ms) + $(svc_timeout "$svc") * 1000))
        waiting+=("$svc")
        continue
      fi
    fi
    check_ports_free "$svc"
    say "$svc: starting"
    "$(svc_fn "$svc" start)"
    deadlines[$svc]=$(($(now_ms) + $(svc_timeout "$svc") * 1000))
    waiting+=("$svc")
  done
  # Phase 2: wait for health
  for svc in ${waiting[@]+"${waiting[@]}"}; do
    deadline="${deadlines[$svc]}"
    "$(svc_fn "$svc" wait)" "$deadline"
    say "$svc: healthy (port $(svc_port "$svc"))"
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
      if "$(svc_fn "$svc" healthy)"; then health=healthy; else health=unhealthy; rc=1; fi
      printf '%-14s running  pid=%-14s port=%-5s rss=%sMiB  %s\n' "$svc" "$pids" "$(svc_port "$svc")" \
        "$((rss / 1024))" "$health"
    else
      printf '%-14s stopped  pid=%-14s port=%-5s rss=-\n' "$svc" "-" "$(svc_port "$svc")"
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
  log="$(svc_log "$svc")"
  [[ -f "$log" ]] || die "$svc: no log yet ($log)"
  if [[ "$arg" == "-f" ]]; then
    exec tail -n 50 -F "$log"
  fi
  echo "==> $log <=="
  tail -n "${arg:-100}" "$log"
  if [[ -s "$(svc_out "$svc")" && "$(svc_out "$svc")" != "$log" ]]; then
    echo "==> $(svc_out "$svc") <=="
    tail -n "${arg:-100}" "$(svc_out "$svc")"
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
