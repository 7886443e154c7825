#!/usr/bin/env bash
# Two controller registries for one host: the lowest ID answers; `pin = host=id` picks
# the other; an entry stored by hand for that host wins over both.
#
# Usage: test_duplicate_hosts.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_begin duplicate-hosts "$@"

it_start_controller
PW3=$(it_random_secret)
PW4=$(it_random_secret)
PWLOCAL=$(it_random_secret)
[[ $(it_create_registry gcr.io user-three <<<"$PW3") == 3 ]] || it_fail "first registry is not id 3"
[[ $(it_create_registry https://gcr.io/ user-four <<<"$PW4") == 4 ]] || it_fail "second registry is not id 4"
it_write_config

it_init
it_run "$IT_HELPER" sync
it_expect_rc 0 "sync"
[[ $(it_vault '[e["key"] for e in d["entries"] if e["id"] in (3, 4)]') == '["gcr.io","gcr.io"]' ]] ||
  it_fail "entries 3 and 4 do not both map to gcr.io"

it_step "the lowest ID answers"
it_expect_get gcr.io user-three <<<"$PW3"

it_step "pin = gcr.io=4 makes ID 4 answer"
it_write_config pin=gcr.io=4
it_expect_get gcr.io user-four <<<"$PW4"
it_write_config pin=GCR.io=4
it_expect_get https://gcr.io/v2/ user-four <<<"$PW4"
it_write_config
DARCY_PIN=gcr.io=4 it_expect_get gcr.io user-four <<<"$PW4"

it_step "an entry stored by hand wins over both"
it_run --stdin "{\"ServerURL\":\"gcr.io\",\"Username\":\"local-user\",\"Secret\":\"$PWLOCAL\"}"$'\n' \
  "$IT_HELPER" store
it_expect_rc 0 "store"
it_expect_get gcr.io local-user <<<"$PWLOCAL"
it_write_config pin=gcr.io=4
it_expect_get gcr.io local-user <<<"$PWLOCAL"

it_step "erasing the local entry brings the pinned controller entry back"
it_run --stdin gcr.io "$IT_HELPER" erase
it_expect_rc 0 "erase of the local entry"
it_expect_get gcr.io user-four <<<"$PW4"
it_write_config
it_expect_get gcr.io user-three <<<"$PW3"
it_log "PASS"
