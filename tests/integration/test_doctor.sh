#!/usr/bin/env bash
# `docker-credential-darcy doctor` against the dev controller over TLS: a healthy node
# (init, enroll, sync, configure-docker) is all OK and exits 0; a wrong CA, a refused
# token, a vault directory or node key others can read, a missing darcy-fetch, a
# controller sealing to another key and a stopped controller each FAIL with exit 1; two
# registries for one host and a host missing from Docker's config.json WARN. No output
# ever holds the agent token or a registry password.
#
# Usage: test_doctor.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_begin doctor "$@"

export DOCKER_CONFIG=$IT_DIR/docker

it_start_controller
PW3=$(it_random_secret)
PW4=$(it_random_secret)
[[ $(it_create_registry gcr.io _json_key <<<"$PW3") == 3 ]] || it_fail "gcr.io is not id 3"
[[ $(it_create_registry registry.example.com:5000 robot <<<"$PW4") == 4 ]] ||
  it_fail "registry.example.com:5000 is not id 4"
it_write_config
TOKEN=$(tr -d '[:space:]' <"$IT_DIR/agent.token")

# doctor_run [ARGS...]: runs doctor; its output must hold no secret.
doctor_run() {
  it_run "$IT_HELPER" doctor "$@"
  local secret
  for secret in "$TOKEN" "$PW3" "$PW4"; do
    if [[ $IT_OUT == *"$secret"* || $IT_ERR == *"$secret"* ]]; then
      it_show_run
      it_fail "doctor printed a secret"
    fi
  done
}

# expect_line STATUS CHECK NEEDLE...: doctor's output has a line for CHECK with STATUS
# that mentions every NEEDLE (case-insensitive).
expect_line() {
  local status=$1 check=$2 line needle
  shift 2
  line=$(grep -E "^$status +$check " <<<"$IT_OUT" || true)
  if [[ -z $line ]]; then
    it_show_run
    it_fail "doctor printed no '$status $check' line"
  fi
  for needle in "$@"; do
    if [[ ${line,,} != *"${needle,,}"* ]]; then
      it_show_run
      it_fail "doctor's '$status $check' line does not mention '$needle': $line"
    fi
  done
}

it_step "a healthy node: every check OK, exit 0"
it_init
it_run "$IT_HELPER" enroll
it_expect_rc 0 "enroll"
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync"
it_run "$IT_HELPER" configure-docker
it_expect_rc 0 "configure-docker"
doctor_run
it_expect_rc 0 "doctor on a healthy node"
it_log "$IT_OUT"
if grep -vE '^OK ' <<<"$IT_OUT" | grep -vqE '^[0-9]+ OK, 0 WARN, 0 FAIL$'; then
  it_show_run
  it_fail "a healthy node has a line that is not OK"
fi
for check in config controller-url vault-dir node-key node-pub token-file darcy-fetch \
  controller token clock enrollment index entries duplicates urls docker-config; do
  expect_line OK "$check"
done
expect_line OK controller "TLS"
expect_line OK enrollment "registry 3 opens"
doctor_run --json
it_expect_rc 0 "doctor --json on a healthy node"
[[ $(it_json "$IT_DIR/run.out" 'sorted(set(r["status"] for r in d))') == '["OK"]' ]] ||
  it_fail "doctor --json on a healthy node: $IT_OUT"
[[ $(it_json "$IT_DIR/run.out" 'sorted(set(tuple(sorted(r)) for r in d))') == '[["check","detail","fix","status"]]' ]] ||
  it_fail "doctor --json rows are not {check, status, detail, fix}: $IT_OUT"

it_step "a CA that did not sign the controller's certificate: FAIL controller"
it_make_ca other
it_write_config ca-file="$IT_DIR/other-ca.pem"
doctor_run
it_expect_rc 1 "doctor with the wrong CA"
expect_line FAIL controller "certificate was not accepted" "Fix: check ca-file"
it_write_config

