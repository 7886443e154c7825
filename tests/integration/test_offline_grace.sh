#!/usr/bin/env bash
# Offline and grace: when the controller fails in any way, a stale entry younger than
# `grace` is still answered (exit 0, exact JSON) with a warning on stderr naming the
# reason, and the vault is left byte for byte as it was. Past grace, or with nothing
# cached, get fails with its own message, never the not-found text.
#
# Usage: test_offline_grace.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_begin offline-grace "$@"

it_start_controller
PASSWORD=$(it_random_secret)
it_create_registry gcr.io _json_key <<<"$PASSWORD" >/dev/null
it_write_config ttl=1 timeout=2 connect-timeout=2

it_init
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync"
it_expect_get gcr.io _json_key <<<"$PASSWORD"
sleep 2
cp "$IT_DIR/vault/vault.json" "$IT_DIR/vault.json.before"

# expect_served_stale WHAT REASON_REGEX: get answers the cached password, stderr warns
# that it is serving a cached copy and why (REASON_REGEX, extended, case-insensitive),
# and vault.json is unchanged.
expect_served_stale() {
  local what=$1 reason=$2
  it_expect_get gcr.io _json_key <<<"$PASSWORD"
  if ! grep -qF 'serving credentials for gcr.io cached' <<<"$IT_ERR" ||
    ! grep -qF 'controller unreachable' <<<"$IT_ERR"; then
    it_show_run
    it_fail "$what: no warning on stderr about serving a cached copy"
  fi
  if ! grep -qEi -- "$reason" <<<"$IT_ERR"; then
    it_show_run
    it_fail "$what: the warning does not name the reason (/$reason/)"
  fi
  cmp -s "$IT_DIR/vault/vault.json" "$IT_DIR/vault.json.before" ||
    it_fail "$what: vault.json changed"
}

# Each fault applies to every agent registry request until cleared.
declare -a FAULTS=(
  '{"status":500}|HTTP 500 to GET /api/v3/agent/registries/3: injected fault'
  '{"status":502}|HTTP 502 to GET /api/v3/agent/registries/3'
  '{"status":503}|HTTP 503 to GET /api/v3/agent/registries/3'
  '{"body":"garbage"}|invalid response to GET /api/v3/agent/registries/3: the body is not valid JSON'
  '{"body":"truncated"}|cut short'
  '{"body":"empty"}|invalid response to GET /api/v3/agent/registries/3: the body is not valid JSON'
  '{"body":"oversized"}|larger than the limit of [0-9]+ bytes'
  '{"drop":true}|closed without an answer'
  '{"delayMs":3500}|timed out'
)
for entry in "${FAULTS[@]}"; do
  plan=${entry%%|*}
  reason=${entry#*|}
  it_step "fault $plan: the cached password is served with a warning"
  it_fault "${plan%\}},\"paths\":\"/api/v3/agent/registries\"}"
  it_reset_stats
  expect_served_stale "fault $plan" "$reason"
  it_expect_requests "fault $plan" 0 1
  it_clear_faults
done
# Let the controller finish the delayed answer it is still sleeping on.
sleep 1.5

it_step "the controller is killed (connection refused): the cached password is served"
kill -KILL "$IT_CTL_PID"
rc=0
wait "$IT_CTL_PID" || rc=$?
((rc == 128 + 9)) || it_fail "the controller exited $rc, expected to be killed"
IT_PIDS=()
expect_served_stale "controller down" 'cannot reach the controller at https://127\.0\.0\.1:[0-9]+: connection failed'

it_step "past the grace period: an error that says so, not the not-found text"
it_write_config ttl=1 grace=1 timeout=2 connect-timeout=2
it_helper_get gcr.io
it_expect_error "get past grace" "grace period" "gcr.io" "connection failed"
cmp -s "$IT_DIR/vault/vault.json" "$IT_DIR/vault.json.before" || it_fail "vault.json changed past grace"

it_step "nothing cached and the controller down: a clear error, not the not-found text"
it_write_config vault-dir="$IT_DIR/empty-vault" timeout=2 connect-timeout=2
it_helper_get gcr.io
it_expect_error "get with nothing cached" "controller" "connection failed"
it_helper_get quay.io
it_expect_error "get of another host with nothing cached" "controller" "connection failed"
it_log "PASS"
