#!/usr/bin/env bash
# End-to-end test of darcy-dev-controller: starts the real server over TLS (a throwaway CA
# and a server certificate for IP 127.0.0.1) on a free port and drives every endpoint and
# fault switch with curl.
#
# Usage: test_dev_controller.sh PATH/TO/darcy-dev-controller PATH/TO/darcy-dev-seal-check
# Exit 0 on success, 1 on the first failed check (its temp directory is kept), 77 when a
# tool is missing. Secrets travel in files of the temp directory, never on command lines.
set -euo pipefail

CONTROLLER=${1:?usage: $0 CONTROLLER SEAL_CHECK}
SEAL_CHECK=${2:?usage: $0 CONTROLLER SEAL_CHECK}

for tool in curl openssl python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is missing" >&2
    exit 77
  fi
done

# Only the standard library is needed: prefer the system interpreter, which starts much
# faster than version-manager shims (the test runs it a few hundred times).
PYTHON=python3
[[ -x /usr/bin/python3 ]] && PYTHON=/usr/bin/python3

W=$(mktemp -d "${TMPDIR:-/tmp}/darcy-dev-controller-test.XXXXXX")
PIDS=()
finish() {
  local status=$?
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if ((status == 0)); then
    rm -rf "$W"
  else
    echo "test directory kept: $W" >&2
  fi
}
trap finish EXIT
trap 'exit 130' INT TERM

CHECKS=0
step() { printf '== %s\n' "$*" >&2; }
fail() {
  printf 'FAIL: %s\n' "$*" >&2
  [[ -f $W/body ]] && { printf -- '--- last body (first 300 bytes):\n' >&2; head -c 300 "$W/body" >&2; echo >&2; }
  exit 1
}
ok() { CHECKS=$((CHECKS + 1)); }

# --- certificates -----------------------------------------------------------------------
step "making a CA and a server certificate for 127.0.0.1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=darcy dev test CA" -keyout "$W/ca.key" -out "$W/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=127.0.0.1" -keyout "$W/server.key" -out "$W/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$W/server.ext"
openssl x509 -req -in "$W/server.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial \
  -days 2 -extfile "$W/server.ext" -out "$W/server.pem" 2>/dev/null

ADMIN_EMAIL=admin@darcy.local
printf 'dev-%s\n' "$(openssl rand -hex 8)" >"$W/admin-password"
ADMIN_PASSWORD=$(head -n1 "$W/admin-password")

# --- helpers ----------------------------------------------------------------------------
# start_controller LOGNAME ARGS...: starts the controller, waits for its port file, sets
# PID and URL (https unless ARGS lacks --tls-cert).
start_controller() {
  local name=$1
  shift
  rm -f "$W/port"
  "$CONTROLLER" --listen 127.0.0.1:0 --port-file "$W/port" "$@" 2>>"$W/$name.log" &
  PID=$!
  PIDS+=("$PID")
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -s $W/port ]] && break
    kill -0 "$PID" 2>/dev/null || fail "controller exited at start: $(cat "$W/$name.log")"
    sleep 0.05
  done
  [[ -s $W/port ]] || fail "controller wrote no port file within 5 s"
  local scheme=http
  [[ " $* " == *" --tls-cert "* ]] && scheme=https
  URL=$scheme://127.0.0.1:$(cat "$W/port")
}

stop_controller() {
  kill -TERM "$PID"
  local status=0
  wait "$PID" || status=$?
  ((status == 0)) || fail "controller exited $status on SIGTERM"
  local keep=()
  local p
  for p in "${PIDS[@]}"; do [[ $p != "$PID" ]] && keep+=("$p"); done
  PIDS=("${keep[@]}")
}

# req METHOD PATH [HEADER_FILE] [BODY_FILE] [extra curl args...]: body in $W/body,
# headers in $W/headers, HTTP status in $STATUS, curl exit code in $RC.
req() {
  local method=$1 path=$2 header_file=${3:-} body_file=${4:-}
  shift 4 2>/dev/null || shift $#
  local args=(-sS --cacert "$W/ca.pem" -o "$W/body" -D "$W/headers" -w '%{http_code}' -X "$method")
  [[ -n $header_file ]] && args+=(-H "@$header_file")
  [[ -n $body_file ]] && args+=(-H 'Content-Type: application/json' --data-binary "@$body_file")
  rm -f "$W/body" "$W/headers"
  touch "$W/body" "$W/headers"
  RC=0
  STATUS=$(curl "${args[@]}" "$@" "$URL$path" 2>"$W/curl.err") || RC=$?
}

