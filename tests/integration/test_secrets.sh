#!/usr/bin/env bash
# Secrets stay secret: after a run through every path (plain and sealed mode, syncs, cold
# and warm gets, by-ID refreshes, faults, a refused token, a refused certificate, store,
# list, erase), neither the agent token nor any password appears in the helper's or
# darcy-fetch's stderr, in the controller's log, in any non-get output, or in any file
# under the vault directories.
#
# Usage: test_secrets.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_begin secrets "$@"

it_start_controller
TOKEN=$(tr -d '[:space:]' <"$IT_DIR/agent.token")
ADMIN_PW=$(tr -d '[:space:]' <"$IT_DIR/admin.pw")
PW3=$(it_random_secret)
PW3_NEW=$(it_random_secret)
PW4=$(it_random_secret)
PWLOCAL=$(it_random_secret)
printf 'wrong-%s\n' "$(openssl rand -hex 16)" >"$IT_DIR/wrong.token"
chmod 0600 "$IT_DIR/wrong.token"
WRONG_TOKEN=$(tr -d '[:space:]' <"$IT_DIR/wrong.token")
it_create_registry gcr.io _json_key <<<"$PW3" >/dev/null
it_create_registry quay.io robot <<<"$PW4" >/dev/null
it_make_ca other

# Everything a command prints but the answer of a successful get goes here.
OUTPUTS=$IT_DIR/outputs.txt
: >"$OUTPUTS"
keep_output() { printf '%s\n' "$IT_OUT" >>"$OUTPUTS"; }
run_kept() {
  it_run "$@"
  keep_output
}

exercise() {
  local vault=$1
  it_step "exercising vault $vault"
  it_write_config vault-dir="$IT_DIR/$vault" ttl=1 timeout=2 log-level=debug
  it_init
  run_kept "$IT_HELPER" sync
  it_expect_rc 0 "sync"
  it_expect_get gcr.io _json_key <<<"$PW3"
  it_expect_get quay.io robot <<<"$PW4"
  it_expect_not_found docker.io
  sleep 1.1
  it_fault '{"status":500,"paths":"/api/v3/agent/registries"}'
  it_expect_get gcr.io _json_key <<<"$PW3"
  it_fault '{"body":"truncated","paths":"/api/v3/agent/registries"}'
  it_expect_get quay.io robot <<<"$PW4"
  run_kept "$IT_FETCH" sync
  it_expect_rc 1 "darcy-fetch sync with a truncated answer"
  it_clear_faults
  run_kept "$IT_FETCH" registry 3
  it_expect_rc 0 "darcy-fetch registry 3"
  run_kept "$IT_FETCH" sync
  it_expect_rc 0 "darcy-fetch sync"
  run_kept --stdin '' "$IT_HELPER" list
  it_expect_rc 0 "list"
  it_write_config vault-dir="$IT_DIR/$vault" ttl=0 timeout=2 token-file="$IT_DIR/wrong.token"
  run_kept "$IT_HELPER" sync
  it_expect_rc 1 "sync with a wrong token"
  it_expect_get gcr.io _json_key <<<"$PW3"
  it_write_config vault-dir="$IT_DIR/$vault" ttl=0 timeout=2 ca-file="$IT_DIR/other-ca.pem"
  run_kept "$IT_HELPER" sync
  it_expect_rc 1 "sync with the wrong CA"
  it_write_config vault-dir="$IT_DIR/$vault-empty" ttl=0 timeout=2 ca-file="$IT_DIR/other-ca.pem"
  run_kept --stdin gcr.io "$IT_HELPER" get
  it_expect_rc 1 "get with the wrong CA and nothing cached"
}

exercise vault-plain
it_write_config vault-dir="$IT_DIR/vault-sealed"
it_run "$IT_HELPER" enroll
keep_output
it_expect_rc 0 "enroll"
it_patch_registry 3 password <<<"$PW3_NEW"
PW3=$PW3_NEW
exercise vault-sealed
it_write_config vault-dir="$IT_DIR/vault-sealed"
run_kept --stdin "{\"ServerURL\":\"local.example.com\",\"Username\":\"me\",\"Secret\":\"$PWLOCAL\"}"$'\n' \
  "$IT_HELPER" store
it_expect_rc 0 "store"
it_expect_get local.example.com me <<<"$PWLOCAL"
run_kept --stdin local.example.com "$IT_HELPER" erase
it_expect_rc 0 "erase"

it_step "no secret in stderr, logs, outputs or vault files"
[[ -s $IT_DIR/stderr.all && -s $IT_DIR/controller.log ]] || it_fail "nothing was captured"
grep -q 'controller unreachable' "$IT_DIR/stderr.all" || it_fail "the stale warnings were not captured"
files=("$IT_DIR/stderr.all" "$IT_DIR/controller.log" "$OUTPUTS")
while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$IT_DIR"/vault-* -type f -print0)
((${#files[@]} > 6)) || it_fail "too few vault files found: ${files[*]}"
for secret in "$TOKEN" "$WRONG_TOKEN" "$ADMIN_PW" "$PW3" "$PW3_NEW" "$PW4" "$PWLOCAL"; do
  for f in "${files[@]}"; do
    it_file_lacks "$f" "$secret"
  done
  if grep -rqF -- "$secret" "$IT_DIR"/vault-*; then it_fail "a secret is under a vault directory"; fi
done
it_log "PASS"
