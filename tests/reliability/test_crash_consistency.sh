#!/usr/bin/env bash
# Crash consistency: `store`, `erase` and `darcy-fetch sync` (writing a list of 200 registries
# from the dev controller) are killed with SIGKILL at random points, and after every kill:
#   - the vault opens: `list` exits 0 with one JSON object whose keys are exactly the
#     entries of vault.json;
#   - vault.json parses strictly (one line, every field, mode 0600, never empty or torn) and
#     every sealed entry opens with node.key (vault_check.py, libsodium through ctypes);
#   - each entry holds the old or the new state: store - the key maps to the old or the new
#     secret; erase - present with the old secret, or absent; sync - all 200 controller
#     entries are the previous state or all are the controller's current one; `get` answers
#     exactly what vault.json holds;
#   - temporary files `.vault.json.tmp.*`: a killed writer may leave one (the rule: at most
#     one per killed writer, mode 0600, and never read), a writer that finished leaves none.
#     A decoy temporary file holding a different secret is planted: no answer may ever
#     come from it.
# A fourth series kills the first `store` into an empty vault directory (which creates the
# node key): the directory must stay usable (list exits 0, the next store and get work).
#
# Delays are drawn, with a fixed seed, from [0, 1.2 x the measured duration] of each command
# (2.5 x for a sync, whose duration varies most).
#
# Usage: test_crash_consistency.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rel_begin crash "$@"

SEED=${REL_SEED:-5417}
RANDOM=$SEED
STORE_TRIALS=70
ERASE_TRIALS=60
SYNC_TRIALS=50
FRESH_TRIALS=20
REGISTRIES=200
KEY=crash.example.com

it_start_controller
ADMIN=("$IT_PYTHON" "$REL_SRC_DIR/controller_admin.py" "$IT_CTL_URL" "$IT_DIR/ca.pem" "$IT_DIR/user.hdr")
CTL_PW=$IT_DIR/controller-passwords.json
"${ADMIN[@]}" create "$REGISTRIES" "$CTL_PW" || it_fail "cannot create $REGISTRIES registries"
# Entries never go stale during the test: a get answers from the vault with no network.
it_write_config ttl=100000000
VAULT=$IT_DIR/vault
it_init
it_run "$IT_FETCH" sync
it_expect_rc 0 "the first sync"

# --- helpers -------------------------------------------------------------------------------

# Secrets of this test are throwaway; a unique one per write makes every state recognisable.
next_secret() { printf 's%d-%s' "$1" "$(openssl rand -hex 6)"; }

store_json() { # store_json KEY SECRET FILE
  printf '{"ServerURL":"%s","Username":"crash","Secret":"%s"}\n' "$1" "$2" >"$3"
}

# measure INPUT CMD...: median wall time in microseconds of 5 runs, launched the way
# the killed runs are (background, then wait). Stdout: the duration.
measure() {
  local input=$1 t0 t1 i rc times=()
  shift
  for i in 1 2 3 4 5; do
    t0=$(rel_now_us)
    "$@" <"$input" >/dev/null 2>>"$IT_DIR/measure.err" &
    rc=0
    wait $! || rc=$?
    t1=$(rel_now_us)
    ((rc == 0)) || it_fail "measuring $*: exit status $rc"
    times+=($((t1 - t0)))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}

# run_killed MAX_US INPUT CMD...: starts CMD with INPUT on stdin, sends SIGKILL after a
# random delay in [0, MAX_US] microseconds. Sets KILLED (1 if the signal ended it, 0 if it
# had finished with exit 0) and DELAY_US. Any other ending fails the test.
run_killed() {
  local max_us=$1 input=$2 pid rc
  shift 2
  DELAY_US=$(((RANDOM * 32768 + RANDOM) % (max_us + 1)))
  "$@" <"$input" >"$IT_DIR/killed.out" 2>"$IT_DIR/killed.err" &
  pid=$!
  sleep "$(printf '%d.%06d' $((DELAY_US / 1000000)) $((DELAY_US % 1000000)))"
  kill -KILL "$pid" 2>/dev/null || true
  rc=0
  # (stderr of wait: bash's own "Killed" notice)
  { wait "$pid"; } 2>/dev/null || rc=$?
  case $rc in
    137) KILLED=1 ;;
    0) KILLED=0 ;;
    *)
      it_log "  stdout: $(head -c 500 "$IT_DIR/killed.out")"
      it_log "  stderr: $(head -c 500 "$IT_DIR/killed.err")"
      it_fail "$* exited $rc (not killed) after ${DELAY_US} us"
      ;;
  esac
}

