#!/usr/bin/env bash
# Concurrency stress: 32 processes run a random mix of store, get, erase and list on one
# vault (local entries, no controller) for a bounded time, then everything is replayed
# serially and compared.
#
# Keys and what is checked:
#   - own keys: worker W alone writes w<W>-k<0..2>.example.com, so each key's history is
#     the worker's own sequence of operations. Every get, erase and list of an own key must
#     answer exactly what that sequence says at that point (the secret last stored, or
#     not-found after an erase), while 31 other processes write the same vault.json.
#   - shared keys: shared-<0..1>.example.com are written by every worker. A write (store of
#     a unique value, or erase) takes a test lock, draws the next sequence number, runs the
#     helper and logs "seq op key value". Gets of shared keys run unlocked and must answer
#     a value that was stored to that key (or not-found). Replaying the log in sequence order
#     must agree with every logged answer (an erase found the key exactly when the replay
#     holds it).
#   - the end: every key's final state (get, list and vault.json opened by vault_check.py)
#     equals the serial replay: no lost update.
#   - no error but not-found: any other stdout line, any exit status but 0/1, any stderr
#     fails the test; every helper run has a 30 s limit (a hang is a deadlock) and the
#     whole run a hard one.
#
# Usage: test_concurrency.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rel_begin concurrency "$@"
command -v timeout >/dev/null || { it_log "SKIP: timeout is missing"; exit 77; }

WORKERS=32
SECONDS_BUDGET=20
MAX_OPS=400
OP_LIMIT=30
SEED=${REL_SEED:-8117}
OWN_KEYS=3
SHARED_KEYS=2
VAULT=$IT_DIR/vault
it_write_config controller-url= token-file= ca-file=
it_init

W=$IT_DIR/work
mkdir -p "$W"
: >"$W/seq"
printf '0\n' >"$W/seq"

# helper ACTION INPUT: runs the helper with a time limit; sets RC, OUT, ERR.
helper() {
  RC=0
  printf '%s' "$2" >"$WD/in"
  timeout -s KILL "$OP_LIMIT" "$IT_HELPER" "$1" <"$WD/in" >"$WD/out" 2>"$WD/err" || RC=$?
  OUT='' ERR=''
  IFS= read -r -d '' OUT <"$WD/out" || true # no fork per read
  OUT=${OUT%$'\n'}
  [[ -s $WD/err ]] && IFS= read -r -d '' ERR <"$WD/err"
  return 0
}

# problem TEXT: records a fault of worker $w (the run goes on; the test fails at the end).
problem() { printf 'worker %d op %d: %s\n' "$w" "$op" "$*" >>"$WD/problems"; }

# expect_clean: the last run exited 0 or 1 (no hang, no crash) and wrote nothing to stderr.
expect_clean() {
  if ((RC == 137)); then problem "$1: killed after ${OP_LIMIT} s (deadlock?)"; return 1; fi
  if ((RC != 0 && RC != 1)); then problem "$1: exit status $RC, stdout: $OUT, stderr: ${ERR:0:300}"; return 1; fi
  if [[ -n $ERR ]]; then problem "$1: stderr: ${ERR:0:300}"; return 1; fi
  return 0
}

expect_ok_empty() {
  expect_clean "$1" || return 0
  ((RC == 0)) && [[ -z $OUT ]] || problem "$1: exit $RC, stdout: $OUT"
}

expect_not_found() {
  expect_clean "$1" || return 0
  ((RC == 1)) && [[ $OUT == "$IT_NOT_FOUND" ]] || problem "$1: expected not-found, got exit $RC: $OUT"
}

