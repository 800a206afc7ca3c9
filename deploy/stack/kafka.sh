# deploy/stack/kafka.sh - the Kafka service of deploy/stack.sh (sourced by it): a single-node
# KRaft broker from jars fetched with Maven, plus the SASL_SSL listener of the secured parts.
# shellcheck shell=bash

kafka_marker() { printf '%s\n' "$KAFKA_DIR/server.properties"; }
kafka_port() { echo "$KAFKA_PORT"; }
kafka_ports() { echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT$(secure_on && echo " $KAFKA_SASL_PORT")"; }
kafka_log() { echo "$KAFKA_DIR/kafka.log"; }
kafka_out() { echo "$KAFKA_DIR/kafka.out"; }
kafka_configs() { echo "$KAFKA_DIR/server.properties $KAFKA_DIR/log4j.properties $KAFKA_DIR/jvm.options"; }
kafka_timeout() { echo "$KAFKA_TIMEOUT"; }

kafka_fetch() {
  [[ "$(cat "$KAFKA_HOME/.complete" 2>/dev/null)" == "$KAFKA_VERSION" ]] && return 0
  say "kafka: fetching Kafka $KAFKA_VERSION jars with Maven (once, into the cache)"
  rm -rf "$KAFKA_HOME/libs.tmp"
  mkdir -p "$KAFKA_HOME"
  render kafka-pom.xml.tmpl SCALA="$KAFKA_SCALA" VERSION="$KAFKA_VERSION" SLF4J_VERSION="$SLF4J_RELOAD4J_VERSION" \
    >"$KAFKA_HOME/pom.xml"
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
  render server-sasl.properties.tmpl TLS_DIR="$TLS_DIR" TLS_STAMP="$(tls_stamp)" \
    USER="$KAFKA_SASL_USER" PASSWORD="$(kafka_sasl_password)"
}

kafka_scram_marker() { # what the SCRAM credentials were made from, without the password itself
  printf '%s %s\n' "$KAFKA_SASL_USER" "$(kafka_sasl_password | sha256sum | cut -c1-16)"
}

kafka_prepare() {
  local id scram=() sasl_listener="" sasl_protocol=""
  with_cache_lock kafka_fetch
  mkdir -p "$KAFKA_DIR/data"
  if secure_on; then
    sasl_listener=",SASL_SSL://127.0.0.1:$KAFKA_SASL_PORT"
    sasl_protocol=",SASL_SSL:SASL_SSL"
  fi
  render server.properties.tmpl VERSION="$KAFKA_VERSION" PORT="$KAFKA_PORT" CONTROLLER_PORT="$KAFKA_CONTROLLER_PORT" \
    SASL_LISTENER="$sasl_listener" SASL_PROTOCOL="$sasl_protocol" DIR="$KAFKA_DIR" SASL="$(kafka_sasl_config)" |
    write_config "$KAFKA_DIR/server.properties"
  render kafka-log4j.properties.tmpl DIR="$KAFKA_DIR" | write_config "$KAFKA_DIR/log4j.properties"
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

