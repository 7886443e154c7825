#!/usr/bin/env bash
# A stale entry is refreshed by registry ID: one GET /api/v3/agent/registries/{id}, no
# list request, and the answer is the password the controller has now.
#
# Usage: test_refresh_by_id.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_begin refresh-by-id "$@"

it_start_controller
OLD=$(it_random_secret)
NEW=$(it_random_secret)
it_create_registry gcr.io _json_key <<<"$OLD" >/dev/null
it_create_registry quay.io robot <<<"$(it_random_secret)" >/dev/null
it_write_config ttl=1

it_init
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync"
it_expect_get gcr.io _json_key <<<"$OLD"

it_step "the password changes on the controller; the aged entry is fetched by ID"
it_patch_registry 3 password <<<"$NEW"
sleep 2
it_reset_stats
it_expect_get gcr.io _json_key <<<"$NEW"
it_expect_requests "get of an aged entry" 0 1
it_file_lacks "$IT_DIR/vault/vault.json" "$NEW"
it_file_lacks "$IT_DIR/vault/vault.json" "$OLD"

it_step "with a longer ttl the refreshed entry is fresh: no request"
it_write_config ttl=300
it_reset_stats
it_expect_get gcr.io _json_key <<<"$NEW"
it_expect_requests "get of the refreshed entry" 0 0
it_log "PASS"