# creds KEY USER SECRET: sets CREDS to the JSON get answers (and store takes).
creds() { printf -v CREDS '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$1" "$2" "$3"; }

# shared_write OP KEY: under the test lock, the next sequence number, the write, the log.
shared_write() {
  local kind=$1 key=$2 seq value
  exec {lock}>"$W/shared.lock"
  flock "$lock"
  seq=$(($(cat "$W/seq") + 1))
  printf '%d\n' "$seq" >"$W/seq"
  if [[ $kind == store ]]; then
    value=v$seq-w$w
    creds "$key" shared "$value"
    helper store "$CREDS"
    expect_ok_empty "store $key"
    ((RC == 0)) && printf '%d store %s %s\n' "$seq" "$key" "$value" >>"$W/shared.log"
  else
    helper erase "$key"
    if expect_clean "erase $key"; then
      if ((RC == 0)) && [[ -z $OUT ]]; then
        printf '%d erase %s -\n' "$seq" "$key" >>"$W/shared.log"
      elif [[ $OUT == "$IT_NOT_FOUND" ]]; then
        printf '%d erase-not-found %s -\n' "$seq" "$key" >>"$W/shared.log"
      else
        problem "erase $key: exit $RC: $OUT"
      fi
    fi
  fi
  exec {lock}>&-
}

worker() {
  w=$1
  WD=$W/w$w
  mkdir -p "$WD"
  : >"$WD/problems"
  RANDOM=$((SEED + w))
  local -a own=()
  local deadline=$((SECONDS + SECONDS_BUDGET)) r k key value got lists=0
  for ((k = 0; k < OWN_KEYS; k++)); do own[k]=; done
  for ((op = 1; op <= MAX_OPS && SECONDS < deadline; op++)); do
    r=$((RANDOM % 100))
    k=$((RANDOM % OWN_KEYS))
    key=w$w-k$k.example.com
    if ((r < 28)); then
      value=w$w-k$k-op$op
      creds "$key" "w$w" "$value"
      helper store "$CREDS"
      expect_ok_empty "store $key"
      ((RC == 0)) && own[k]=$value
    elif ((r < 52)); then
      helper get "$key"
      if [[ -n ${own[k]} ]]; then
        creds "$key" "w$w" "${own[k]}"
        expect_clean "get $key" &&
          { [[ $RC == 0 && $OUT == "$CREDS" ]] ||
            problem "get $key: expected ${own[k]}, got exit $RC: $OUT"; }
      else
        expect_not_found "get $key (erased or never stored)"
      fi
    elif ((r < 62)); then
      helper erase "$key"
      if [[ -n ${own[k]} ]]; then
        expect_ok_empty "erase $key"
        ((RC == 0)) && own[k]=
      else
        expect_not_found "erase $key (absent)"
      fi
    elif ((r < 72)); then
      helper list unused
      if expect_clean list; then
        if ((RC != 0)); then
          problem "list: exit $RC: $OUT"
        else
          lists=$((lists + 1))
          cp "$WD/out" "$WD/list.$lists"
          for ((k = 0; k < OWN_KEYS; k++)); do
            key=w$w-k$k.example.com
            if [[ -n ${own[k]} ]]; then
              [[ $OUT == *"\"$key\":\"w$w\""* ]] || problem "list lacks $key"
            elif [[ $OUT == *"\"$key\""* ]]; then
              problem "list shows the absent $key"
            fi
          done
        fi
      fi
    elif ((r < 84)); then
      key=shared-$((RANDOM % SHARED_KEYS)).example.com
      helper get "$key"
      if expect_clean "get $key"; then
        if ((RC == 1)); then
          [[ $OUT == "$IT_NOT_FOUND" ]] || problem "get $key: $OUT"
        else
          got=${OUT#"{\"ServerURL\":\"$key\",\"Username\":\"shared\",\"Secret\":\""}
          got=${got%'"}'}
          creds "$key" shared "$got"
          [[ $OUT == "$CREDS" ]] || problem "get $key: malformed answer: $OUT"
          printf '%s %s\n' "$key" "$got" >>"$WD/shared.seen"
        fi
      fi
    elif ((r < 95)); then
      shared_write store "shared-$((RANDOM % SHARED_KEYS)).example.com"
    else
      shared_write erase "shared-$((RANDOM % SHARED_KEYS)).example.com"
    fi
  done
  printf '%d\n' $((op - 1)) >"$WD/ops"
  for ((k = 0; k < OWN_KEYS; k++)); do
    printf 'w%d-k%d.example.com %s\n' "$w" "$k" "${own[k]:--}" >>"$WD/final"
  done
}

it_step "$WORKERS workers, at most $SECONDS_BUDGET s or $MAX_OPS operations each"
START=$SECONDS
pids=()
for ((w = 0; w < WORKERS; w++)); do
  worker "$w" &
  pids+=("$!")
  it_track_pid "$!"
done
# The hard limit: every worker must be done well after its budget.
HARD=$((SECONDS_BUDGET + 2 * OP_LIMIT + 10))
for pid in "${pids[@]}"; do
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS - START < HARD)) || it_fail "workers still running after $HARD s: deadlock"
    sleep 0.2
  done
  wait "$pid" || it_fail "a worker failed (exit $?)"
