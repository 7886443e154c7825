# shellcheck shell=bash
# Shared by the install tests. A script runs with `set -euo pipefail`, sources this
# file and calls `inst_begin NAME`: that makes $INST_DIR (a temporary directory,
# removed when the script exits 0 or 77, kept and named otherwise), a private HOME
# and an environment free of the caller's DARCY_* variables.

INST_DIR=

inst_log() { printf '%s\n' "$*" >&2; }
inst_step() { printf '== %s\n' "$*" >&2; }

inst_fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

inst_skip() {
  printf 'SKIP: %s\n' "$*" >&2
  exit 77
}

inst_begin() {
  INST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/darcy-install-$1.XXXXXX")
  chmod 0700 "$INST_DIR"
  trap inst_finish EXIT
  trap 'exit 130' INT TERM
  export HOME=$INST_DIR/home
  export XDG_CONFIG_HOME=$HOME/.config XDG_STATE_HOME=$HOME/.local/state
  mkdir -p "$HOME"
  local var
  for var in $(compgen -e); do
    [[ $var == DARCY_* ]] && unset "$var"
  done
  # An empty configuration file: only what a step sets applies.
  : >"$INST_DIR/empty.conf"
  export DARCY_CONFIG=$INST_DIR/empty.conf
}

inst_finish() {
  local rc=$?
  trap - EXIT
  if [[ -n $INST_DIR ]]; then
    if ((rc != 0 && rc != 77)); then
      inst_log "kept test directory: $INST_DIR"
    else
      rm -rf "$INST_DIR"
    fi
  fi
  exit "$rc"
}

# inst_need TOOL...: skips the test when a tool is missing.
inst_need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || inst_skip "$tool is missing"
  done
}

# inst_run CMD...: runs CMD with stdin from $INST_STDIN (a string, default empty);
# sets INST_RC, INST_OUT and INST_ERR. Never fails by itself.
INST_STDIN=
inst_run() {
  set +e
  printf '%s' "$INST_STDIN" | "$@" >"$INST_DIR/run.out" 2>"$INST_DIR/run.err"
  INST_RC=$?
  set -e
  INST_OUT=$(cat "$INST_DIR/run.out")
  INST_ERR=$(cat "$INST_DIR/run.err")
  INST_STDIN=
}

# inst_expect RC WHAT: the last inst_run exited RC.
inst_expect() {
  if ((INST_RC != $1)); then
    inst_log "  stdout: $INST_OUT"
    inst_log "  stderr: $(printf '%s' "$INST_ERR" | head -c 2000)"
    inst_fail "$2: exit status $INST_RC, expected $1"
  fi
}

# inst_same_lines WHAT EXPECTED_FILE ACTUAL_FILE: equal, or fail showing the diff.
inst_same_lines() {
  if ! diff -u "$2" "$3" >"$INST_DIR/diff.out"; then
    cat "$INST_DIR/diff.out" >&2
    inst_fail "$1 differs from what is expected (- expected, + actual)"
  fi
}

# inst_config_keys DOC: the keys of the table in docs/configuration.md, one a line.
inst_config_keys() {
  sed -n 's/^| `\([a-z][a-z0-9-]*\)` | .*/\1/p' "$1"
}

# inst_local_round_trip HELPER: store, get, list and erase through HELPER with a
# vault in $INST_DIR and no controller.
inst_local_round_trip() {
  local helper=$1 vault=$INST_DIR/vault-$RANDOM
  export DARCY_VAULT_DIR=$vault
  INST_STDIN='{"ServerURL":"registry.example.com:5000","Username":"ci","Secret":"pw-round-trip"}'
  inst_run "$helper" store
  inst_expect 0 "store"
  [[ -z $INST_OUT ]] || inst_fail "store printed: $INST_OUT"
  [[ $(stat -c %a "$vault") == 700 ]] || inst_fail "the vault directory is not 0700"
  if grep -qF pw-round-trip "$vault/vault.json"; then
    inst_fail "vault.json holds the secret in plain text"
  fi
  INST_STDIN=$'https://registry.example.com:5000/\n'
  inst_run "$helper" get
  inst_expect 0 "get"
  [[ $INST_OUT == '{"ServerURL":"https://registry.example.com:5000/","Username":"ci","Secret":"pw-round-trip"}' ]] ||
    inst_fail "get answered: $INST_OUT"
  inst_run "$helper" list
  inst_expect 0 "list"
  [[ $INST_OUT == '{"registry.example.com:5000":"ci"}' ]] || inst_fail "list answered: $INST_OUT"
  INST_STDIN=registry.example.com:5000
  inst_run "$helper" erase
  inst_expect 0 "erase"
  INST_STDIN=registry.example.com:5000
  inst_run "$helper" get
  inst_expect 1 "get after erase"
  [[ $INST_OUT == 'credentials not found in native keychain' ]] ||
    inst_fail "get after erase answered: $INST_OUT"
  unset DARCY_VAULT_DIR
}