# json FILE PYTHON_EXPR: evaluates EXPR with `d` bound to the parsed JSON of FILE; prints
# strings raw and everything else as compact JSON.
json() {
  "$PYTHON" - "$1" "$2" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")))
PY
}

expect_status() {
  [[ $RC == 0 ]] || fail "$1: curl failed ($RC): $(cat "$W/curl.err")"
  [[ $STATUS == "$2" ]] || fail "$1: status $STATUS, expected $2"
  ok
}

expect_eq() {
  [[ $2 == "$3" ]] || fail "$1: got '$2', expected '$3'"
  ok
}

expect_error_json() {
  expect_status "$1" "$2"
  expect_eq "$1: error name" "$(json "$W/body" 'd["name"]')" "$3"
  [[ -n $(json "$W/body" 'd["message"]') ]] || fail "$1: empty error message"
}

header() { grep -i "^$1:" "$W/headers" | head -n1 | cut -d' ' -f2- | tr -d '\r'; }

# put_fault JSON: sets the fault plan with the admin token.
put_fault() {
  printf '%s' "$1" >"$W/fault.json"
  req PUT /_dev/faults "$W/user.hdr" "$W/fault.json"
  expect_status "PUT /_dev/faults $1" 204
}
clear_faults() {
  req DELETE /_dev/faults "$W/user.hdr"
  expect_status "DELETE /_dev/faults" 204
}

# --- start ------------------------------------------------------------------------------
step "loopback only"
for addr in 0.0.0.0:0 192.0.2.1:0 '[::]:0' example.com:0; do
  if "$CONTROLLER" --listen "$addr" --port-file "$W/refused" 2>"$W/refused.log"; then
    fail "controller accepted --listen $addr"
  fi
  grep -q "loopback" "$W/refused.log" || [[ $addr == example.com:0 ]] || fail "no reason for refusing $addr"
  [[ ! -e $W/refused ]] || fail "port file written for refused $addr"
  ok
done

step "starting the controller over TLS"
TLS_ARGS=(--tls-cert "$W/server.pem" --tls-key "$W/server.key")
STATE_ARGS=(--state-file "$W/state.json" --agent-token-file "$W/agent-token"
  --admin-email "$ADMIN_EMAIL" --admin-password-file "$W/admin-password")
start_controller controller "${TLS_ARGS[@]}" "${STATE_ARGS[@]}"
[[ -s $W/agent-token ]] || fail "no agent token file created"
[[ $(stat -c %a "$W/agent-token") == 600 ]] || fail "agent token file is not 0600"
AGENT_TOKEN=$(tr -d '\n' <"$W/agent-token")
printf 'Authorization: %s\n' "$AGENT_TOKEN" >"$W/agent.hdr"
printf 'Authorization: not-a-token\n' >"$W/bad.hdr"

step "status"
req GET /api/v3/status
expect_status "status" 200
expect_eq "status field" "$(json "$W/body" 'd["status"]')" online
expect_eq "controller version present" "$(json "$W/body" '"controller" in d["versions"]')" true
expect_eq "timestamp is milliseconds" "$(json "$W/body" 'd["timestamp"] > 10**12')" true
[[ -n $(header Date) ]] || fail "no Date header"
ok

