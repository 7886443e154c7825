# shellcheck shell=bash
# Fixtures for the end-to-end tests and scripts/demo.sh: a TLS registry with htpasswd
# auth on 127.0.0.1, an OCI image made without a daemon, a Docker config that routes a
# registry to docker-credential-darcy, and small assertions.
#
# Source it from a bash script running with `set -euo pipefail`, then call e2e_begin.
# Everything lives in one temporary directory ($E2E_DIR): removed when the script exits
# with status 0, kept (and its path printed) otherwise. Every server started here is
# stopped by PID when the script exits. Nothing listens beyond 127.0.0.1; ports are
# chosen at run time.
#
# Secrets never reach a command line: passwords travel on stdin or in files of $E2E_DIR.

# shellcheck disable=SC2034 # used by the scripts that source this file
E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The exact error text clients recognise (PROTOCOL.md).
E2E_NOT_FOUND='credentials not found in native keychain'

E2E_DIR=
E2E_KEEP_ON_SUCCESS=0
E2E_PIDS=()

e2e_log() { printf '%s\n' "$*" >&2; }
e2e_step() { printf '== %s\n' "$*" >&2; }

# Prints MESSAGE and exits 1 (the EXIT trap then keeps $E2E_DIR).
e2e_fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

# Exits 77 (reported as skipped by ctest) when a tool is missing.
e2e_require_tools() {
  local tool missing=()
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    e2e_log "SKIP: missing tools: ${missing[*]} (scripts/install-deps.sh installs them)"
    exit 77
  fi
}

# Creates $E2E_DIR for test NAME and makes the process environment hermetic: HOME,
# XDG directories and the containers auth file all point inside it, and DOCKER_HOST
# names a socket that does not exist so no client reaches a daemon.
e2e_begin() {
  local name=$1
  E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/darcy-e2e-$name.XXXXXX")
  trap e2e_finish EXIT
  trap 'exit 130' INT TERM
  export HOME=$E2E_DIR/home
  export XDG_CONFIG_HOME=$HOME/.config XDG_STATE_HOME=$HOME/.local/state
  export XDG_RUNTIME_DIR=$E2E_DIR/run
  export DOCKER_HOST=unix:///nonexistent/darcy-e2e-docker.sock
  export DOCKER_CLI_HINTS=false
  unset REGISTRY_AUTH_FILE DOCKER_CONFIG DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
  mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
  chmod 0700 "$XDG_RUNTIME_DIR"
}

# Remembers PID so that it is stopped when the script exits.
e2e_track_pid() { E2E_PIDS+=("$1"); }