# count_tmp: the writers' temporary files in the vault (the decoy excluded).
count_tmp() {
  find "$VAULT" -maxdepth 1 -name '.vault.json.tmp.*' ! -name '.vault.json.tmp.decoy*' | wc -l
}

# check_after WHAT EXPECT_FILE: list, then the vault checker with list's output; the
# checker's result is in $IT_DIR/check.out. Then the temporary-file rule.
check_after() {
  local what=$1 expect=$2 tmp
  it_run --stdin '' "$IT_HELPER" list
  it_expect_rc 0 "$what: list"
  rel_vault_check check "$VAULT" "$expect" "$IT_DIR/run.out"
  tmp=$(count_tmp)
  if ((tmp > TMP_BEFORE + KILLED)); then
    it_fail "$what: $((tmp - TMP_BEFORE)) new temporary files after one $( ((KILLED)) && echo killed || echo finished) writer"
  fi
  ((tmp > TMP_BEFORE)) && LEFT_TMP=$((LEFT_TMP + tmp - TMP_BEFORE))
  TMP_BEFORE=$tmp
}

# expect_get_secret HOST USER SECRET|"": get answers exactly SECRET, or not-found if empty.
expect_get_secret() {
  if [[ -z $3 ]]; then
    it_expect_not_found "$1"
  else
    it_expect_get "$1" "$2" <<<"$3"
  fi
}

observed_local() { it_json "$IT_DIR/check.out" "d['local'].get('$KEY') or ''"; }

# Outcome counters: killed before the change / killed after it / finished.
declare -A OUT=()
tally() { OUT[$1]=$((${OUT[$1]:-0} + 1)); }

# The decoy: a well-formed vault.json in a temporary file's name, with a secret no writer
# ever writes. Reading it by mistake would answer that secret.
DECOY_SECRET=decoy-$(openssl rand -hex 8)
store_json "$KEY" "$DECOY_SECRET" "$IT_DIR/decoy.json"
it_run --stdin "$(cat "$IT_DIR/decoy.json")" "$IT_HELPER" store
it_expect_rc 0 "store for the decoy"
cp -p "$VAULT/vault.json" "$VAULT/.vault.json.tmp.decoy0000000000"
# The key now holds a first real secret.
CUR=$(next_secret 0)
store_json "$KEY" "$CUR" "$IT_DIR/store.json"
it_run --stdin "$(cat "$IT_DIR/store.json")" "$IT_HELPER" store
it_expect_rc 0 "first store"
TMP_BEFORE=$(count_tmp)
LEFT_TMP=0
KILLS=0

# --- store ---------------------------------------------------------------------------------
store_json "$KEY" "$(next_secret 1)" "$IT_DIR/store.json"
STORE_US=$(measure "$IT_DIR/store.json" "$IT_HELPER" store)
# The measuring runs changed the secret: read it back.
it_run --stdin '' "$IT_HELPER" list
printf '{"never":["%s"]}\n' "$DECOY_SECRET" >"$IT_DIR/expect.json"
rel_vault_check check "$VAULT" "$IT_DIR/expect.json" "$IT_DIR/run.out"
CUR=$(observed_local)
it_step "[${SECONDS}s] store: $STORE_TRIALS trials, delays in [0, $((STORE_US * 12 / 10))] us (median run ${STORE_US} us)"
for ((t = 1; t <= STORE_TRIALS; t++)); do
  NEW=$(next_secret "$t")
  store_json "$KEY" "$NEW" "$IT_DIR/store.json"
  printf '{"local":{"%s":["%s","%s"]},"never":["%s"]}\n' "$KEY" "$CUR" "$NEW" "$DECOY_SECRET" \
    >"$IT_DIR/expect.json"
  run_killed $((STORE_US * 12 / 10)) "$IT_DIR/store.json" "$IT_HELPER" store
  KILLS=$((KILLS + KILLED))
  check_after "store trial $t (delay ${DELAY_US} us)" "$IT_DIR/expect.json"
  GOT=$(observed_local)
  expect_get_secret "$KEY" crash "$GOT"
  if ((!KILLED)); then
    [[ $GOT == "$NEW" ]] || it_fail "store trial $t: the store finished but the old secret is there"
    tally store-finished
  elif [[ $GOT == "$NEW" ]]; then
    tally store-killed-new
  else
    tally store-killed-old
  fi
  CUR=$GOT
done

