#!/usr/bin/env bash
# `sync` on a node whose vault was never created (the systemd timer's first run, before
# any get): it either creates the vault, as `get` and `enroll` do, and syncs, or fails
# with a message that names the fix (`docker-credential-darcy init`).
#
# Usage: test_sync_fresh_node.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_begin sync-fresh-node "$@"

it_start_controller
PASSWORD=$(it_random_secret)
it_create_registry gcr.io _json_key <<<"$PASSWORD" >/dev/null
it_write_config

it_step "sync before any vault exists"
[[ ! -e $IT_DIR/vault ]] || it_fail "the vault exists before the first sync"
it_run "$IT_HELPER" sync
if ((IT_RC == 0)); then
  [[ $IT_OUT == "synced 3 registries (3 changed)" ]] || it_fail "sync printed '$IT_OUT'"
  [[ $(it_vault_ids) == "[1,2,3]" ]] || it_fail "vault ids are $(it_vault_ids), expected [1,2,3]"
  it_reset_stats
  it_expect_get gcr.io _json_key <<<"$PASSWORD"
  it_expect_requests "get after the first sync" 0 0
else
  it_expect_rc 1 "sync on a fresh node"
  if ! grep -qF 'init' <<<"$IT_ERR"; then
    it_show_run
    it_fail "sync on a node without a vault fails without naming the fix (docker-credential-darcy init)"
  fi
fi
it_log "PASS"