e2e_finish() {
  local rc=$? pid log
  trap - EXIT
  for pid in "${E2E_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${E2E_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  [[ -n $E2E_DIR ]] || exit "$rc"
  if ((rc != 0 && rc != 77)); then
    for log in "$E2E_DIR"/*.log; do
      [[ -s $log ]] || continue
      e2e_log "--- last lines of $log"
      tail -n 8 "$log" | cut -c1-400 >&2
    done
    e2e_log "kept test directory: $E2E_DIR"
  elif ((E2E_KEEP_ON_SUCCESS)); then
    e2e_log "kept directory: $E2E_DIR"
  else
    rm -rf "$E2E_DIR"
  fi
  exit "$rc"
}

# Prints a TCP port on 127.0.0.1 that was free a moment ago.
e2e_free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Prints a fresh random password (unique, so that finding it anywhere is meaningful).
e2e_random_secret() { printf 'pw-%s' "$(openssl rand -hex 12)"; }

# Makes a self-signed certificate for 127.0.0.1 (once per test):
# $E2E_DIR/tls/server.{crt,key}, and $E2E_CERT_DIR holding ca.crt for skopeo --cert-dir.
e2e_make_tls() {
  E2E_CERT_DIR=$E2E_DIR/tls/certs
  [[ -f $E2E_CERT_DIR/ca.crt ]] && return 0
  mkdir -p "$E2E_CERT_DIR"
  openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 2 \
    -subj "/CN=darcy-e2e registry" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$E2E_DIR/tls/server.key" -out "$E2E_DIR/tls/server.crt" 2>/dev/null
  cp "$E2E_DIR/tls/server.crt" "$E2E_CERT_DIR/ca.crt"
}

# e2e_start_registry VAR NAME [USER]
# Starts docker-registry (TLS) named NAME and stores its "127.0.0.1:PORT" in VAR. With
# USER, it requires htpasswd (bcrypt) auth; the password is read from stdin.
# Waits until /v2/ answers (401 with auth, 200 without).
e2e_start_registry() {
  local var=$1 name=$2 user=${3:-}
  local dir=$E2E_DIR/registry-$name port auth='' expect=200 pass
  e2e_make_tls
  mkdir -p "$dir/storage"
  if [[ -n $user ]]; then
    IFS= read -r pass || [[ -n $pass ]] || e2e_fail "e2e_start_registry: no password on stdin"
    # htpasswd -i reads the password from stdin: it never appears on a command line.
    htpasswd -iBc "$dir/htpasswd" "$user" <<<"$pass" 2>/dev/null ||
      e2e_fail "htpasswd could not write $dir/htpasswd"
    auth="auth:
  htpasswd:
    realm: darcy-e2e
    path: $dir/htpasswd"
    expect=401
  fi
  port=$(e2e_free_port)
  printf '%s\n' "$expect" >"$dir/expect"
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: $(openssl rand -hex 16)
  tls:
    certificate: $E2E_DIR/tls/server.crt
    key: $E2E_DIR/tls/server.key
$auth
EOF
  e2e_serve_registry "$name" "$port"
  printf -v "$var" '%s' "127.0.0.1:$port"
}

# e2e_serve_registry NAME PORT: runs docker-registry with the configuration of registry
# NAME (its PID goes to the registry's pid file) and waits until /v2/ answers as expected.
e2e_serve_registry() {
  local name=$1 port=$2 dir=$E2E_DIR/registry-$1 expect
  expect=$(cat "$dir/expect")
  docker-registry serve "$dir/config.yml" >>"$E2E_DIR/registry-$name.log" 2>&1 &
  local pid=$!
  e2e_track_pid "$pid"
  printf '%s\n' "$pid" >"$dir/pid"
  local code='' i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || e2e_fail "registry $name exited at start (see registry-$name.log)"
    code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$E2E_CERT_DIR/ca.crt" \
      "https://127.0.0.1:$port/v2/" 2>/dev/null) || true
    [[ $code == "$expect" ]] && break
    sleep 0.1
  done
  [[ $code == "$expect" ]] || e2e_fail "registry $name on port $port answered '$code', expected $expect"
}

# e2e_set_registry_password NAME HOST USER
# Replaces the htpasswd of registry NAME (listening at HOST) with USER and the password
# read from stdin, and restarts the registry on the same port and storage: from then on
# only the new password is accepted.
e2e_set_registry_password() {
  local name=$1 host=$2 user=$3 dir=$E2E_DIR/registry-$1 pass pid
  IFS= read -r pass || [[ -n $pass ]] || e2e_fail "e2e_set_registry_password: no password on stdin"
  htpasswd -iBc "$dir/htpasswd" "$user" <<<"$pass" 2>/dev/null ||
    e2e_fail "htpasswd could not write $dir/htpasswd"
  pid=$(cat "$dir/pid")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  e2e_serve_registry "$name" "${host##*:}"
}

# e2e_registry_accepts HOST USER: exit 0 when the registry at HOST accepts USER with the
# password read from stdin, 1 when it refuses it. The credentials reach curl in a config
# file, not on its command line.
e2e_registry_accepts() {
  local host=$1 user=$2 pass cfg code
  IFS= read -r pass || [[ -n $pass ]] || e2e_fail "e2e_registry_accepts: no password on stdin"
  cfg=$(umask 077 && mktemp "$E2E_DIR/curl-auth.XXXXXX")
  printf 'user = "%s:%s"\n' "$user" "$pass" >"$cfg"
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$E2E_CERT_DIR/ca.crt" -K "$cfg" \
    "https://$host/v2/") || true
  rm -f "$cfg"
  case $code in
    200) return 0 ;;
    401) return 1 ;;
    *) e2e_fail "registry $host answered '$code' to a login, expected 200 or 401" ;;
  esac
}

e2e_sha256() { sha256sum "$1" | cut -d' ' -f1; }
e2e_size() { stat -c %s "$1"; }

# e2e_make_oci_image DIR TAG
# Writes an OCI image layout into DIR by hand: one gzip layer holding /hello.txt, an
# image config, a manifest and index.json naming it TAG. No daemon, no network.
e2e_make_oci_image() {
  local dir=$1 tag=$2 work
  work=$(mktemp -d "$E2E_DIR/oci-build.XXXXXX")
  mkdir -p "$dir/blobs/sha256" "$work/rootfs"
  printf 'hello from darcy e2e\n' >"$work/rootfs/hello.txt"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    -C "$work/rootfs" -cf "$work/layer.tar" hello.txt
  gzip -n -c "$work/layer.tar" >"$work/layer.tar.gz"
  local diff_id layer_digest layer_size
  diff_id=$(e2e_sha256 "$work/layer.tar")
  layer_digest=$(e2e_sha256 "$work/layer.tar.gz")
  layer_size=$(e2e_size "$work/layer.tar.gz")
  cp "$work/layer.tar.gz" "$dir/blobs/sha256/$layer_digest"

  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/hello.txt"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"darcy e2e fixture"}]}' \
    "$diff_id" >"$work/config.json"
  local config_digest config_size
  config_digest=$(e2e_sha256 "$work/config.json")
  config_size=$(e2e_size "$work/config.json")
  cp "$work/config.json" "$dir/blobs/sha256/$config_digest"

  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$config_digest" "$config_size" "$layer_digest" "$layer_size" >"$work/manifest.json"
  local manifest_digest manifest_size
  manifest_digest=$(e2e_sha256 "$work/manifest.json")
  manifest_size=$(e2e_size "$work/manifest.json")
  cp "$work/manifest.json" "$dir/blobs/sha256/$manifest_digest"

  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$manifest_digest" "$manifest_size" "$tag" >"$dir/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  rm -rf "$work"
}

# e2e_push_image OCI_DIR TAG HOST/REPO:TAG USER
# Pushes the OCI layout to a registry with skopeo. The password is read from stdin and
# handed to skopeo in an auth file of its own, not on the command line.
e2e_push_image() {
  local oci=$1 tag=$2 dest=$3 user=$4 pass authfile
  IFS= read -r pass || [[ -n $pass ]] || e2e_fail "e2e_push_image: no password on stdin"
  authfile=$(mktemp "$E2E_DIR/push-auth.XXXXXX.json")
  printf '{"auths":{"%s":{"auth":"%s"}}}\n' "${dest%%/*}" \
    "$(printf '%s:%s' "$user" "$pass" | base64 -w0)" >"$authfile"
  skopeo copy --quiet --dest-authfile "$authfile" --dest-cert-dir "$E2E_CERT_DIR" \
    --format v2s2 "oci:$oci:$tag" "docker://$dest" >>"$E2E_DIR/push.log" 2>&1 ||
    e2e_fail "skopeo could not push $dest (see push.log)"
  rm -f "$authfile"
}

# e2e_use_helper BINARY
# Puts docker-credential-darcy (a symlink to BINARY) first on PATH and gives it a
# configuration of its own: an empty config file (so nothing from /etc applies) and a
# vault directory under $E2E_DIR that the helper creates on first use.
e2e_use_helper() {
  local binary=$1
  [[ -x $binary ]] || e2e_fail "helper binary not executable: $binary"
  [[ $binary == /* ]] || binary=$PWD/$binary
  E2E_BIN_DIR=$E2E_DIR/bin
  mkdir -p "$E2E_BIN_DIR"
  ln -sf "$binary" "$E2E_BIN_DIR/docker-credential-darcy"
  export PATH=$E2E_BIN_DIR:$PATH
  export DARCY_CONFIG=$E2E_DIR/helper.conf
  export DARCY_VAULT_DIR=$E2E_DIR/vault
  : >"$DARCY_CONFIG"
}

# e2e_docker_config HOST...
# Writes $E2E_DIR/docker/config.json routing each HOST to the darcy helper and exports
# DOCKER_CONFIG (read by the docker CLI and by skopeo).
e2e_docker_config() {
  export DOCKER_CONFIG=$E2E_DIR/docker
  mkdir -p "$DOCKER_CONFIG"
  local host sep='' entries=''
  for host in "$@"; do
    entries+="$sep\"$host\":\"darcy\""
    sep=,
  done
  printf '{"credHelpers":{%s}}\n' "$entries" >"$DOCKER_CONFIG/config.json"
}

# e2e_run [--stdin TEXT] CMD...
# Runs CMD with TEXT (exactly, no newline added) or nothing on stdin. Sets E2E_RC,
# E2E_OUT (stdout) and E2E_ERR (stderr). Never fails by itself.
e2e_run() {
  local input='' has_input=0
  if [[ ${1:-} == --stdin ]]; then
    input=$2 has_input=1
    shift 2
  fi
  E2E_CMD="$*"
  set +e
  if ((has_input)); then
    "$@" < <(printf '%s' "$input") >"$E2E_DIR/.stdout" 2>"$E2E_DIR/.stderr"
  else
    "$@" </dev/null >"$E2E_DIR/.stdout" 2>"$E2E_DIR/.stderr"
  fi
  E2E_RC=$?
  set -e
  E2E_OUT=$(cat "$E2E_DIR/.stdout")
  E2E_ERR=$(cat "$E2E_DIR/.stderr")
}

e2e_show_run() {
  e2e_log "  command: $E2E_CMD"
  e2e_log "  exit status: $E2E_RC"
  e2e_log "  stdout: $E2E_OUT"
  e2e_log "  stderr: $E2E_ERR"
}

# e2e_ok [--stdin TEXT] CMD...: runs CMD and requires exit status 0.
e2e_ok() {
  e2e_run "$@"
  if ((E2E_RC != 0)); then
    e2e_show_run
    e2e_fail "expected success: $E2E_CMD"
  fi
}

# e2e_fails [--stdin TEXT] CMD...: runs CMD and requires a non-zero exit status.
e2e_fails() {
  e2e_run "$@"
  if ((E2E_RC == 0)); then
    e2e_show_run
    e2e_fail "expected failure: $E2E_CMD"
  fi
}

# e2e_assert_contains TEXT NEEDLE WHAT
e2e_assert_contains() {
  if [[ $1 != *"$2"* ]]; then
    e2e_log "  $3: $1"
    e2e_fail "$3 does not contain '$2'"
  fi
}

# e2e_assert_not_contains TEXT NEEDLE WHAT (NEEDLE is not printed: it may be a secret)
e2e_assert_not_contains() {
  if [[ $1 == *"$2"* ]]; then
    e2e_fail "$3 contains what it must not"
  fi
}

# e2e_assert_file_lacks FILE SECRET: FILE exists and the secret is not in it, neither
# plain nor base64-encoded on its own or as "user:secret" (how Docker writes auths).
e2e_assert_file_lacks() {
  local file=$1 secret=$2
  [[ -f $file ]] || e2e_fail "missing file $file"
  # Patterns reach grep in a file (-f), so a process-table sampler never sees them.
  grep -qF -f <(printf '%s\n' "$secret") -- "$file" && e2e_fail "$file holds the password in plain text"
  grep -qF -f <(printf '%s' "$secret" | base64 -w0) -- "$file" &&
    e2e_fail "$file holds the password base64-encoded"
  return 0
}

# e2e_json_field JSON KEY: prints the string value of KEY in the JSON object (fails when
# JSON is not an object or KEY is missing). JSON travels on stdin, not on argv.
e2e_json_field() {
  python3 -c 'import json, sys
obj = json.loads(sys.stdin.read())
if not isinstance(obj, dict) or sys.argv[1] not in obj:
    sys.exit("no key %r in %r" % (sys.argv[1], obj))
print(obj[sys.argv[1]])' "$2" < <(printf '%s' "$1")
}

# e2e_json_keys JSON: prints the keys of a JSON object, one a line, sorted.
e2e_json_keys() {
  python3 -c 'import json, sys
obj = json.loads(sys.stdin.read())
if not isinstance(obj, dict):
    sys.exit("not a JSON object: %r" % (obj,))
for k in sorted(obj):
    print(k)' < <(printf '%s' "$1")
}

# e2e_helper_store HOST USER: stores the password read from stdin for HOST through the
# helper's `store` action (JSON on stdin, as clients send it).
e2e_helper_store() {
  local host=$1 user=$2 pass
  IFS= read -r pass || [[ -n $pass ]] || e2e_fail "e2e_helper_store: no password on stdin"
  e2e_ok --stdin "$(printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$host" "$user" "$pass")"$'\n' \
    docker-credential-darcy store
}

# e2e_expect_helper_not_found HOST: `get HOST` exits 1 with exactly the not-found text.
e2e_expect_helper_not_found() {
  e2e_fails --stdin "$1" docker-credential-darcy get
  if [[ $E2E_OUT != "$E2E_NOT_FOUND" ]]; then
    e2e_show_run
    e2e_fail "get $1: expected exactly '$E2E_NOT_FOUND' on stdout"
  fi
}

# e2e_expect_helper_get HOST USER SECRET: `get HOST` answers USER and SECRET.
e2e_expect_helper_get() {
  local host=$1 user=$2 secret=$3 got
  e2e_ok --stdin "$host" docker-credential-darcy get
  got=$(e2e_json_field "$E2E_OUT" Username) || e2e_fail "get $host: answer is not credentials JSON"
  [[ $got == "$user" ]] || e2e_fail "get $host: Username is '$got', expected '$user'"
  got=$(e2e_json_field "$E2E_OUT" Secret) || e2e_fail "get $host: answer has no Secret"
  [[ $got == "$secret" ]] || e2e_fail "get $host: Secret is not the one stored"
  got=$(e2e_json_field "$E2E_OUT" ServerURL) || e2e_fail "get $host: answer has no ServerURL"
  [[ $got == "$host" ]] || e2e_fail "get $host: ServerURL is '$got'"
}

# e2e_registry_mark NAME: prints a mark (line count) of registry NAME's log.
e2e_registry_mark() { wc -l <"$E2E_DIR/registry-$1.log"; }

# e2e_expect_registry_rejected NAME MARK USER: since MARK, registry NAME rejected a
# password for USER (the client sent the credentials the helper returned, and they were
# wrong). Clients word this differently; the registry's log is exact.
e2e_expect_registry_rejected() {
  local name=$1 mark=$2 user=$3 needle
  # The registry's logfmt line quotes the user name as \"alice\".
  needle=$(printf 'error authenticating user \\"%s\\": authentication failure' "$user")
  tail -n +"$((mark + 1))" "$E2E_DIR/registry-$name.log" | grep -F -- "$needle" >/dev/null ||
    e2e_fail "registry $name did not see a wrong password for $user"
}

# e2e_expect_auth_error TEXT WHAT: TEXT reads like a registry refusing credentials.
e2e_expect_auth_error() {
  if ! grep -qiE 'unauthorized|authentication required|401|no basic auth credentials' <<<"$1"; then
    e2e_log "  $2: $1"
    e2e_fail "$2 does not report an authentication error"
  fi
}

# --- the dev controller (tests/controller) ---------------------------------------------
# Its admin password and the agent token live in files of $E2E_CONTROLLER_DIR; requests
# carry the admin token in a header file, and bodies holding passwords are files too:
# nothing secret reaches a command line.

# e2e_make_controller_tls: a throwaway CA ($E2E_CONTROLLER_DIR/ca.pem) and a server
# certificate it signed for IP 127.0.0.1 (server.pem, server.key).
e2e_make_controller_tls() {
  local d=$E2E_CONTROLLER_DIR
  [[ -f $d/server.pem ]] && return 0
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=darcy e2e controller CA" -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null ||
    e2e_fail "openssl could not sign the controller's certificate"
}

# e2e_start_controller BINARY
# Starts darcy-dev-controller over TLS on a free loopback port, with a random admin
# password and a pre-provisioned agent token ($E2E_CONTROLLER_DIR/agent.token), and logs
# in as the admin. Sets E2E_CONTROLLER_URL and E2E_CONTROLLER_PID; log: controller.log.
e2e_start_controller() {
  local binary=$1 i
  [[ -x $binary ]] || e2e_fail "controller binary not executable: $binary"
  E2E_CONTROLLER_DIR=$E2E_DIR/controller
  mkdir -p "$E2E_CONTROLLER_DIR"
  chmod 0700 "$E2E_CONTROLLER_DIR"
  e2e_make_controller_tls
  [[ -f $E2E_CONTROLLER_DIR/admin.pw ]] ||
    (umask 077 && printf 'dev-%s\n' "$(openssl rand -hex 12)" >"$E2E_CONTROLLER_DIR/admin.pw")
  rm -f "$E2E_CONTROLLER_DIR/port"
  "$binary" --listen 127.0.0.1:0 --port-file "$E2E_CONTROLLER_DIR/port" \
    --tls-cert "$E2E_CONTROLLER_DIR/server.pem" --tls-key "$E2E_CONTROLLER_DIR/server.key" \
    --admin-password-file "$E2E_CONTROLLER_DIR/admin.pw" \
    --agent-token-file "$E2E_CONTROLLER_DIR/agent.token" 2>>"$E2E_DIR/controller.log" &
  E2E_CONTROLLER_PID=$!
  e2e_track_pid "$E2E_CONTROLLER_PID"
  for ((i = 0; i < 200; i++)); do
    [[ -s $E2E_CONTROLLER_DIR/port ]] && break
    kill -0 "$E2E_CONTROLLER_PID" 2>/dev/null || e2e_fail "the controller exited at start (see controller.log)"
    sleep 0.05
  done
  [[ -s $E2E_CONTROLLER_DIR/port ]] || e2e_fail "the controller did not write its port file"
  E2E_CONTROLLER_URL=https://127.0.0.1:$(cat "$E2E_CONTROLLER_DIR/port")
  e2e_controller_login
}

# e2e_stop_controller: SIGTERM, and requires a clean exit.
e2e_stop_controller() {
  kill -TERM "$E2E_CONTROLLER_PID"
  wait "$E2E_CONTROLLER_PID" || e2e_fail "the controller did not exit cleanly on SIGTERM"
}

# e2e_controller_login: POST /api/v3/user/login as the admin; keeps the access token in
# a header file for e2e_controller_call.
e2e_controller_login() {
  local d=$E2E_CONTROLLER_DIR
  (umask 077 && python3 -c 'import json, sys
print(json.dumps({"email": "admin@darcy.local", "password": sys.stdin.readline().strip()}))' \
    <"$d/admin.pw" >"$d/login.json")
  e2e_controller_call POST /api/v3/user/login "$d/login.json" --no-auth
  [[ $E2E_HTTP_STATUS == 200 ]] || e2e_fail "controller login answered $E2E_HTTP_STATUS: $E2E_HTTP_BODY"
  (umask 077 && printf 'Authorization: Bearer %s\n' \
    "$(e2e_json_field "$E2E_HTTP_BODY" accessToken)" >"$d/admin.header")
  E2E_HTTP_BODY=
}

# e2e_controller_call METHOD PATH [BODY_FILE|-] [--no-auth|--agent]
# One request to the controller, as the admin (default), with no credentials, or as the
# agent (raw agent token). Sets E2E_HTTP_STATUS and E2E_HTTP_BODY.
e2e_controller_call() {
  local method=$1 path=$2 body=${3:--} who=${4:-} d=$E2E_CONTROLLER_DIR
  local args=(-sS --cacert "$d/ca.pem" -X "$method" -o "$d/response" -w '%{http_code}')
  case $who in
    --no-auth) ;;
    --agent)
      (umask 077 && printf 'Authorization: %s\n' "$(tr -d ' \t\r\n' <"$d/agent.token")" >"$d/agent.header")
      args+=(-H "@$d/agent.header")
      ;;
    *) args+=(-H "@$d/admin.header") ;;
  esac
  [[ $body == - ]] || args+=(-H 'Content-Type: application/json' --data-binary "@$body")
  E2E_HTTP_STATUS=$(curl "${args[@]}" "$E2E_CONTROLLER_URL$path" 2>>"$E2E_DIR/curl.log") ||
    E2E_HTTP_STATUS=000
  E2E_HTTP_BODY=$(cat "$d/response" 2>/dev/null || true)
  rm -f "$d/response"
}

# e2e_controller_registry_json FILE [KEY=STRING|KEY:=JSON|KEY=-]...: writes a JSON object
# to FILE (0600); KEY=- takes the next line of stdin (a password) as the string.
e2e_controller_registry_json() {
  local file=$1
  shift
  (umask 077 && python3 -c 'import json, sys
body = {}
for arg in sys.argv[1:]:
    key, _, value = arg.partition("=")
    if key.endswith(":"):
        body[key[:-1]] = json.loads(value)
    else:
        body[key] = sys.stdin.readline().rstrip("\n") if value == "-" else value
print(json.dumps(body))' "$@" >"$file")
}

# e2e_controller_create_registry VAR URL USER EMAIL
# Creates a private registry on the controller with the body `edgectl registry create`
# sends (iofog-go-sdk RegistryCreateRequest), the password read from stdin; stores the
# new registry ID in VAR.
e2e_controller_create_registry() {
  local _var=$1 _url=$2 _user=$3 _email=$4 _body=$E2E_CONTROLLER_DIR/registry.json _id
  e2e_controller_registry_json "$_body" url="$_url" isPublic:=false certificate= \
    requiresCert:=false username="$_user" email="$_email" password=-
  e2e_controller_call POST /api/v3/registries "$_body"
  rm -f "$_body"
  [[ $E2E_HTTP_STATUS == 201 ]] || e2e_fail "creating registry $_url answered $E2E_HTTP_STATUS: $E2E_HTTP_BODY"
  _id=$(e2e_json_field "$E2E_HTTP_BODY" id) || e2e_fail "no id in $E2E_HTTP_BODY"
  printf -v "$_var" '%s' "$_id"
}

# e2e_controller_set_password ID: PATCH /api/v3/registries/ID with the password read
# from stdin.
e2e_controller_set_password() {
  local id=$1 body=$E2E_CONTROLLER_DIR/patch.json
  e2e_controller_registry_json "$body" password=-
  e2e_controller_call PATCH "/api/v3/registries/$id" "$body"
  rm -f "$body"
  [[ $E2E_HTTP_STATUS == 204 ]] || e2e_fail "PATCH registry $id answered $E2E_HTTP_STATUS: $E2E_HTTP_BODY"
}

# e2e_controller_stats: prints the request counters (GET /_dev/stats) as JSON.
e2e_controller_stats() {
  e2e_controller_call GET /_dev/stats
  [[ $E2E_HTTP_STATUS == 200 ]] || e2e_fail "GET /_dev/stats answered $E2E_HTTP_STATUS: $E2E_HTTP_BODY"
  printf '%s\n' "$E2E_HTTP_BODY"
}

# e2e_controller_reset_stats: DELETE /_dev/stats.
e2e_controller_reset_stats() {
  e2e_controller_call DELETE /_dev/stats
  [[ $E2E_HTTP_STATUS == 204 ]] || e2e_fail "DELETE /_dev/stats answered $E2E_HTTP_STATUS"
}

# e2e_stats_count STATS_JSON [ROUTE]: prints the count of ROUTE ("GET /api/v3/...") in
# the counters, 0 when absent; without ROUTE, the sum of all counts.
e2e_stats_count() {
  python3 -c 'import json, sys
stats = json.loads(sys.stdin.read())
print(stats.get(sys.argv[1], 0) if len(sys.argv) > 1 else sum(stats.values()))' "${@:2}" \
    < <(printf '%s' "$1")
}

# e2e_use_controller [TTL]
# Writes the helper's config file ($DARCY_CONFIG, after e2e_use_helper) for the running
# controller: URL, agent token file, CA, vault directory and, given, ttl. The vault
# directory then comes from the file alone: every DARCY_* variable but DARCY_CONFIG is
# unset, so that none from the caller's environment overrides the file.
e2e_use_controller() {
  local ttl=${1:-} var
  for var in $(compgen -e DARCY_); do
    [[ $var == DARCY_CONFIG ]] || unset "$var"
  done
  {
    printf 'controller-url = %s\n' "$E2E_CONTROLLER_URL"
    printf 'token-file = %s\n' "$E2E_CONTROLLER_DIR/agent.token"
    printf 'ca-file = %s\n' "$E2E_CONTROLLER_DIR/ca.pem"
    printf 'vault-dir = %s\n' "$E2E_DIR/vault"
    [[ -z $ttl ]] || printf 'ttl = %s\n' "$ttl"
  } >"$DARCY_CONFIG"
}

# e2e_helper_has_command NAME: whether `docker-credential-darcy --help` lists NAME.
e2e_helper_has_command() {
  docker-credential-darcy --help 2>/dev/null | grep -qE "^  $1( |\$)"
}

# --- witnesses ---------------------------------------------------------------------------

# e2e_wrap_helper: puts a wrapper for docker-credential-darcy first on PATH. For every call
# it appends the helper's arguments and its client's command line to helper-calls.txt and
# the helper's stderr to helper-stderr.log, then runs the real helper.
e2e_wrap_helper() {
  E2E_HELPER_CALLS=$E2E_DIR/helper-calls.txt
  E2E_HELPER_STDERR=$E2E_DIR/helper-stderr.log
  : >"$E2E_HELPER_CALLS"
  : >"$E2E_HELPER_STDERR"
  mkdir -p "$E2E_DIR/wrap"
  cat >"$E2E_DIR/wrap/docker-credential-darcy" <<EOF
#!/bin/sh
{ printf 'helper:'; printf ' %s' "\$@"; printf '\\nclient: '
  tr '\\000' ' ' </proc/\$PPID/cmdline; printf '\\n'; } >>'$E2E_HELPER_CALLS'
exec '$E2E_BIN_DIR/docker-credential-darcy' "\$@" 2>>'$E2E_HELPER_STDERR'
EOF
  chmod +x "$E2E_DIR/wrap/docker-credential-darcy"
  export PATH=$E2E_DIR/wrap:$PATH
}

# e2e_start_argv_sampler NEEDLES_FILE
# Polls /proc/*/cmdline in the background, looking for every line of NEEDLES_FILE (read
# from the file, never from its own argv) and for a canary it must see to prove it can.
e2e_start_argv_sampler() {
  local needles=$1 i
  E2E_SAMPLER_DIR=$E2E_DIR/sampler
  mkdir -p "$E2E_SAMPLER_DIR"
  E2E_SAMPLER_CANARY=canary-$(openssl rand -hex 8)
  (umask 077 && { cat "$needles"; printf '%s\n' "$E2E_SAMPLER_CANARY"; } >"$E2E_SAMPLER_DIR/needles")
  cat >"$E2E_SAMPLER_DIR/sampler.py" <<'EOF'
import os, sys, time
d = sys.argv[1]
lines = [l for l in open(os.path.join(d, "needles"), "rb").read().split(b"\n") if l]
secrets, canary = lines[:-1], lines[-1]
hits, canary_seen, scans = set(), False, 0
while not os.path.exists(os.path.join(d, "stop")):
    scans += 1
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        for i, s in enumerate(secrets):
            if s in cmd:
                hits.add("%s (secret %d) %s" % (pid, i + 1, cmd.replace(s, b"<SECRET>").replace(b"\0", b" ").decode(errors="replace")))
        if canary in cmd:
            canary_seen = True
    if scans == 1:
        open(os.path.join(d, "ready"), "w").close()
    time.sleep(0.002)
with open(os.path.join(d, "out"), "w") as out:
    out.write("scans %d\ncanary %s\n" % (scans, canary_seen))
    for h in sorted(hits):
        out.write("hit " + h + "\n")
EOF
  python3 "$E2E_SAMPLER_DIR/sampler.py" "$E2E_SAMPLER_DIR" &
  E2E_SAMPLER_PID=$!
  e2e_track_pid "$E2E_SAMPLER_PID"
  for ((i = 0; i < 100; i++)); do
    [[ -e $E2E_SAMPLER_DIR/ready ]] && break
    sleep 0.05
  done
  [[ -e $E2E_SAMPLER_DIR/ready ]] || e2e_fail "the process-table sampler did not start"
  bash -c 'sleep 0.5; :' "$E2E_SAMPLER_CANARY" &
  E2E_SAMPLER_CANARY_PID=$!
}

# e2e_stop_argv_sampler: stops the sampler and fails if it missed its canary or saw a
# needle on any command line.
e2e_stop_argv_sampler() {
  wait "$E2E_SAMPLER_CANARY_PID" || true
  : >"$E2E_SAMPLER_DIR/stop"
  wait "$E2E_SAMPLER_PID" || e2e_fail "the process-table sampler failed"
  e2e_log "  sampler: $(head -n 2 "$E2E_SAMPLER_DIR/out" | tr '\n' ' ')"
  grep -qx 'canary True' "$E2E_SAMPLER_DIR/out" || e2e_fail "the sampler missed its canary process"
  if grep '^hit ' "$E2E_SAMPLER_DIR/out" >&2; then
    e2e_fail "a secret appeared on a command line (above)"
  fi
}
