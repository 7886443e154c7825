#!/usr/bin/env bash
# Sealed mode: after `enroll` the controller seals every password to the node's key and
# sends no plain password; `sync` stores the sealed rows and `get` opens them.
#
# Usage: test_sealed_mode.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_begin sealed-mode "$@"

it_start_controller
# A GCR key file: JSON with quotes, slashes and escaped newlines, on one line.
GCR_KEY='{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\nMIIEv/AbC+'"$(openssl rand -hex 16)"'\n-----END PRIVATE KEY-----\n","client_email":"ci@demo.iam.gserviceaccount.com"}'
id=$(it_create_registry gcr.io _json_key <<<"$GCR_KEY")
[[ $id == 3 ]] || it_fail "first registry got id $id, expected 3"
it_write_config

it_step "enroll uploads the node key"
it_reset_stats
it_run "$IT_HELPER" enroll
it_expect_rc 0 "enroll"
it_expect_contains "$IT_OUT" "enrolled" "enroll's output"
[[ -s $IT_DIR/vault/node.pub && -s $IT_DIR/vault/node.key ]] || it_fail "enroll made no node key"
it_curl GET /_dev/stats "$IT_DIR/user.hdr"
[[ $(it_json "$IT_DIR/curl.body" 'd.get("PUT /api/v3/agent/node-key", 0)') == 1 ]] ||
  it_fail "enroll did not PUT the node key once: $(cat "$IT_DIR/curl.body")"

it_step "the controller's agent rows for this node carry sealed and no password"
it_curl GET /api/v3/agent/registries "$IT_DIR/agent.hdr"
[[ $IT_STATUS == 200 ]] || it_fail "agent list answered $IT_STATUS"
[[ $(it_json "$IT_DIR/curl.body" '[("password" in r, "sealed" in r) for r in d["registries"] if r["id"] == 3]') == '[[false,true]]' ]] ||
  it_fail "row 3 is not sealed-only: $(it_json "$IT_DIR/curl.body" '[sorted(r) for r in d["registries"]]')"
it_file_lacks "$IT_DIR/curl.body" "$GCR_KEY"
it_curl GET /api/v3/agent/registries/3 "$IT_DIR/agent.hdr"
[[ $IT_STATUS == 200 ]] || it_fail "agent row 3 answered $IT_STATUS"
[[ $(it_json "$IT_DIR/curl.body" '["password" in d, "sealed" in d]') == '[false,true]' ]] ||
  it_fail "row 3 by id is not sealed-only"

it_step "sync stores sealed rows; get opens them"
it_reset_stats
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync"
it_expect_contains "$IT_OUT" "synced 3 registries" "sync's output"
it_expect_requests "sync" 1 0
[[ $(it_vault_ids) == "[1,2,3]" ]] || it_fail "vault ids are $(it_vault_ids), expected [1,2,3]"
[[ $(it_vault '[e["sealed"] != "" for e in d["entries"] if e["id"] == 3]') == "[true]" ]] ||
  it_fail "entry 3 has no sealed secret"
it_file_lacks "$IT_DIR/vault/vault.json" "$GCR_KEY"
it_reset_stats
it_expect_get gcr.io _json_key <<<"$GCR_KEY"
it_expect_requests "get after sync" 0 0

it_step "a blob sealed to another key is refused; the previous copy stays and serves"
it_write_config ttl=1
sleep 2
cp "$IT_DIR/vault/vault.json" "$IT_DIR/vault.before"
it_fault '{"wrongSealKey":true,"paths":"/api/v3/agent/registries"}'
it_expect_get gcr.io _json_key <<<"$GCR_KEY"
it_clear_faults
it_expect_contains "$IT_ERR" "new copy was refused" "the helper's warning"
cmp -s "$IT_DIR/vault/vault.json" "$IT_DIR/vault.before" ||
  it_fail "vault.json changed after a refused answer"

it_step "with no good copy to fall back on, a blob sealed to another key is an error"
it_run --stdin gcr.io "$IT_HELPER" erase
it_expect_rc 0 "erase of the cached copy"
it_fault '{"wrongSealKey":true,"paths":"/api/v3/agent/registries"}'
it_helper_get gcr.io
it_clear_faults
if ((IT_RC == 0)); then
  it_show_run
  it_fail "get answered with a blob sealed to another key"
fi
it_expect_error "get of a blob sealed to another key" "does not open"
it_log "PASS"
