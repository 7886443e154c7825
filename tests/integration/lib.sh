# shellcheck shell=bash
# Fixtures for the integration tests: docker-credential-darcy and darcy-fetch against the
# dev controller (darcy-dev-controller) over real TLS on 127.0.0.1, with a throwaway CA
# made by openssl.
#
# A test script runs with `set -euo pipefail`, sources this file and calls
#   it_begin NAME HELPER FETCH CONTROLLER
# with the three binaries ctest passes. Everything lives in one temporary directory
# ($IT_DIR): removed when the script exits 0, kept (and its path printed, with the tail of
# every log) otherwise. Every server started here is stopped by PID when the script exits.
# Secrets (the agent token, the admin password, registry passwords) travel in files and on
# stdin, never on a command line.

# The exact text clients take as "no credentials for this host" (PROTOCOL.md).
IT_NOT_FOUND='credentials not found in native keychain'

# Request counter keys of GET /_dev/stats.
IT_LIST='GET /api/v3/agent/registries'
IT_BY_ID='GET /api/v3/agent/registries/{id}'

IT_DIR=
IT_PIDS=()
IT_PYTHON=python3
[[ -x /usr/bin/python3 ]] && IT_PYTHON=/usr/bin/python3

it_log() { printf '%s\n' "$*" >&2; }
it_step() { printf '== %s\n' "$*" >&2; }

# Prints MESSAGE and exits 1 (the EXIT trap then keeps $IT_DIR).
it_fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

# it_begin NAME HELPER FETCH CONTROLLER
# Checks the binaries and tools, creates $IT_DIR and makes the environment hermetic.
it_begin() {
  local name=$1 tool
  IT_HELPER=${2:?usage: $0 HELPER FETCH CONTROLLER}
  IT_FETCH=${3:?usage: $0 HELPER FETCH CONTROLLER}
  IT_CTL=${4:?usage: $0 HELPER FETCH CONTROLLER}
  for tool in curl openssl "$IT_PYTHON" sha256sum; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      it_log "SKIP: $tool is missing"
      exit 77
    fi
  done
  local bin
  for bin in "$IT_HELPER" "$IT_FETCH" "$IT_CTL"; do
    [[ -x $bin ]] || it_fail "not an executable: $bin"
  done
  # The helper runs the darcy-fetch that sits beside it: make sure it is the one given.
  local beside
  beside=$(dirname "$(readlink -f "$IT_HELPER")")/darcy-fetch
  [[ $(readlink -f "$beside") == "$(readlink -f "$IT_FETCH")" ]] ||
    it_fail "darcy-fetch ($IT_FETCH) is not beside the helper ($IT_HELPER)"

  IT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/darcy-it-$name.XXXXXX")
  chmod 0700 "$IT_DIR"
  trap it_finish EXIT
  trap 'exit 130' INT TERM
  export HOME=$IT_DIR/home
  export XDG_CONFIG_HOME=$HOME/.config XDG_STATE_HOME=$HOME/.local/state
  mkdir -p "$HOME"
  # Only what a test sets applies: no DARCY_* from the caller's environment.
  local var
  for var in $(compgen -e); do
    [[ $var == DARCY_* ]] && unset "$var"
  done
  export DARCY_CONFIG=$IT_DIR/helper.conf
  # Sanitizer reports must fail the run, not hide in a log.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:exitcode=99}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}
}

# Remembers PID so that it is stopped when the script exits.
it_track_pid() { IT_PIDS+=("$1"); }