step "login"
printf '{"email":"%s","password":"wrong"}' "$ADMIN_EMAIL" >"$W/login-bad.json"
req POST /api/v3/user/login "" "$W/login-bad.json"
expect_error_json "login with a wrong password" 401 AuthenticationError
printf '{"email":"%s","password":"%s"}' "$ADMIN_EMAIL" "$ADMIN_PASSWORD" >"$W/login.json"
req POST /api/v3/user/login "" "$W/login.json"
expect_status "login" 200
ACCESS_TOKEN=$(json "$W/body" 'd["accessToken"]')
[[ ${#ACCESS_TOKEN} -ge 32 ]] || fail "short access token"
printf 'Authorization: Bearer %s\n' "$ACCESS_TOKEN" >"$W/user.hdr"
printf 'Authorization: %s\n' "$ACCESS_TOKEN" >"$W/user-raw.hdr"

step "user registry list"
req GET /api/v3/registries
expect_error_json "registries without a token" 401 AuthenticationError
req GET /api/v3/registries "$W/bad.hdr"
expect_error_json "registries with a bad token" 401 AuthenticationError
req GET /api/v3/registries "$W/user-raw.hdr"
expect_status "registries with the raw token" 200
expect_eq "seeded ids" "$(json "$W/body" '[r["id"] for r in d["registries"]]')" "[1,2]"
expect_eq "seeded urls" "$(json "$W/body" '[r["url"] for r in d["registries"]]')" \
  '["registry.hub.docker.com","from_cache"]'
expect_eq "seeded are public" "$(json "$W/body" 'all(r["isPublic"] for r in d["registries"])')" true

step "creating registry 3 (gcr.io, _json_key)"
# A GCR key file: JSON with quotes, slashes and newlines in the private key.
GCR_KEY='{"type":"service_account","project_id":"demo","private_key":"-----BEGIN PRIVATE KEY-----\nMIIEv/AbC+\n-----END PRIVATE KEY-----\n","client_email":"ci@demo.iam.gserviceaccount.com"}'
"$PYTHON" - "$W/gcr.json" "$GCR_KEY" <<'PY'
import json, sys
body = {"url": "gcr.io", "isPublic": False, "username": "_json_key", "password": sys.argv[2],
        "email": "ci@demo.iam.gserviceaccount.com", "requiresCert": False, "certificate": ""}
open(sys.argv[1], "w").write(json.dumps(body))
PY
req POST /api/v3/registries "$W/user.hdr" "$W/gcr.json"
expect_status "create registry" 201
expect_eq "new id" "$(json "$W/body" 'd["id"]')" 3
req GET /api/v3/registries "$W/user.hdr"
expect_status "registries" 200
expect_eq "three rows" "$(json "$W/body" '[r["id"] for r in d["registries"]]')" "[1,2,3]"
expect_eq "row 3" "$(json "$W/body" '[d["registries"][2][k] for k in ("url","username","userEmail","isPublic")]')" \
  '["gcr.io","_json_key","ci@demo.iam.gserviceaccount.com",false]'
expect_eq "user rows carry no password" \
  "$(json "$W/body" 'any("password" in r or "sealed" in r for r in d["registries"])')" false
printf '{"url":"gcr.io","isPublic":false,"username":"u"}' >"$W/nopass.json"
req POST /api/v3/registries "$W/user.hdr" "$W/nopass.json"
expect_error_json "create without a password" 400 ValidationError
printf 'not json' >"$W/notjson.json"
req POST /api/v3/registries "$W/user.hdr" "$W/notjson.json"
expect_error_json "create with a non-JSON body" 400 ValidationError

step "ids 1 and 2 are protected"
printf '{"url":"evil.example.com"}' >"$W/patch-url.json"
for id in 1 2; do
  req PATCH "/api/v3/registries/$id" "$W/user.hdr" "$W/patch-url.json"
  expect_error_json "PATCH $id" 400 ValidationError
  req DELETE "/api/v3/registries/$id" "$W/user.hdr"
  expect_error_json "DELETE $id" 400 ValidationError
done
req GET /api/v3/registries "$W/user.hdr"
expect_eq "seeded rows unchanged" "$(json "$W/body" '[r["url"] for r in d["registries"][:2]]')" \
  '["registry.hub.docker.com","from_cache"]'

step "agent API authentication"
for hdr in "" "$W/bad.hdr" "$W/user.hdr" "$W/user-raw.hdr"; do
  req GET /api/v3/agent/registries "$hdr"
  expect_error_json "agent list with auth '${hdr##*/}'" 401 AuthenticationError
done
printf 'Authorization: Bearer %s\n' "$AGENT_TOKEN" >"$W/agent-bearer.hdr"
req GET /api/v3/agent/registries "$W/agent-bearer.hdr"
expect_error_json "agent token with a Bearer scheme" 401 AuthenticationError

step "agent list, plain password mode"
req GET /api/v3/agent/registries "$W/agent.hdr"
expect_status "agent list" 200
ETAG1=$(header ETag)
[[ $ETAG1 == \"*\" && $ETAG1 != W/* ]] || fail "ETag '$ETAG1' is not a strong quoted tag"
ok
expect_eq "agent row keys" "$(json "$W/body" 'list(d["registries"][2].keys())')" \
  '["id","url","isPublic","isSecure","certificate","requiresCert","username","userEmail","password"]'
expect_eq "plain password" "$(json "$W/body" 'd["registries"][2]["password"]')" "$GCR_KEY"
expect_eq "seeded rows carry no credentials" \
  "$(json "$W/body" 'any(k in r for r in d["registries"][:2] for k in ("password","sealed"))')" false

step "ETag and If-None-Match"
req GET /api/v3/agent/registries "$W/agent.hdr" "" -H "If-None-Match: $ETAG1"
expect_status "conditional list" 304
[[ ! -s $W/body ]] || fail "304 with a body"
expect_eq "304 repeats the ETag" "$(header ETag)" "$ETAG1"
req GET /api/v3/agent/registries "$W/agent.hdr" "" -H "If-None-Match: \"other\", $ETAG1"
expect_status "conditional list, tag among others" 304
req GET /api/v3/agent/registries "$W/agent.hdr" "" -H 'If-None-Match: "0000"'
expect_status "conditional list, stale tag" 200
expect_eq "same content, same ETag" "$(header ETag)" "$ETAG1"

step "agent registry by id"
req GET /api/v3/agent/registries/3 "$W/agent.hdr"
expect_status "by id" 200
expect_eq "by id url" "$(json "$W/body" 'd["url"]')" gcr.io
expect_eq "by id password" "$(json "$W/body" 'd["password"]')" "$GCR_KEY"
req GET /api/v3/agent/registries/1 "$W/agent.hdr"
expect_status "seeded by id" 200
expect_eq "seeded by id has no credentials" "$(json "$W/body" '"password" in d or "sealed" in d')" false
req GET /api/v3/agent/registries/99 "$W/agent.hdr"
expect_error_json "unknown id" 404 NotFoundError

step "node key registration"
"$SEAL_CHECK" keygen "$W/node.pub" "$W/node.key"
for bad in '{"publicKey":"AAAA"}' '{"publicKey":"not base64!!"}' '{"publicKey":12}' '{}' \
  "{\"publicKey\":\"$(head -c 32 /dev/zero | base64)\"}" \
  "{\"publicKey\":\"$(head -c 33 /dev/urandom | base64)\"}"; do
  printf '%s' "$bad" >"$W/badkey.json"
  req PUT /api/v3/agent/node-key "$W/agent.hdr" "$W/badkey.json"
  expect_error_json "node key $bad" 400 ValidationError
done
printf '{"publicKey":"%s"}' "$(tr -d '\n' <"$W/node.pub")" >"$W/nodekey.json"
req PUT /api/v3/agent/node-key "$W/bad.hdr" "$W/nodekey.json"
expect_error_json "node key with a bad token" 401 AuthenticationError
req PUT /api/v3/agent/node-key "$W/agent.hdr" "$W/nodekey.json"
expect_status "node key" 204

step "agent list, sealed mode"
EXPECTED_PLAIN=$("$PYTHON" -c 'import json,sys; print(json.dumps({"id":3,"url":"gcr.io","username":"_json_key","password":sys.argv[1]}, separators=(",",":"), ensure_ascii=False))' "$GCR_KEY")
req GET /api/v3/agent/registries "$W/agent.hdr" "" -H "If-None-Match: $ETAG1"
expect_status "list after the node key (old ETag)" 200
ETAG2=$(header ETag)
[[ $ETAG2 != "$ETAG1" ]] || fail "ETag unchanged by the node key"
ok
expect_eq "sealed row keys" "$(json "$W/body" 'list(d["registries"][2].keys())')" \
  '["id","url","isPublic","isSecure","certificate","requiresCert","username","userEmail","sealed"]'
expect_eq "seeded rows still carry nothing" \
  "$(json "$W/body" 'any(k in r for r in d["registries"][:2] for k in ("password","sealed"))')" false
json "$W/body" 'd["registries"][2]["sealed"]' >"$W/sealed.b64"
grep -qE '^[A-Za-z0-9+/]+={0,2}$' "$W/sealed.b64" || fail "sealed is not standard base64"
ok
"$SEAL_CHECK" open "$W/node.pub" "$W/node.key" <"$W/sealed.b64" >"$W/plain.json" || fail "sealed blob does not open"
expect_eq "sealed plaintext" "$(cat "$W/plain.json")" "$EXPECTED_PLAIN"
req GET /api/v3/agent/registries/3 "$W/agent.hdr"
expect_status "sealed by id" 200
expect_eq "by id has no plain password" "$(json "$W/body" '"password" in d')" false
json "$W/body" 'd["sealed"]' | "$SEAL_CHECK" open "$W/node.pub" "$W/node.key" >"$W/plain.json" || fail "by-id blob does not open"
expect_eq "by id plaintext" "$(cat "$W/plain.json")" "$EXPECTED_PLAIN"
"$SEAL_CHECK" keygen "$W/other.pub" "$W/other.key"
if "$SEAL_CHECK" open "$W/other.pub" "$W/other.key" <"$W/sealed.b64" >/dev/null 2>&1; then
  fail "a sealed blob opened with another node's key"
fi
ok

step "a change in a row changes the ETag and the sealed content"
printf '{"password":"rotated-secret"}' >"$W/rotate.json"
req PATCH /api/v3/registries/3 "$W/user.hdr" "$W/rotate.json"
expect_status "PATCH 3" 204
req GET /api/v3/agent/registries "$W/agent.hdr" "" -H "If-None-Match: $ETAG2"
expect_status "list after PATCH" 200
ETAG3=$(header ETag)
[[ $ETAG3 != "$ETAG2" && $ETAG3 != "$ETAG1" ]] || fail "ETag unchanged by PATCH"
ok
json "$W/body" 'd["registries"][2]["sealed"]' | "$SEAL_CHECK" open "$W/node.pub" "$W/node.key" >"$W/plain.json"
expect_eq "rotated plaintext" "$(json "$W/plain.json" 'd["password"]')" rotated-secret

step "fault: wrongSealKey"
put_fault '{"wrongSealKey":true,"paths":"/api/v3/agent/registries","count":1}'
req GET /api/v3/agent/registries/3 "$W/agent.hdr"
expect_status "wrong seal key" 200
if json "$W/body" 'd["sealed"]' | "$SEAL_CHECK" open "$W/node.pub" "$W/node.key" >/dev/null 2>&1; then
  fail "a blob sealed to the wrong key opened"
fi
ok
req GET /api/v3/agent/registries/3 "$W/agent.hdr"
json "$W/body" 'd["sealed"]' | "$SEAL_CHECK" open "$W/node.pub" "$W/node.key" >/dev/null || fail "count 1 fault outlived its request"
ok

step "fault: status"
put_fault '{"status":503,"paths":"/agent/registries","count":1}'
req GET /api/v3/status
expect_status "status endpoint outside the fault's paths" 200
req GET /api/v3/agent/registries "$W/agent.hdr"
expect_error_json "injected 503" 503 InternalServerError
req GET /api/v3/agent/registries "$W/agent.hdr"
expect_status "after the counted fault" 200
put_fault '{"status":500}'
for i in 1 2 3; do
  req GET /api/v3/agent/registries/3 "$W/agent.hdr"
  expect_status "uncounted fault, request $i" 500
done
req GET /_dev/faults "$W/user.hdr"
expect_status "GET /_dev/faults" 200
expect_eq "active plan" "$(json "$W/body" 'd["active"]["status"]')" 500
clear_faults
req GET /api/v3/agent/registries/3 "$W/agent.hdr"
expect_status "after clearing" 200
req GET /_dev/faults "$W/user.hdr"
expect_eq "no active plan" "$(json "$W/body" 'd["active"]')" null

step "fault: delayMs"
put_fault '{"delayMs":1200,"count":2}'
start=$(date +%s%N)
req GET /api/v3/agent/registries "$W/agent.hdr"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_status "delayed" 200
((elapsed_ms >= 1100)) || fail "delay fault took only ${elapsed_ms} ms"
ok
req GET /api/v3/agent/registries "$W/agent.hdr" "" --max-time 0.4
[[ $RC == 28 ]] || fail "a client timeout did not fire on a delayed answer (curl $RC)"
ok
sleep 1  # let the abandoned delayed request finish

step "fault: garbage"
put_fault '{"body":"garbage","count":1}'
req GET /api/v3/agent/registries "$W/agent.hdr"
expect_status "garbage" 200
if "$PYTHON" -c 'import json,sys; json.load(open(sys.argv[1]))' "$W/body" 2>/dev/null; then
  fail "garbage body parsed as JSON"
fi
ok

step "fault: truncated"
put_fault '{"body":"truncated","paths":"/api/v3/agent/registries","count":1}'
req GET /api/v3/agent/registries "$W/agent.hdr"
[[ $RC == 18 ]] || fail "truncated body: curl exit $RC, expected 18 (partial transfer)"
ok
announced=$(header Content-Length)
received=$(stat -c %s "$W/body")
((announced > 0 && received < announced && received > 0)) || fail "truncated: got $received of $announced bytes"
ok

step "fault: oversized"
put_fault '{"body":"oversized","count":1}'
req GET /api/v3/agent/registries "$W/agent.hdr"
expect_status "oversized" 200
size=$(stat -c %s "$W/body")
((size > 8 * 1024 * 1024)) || fail "oversized body is only $size bytes"
ok
expect_eq "oversized body is valid JSON with the rows" "$(json "$W/body" 'len(d["registries"])')" 3

step "fault: empty"
put_fault '{"body":"empty","count":1}'
req GET /api/v3/agent/registries "$W/agent.hdr"
expect_status "empty" 200
[[ ! -s $W/body ]] || fail "empty body fault sent a body"
ok

step "fault: drop"
put_fault '{"drop":true,"count":1}'
req GET /api/v3/agent/registries "$W/agent.hdr"
[[ $RC == 52 || $RC == 56 || $RC == 35 ]] || fail "drop: curl exit $RC, expected an empty reply"
[[ $STATUS == 000 ]] || fail "drop: got HTTP status $STATUS"
ok
req GET /api/v3/agent/registries "$W/agent.hdr"
expect_status "after the drop" 200

step "fault switch access and validation"
printf '{"drop":true}' >"$W/fault.json"
for hdr in "" "$W/agent.hdr" "$W/bad.hdr"; do
  req PUT /_dev/faults "$hdr" "$W/fault.json"
  expect_error_json "PUT /_dev/faults with '${hdr##*/}'" 401 AuthenticationError
done
for bad in '{"dealyMs":5}' '{"body":"half"}' '{"status":42}' '{"count":-1}' 'nope'; do
  printf '%s' "$bad" >"$W/fault.json"
  req PUT /_dev/faults "$W/user.hdr" "$W/fault.json"
  expect_error_json "fault plan $bad" 400 ValidationError
done
req GET /api/v3/agent/registries "$W/agent.hdr"
expect_status "no fault after refused plans" 200

step "request counters"
req DELETE /_dev/stats "$W/user.hdr"
expect_status "reset stats" 204
for i in 1 2 3; do req GET /api/v3/agent/registries "$W/agent.hdr"; done
req GET /api/v3/agent/registries/3 "$W/agent.hdr"
req GET /api/v3/agent/registries/7 "$W/agent.hdr"
req GET /api/v3/agent/registries "$W/bad.hdr"
req GET /api/v3/registries "$W/user.hdr"
req GET /_dev/stats "$W/user.hdr"
expect_status "stats" 200
expect_eq "stats" "$(json "$W/body" 'd')" \
  '{"GET /api/v3/agent/registries":4,"GET /api/v3/agent/registries/{id}":2,"GET /api/v3/registries":1}'

step "deleting registry 3"
req DELETE /api/v3/registries/3 "$W/user.hdr"
expect_status "delete 3" 204
req GET /api/v3/agent/registries/3 "$W/agent.hdr"
expect_error_json "by id after delete" 404 NotFoundError
req GET /api/v3/agent/registries "$W/agent.hdr" "" -H "If-None-Match: $ETAG3"
expect_status "list after delete" 200
[[ $(header ETag) != "$ETAG3" ]] || fail "ETag unchanged by delete"
ok
expect_eq "ids after delete" "$(json "$W/body" '[r["id"] for r in d["registries"]]')" "[1,2]"
req DELETE /api/v3/registries/3 "$W/user.hdr"
expect_error_json "delete again" 404 NotFoundError
req POST /api/v3/registries "$W/user.hdr" "$W/gcr.json"
expect_eq "ids are not reused" "$(json "$W/body" 'd["id"]')" 4

step "provisioning a second agent"
printf '{"name":"edge-2","fogType":1}' >"$W/node.json"
req POST /api/v3/iofog "$W/user.hdr" "$W/node.json"
expect_status "add node" 201
NODE_UUID=$(json "$W/body" 'd["uuid"]')
req GET "/api/v3/iofog/$NODE_UUID/provisioning-key" "$W/agent.hdr"
expect_error_json "provisioning key with an agent token" 401 AuthenticationError
req GET "/api/v3/iofog/no-such-node/provisioning-key" "$W/user.hdr"
expect_error_json "provisioning key of an unknown node" 404 NotFoundError
req GET "/api/v3/iofog/$NODE_UUID/provisioning-key" "$W/user.hdr"
expect_status "provisioning key" 200
json "$W/body" '{"type": 1, "key": d["key"]}' >"$W/provision.json"
req POST /api/v3/agent/provision "" "$W/provision.json"
expect_status "provision" 200
expect_eq "provisioned uuid" "$(json "$W/body" 'd["uuid"]')" "$NODE_UUID"
printf 'Authorization: %s\n' "$(json "$W/body" 'd["token"]')" >"$W/agent2.hdr"
req POST /api/v3/agent/provision "" "$W/provision.json"
expect_error_json "provisioning key used twice" 404 NotFoundError
req GET /api/v3/agent/registries/4 "$W/agent2.hdr"
expect_status "second agent, plain mode" 200
expect_eq "second agent gets the plain password" "$(json "$W/body" '"password" in d and "sealed" not in d')" true
req GET /api/v3/agent/registries/4 "$W/agent.hdr"
expect_eq "first agent still gets it sealed" "$(json "$W/body" '"sealed" in d and "password" not in d')" true
req GET /api/v3/agent/registries "$W/agent.hdr"
ETAG_BEFORE_RESTART=$(header ETag)

step "stop on SIGTERM, restart from the state file"
stop_controller
[[ $(stat -c %a "$W/state.json") == 600 ]] || fail "state file is not 0600"
ok
start_controller controller "${TLS_ARGS[@]}" "${STATE_ARGS[@]}"
req POST /api/v3/user/login "" "$W/login.json"
expect_status "login after restart" 200
req GET /api/v3/agent/registries "$W/agent.hdr" "" -H "If-None-Match: $ETAG_BEFORE_RESTART"
expect_status "same ETag after restart" 304
req GET /api/v3/agent/registries/4 "$W/agent.hdr"
expect_status "registry 4 after restart" 200
json "$W/body" 'd["sealed"]' | "$SEAL_CHECK" open "$W/node.pub" "$W/node.key" >/dev/null || fail "node key lost on restart"
ok
req GET /api/v3/agent/registries/4 "$W/agent2.hdr"
expect_status "provisioned agent after restart" 200
stop_controller

step "plain HTTP, and a dropped plain connection"
start_controller plain --admin-password-file "$W/admin-password"
[[ $URL == http://* ]] || fail "plain URL is $URL"
req POST /api/v3/user/login "" "$W/login.json"
expect_status "plain login" 200
printf 'Authorization: %s\n' "$(json "$W/body" 'd["accessToken"]')" >"$W/user.hdr"
put_fault '{"drop":true,"count":1}'
req GET /api/v3/status
[[ $RC == 52 || $RC == 56 ]] || fail "plain drop: curl exit $RC"
ok
req GET /api/v3/status
expect_status "plain status after the drop" 200
stop_controller

step "the logs hold no secrets"
cat "$W/controller.log" "$W/plain.log" >"$W/all.log"
grep -q '^GET /api/v3/agent/registries 200$' "$W/all.log" || fail "no request lines in the log"
grep -q '^GET /api/v3/agent/registries dropped$' "$W/all.log" || fail "drop not logged"
ok
for secret in "$ADMIN_PASSWORD" "$AGENT_TOKEN" "$ACCESS_TOKEN" rotated-secret BEGIN \
  "$(head -c 40 "$W/sealed.b64")"; do
  if grep -qF -- "$secret" "$W/all.log"; then fail "the log holds a secret"; fi
done
ok

echo "PASS: $CHECKS checks" >&2
