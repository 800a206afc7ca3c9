# deploy/stack/elasticsearch.sh - the Elasticsearch services of deploy/stack.sh (sourced by it):
# the integ-test-zip distribution fetched with Maven, run as an unprivileged user. Two nodes share
# this code, each its own single-node cluster: `elasticsearch` (security off) and, in the
# secured parts, `elasticsearch-secure` (TLS on HTTP, a file-realm account). Every function takes
# the node's service name first.
# shellcheck shell=bash

es_secure() { [[ "$1" == elasticsearch-secure ]]; }
es_port() { if es_secure "$1"; then echo "$ESS_PORT"; else echo "$ES_PORT"; fi; }
es_transport_port() { if es_secure "$1"; then echo "$ESS_TRANSPORT_PORT"; else echo "$ES_TRANSPORT_PORT"; fi; }
es_heap() { if es_secure "$1"; then echo "$ESS_HEAP"; else echo "$ES_HEAP"; fi; }
es_link() { echo "$STACK_DIR/$1"; } # a directory, or a symlink when the ES user cannot reach .stack
es_cluster() { if es_secure "$1"; then echo epipe-local-secure; else echo epipe-local; fi; }

es_dir() { # resolved state directory of the node
  local link
  link="$(es_link "$1")"
  if [[ -e "$link" ]]; then (cd "$link" && pwd -P); else printf '%s\n' "$link"; fi
}

es_marker() { printf '%s\n' "$(es_dir "$1")/"; } # launcher: -Des.path.conf=, node: -Djava.io.tmpdir=
es_ports() { echo "$(es_port "$1") $(es_transport_port "$1")"; }
es_log() { echo "$(es_dir "$1")/logs/$(es_cluster "$1").log"; }
es_out() { echo "$(es_dir "$1")/elasticsearch.out"; }
es_configs() {
  local dir
  dir="$(es_dir "$1")"
  echo "$dir/config/elasticsearch.yml $dir/config/jvm.options $dir/run.env"
}
es_timeout() { echo "$ES_TIMEOUT"; }

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

es_run_user() { if is_root; then echo "$ES_USER"; else id -un; fi; }

as_es_user() { # run a command as the Elasticsearch user
  if is_root; then
    setpriv --reuid="$ES_USER" --regid="$ES_USER" --init-groups -- "$@"
  else
    "$@"
  fi
}

es_ensure_user() {
  is_root || return 0
  id -u "$ES_USER" >/dev/null 2>&1 && return 0
  say "elasticsearch: creating system user $ES_USER (Elasticsearch refuses to run as root)"
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$ES_USER"
}

# Pick the state directory: .stack/<node> if the ES user can reach it, otherwise (e.g. checkout
# below a mode-700 home directory) a directory under /var/tmp, linked from .stack/<node>.
es_setup_dir() {
  local link
  link="$(es_link "$1")"
  [[ -e "$link" ]] && return 0
  [[ -L "$link" ]] && rm -f "$link" # dangling link (external directory was removed)
  if as_es_user test -x "$STACK_DIR" -a -r "$STACK_DIR"; then
    mkdir -p "$link"
  else
    local ext
    ext="/var/tmp/epipe-stack-$(printf '%s' "$STACK_DIR" | sha1sum | cut -c1-12)/$(basename "$link")"
    warn "user $(es_run_user) cannot reach $STACK_DIR; keeping Elasticsearch state in $ext"
    rm -rf "$ext"
    mkdir -p "$ext"
    chmod 755 "$(dirname "$ext")"
    ln -sfn "$ext" "$link"
  fi
}

# Directory the ES user runs the distribution from: the cache itself when readable by
# that user, otherwise a hard-linked (or copied) mirror in the state directory. The secured node
# always runs from a mirror, which also holds the security-analysis plugin (below).
es_home() {
  local node="$1" dir="$2"
  if ! es_secure "$node" &&
    as_es_user test -r "$ES_CACHE_HOME/lib/elasticsearch-$ES_VERSION.jar" -a -x "$ES_CACHE_HOME/bin"; then
    rm -rf "$dir/dist"
    printf '%s\n' "$ES_CACHE_HOME"
    return
  fi
  if [[ ! -f "$dir/dist/.complete" ]] || ! cmp -s "$dir/dist/.complete" "$ES_CACHE_HOME/.complete"; then
    rm -rf "$dir/dist"
    cp -al "$ES_CACHE_HOME" "$dir/dist" 2>/dev/null || { rm -rf "$dir/dist"; cp -a "$ES_CACHE_HOME" "$dir/dist"; }
  fi
  es_secure "$node" && es_security_analysis "$dir/dist"
  printf '%s\n' "$dir/dist"
}