it_finish() {
  local rc=$? pid log
  trap - EXIT
  for pid in "${IT_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${IT_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  [[ -n $IT_DIR ]] || exit "$rc"
  if ((rc != 0 && rc != 77)); then
    for log in "$IT_DIR"/*.log; do
      [[ -s $log ]] || continue
      it_log "--- last lines of $log"
      tail -n 12 "$log" | cut -c1-400 >&2
    done
    it_log "kept test directory: $IT_DIR"
  else
    rm -rf "$IT_DIR"
  fi
  exit "$rc"
}

# it_make_ca NAME: a CA in $IT_DIR/NAME-ca.{pem,key}.
it_make_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=darcy integration $1 CA" \
    -keyout "$IT_DIR/$1-ca.key" -out "$IT_DIR/$1-ca.pem" 2>/dev/null ||
    it_fail "openssl could not make CA $1"
}

# it_make_tls: the test CA ($IT_DIR/ca.pem) and a server certificate for IP 127.0.0.1
# signed by it ($IT_DIR/server.{pem,key}).
it_make_tls() {
  [[ -f $IT_DIR/server.pem ]] && return 0
  it_make_ca test
  cp "$IT_DIR/test-ca.pem" "$IT_DIR/ca.pem"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$IT_DIR/server.key" -out "$IT_DIR/server.csr" 2>/dev/null ||
    it_fail "openssl could not make the server key"
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    >"$IT_DIR/server.ext"
  openssl x509 -req -in "$IT_DIR/server.csr" -CA "$IT_DIR/test-ca.pem" \
    -CAkey "$IT_DIR/test-ca.key" -CAcreateserial -days 2 -extfile "$IT_DIR/server.ext" \
    -out "$IT_DIR/server.pem" 2>/dev/null || it_fail "openssl could not sign the server certificate"
}

# it_spki_sha256 CERT: base64 SHA-256 of the certificate's SubjectPublicKeyInfo (pin-sha256).
it_spki_sha256() {
  openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | base64
}

# it_start_controller [--http]
# Starts darcy-dev-controller on a free port (TLS with the test certificate unless
# --http), with an admin password file and a pre-provisioned agent token written to
# $IT_DIR/agent.token (0600). Sets IT_CTL_PID and IT_CTL_URL, logs in as admin
# ($IT_DIR/user.hdr) and writes $IT_DIR/agent.hdr for curl.
it_start_controller() {
  local scheme=https args=()
  if [[ ${1:-} == --http ]]; then
    scheme=http
  else
    it_make_tls
    args+=(--tls-cert "$IT_DIR/server.pem" --tls-key "$IT_DIR/server.key")
  fi
  [[ -f $IT_DIR/admin.pw ]] || printf 'dev-%s\n' "$(openssl rand -hex 12)" >"$IT_DIR/admin.pw"
  rm -f "$IT_DIR/port"
  "$IT_CTL" --listen 127.0.0.1:0 --port-file "$IT_DIR/port" "${args[@]}" \
    --admin-password-file "$IT_DIR/admin.pw" --agent-token-file "$IT_DIR/agent.token" \
    2>>"$IT_DIR/controller.log" &
  IT_CTL_PID=$!
  it_track_pid "$IT_CTL_PID"
  local i
  for ((i = 0; i < 200; i++)); do
    [[ -s $IT_DIR/port ]] && break
    kill -0 "$IT_CTL_PID" 2>/dev/null || it_fail "the controller exited at start (see controller.log)"
    sleep 0.05
  done
  [[ -s $IT_DIR/port ]] || it_fail "the controller wrote no port file within 10 s"
  IT_CTL_URL=$scheme://127.0.0.1:$(cat "$IT_DIR/port")
  [[ -s $IT_DIR/agent.token ]] || it_fail "the controller wrote no agent token"
  [[ $(stat -c %a "$IT_DIR/agent.token") == 600 ]] || it_fail "agent.token is not 0600"
  printf 'Authorization: %s\n' "$(tr -d '[:space:]' <"$IT_DIR/agent.token")" >"$IT_DIR/agent.hdr"
  "$IT_PYTHON" -c 'import json, sys
print(json.dumps({"email": "admin@darcy.local", "password": sys.stdin.read().strip()}))' \
    <"$IT_DIR/admin.pw" >"$IT_DIR/login.json"
  it_curl POST /api/v3/user/login "" "$IT_DIR/login.json"
  [[ $IT_STATUS == 200 ]] || it_fail "admin login answered $IT_STATUS"
  printf 'Authorization: Bearer %s\n' "$(it_json "$IT_DIR/curl.body" 'd["accessToken"]')" \
    >"$IT_DIR/user.hdr"
}

# it_stop_controller: SIGTERM, and the controller must exit 0.
it_stop_controller() {
  local rc=0 keep=() p
  kill -TERM "$IT_CTL_PID"
  wait "$IT_CTL_PID" || rc=$?
  ((rc == 0)) || it_fail "the controller exited $rc on SIGTERM"
  for p in "${IT_PIDS[@]}"; do [[ $p != "$IT_CTL_PID" ]] && keep+=("$p"); done
  IT_PIDS=("${keep[@]}")
}

# it_curl METHOD PATH [HEADER_FILE] [BODY_FILE] [curl args...]
# Body in $IT_DIR/curl.body, HTTP status in IT_STATUS. A transport failure fails the test.
it_curl() {
  local method=$1 path=$2 header_file=${3:-} body_file=${4:-}
  shift 4 2>/dev/null || shift $#
  local args=(-sS --cacert "$IT_DIR/ca.pem" -o "$IT_DIR/curl.body" -w '%{http_code}' -X "$method")
  [[ -n $header_file ]] && args+=(-H "@$header_file")
  [[ -n $body_file ]] && args+=(-H 'Content-Type: application/json' --data-binary "@$body_file")
  IT_STATUS=$(curl "${args[@]}" "$@" "$IT_CTL_URL$path" 2>"$IT_DIR/curl.err") ||
    it_fail "curl $method $path failed: $(cat "$IT_DIR/curl.err")"
}

# it_json FILE EXPR: evaluates the Python EXPR with `d` the parsed JSON of FILE; prints
# strings raw and anything else as compact JSON.
it_json() {
  "$IT_PYTHON" - "$1" "$2" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
PY
}

# it_create_registry URL USER: creates a private registry whose password is read from
# stdin (one line) and prints its id.
it_create_registry() {
  "$IT_PYTHON" -c 'import json, sys
print(json.dumps({"url": sys.argv[1], "isPublic": False, "username": sys.argv[2],
                  "password": sys.stdin.readline().rstrip("\n"), "email": "ci@example.com"}))' \
    "$1" "$2" >"$IT_DIR/registry.json"
  it_curl POST /api/v3/registries "$IT_DIR/user.hdr" "$IT_DIR/registry.json"
  rm -f "$IT_DIR/registry.json"
  [[ $IT_STATUS == 201 ]] || it_fail "creating registry $1 answered $IT_STATUS: $(cat "$IT_DIR/curl.body")"
  it_json "$IT_DIR/curl.body" 'd["id"]'
}

# it_patch_registry ID FIELD: sets FIELD of registry ID to the value read from stdin.
it_patch_registry() {
  "$IT_PYTHON" -c 'import json, sys
print(json.dumps({sys.argv[1]: sys.stdin.readline().rstrip("\n")}))' "$2" >"$IT_DIR/patch.json"
  it_curl PATCH "/api/v3/registries/$1" "$IT_DIR/user.hdr" "$IT_DIR/patch.json"
  rm -f "$IT_DIR/patch.json"
  [[ $IT_STATUS == 204 ]] || it_fail "PATCH registry $1 answered $IT_STATUS"
}

it_delete_registry() {
  it_curl DELETE "/api/v3/registries/$1" "$IT_DIR/user.hdr"
  [[ $IT_STATUS == 204 ]] || it_fail "DELETE registry $1 answered $IT_STATUS"
}

# it_fault JSON: sets the controller's fault plan.
it_fault() {
  printf '%s' "$1" >"$IT_DIR/fault.json"
  it_curl PUT /_dev/faults "$IT_DIR/user.hdr" "$IT_DIR/fault.json"
  [[ $IT_STATUS == 204 ]] || it_fail "PUT /_dev/faults $1 answered $IT_STATUS: $(cat "$IT_DIR/curl.body")"
}

it_clear_faults() {
  it_curl DELETE /_dev/faults "$IT_DIR/user.hdr"
  [[ $IT_STATUS == 204 ]] || it_fail "DELETE /_dev/faults answered $IT_STATUS"
}

it_reset_stats() {
  it_curl DELETE /_dev/stats "$IT_DIR/user.hdr"
  [[ $IT_STATUS == 204 ]] || it_fail "DELETE /_dev/stats answered $IT_STATUS"
}

# it_expect_requests WHAT LIST BY_ID: the controller counted exactly LIST registry-list
# and BY_ID registry-by-id requests since the last reset, and no other agent API request.
it_expect_requests() {
  local what=$1 list=$2 by_id=$3 got
  it_curl GET /_dev/stats "$IT_DIR/user.hdr"
  [[ $IT_STATUS == 200 ]] || it_fail "GET /_dev/stats answered $IT_STATUS"
  got=$(it_json "$IT_DIR/curl.body" "[d.get('$IT_LIST', 0), d.get('$IT_BY_ID', 0)]")
  [[ $got == "[$list,$by_id]" ]] ||
    it_fail "$what: controller requests [list, by-id] = $got, expected [$list,$by_id] (stats: $(cat "$IT_DIR/curl.body"))"
  got=$(it_json "$IT_DIR/curl.body" \
    "sorted(k for k in d if '/agent/' in k and k not in ('$IT_LIST', '$IT_BY_ID'))")
  [[ $got == "[]" ]] || it_fail "$what: unexpected agent requests to the controller: $got"
}

# it_write_config [KEY=VALUE...]: writes $DARCY_CONFIG with the defaults below, each KEY
# given replacing its default (an empty VALUE drops the key). `pin` adds a line.
it_write_config() {
  local -A conf=(
    [controller-url]=$IT_CTL_URL
    [token-file]=$IT_DIR/agent.token
    [ca-file]=$IT_DIR/ca.pem
    [vault-dir]=$IT_DIR/vault
    [ttl]=300
    [grace]=604800
    [timeout]=5
    [connect-timeout]=2
  )
  local order=(controller-url token-file ca-file vault-dir ttl grace timeout connect-timeout)
  local pins=() kv key
  for kv in "$@"; do
    key=${kv%%=*}
    if [[ $key == pin ]]; then
      pins+=("${kv#*=}")
      continue
    fi
    [[ -v conf[$key] ]] || order+=("$key")
    conf[$key]=${kv#*=}
  done
  : >"$DARCY_CONFIG"
  for key in "${order[@]}"; do
    [[ -n ${conf[$key]} ]] && printf '%s = %s\n' "$key" "${conf[$key]}" >>"$DARCY_CONFIG"
  done
  for kv in "${pins[@]}"; do printf 'pin = %s\n' "$kv" >>"$DARCY_CONFIG"; done
  return 0
}

# it_run [--stdin TEXT] CMD...: runs CMD with TEXT (exactly, no newline added) or nothing on
# stdin. Sets IT_RC, IT_OUT and IT_ERR; the raw stdout stays in $IT_DIR/run.out. Each
# run's stderr is also appended to $IT_DIR/stderr.all. Never fails by itself.
it_run() {
  local input='' has_input=0
  if [[ ${1:-} == --stdin ]]; then
    input=$2 has_input=1
    shift 2
  fi
  IT_CMD="$*"
  set +e
  if ((has_input)); then
    "$@" < <(printf '%s' "$input") >"$IT_DIR/run.out" 2>"$IT_DIR/run.err"
  else
    "$@" </dev/null >"$IT_DIR/run.out" 2>"$IT_DIR/run.err"
  fi
  IT_RC=$?
  set -e
  IT_OUT=$(cat "$IT_DIR/run.out")
  IT_ERR=$(cat "$IT_DIR/run.err")
  cat "$IT_DIR/run.err" >>"$IT_DIR/stderr.all"
}

it_show_run() {
  it_log "  command: $IT_CMD"
  it_log "  exit status: $IT_RC"
  it_log "  stdout: $IT_OUT"
  it_log "  stderr: $(printf '%s' "$IT_ERR" | head -c 2000)"
}

# it_expect_rc RC WHAT: the last run exited RC.
it_expect_rc() {
  if ((IT_RC != $1)); then
    it_show_run
    it_fail "$2: exit status $IT_RC, expected $1"
  fi
}

# it_init: `docker-credential-darcy init` makes the vault and node key (sync needs them).
it_init() {
  it_run "$IT_HELPER" init
  it_expect_rc 0 "init"
}

# it_helper_get HOST: runs `docker-credential-darcy get` with HOST on stdin.
it_helper_get() { it_run --stdin "$1" "$IT_HELPER" get; }

# it_expect_get HOST USER: `get HOST` exits 0 with exactly
# {"ServerURL":HOST,"Username":USER,"Secret":<the secret read from stdin>} and a newline.
it_expect_get() {
  local host=$1 user=$2
  "$IT_PYTHON" -c 'import json, sys
sys.stdout.write(json.dumps({"ServerURL": sys.argv[1], "Username": sys.argv[2],
                             "Secret": sys.stdin.readline().rstrip("\n")},
                            separators=(",", ":"), ensure_ascii=False) + "\n")' \
    "$host" "$user" >"$IT_DIR/expected.out"
  it_helper_get "$host"
  it_expect_rc 0 "get $host"
  if ! cmp -s "$IT_DIR/run.out" "$IT_DIR/expected.out"; then
    it_show_run
    it_fail "get $host: stdout is not exactly the expected credentials"
  fi
}

# it_expect_not_found HOST: `get HOST` exits 1 with exactly the not-found text.
it_expect_not_found() {
  it_helper_get "$1"
  it_expect_rc 1 "get $1"
  if [[ $(cat "$IT_DIR/run.out") != "$IT_NOT_FOUND" ]]; then
    it_show_run
    it_fail "get $1: expected exactly '$IT_NOT_FOUND' on stdout"
  fi
}

# it_expect_error WHAT NEEDLE...: the last run exited 1 with one line on stdout that is
# not the not-found text and contains every NEEDLE (case-insensitive).
it_expect_error() {
  local what=$1 needle
  shift
  it_expect_rc 1 "$what"
  if [[ $(wc -l <"$IT_DIR/run.out") != 1 || -z $IT_OUT ]]; then
    it_show_run
    it_fail "$what: expected exactly one line on stdout"
  fi
  if [[ $IT_OUT == *"$IT_NOT_FOUND"* ]]; then
    it_show_run
    it_fail "$what: a failure answered with the not-found text"
  fi
  for needle in "$@"; do
    if [[ ${IT_OUT,,} != *"${needle,,}"* ]]; then
      it_show_run
      it_fail "$what: stdout does not mention '$needle'"
    fi
  done
}

# it_expect_contains TEXT NEEDLE WHAT (case-insensitive)
it_expect_contains() {
  if [[ ${1,,} != *"${2,,}"* ]]; then
    it_log "  $3: $(printf '%s' "$1" | head -c 2000)"
    it_fail "$3 does not mention '$2'"
  fi
}

# it_vault EXPR: it_json on vault.json.
it_vault() { it_json "$IT_DIR/vault/vault.json" "$1"; }

# it_vault_ids: the controller entry ids in vault.json, as a JSON list.
it_vault_ids() { it_vault 'sorted(e["id"] for e in d["entries"] if e["source"] == "controller")'; }

# it_file_lacks FILE SECRET: the secret is in FILE neither as is nor base64-encoded.
it_file_lacks() {
  local file=$1 secret=$2
  [[ -f $file ]] || it_fail "missing file $file"
  if grep -qF -- "$secret" "$file"; then it_fail "$file holds a secret in plain text"; fi
  if grep -qF -- "$(printf '%s' "$secret" | base64 -w0)" "$file"; then
    it_fail "$file holds a secret base64-encoded"
  fi
  return 0
}

# Prints a fresh random password (unique, so that finding it anywhere is meaningful).
it_random_secret() { printf 'pw-%s' "$(openssl rand -hex 12)"; }
