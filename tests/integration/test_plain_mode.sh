#!/usr/bin/env bash
# Plain mode (no enroll): the controller sends registry passwords in plain text and
# darcy-fetch seals them at once. A cold get syncs the list once; a fresh entry and an
# unknown host with a fresh index are answered with no request at all.
#
# Usage: test_plain_mode.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_begin plain-mode "$@"

it_start_controller
PASSWORD=$(it_random_secret)
id=$(it_create_registry gcr.io _json_key <<<"$PASSWORD")
[[ $id == 3 ]] || it_fail "first registry got id $id, expected 3"
it_write_config
it_reset_stats

it_step "a cold get on a never-synced vault syncs the list once and answers the password"
[[ ! -e $IT_DIR/vault ]] || it_fail "the vault exists before the first get"
it_expect_get gcr.io _json_key <<<"$PASSWORD"
it_expect_requests "cold get" 1 0
[[ $(stat -c %a "$IT_DIR/vault") == 700 ]] || it_fail "the vault directory is not 0700"
[[ $(stat -c %a "$IT_DIR/vault/vault.json") == 600 ]] || it_fail "vault.json is not 0600"
it_file_lacks "$IT_DIR/vault/vault.json" "$PASSWORD"
[[ $(it_vault_ids) == "[1,2,3]" ]] || it_fail "vault ids are $(it_vault_ids), expected [1,2,3]"
[[ $(it_vault '[e["sealed"] != "" for e in d["entries"] if e["id"] == 3]') == "[true]" ]] ||
  it_fail "entry 3 is not sealed in the vault"
[[ $(it_vault 'd["index"]["syncedAt"] > 0 and d["index"]["etag"] != ""') == true ]] ||
  it_fail "the index records no sync time or ETag"

it_step "a second get within ttl makes no request"
it_reset_stats
it_expect_get gcr.io _json_key <<<"$PASSWORD"
it_expect_get https://gcr.io/ _json_key <<<"$PASSWORD"
it_expect_requests "warm get" 0 0

it_step "a host the controller does not have is not-found, with no request (fresh index)"
it_expect_not_found quay.io
it_expect_not_found registry.example.com:5000
it_expect_requests "unknown host with a fresh index" 0 0

it_step "the seeded public entries answer not-found"
it_expect_not_found https://index.docker.io/v1/
it_expect_not_found from_cache
it_expect_requests "public entries" 0 0

it_file_lacks "$IT_DIR/vault/vault.json" "$PASSWORD"

it_step "an unknown host on a never-synced vault: one list sync, then not-found"
it_write_config vault-dir="$IT_DIR/vault2"
it_reset_stats
it_expect_not_found quay.io
it_expect_requests "unknown host, never-synced vault" 1 0
[[ $(it_json "$IT_DIR/vault2/vault.json" 'sorted(e["id"] for e in d["entries"])') == "[1,2,3]" ]] ||
  it_fail "the sync on the unknown host did not fill the second vault"
it_reset_stats
it_expect_not_found quay.io
it_expect_get gcr.io _json_key <<<"$PASSWORD"
it_expect_requests "after that sync" 0 0
it_log "PASS"
