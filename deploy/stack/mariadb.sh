# deploy/stack/mariadb.sh - the MariaDB service of deploy/stack.sh (sourced by it): a private
# instance of the Debian package with the binlog settings epipe checks at start.
# shellcheck shell=bash

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

mdb_marker() { printf '%s\n' "$MDB_DIR/my.cnf"; }
mdb_port() { echo "$MYSQL_PORT"; }
mdb_ports() { echo "$MYSQL_PORT"; }
mdb_log() { echo "$MDB_DIR/mariadb.log"; }
mdb_out() { echo "$MDB_DIR/mariadb.out"; }
mdb_configs() { echo "$MDB_DIR/my.cnf"; }
mdb_timeout() { echo "$MYSQL_TIMEOUT"; }

mdb_healthy() {
  svc_running mariadb && mdb_tcp 'SELECT 1' >/dev/null 2>&1
}

mdb_tls_config() { # TLS offered to every client; an account decides whether it is required
  secure_on || return 0
  render my-tls.cnf.tmpl TLS_STAMP="$(tls_stamp)" TLS_DIR="$TLS_DIR"
}

mdb_prepare() {
  mkdir -p "$MDB_DIR/data" "$MDB_DIR/binlog" "$MDB_DIR/tmp"
  render my.cnf.tmpl PORT="$MYSQL_PORT" SOCKET="$(mdb_socket)" DIR="$MDB_DIR" TLS="$(mdb_tls_config)" |
    write_config "$MDB_DIR/my.cnf"
  if [[ ! -d "$MDB_DIR/data/mysql" ]]; then
    say "mariadb: initialising data directory"
    rm -rf "$MDB_DIR/data" && mkdir -p "$MDB_DIR/data"
    local user_opt=()
    is_root && user_opt=(--user=root)
    if ! mariadb-install-db --defaults-file="$MDB_DIR/my.cnf" "${user_opt[@]}" \
      --auth-root-authentication-method=normal --skip-test-db >"$MDB_DIR/install-db.log" 2>&1; then
      printf '[stack] ERROR: mariadb: mariadb-install-db failed. Log file: %s\n' "$MDB_DIR/install-db.log" >&2
      tail_log "$MDB_DIR/install-db.log" 30
      exit 1
    fi
  fi
}

mdb_start() {
  local user_opt=()
  is_root && user_opt=(--user=root)
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