# The security index (API keys, native users) has an "email" analyzer made of uax_url_email,
# pattern_capture and unique, all from the analysis-common module, which the integ-test-zip
# leaves out: creating an API key fails with "Unknown filter type [pattern_capture] for [email]".
# A small plugin (es-security-analysis/, the same Lucene classes) provides the three; it is
# compiled here against the distribution's own jars, so it always matches its version.
es_security_analysis() {
  local home="$1" src="$REPO_DIR/deploy/stack/es-security-analysis" plugin jh stamp
  plugin="$home/plugins/epipe-security-analysis"
  stamp="$(cat "$src"/src/epipe/stack/*.java "$src/plugin-descriptor.properties" | sha256sum | cut -c1-16) $ES_VERSION"
  [[ "$(cat "$plugin/.built" 2>/dev/null)" == "$stamp" ]] && return 0
  jh="$(java_home)"
  [[ -x "$jh/bin/javac" ]] || die "elasticsearch-secure: $jh has no javac (a JDK is needed to build the security-analysis plugin)"
  rm -rf "$plugin" && mkdir -p "$plugin/classes"
  "$jh/bin/javac" -nowarn --release 17 -cp "$home/lib/*" -d "$plugin/classes" "$src"/src/epipe/stack/*.java ||
    die "elasticsearch-secure: cannot compile the security-analysis plugin"
  "$jh/bin/jar" --create --file "$plugin/epipe-security-analysis.jar" -C "$plugin/classes" . ||
    die "elasticsearch-secure: cannot package the security-analysis plugin"
  rm -rf "$plugin/classes"
  sed "s/@ES_VERSION@/$ES_VERSION/" "$src/plugin-descriptor.properties" >"$plugin/plugin-descriptor.properties"
  chmod -R a+rX "$plugin"
  echo "$stamp" >"$plugin/.built"
}

es_security_config() {
  if ! es_secure "$1"; then
    echo "xpack.security.enabled: false"
    return
  fi
  render elasticsearch-security.yml.tmpl TLS_STAMP="$(tls_stamp)"
}

es_prepare() {
  local node="$1" dir home jh jvm
  with_cache_lock es_fetch
  es_ensure_user
  mkdir -p "$STACK_DIR" && chmod 755 "$STACK_DIR"
  es_setup_dir "$node"
  dir="$(es_dir "$node")"
  chmod 755 "$dir"
  home="$(es_home "$node" "$dir")"
  jh="$(java_home)"
  mkdir -p "$dir/config" "$dir/data" "$dir/logs" "$dir/tmp"
  if [[ ! -f "$dir/config/log4j2.properties" ]]; then
    cp -r "$home/config/." "$dir/config/"
    rm -f "$dir/config/elasticsearch.yml" "$dir/config/jvm.options"
  fi
  render elasticsearch.yml.tmpl CLUSTER="$(es_cluster "$node")" PORT="$(es_port "$node")" \
    TRANSPORT_PORT="$(es_transport_port "$node")" DIR="$dir" SECURITY="$(es_security_config "$node")" |
    write_config "$dir/config/elasticsearch.yml"
  # the distribution's jvm.options writes gc.log / hs_err files relative to the working
  # directory (the read-only distribution): point them at the logs directory instead
  jvm="$(sed -e "s#file=[^:]*gc\.log#file=$dir/logs/gc.log#" \
    -e "s#filecount=[0-9]*,filesize=[0-9]*m#filecount=4,filesize=16m#" \
    -e "s#-XX:ErrorFile=[^ ]*hs_err#-XX:ErrorFile=$dir/logs/hs_err#" \
    "$home/config/jvm.options")" || die "elasticsearch: cannot read $home/config/jvm.options"
  printf '%s\n' "$jvm" "-XX:HeapDumpPath=$dir/logs" | write_config "$dir/config/jvm.options"
  printf '%s\n' "ES_HOME=$home" "ES_JAVA_HOME=$jh" "ES_JAVA_OPTS=-Xms$(es_heap "$node") -Xmx$(es_heap "$node")" |
    write_config "$dir/run.env"
  if es_secure "$node"; then
    mkdir -p "$dir/config/certs"
    cp "$TLS_DIR/ca.pem" "$TLS_DIR/server.pem" "$TLS_DIR/server.key" "$dir/config/certs/"
    es_file_users "$node" "$dir"
  fi
  if is_root; then
    chown -R "$ES_USER:$ES_USER" "$dir/config" "$dir/data" "$dir/logs" "$dir/tmp"
    chown "$ES_USER:$ES_USER" "$dir"
  fi
}

# The account epipe uses, in the file realm (config/users, users_roles, roles.yml): the file
# realm needs no security index, so the account exists before the node is up (API keys, which
# live in that index, need the es-security-analysis plugin: see es_security_analysis). The password hash is PBKDF2 as Elasticsearch
# writes it ({PBKDF2}<iterations>$<salt>$<key>, HMAC-SHA512, 32 bytes), made with openssl
# instead of a 10 s JVM start of elasticsearch-users; the realm reloads the files by itself.
# (sed, not ${1//??/\\x&}: '&' in a replacement needs bash 5.2)
# shellcheck disable=SC2001
hex_to_b64() { printf '%b' "$(sed 's/../\\x&/g' <<<"$1")" | base64 -w0; }

es_file_users() {
  local node="$1" dir="$2" pw salt key
  pw="$(cat "$(secret es-password)")"
  render elasticsearch-roles.yml.tmpl | write_config "$dir/config/roles.yml"
  if [[ -f "$dir/config/users" ]] && grep -q "^$ESS_USER:" "$dir/config/users" &&
    [[ "$(cat "$dir/users.done" 2>/dev/null)" == "$(printf '%s' "$pw" | sha256sum | cut -c1-16)" ]]; then
    return 0 # made for this password already
  fi
  salt="$(openssl rand -hex 32)"
  key="$(openssl kdf -keylen 32 -kdfopt digest:SHA512 -kdfopt "pass:$pw" -kdfopt "hexsalt:$salt" \
    -kdfopt iter:10000 PBKDF2 | tr -d ':\n')" || die "$node: openssl cannot make a PBKDF2 hash"
  printf '%s:{PBKDF2}10000$%s$%s\n' "$ESS_USER" "$(hex_to_b64 "$salt")" "$(hex_to_b64 "$key")" >"$dir/config/users"
  printf 'epipe:%s\n' "$ESS_USER" >"$dir/config/users_roles"
  printf '%s' "$pw" | sha256sum | cut -c1-16 >"$dir/users.done"
}

# curl to the secured node as epipe's account: CA from the stack, credentials from a config on
# stdin (so the password is on no command line)
ess_curl() {
  printf 'user = "%s:%s"\n' "$ESS_USER" "$(cat "$(secret es-password)")" |
    curl -s -m 10 -K - --cacert "$TLS_DIR/ca.pem" "$@"
}

es_start() {
  local node="$1" dir home jh opts
  dir="$(es_dir "$node")"
  home="$(sed -n 's/^ES_HOME=//p' "$dir/run.env")"
  jh="$(sed -n 's/^ES_JAVA_HOME=//p' "$dir/run.env")"
  opts="$(sed -n 's/^ES_JAVA_OPTS=//p' "$dir/run.env")"
  rotate_log "$dir/elasticsearch.out"
  rm -f "$dir/elasticsearch.pid"
  # -d: the launcher returns once the node is up; the node stays in our process group
  local drop=()
  is_root && drop=(setpriv --reuid="$ES_USER" --regid="$ES_USER" --init-groups --)
  launch "$node" "$dir/elasticsearch.out" ${drop[@]+"${drop[@]}"} \
    env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$dir" LANG=C.UTF-8 \
    ES_JAVA_HOME="$jh" ES_PATH_CONF="$dir/config" ES_TMPDIR="$dir/tmp" ES_JAVA_OPTS="$opts" \
    "$home/bin/elasticsearch" -d -p "$dir/elasticsearch.pid"
}

es_healthy() {
  local node="$1" body path="_cluster/health?wait_for_status=yellow&timeout=2s"
  svc_running "$node" || return 1
  if es_secure "$node"; then
    body="$(ess_curl "https://127.0.0.1:$(es_port "$node")/$path" 2>/dev/null)" || return 1
  else
    body="$(curl -s -m 5 "http://127.0.0.1:$(es_port "$node")/$path" 2>/dev/null)" || return 1
  fi
  [[ "$body" == *'"status":"green"'* || "$body" == *'"status":"yellow"'* ]]
}

es_wait() { # node deadline_ms
  local node="$1" deadline="$2"
  while :; do
    svc_running "$node" || fail_health "$node" "exited during start-up"
    es_healthy "$node" && return 0
    (($(now_ms) < deadline)) || fail_health "$node" "did not become healthy within ${ES_TIMEOUT}s (port $(es_port "$node"))"
    sleep 1
  done
}
