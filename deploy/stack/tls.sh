# deploy/stack/tls.sh - certificates and secrets of the secured parts of deploy/stack.sh (sourced
# by it); nothing of it is committed.
# shellcheck shell=bash

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
  render secure.env.tmpl MYSQL_PORT="$MYSQL_PORT" TLS_DIR="$TLS_DIR" KAFKA_SASL_PORT="$KAFKA_SASL_PORT" \
    KAFKA_SASL_USER="$KAFKA_SASL_USER" SECRETS_DIR="$SECRETS_DIR" ES_SECURE_PORT="$ESS_PORT" ES_USER="$ESS_USER" |
    write_config "$f"
}

secure_finish() {
  secure_on || return 0
  if svc_selected kafka; then kafka_secure_finish; fi
  write_secure_env
}
