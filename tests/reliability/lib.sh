# shellcheck shell=bash
# Fixtures shared by the reliability tests. They build on the integration fixtures
# (tests/integration/lib.sh: it_begin, the dev controller over TLS, it_run, it_expect_*),
# and add what these tests need on top: snapshots of a vault directory, the checks of a
# refusal, and the vault checker (vault_check.py) that opens sealed entries on its own.
#
# A test script runs with `set -euo pipefail`, sources this file and calls
#   rel_begin NAME HELPER FETCH CONTROLLER

# shellcheck source=tests/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

REL_SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REL_CHECK=$REL_SRC_DIR/vault_check.py
REL_EXTRA_DIRS=()

rel_begin() {
  local name=$1
  shift
  it_begin "rel-$name" "$@"
  IT_CTL_URL= # set by it_start_controller; it_write_config reads it
  trap rel_finish EXIT
}

# Removes the directories made outside $IT_DIR, then it_finish keeps or removes $IT_DIR.
rel_finish() {
  local rc=$?
  set +e # (exit RC) below must not end the trap under set -e
  if ((${#REL_EXTRA_DIRS[@]} > 0)); then rm -rf "${REL_EXTRA_DIRS[@]}"; fi
  (exit "$rc")
  it_finish
}

# rel_now_us: microseconds since the epoch.
rel_now_us() {
  local t
  t=$(date +%s%N)
  printf '%s' $((t / 1000))
}

# rel_snapshot DIR: one line per entry under DIR (hidden ones too): type, mode, owner, size,
# sha256 and name. Two equal snapshots mean byte-identical files with the same metadata.
rel_snapshot() {
  local dir=$1 f
  (
    cd "$dir" || exit 1
    find . -mindepth 1 -printf '%P\0' | sort -z | while IFS= read -r -d '' f; do
      if [[ -f $f && ! -L $f ]]; then
        printf '%s %s\n' "$(stat -c 'file %a %u %s' -- "$f")" \
          "$(sha256sum -- "$f" | cut -d' ' -f1) $f"
      else
        printf '%s -> %s %s\n' "$(stat -c '%F %a %u' -- "$f")" "$(readlink -- "$f" || true)" "$f"
      fi
    done
  )
}

# rel_expect_unchanged WHAT BEFORE_FILE DIR: DIR's snapshot equals the one in BEFORE_FILE.
rel_expect_unchanged() {
  local what=$1 before=$2 dir=$3
  rel_snapshot "$dir" >"$IT_DIR/snapshot.after"
  if ! cmp -s "$before" "$IT_DIR/snapshot.after"; then
    it_show_run
    diff "$before" "$IT_DIR/snapshot.after" >&2 || true
    it_fail "$what: the files under $dir changed"
  fi
}

# rel_expect_one_line_error WHAT: the last run exited 1 with exactly one non-empty line on
# stdout ending in a newline, which is not the not-found text.
rel_expect_one_line_error() {
  local what=$1
  it_expect_rc 1 "$what"
  if [[ $(wc -l <"$IT_DIR/run.out") != 1 || $(tail -c1 "$IT_DIR/run.out" | od -An -c | tr -d ' ') != '\n' ||
    -z $IT_OUT ]]; then
    it_show_run
    it_fail "$what: expected exactly one line on stdout"
  fi
  if [[ $IT_OUT == *"$IT_NOT_FOUND"* ]]; then
    it_show_run
    it_fail "$what: a failure answered with the not-found text"
  fi
}

# rel_vault_check ARGS...: runs vault_check.py; its stdout goes to $IT_DIR/check.out.
# Fails the test with the checker's message when it finds a fault.
rel_vault_check() {
  if ! "$IT_PYTHON" "$REL_CHECK" "$@" >"$IT_DIR/check.out" 2>"$IT_DIR/check.err"; then
    cat "$IT_DIR/check.err" >&2
    it_fail "vault check ($1) failed"
  fi
}

# rel_json_line FILE: FILE holds exactly one line that is a JSON object.
rel_json_object_line() {
  "$IT_PYTHON" -c 'import json, sys
data = open(sys.argv[1], "rb").read()
if not data.endswith(b"\n") or data.count(b"\n") != 1:
    sys.exit("not exactly one line")
if not isinstance(json.loads(data), dict):
    sys.exit("not a JSON object")' "$1"
}