done
ELAPSED=$((SECONDS - START))

OPS=0
for ((w = 0; w < WORKERS; w++)); do
  [[ -s $W/w$w/ops ]] || it_fail "worker $w did not finish"
  OPS=$((OPS + $(cat "$W/w$w/ops")))
done
cat "$W"/w*/problems >"$W/problems"
if [[ -s $W/problems ]]; then
  head -n 30 "$W/problems" >&2
  it_fail "$(wc -l <"$W/problems") faults during the run (first ones above)"
fi

it_step "serial replay and the final state"
: >"$W/shared.seen"
cat "$W"/w*/shared.seen >"$W/shared.seen" 2>/dev/null || true
cat "$W"/w*/final >"$W/own.final"
it_run --stdin unused "$IT_HELPER" list
it_expect_rc 0 "final list"
cp "$IT_DIR/run.out" "$W/list.final"
"$IT_PYTHON" - "$W" "$SHARED_KEYS" >"$W/expected.json" <<'PY' || it_fail "the replay disagrees with the run"
import glob, json, os, sys
w, shared_keys = sys.argv[1], int(sys.argv[2])
fail = lambda m: sys.exit("replay: " + m)
log = [l.split() for l in open(os.path.join(w, "shared.log"))]
log.sort(key=lambda f: int(f[0]))
seqs = [int(f[0]) for f in log]
if seqs != list(range(1, len(seqs) + 1)):
    fail("the shared writes' sequence numbers are not 1..%d" % len(seqs))
state, written = {}, {}
for seq, op, key, value in log:
    if op == "store":
        state[key] = value
        written.setdefault(key, set()).add(value)
    elif op == "erase":
        if key not in state:
            fail("write %s: erase of %s succeeded, but the replay holds nothing for it" % (seq, key))
        del state[key]
    elif op == "erase-not-found":
        if key in state:
            fail("write %s: erase of %s answered not-found, but the replay holds %s (lost update)" %
                 (seq, key, state[key]))
seen = 0
for line in open(os.path.join(w, "shared.seen")):
    key, value = line.split()
    seen += 1
    if value not in written.get(key, ()):
        fail("a get of %s answered %r, never stored to it" % (key, value))
expected = {k: v for k, v in state.items()}
for line in open(os.path.join(w, "own.final")):
    key, value = line.split()
    if value != "-":
        expected[key] = value
# Every list taken during the run is one JSON object line.
lists = glob.glob(os.path.join(w, "w*", "list.*"))
for path in lists:
    data = open(path, "rb").read()
    if data.count(b"\n") != 1 or not isinstance(json.loads(data), dict):
        fail("%s is not one JSON object line" % path)
final = json.loads(open(os.path.join(w, "list.final"), "rb").read())
users = {k: ("shared" if k.startswith("shared-") else k.split("-")[0]) for k in expected}
if final != users:
    fail("the final list %s differs from the replay %s" %
         (sorted(set(final) ^ set(users))[:5], len(users)))
sys.stderr.write("shared writes: %d, shared gets checked: %d, lists checked: %d\n" %
                 (len(log), seen, len(lists)))
json.dump({"local": {k: [v] for k, v in expected.items()}}, sys.stdout)
PY
# vault.json itself, opened independently: exactly the replay's entries.
rel_vault_check check "$VAULT" "$W/expected.json" "$W/list.final"
"$IT_PYTHON" -c 'import json, sys
got = json.load(open(sys.argv[1]))["local"]
want = {k: v[0] for k, v in json.load(open(sys.argv[2]))["local"].items()}
sys.exit(0 if got == want else "vault.json holds %d local entries, the replay %d" % (len(got), len(want)))' \
  "$IT_DIR/check.out" "$W/expected.json" || it_fail "vault.json differs from the replay"
# And get answers each key's final state.
n=0
while read -r key value; do
  user=${key%%-*}
  [[ $key == shared-* ]] && user=shared
  it_expect_get "$key" "$user" <<<"$value"
  n=$((n + 1))
done < <(it_json "$W/expected.json" '"\n".join(k + " " + v[0] for k, v in sorted(d["local"].items()))')
for ((w = 0; w < WORKERS; w++)); do
  while read -r key value; do
    [[ $value == - ]] && it_expect_not_found "$key"
  done <"$W/w$w/final"
done
it_log "operations: $OPS by $WORKERS processes in ${ELAPSED} s; final entries checked: $n; faults: 0"
it_log "PASS"