# --- erase ---------------------------------------------------------------------------------
printf '%s' "$KEY" >"$IT_DIR/erase.in"
ERASE_US=0
for i in 1 2 3; do
  store_json "$KEY" "$(next_secret 0)" "$IT_DIR/store.json"
  it_run --stdin "$(cat "$IT_DIR/store.json")" "$IT_HELPER" store
  it_expect_rc 0 "store before measuring erase"
  us=$(measure "$IT_DIR/erase.in" bash -c '"$1" erase || [[ $? == 1 ]]' _ "$IT_HELPER")
  ((us > ERASE_US)) && ERASE_US=$us
done
it_step "[${SECONDS}s] erase: $ERASE_TRIALS trials, delays in [0, $((ERASE_US * 12 / 10))] us (run about ${ERASE_US} us)"
for ((t = 1; t <= ERASE_TRIALS; t++)); do
  CUR=$(next_secret "$t")
  store_json "$KEY" "$CUR" "$IT_DIR/store.json"
  it_run --stdin "$(cat "$IT_DIR/store.json")" "$IT_HELPER" store
  it_expect_rc 0 "erase trial $t: the store before it"
  TMP_BEFORE=$(count_tmp)
  printf '{"local":{"%s":["%s",null]},"never":["%s"]}\n' "$KEY" "$CUR" "$DECOY_SECRET" \
    >"$IT_DIR/expect.json"
  run_killed $((ERASE_US * 12 / 10)) "$IT_DIR/erase.in" "$IT_HELPER" erase
  KILLS=$((KILLS + KILLED))
  check_after "erase trial $t (delay ${DELAY_US} us)" "$IT_DIR/expect.json"
  GOT=$(observed_local)
  expect_get_secret "$KEY" crash "$GOT"
  if ((!KILLED)); then
    [[ -z $GOT ]] || it_fail "erase trial $t: the erase finished but the entry is there"
    tally erase-finished
  elif [[ -z $GOT ]]; then
    tally erase-killed-absent
  else
    tally erase-killed-present
  fi
done

# --- darcy-fetch sync ----------------------------------------------------------------------
# Each trial first gives one registry a new password on the controller, so every sync
# rewrites the list; the vault must then hold the previous state or the new one, whole.
state_map() { # state_map FILE_WITH_CHECK_RESULT: the controller map of ids 3.. as JSON
  it_json "$1" '{k: v for k, v in d["controller"].items()}'
}
rotate() { "${ADMIN[@]}" rotate "$1" "$CTL_PW" || it_fail "cannot rotate registry $1"; }
rotate 3
SYNC_US=0
for i in 1 2 3; do
  us=$(measure /dev/null "$IT_FETCH" sync)
  ((us > SYNC_US)) && SYNC_US=$us
  rotate $((3 + i))
done
it_run "$IT_FETCH" sync
it_expect_rc 0 "sync after measuring"
printf '{"never":["%s"]}\n' "$DECOY_SECRET" >"$IT_DIR/expect.json"
it_run --stdin '' "$IT_HELPER" list
rel_vault_check check "$VAULT" "$IT_DIR/expect.json" "$IT_DIR/run.out"
cp "$IT_DIR/check.out" "$IT_DIR/sync-before.json"
[[ $(it_json "$IT_DIR/check.out" 'len(d["controller"])') == $((REGISTRIES + 2)) ]] ||
  it_fail "the vault does not hold the $REGISTRIES registries and the two seeded ones"
TMP_BEFORE=$(count_tmp)
# A sync's duration varies most (TLS, 200 rows, a loaded machine): its delays reach
# further past the measured run so that some trials still finish.
SYNC_WINDOW=$((SYNC_US * 25 / 10))
it_step "[${SECONDS}s] darcy-fetch sync: $SYNC_TRIALS trials, delays in [0, $SYNC_WINDOW] us (run about ${SYNC_US} us)"
for ((t = 1; t <= SYNC_TRIALS; t++)); do
  ID=$((3 + RANDOM % REGISTRIES))
  rotate "$ID"
  # The two states: what the vault held, and the controller's list now (the seeded public
  # registries 1 and 2 have no secret).
  "$IT_PYTHON" - "$IT_DIR/sync-before.json" "$CTL_PW" "$DECOY_SECRET" >"$IT_DIR/expect.json" <<'PY'
