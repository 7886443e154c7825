#!/usr/bin/env bash
# Single flight: 32 concurrent cold gets for one host cause one controller request (one
# list sync on a never-synced vault; one by-ID fetch for a known entry), and every one of
# them answers the right credentials.
#
# Usage: test_single_flight.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_begin single-flight "$@"

N=32
it_start_controller
PASSWORD=$(it_random_secret)
it_create_registry gcr.io _json_key <<<"$PASSWORD" >/dev/null
printf '{"ServerURL":"gcr.io","Username":"_json_key","Secret":"%s"}\n' "$PASSWORD" >"$IT_DIR/expected.out"

# burst WHAT: N concurrent `get gcr.io`; each must exit 0 with exactly the credentials.
burst() {
  local what=$1 i pid rc failed=0
  local pids=()
  mkdir -p "$IT_DIR/burst"
  rm -f "$IT_DIR/burst"/*
  for ((i = 0; i < N; i++)); do
    "$IT_HELPER" get < <(printf 'gcr.io') >"$IT_DIR/burst/$i.out" 2>"$IT_DIR/burst/$i.err" &
    pids+=("$!")
  done
  for ((i = 0; i < N; i++)); do
    rc=0
    wait "${pids[$i]}" || rc=$?
    if ((rc != 0)) || ! cmp -s "$IT_DIR/burst/$i.out" "$IT_DIR/expected.out"; then
      it_log "  get #$i: exit $rc, stdout: $(cat "$IT_DIR/burst/$i.out"), stderr: $(head -c 500 "$IT_DIR/burst/$i.err")"
      failed=$((failed + 1))
    fi
  done
  cat "$IT_DIR/burst"/*.err >>"$IT_DIR/stderr.all"
  ((failed == 0)) || it_fail "$what: $failed of $N concurrent gets did not answer the credentials"
}

it_step "$N concurrent cold gets on a never-synced vault: one list request"
it_write_config
it_reset_stats
burst "never-synced vault"
it_expect_requests "$N gets on a never-synced vault" 1 0

it_step "$N concurrent gets of a known entry whose copy was dropped: one by-ID request"
it_run --stdin gcr.io "$IT_HELPER" erase
it_expect_rc 0 "erase of the cached copy"
[[ $(it_vault '[e["sealed"] for e in d["entries"] if e["id"] == 3]') == '[""]' ]] ||
  it_fail "erase did not drop the cached copy"
it_reset_stats
burst "dropped copy"
it_expect_requests "$N gets of a dropped copy" 0 1

it_step "$N concurrent gets of an aged entry: one by-ID request"
# Aged past ttl = 3; the refreshed entry then stays fresh for at least 2 s, well over
# what the burst takes once the first fetch is done.
sleep 3
it_write_config ttl=3
it_reset_stats
burst "aged entry"
it_expect_requests "$N gets of an aged entry" 0 1
it_log "PASS"
