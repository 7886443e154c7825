#!/usr/bin/env bash
# Unsafe vault permissions through the real binary: a vault directory with group or world
# bits (0750, 0705, 0777), node.key 0640 or 0644, vault.json 0644, each of them owned by
# another user, and a symbolic link in place of vault.json, node.key or the vault directory.
# For each, every protocol action (get of the stored host, get of an unknown host, store,
# erase, list) must refuse: exit 1, one line on stdout naming the path and the fix
# (chmod / chown / replace), never the not-found text - and the vault files (and a link's
# target) are byte-identical afterwards, with the same modes and owners.
#
# Every case is run and every fault listed before the test fails.
#
# Usage: test_permissions.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rel_begin permissions "$@"
if [[ $(id -u) != 0 ]] || ! id nobody >/dev/null 2>&1; then
  it_log "SKIP: needs root (to chown files to nobody) and the user nobody"
  exit 77
fi
NOBODY=$(id -u nobody)

VAULT=$IT_DIR/vault
TEMPLATE=$IT_DIR/template
ELSEWHERE=$IT_DIR/elsewhere
SECRET=$(it_random_secret)
it_write_config controller-url= token-file= ca-file= vault-dir="$TEMPLATE"
it_run --stdin "{\"ServerURL\":\"known.example.com\",\"Username\":\"me\",\"Secret\":\"$SECRET\"}" \
  "$IT_HELPER" store
it_expect_rc 0 "store into the template vault"
it_expect_get known.example.com me <<<"$SECRET"

FAULTS=()
fault() {
  FAULTS+=("$1")
  it_log "FAULT: $1"
}

# fresh: $VAULT becomes a copy of the template; $ELSEWHERE holds copies for links.
fresh() {
  rm -rf "$VAULT" "$ELSEWHERE" "$IT_DIR/vault-link"
  cp -a "$TEMPLATE" "$VAULT"
  mkdir -m 0700 "$ELSEWHERE"
  cp -a "$TEMPLATE/vault.json" "$TEMPLATE/node.key" "$ELSEWHERE/"
  it_write_config controller-url= token-file= ca-file= vault-dir="$VAULT"
}

# The breakages: each prints the path the message must name and the fix word.
break_dir_mode() { chmod "$1" "$VAULT"; printf '%s\nchmod 700 %s\n' "$VAULT" "$VAULT"; }
break_file_mode() { chmod "$2" "$VAULT/$1"; printf '%s\nchmod 600 %s\n' "$VAULT/$1" "$VAULT/$1"; }
break_owner() {
  chown "$NOBODY" "$VAULT/$1"
  printf '%s\nchown %s %s\n' "$VAULT/$1" "$(id -u)" "$VAULT/$1"
}
break_dir_owner() { chown "$NOBODY" "$VAULT"; printf '%s\nchown %s %s\n' "$VAULT" "$(id -u)" "$VAULT"; }
break_file_link() {
  rm "$VAULT/$1"
  ln -s "$ELSEWHERE/$1" "$VAULT/$1"
  printf '%s\nreplace\n' "$VAULT/$1"
}
break_dir_link() {
  ln -s "$VAULT" "$IT_DIR/vault-link"
  it_write_config controller-url= token-file= ca-file= vault-dir="$IT_DIR/vault-link"
  printf '%s\nreplace\n' "$IT_DIR/vault-link"
}

CASES=(
  "vault directory 0750|break_dir_mode 0750"
  "vault directory 0705|break_dir_mode 0705"
  "vault directory 0777|break_dir_mode 0777"
  "node.key 0640|break_file_mode node.key 0640"
  "node.key 0644|break_file_mode node.key 0644"
  "vault.json 0644|break_file_mode vault.json 0644"
  "vault directory owned by nobody|break_dir_owner"
  "node.key owned by nobody|break_owner node.key"
  "vault.json owned by nobody|break_owner vault.json"
  "vault.json a symbolic link|break_file_link vault.json"
  "node.key a symbolic link|break_file_link node.key"
  "vault directory a symbolic link|break_dir_link"
)
ACTIONS=(
  "get known|get|known.example.com"
  "get unknown|get|unknown.example.com"
  "store|store|{\"ServerURL\":\"new.example.com\",\"Username\":\"me\",\"Secret\":\"$SECRET-new\"}"
  "erase|erase|known.example.com"
  "list|list|unused"
)

RUNS=0
for c in "${CASES[@]}"; do
  name=${c%%|*}
  it_step "$name"
  for a in "${ACTIONS[@]}"; do
    IFS='|' read -r label action input <<<"$a"
    what="$name: $label"
    fresh
    mapfile -t expect < <(eval "${c#*|}")
    rel_snapshot "$VAULT" >"$IT_DIR/before.vault"
    rel_snapshot "$ELSEWHERE" >"$IT_DIR/before.elsewhere"
    it_run --stdin "$input" "$IT_HELPER" "$action"
    RUNS=$((RUNS + 1))
    if ((IT_RC != 1)); then
      fault "$what: exit status $IT_RC, stdout: $IT_OUT"
    elif [[ $(wc -l <"$IT_DIR/run.out") != 1 ]]; then
      fault "$what: not one line on stdout: $IT_OUT"
    elif [[ $IT_OUT == *"$IT_NOT_FOUND"* ]]; then
      fault "$what: answered the not-found text"
    elif [[ $IT_OUT != *"${expect[0]}"* ]]; then
      fault "$what: the message does not name ${expect[0]}: $IT_OUT"
    elif [[ ${IT_OUT,,} != *"${expect[1],,}"* ]]; then
      fault "$what: the message does not give the fix '${expect[1]}': $IT_OUT"
    fi
    rel_snapshot "$VAULT" >"$IT_DIR/after.vault"
    rel_snapshot "$ELSEWHERE" >"$IT_DIR/after.elsewhere"
    if ! cmp -s "$IT_DIR/before.vault" "$IT_DIR/after.vault" ||
      ! cmp -s "$IT_DIR/before.elsewhere" "$IT_DIR/after.elsewhere"; then
      fault "$what: the vault files changed: $(diff "$IT_DIR/before.vault" "$IT_DIR/after.vault" |
        grep '^[<>]' | cut -c1-120 | tr '\n' ' ')"
    fi
  done
done

it_log "cases: ${#CASES[@]}, actions: ${#ACTIONS[@]}, runs: $RUNS, faults: ${#FAULTS[@]}"
((${#FAULTS[@]} == 0)) || it_fail "${#FAULTS[@]} of $RUNS runs did not refuse cleanly (FAULT lines above)"
it_log "PASS"
