#!/usr/bin/env bash
# A registry deleted on the controller: the by-ID refresh gets 404, the entry leaves the
# vault and get answers not-found.
#
# Usage: test_deleted_registry.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_begin deleted-registry "$@"

it_start_controller
PASSWORD=$(it_random_secret)
KEEP=$(it_random_secret)
it_create_registry gcr.io _json_key <<<"$PASSWORD" >/dev/null
it_create_registry quay.io robot <<<"$KEEP" >/dev/null
it_write_config ttl=1

it_init
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync"
[[ $(it_vault_ids) == "[1,2,3,4]" ]] || it_fail "vault ids are $(it_vault_ids), expected [1,2,3,4]"

it_step "delete registry 3 on the controller; the aged entry is refreshed by ID and dropped"
it_delete_registry 3
sleep 2
it_reset_stats
it_expect_not_found gcr.io
it_expect_requests "get of a deleted registry" 0 1
[[ $(it_vault_ids) == "[1,2,4]" ]] || it_fail "vault ids are $(it_vault_ids) after the 404, expected [1,2,4]"
[[ $(it_vault '[e for e in d["entries"] if e["key"] == "gcr.io"]') == "[]" ]] ||
  it_fail "an entry for gcr.io is still in the vault"

it_step "the other registry still answers"
it_expect_get quay.io robot <<<"$KEEP"
it_log "PASS"