import json, sys
before = json.load(open(sys.argv[1]))["controller"]
now = json.load(open(sys.argv[2]))
now.update({"1": None, "2": None})
print(json.dumps({"controller": [before, now], "never": [sys.argv[3]]}))
PY
  run_killed "$SYNC_WINDOW" /dev/null "$IT_FETCH" sync
  KILLS=$((KILLS + KILLED))
  check_after "sync trial $t (delay ${DELAY_US} us)" "$IT_DIR/expect.json"
  STATE=$(it_json "$IT_DIR/check.out" 'd["state"]')
  if ((!KILLED)); then
    [[ $STATE == 1 ]] || it_fail "sync trial $t: the sync finished but the vault holds the old list"
    tally sync-finished
  elif [[ $STATE == 1 ]]; then
    tally sync-killed-new
  else
    tally sync-killed-old
  fi
  # get answers what vault.json holds: the rotated registry and one more.
  for id in "$ID" $((3 + RANDOM % REGISTRIES)); do
    expect_get_secret "r$((id - 2)).example.com" "u$((id - 2))" \
      "$(it_json "$IT_DIR/check.out" "d['controller']['$id']")"
  done
  cp "$IT_DIR/check.out" "$IT_DIR/sync-before.json"
done

# --- the first store into an empty vault directory ----------------------------------------
it_step "[${SECONDS}s] first store into an empty vault: $FRESH_TRIALS trials"
FRESH_US=0
for i in 1 2 3; do
  rm -rf "$IT_DIR/fresh"
  it_write_config vault-dir="$IT_DIR/fresh" ttl=100000000
  store_json "$KEY" "$(next_secret 0)" "$IT_DIR/store.json"
  us=$(measure "$IT_DIR/store.json" bash -c 'rm -rf "$1"; "$2" store' _ "$IT_DIR/fresh" "$IT_HELPER")
  ((us > FRESH_US)) && FRESH_US=$us
done
FRESH_LEFT=0
for ((t = 1; t <= FRESH_TRIALS; t++)); do
  rm -rf "$IT_DIR/fresh"
  NEW=$(next_secret "$t")
  store_json "$KEY" "$NEW" "$IT_DIR/store.json"
  run_killed $((FRESH_US * 12 / 10)) "$IT_DIR/store.json" "$IT_HELPER" store
  KILLS=$((KILLS + KILLED))
  it_run --stdin '' "$IT_HELPER" list
  it_expect_rc 0 "fresh trial $t (delay ${DELAY_US} us): list"
  rel_json_object_line "$IT_DIR/run.out" || it_fail "fresh trial $t: list is not one JSON object"
  if [[ -d $IT_DIR/fresh ]]; then
    n=$(find "$IT_DIR/fresh" -maxdepth 1 -name '.*.tmp.*' | wc -l)
    ((n <= KILLED)) || it_fail "fresh trial $t: $n temporary files after one writer"
    FRESH_LEFT=$((FRESH_LEFT + n))
  fi
  it_helper_get "$KEY"
  if ((IT_RC == 0)); then
    it_expect_get "$KEY" crash <<<"$NEW"
    tally fresh-stored
  else
    it_expect_not_found "$KEY"
    ((KILLED)) || it_fail "fresh trial $t: the store finished but get finds nothing"
    tally fresh-nothing
  fi
  # Whatever the kill left, the next store and get work.
  NEW=$(next_secret "$t")
  store_json "$KEY" "$NEW" "$IT_DIR/store.json"
  it_run --stdin "$(cat "$IT_DIR/store.json")" "$IT_HELPER" store
  it_expect_rc 0 "fresh trial $t: store after the kill"
  it_expect_get "$KEY" crash <<<"$NEW"
  printf '{"local":{"%s":["%s"]}}\n' "$KEY" "$NEW" >"$IT_DIR/expect.json"
  rel_vault_check check "$IT_DIR/fresh" "$IT_DIR/expect.json"
done

TOTAL=$((STORE_TRIALS + ERASE_TRIALS + SYNC_TRIALS + FRESH_TRIALS))
summary=""
for k in $(printf '%s\n' "${!OUT[@]}" | sort); do summary+=" $k=${OUT[$k]}"; done
it_log "trials: $TOTAL (seed $SEED), killed: $KILLS, outcomes:$summary"
it_log "temporary files left by killed writers: $LEFT_TMP in the vault ($(count_tmp) there now), $FRESH_LEFT in fresh vaults"
# Each command must have been killed before its change and also have finished, or the
# delays did not cover its run.
for k in store-killed-old store-finished erase-killed-present erase-finished sync-killed-old \
  sync-finished; do
  ((${OUT[$k]:-0} > 0)) || it_fail "no trial ended as $k: the kill points do not cover the run"
done
it_log "PASS"