it_step "a wrong agent token: FAIL token"
printf 'wrong-%s\n' "$(openssl rand -hex 16)" >"$IT_DIR/wrong.token"
chmod 0600 "$IT_DIR/wrong.token"
it_write_config token-file="$IT_DIR/wrong.token"
doctor_run
it_expect_rc 1 "doctor with a wrong token"
expect_line OK controller
expect_line FAIL token "refused" "HTTP 401" "Fix:"
it_write_config

it_step "a token file others can read: FAIL token-file"
chmod 0644 "$IT_DIR/agent.token"
doctor_run
it_expect_rc 1 "doctor with a token file 0644"
expect_line FAIL token-file "0644" "Fix: chmod 600 $IT_DIR/agent.token"
chmod 0600 "$IT_DIR/agent.token"

it_step "a vault directory 0755: FAIL vault-dir"
chmod 0755 "$IT_DIR/vault"
doctor_run
it_expect_rc 1 "doctor with the vault directory 0755"
expect_line FAIL vault-dir "0755" "Fix: chmod 700 $IT_DIR/vault"
chmod 0700 "$IT_DIR/vault"

it_step "a node key 0644: FAIL node-key"
chmod 0644 "$IT_DIR/vault/node.key"
doctor_run
it_expect_rc 1 "doctor with node.key 0644"
expect_line FAIL node-key "0644" "Fix: chmod 600 $IT_DIR/vault/node.key"
chmod 0600 "$IT_DIR/vault/node.key"

it_step "the helper without darcy-fetch beside it: FAIL darcy-fetch"
mkdir -p "$IT_DIR/lonely"
cp "$IT_HELPER" "$IT_DIR/lonely/docker-credential-darcy"
it_run "$IT_DIR/lonely/docker-credential-darcy" doctor
it_expect_rc 1 "doctor without darcy-fetch"
expect_line FAIL darcy-fetch "$IT_DIR/lonely/darcy-fetch" "Fix: install darcy-fetch"
if grep -qE '^[A-Z]+ +controller ' <<<"$IT_OUT"; then
  it_show_run
  it_fail "doctor checked the controller without darcy-fetch"
fi

it_step "the controller seals to another key: FAIL enrollment"
it_fault '{"wrongSealKey":true}'
doctor_run
it_expect_rc 1 "doctor with rows sealed to another key"
expect_line FAIL enrollment "does not open" "Fix: run \`docker-credential-darcy enroll\`"
it_clear_faults

it_step "two registries for one host: WARN duplicates, exit 0"
PW5=$(it_random_secret)
[[ $(it_create_registry https://gcr.io/ second <<<"$PW5") == 5 ]] || it_fail "second gcr.io is not id 5"
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync with a duplicate"
doctor_run
it_expect_rc 0 "doctor with a duplicate host"
expect_line WARN duplicates "gcr.io is served by controller registries 3, 5" "pin = gcr.io=ID"
it_write_config pin=gcr.io=5
doctor_run
it_expect_rc 0 "doctor with a pinned duplicate"
expect_line OK duplicates
it_write_config

it_step "a registry missing from Docker's config.json: WARN docker-config, exit 0"
PW6=$(it_random_secret)
[[ $(it_create_registry quay.io quayuser <<<"$PW6") == 6 ]] || it_fail "quay.io is not id 6"
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync with quay.io"
doctor_run
it_expect_rc 0 "doctor with quay.io missing from config.json"
expect_line WARN docker-config "quay.io" "Fix: run \`docker-credential-darcy configure-docker\`"
[[ $IT_OUT != *"$PW6"* ]] || it_fail "doctor printed a password"

it_step "the controller is down: FAIL controller with the connection error, not not-found"
it_stop_controller
doctor_run
it_expect_rc 1 "doctor with the controller down"
expect_line FAIL controller "connection failed" "Fix:"
if [[ ${IT_OUT,,} == *"not found"* ]]; then
  it_show_run
  it_fail "doctor reported an unreachable controller as not found"
fi
it_log "PASS"
