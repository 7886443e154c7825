#!/usr/bin/env bash
# Secrets stay where they must: every protocol action and operator command runs with a
# recognisable registry password (on the controller, in plain and in sealed mode), a
# recognisable password stored by hand, and a recognisable agent token. Each secret may
# appear only on the stdout of a `get` that answers it. It must not appear:
#   - on any stderr, or on the stdout of any other command;
#   - in any file under the vault directory, the temporary directory the commands run with
#     (TMPDIR), the log file, Docker's config directory - as is or base64-encoded;
#   - in the controller's log;
#   - in /proc/PID/cmdline or /proc/PID/environ of any process, sampled all along by a
#     sampler proven able to see by a canary process it must catch in both.
# And the helper cannot be inspected: a helper blocked in `get` (stdin held open by a fifo)
# has "Max core file size 0" in /proc/PID/limits, and, run as the user nobody, its
# /proc/PID/environ cannot be read by another process of the same user while that of an
# ordinary process of that user can (the process is not dumpable).
#
# Usage: test_secrets.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rel_begin secrets "$@"

# A recognisable agent token: the controller takes the token file it finds.
(umask 077 && printf 'tok-SECRET-%s\n' "$(openssl rand -hex 16)" >"$IT_DIR/agent.token")
it_start_controller
TOKEN=$(tr -d '[:space:]' <"$IT_DIR/agent.token")
[[ $TOKEN == tok-SECRET-* ]] || it_fail "the controller did not take the prepared token"
PW=pw-SECRET-$(openssl rand -hex 12)
PW_NEW=pw-SECRET-$(openssl rand -hex 12)
PW_LOCAL=pw-SECRET-$(openssl rand -hex 12)
ID=$(it_create_registry gcr.io _json_key <<<"$PW")

export TMPDIR=$IT_DIR/tmp DOCKER_CONFIG=$IT_DIR/docker
mkdir -m 0700 "$TMPDIR" "$DOCKER_CONFIG"
LOG=$IT_DIR/logs/darcy.log
mkdir -m 0700 "$IT_DIR/logs"
it_write_config ttl=1 log-level=debug log-file="$LOG"

# --- the process-table sampler -------------------------------------------------------------
CANARY=canary-$(openssl rand -hex 8)
(umask 077 && printf '%s\n' "$TOKEN" "$PW" "$PW_NEW" "$PW_LOCAL" >"$IT_DIR/needles")
cat >"$IT_DIR/sampler.py" <<'EOF'
import os, sys, time
d, canary = sys.argv[1], sys.argv[2].encode()
needles = [n for n in open(os.path.join(d, "needles"), "rb").read().split(b"\n") if n]
hits, seen, ours, scans = set(), set(), set(), 0
while not os.path.exists(os.path.join(d, "sampler.stop")):
    scans += 1
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        for part in ("cmdline", "environ"):
            try:
                with open("/proc/%s/%s" % (pid, part), "rb") as f:
                    data = f.read()
            except OSError:
                continue
            for i, n in enumerate(needles):
                if n in data:
                    try:
                        cmd = open("/proc/%s/cmdline" % pid, "rb").read()
                    except OSError:
                        cmd = b"?"
                    for m in needles:
                        cmd = cmd.replace(m, b"<SECRET>")
                    hits.add("%s of pid %s holds secret #%d (command: %s)" % (
                        part, pid, i, cmd.replace(b"\0", b" ").decode(errors="replace")[:200]))
            if canary in data:
                seen.add(part)
            if part == "cmdline" and (b"docker-credential-darcy" in data or b"darcy-fetch" in data):
                ours.add(pid)
    if scans == 1:
        open(os.path.join(d, "sampler.ready"), "w").close()
    time.sleep(0.001)
with open(os.path.join(d, "sampler.out"), "w") as out:
    out.write("scans %d\ncanary %s\nprocesses %d\n" % (scans, ",".join(sorted(seen)), len(ours)))
    for h in sorted(hits):
        out.write("hit " + h + "\n")
EOF
"$IT_PYTHON" "$IT_DIR/sampler.py" "$IT_DIR" "$CANARY" &
SAMPLER=$!
it_track_pid "$SAMPLER"
for ((i = 0; i < 100; i++)); do
  [[ -e $IT_DIR/sampler.ready ]] && break
  sleep 0.05
done
[[ -e $IT_DIR/sampler.ready ]] || it_fail "the process-table sampler did not start"
CANARY_ENV=$CANARY bash -c 'sleep 0.5; :' "$CANARY" &
CANARY_PID=$!

# --- every command -------------------------------------------------------------------------
OUTPUTS=$IT_DIR/outputs.txt # stdout of everything but the gets that answer a secret
: >"$OUTPUTS"
RUNS=0
run() { # run [--stdin TEXT] CMD...: a command whose stdout must hold no secret
  it_run "$@"
  RUNS=$((RUNS + 1))
  printf '%s\n' "$IT_OUT" >>"$OUTPUTS"
}
run_ok() {
  run "$@"
  it_expect_rc 0 "${*: -2}"
}
get_ok() { # get_ok HOST USER SECRET: the one place a secret may be printed
  it_expect_get "$1" "$2" <<<"$3"
  RUNS=$((RUNS + 1))
  [[ $IT_OUT == *"$3"* ]] || it_fail "the needle is not in get's answer" # no grep: argv
}

it_step "plain mode: the controller sends the password in clear"
run_ok "$IT_HELPER" --help
run_ok "$IT_HELPER" version
run_ok "$IT_HELPER" init
run_ok "$IT_HELPER" init --help
run_ok "$IT_HELPER" sync
run_ok "$IT_HELPER" registries
run_ok "$IT_HELPER" registries --json
run_ok "$IT_HELPER" configure-docker
run_ok --stdin unused "$IT_HELPER" list
get_ok gcr.io _json_key "$PW"
sleep 1.1 # ttl = 1: the next get refreshes by registry ID through darcy-fetch
get_ok gcr.io _json_key "$PW"
run_ok "$IT_FETCH" sync
run_ok "$IT_FETCH" registry "$ID"
run_ok "$IT_FETCH" --help
if "$IT_HELPER" --help | grep -qw doctor; then
  run "$IT_HELPER" doctor
  run "$IT_HELPER" doctor --json
fi

it_step "sealed mode: enroll, then the controller seals to the node"
run_ok "$IT_HELPER" enroll
run_ok "$IT_FETCH" enroll
it_patch_registry "$ID" password <<<"$PW_NEW"
run_ok "$IT_HELPER" sync
get_ok gcr.io _json_key "$PW_NEW"
run_ok --stdin gcr.io "$IT_HELPER" erase # drops the cached copy
get_ok gcr.io _json_key "$PW_NEW"         # fetched again by ID
run_ok "$IT_FETCH" sync
run_ok "$IT_FETCH" registry "$ID"
run_ok "$IT_HELPER" registries --json

it_step "local entries: store, get, list, erase"
run_ok --stdin "{\"ServerURL\":\"local.example.com\",\"Username\":\"me\",\"Secret\":\"$PW_LOCAL\"}" \
  "$IT_HELPER" store
get_ok local.example.com me "$PW_LOCAL"
run_ok --stdin unused "$IT_HELPER" list
run_ok "$IT_HELPER" registries
run_ok --stdin local.example.com "$IT_HELPER" erase
run --stdin local.example.com "$IT_HELPER" get
it_expect_rc 1 "get after erase"

it_step "failures: refused token, unreachable controller, bad input"
(umask 077 && printf 'tok-SECRET-wrong-%s\n' "$(openssl rand -hex 8)" >"$IT_DIR/wrong.token")
printf '%s\n' "$(cat "$IT_DIR/wrong.token")" >>"$IT_DIR/needles"
it_write_config ttl=0 log-level=debug log-file="$LOG" token-file="$IT_DIR/wrong.token"
run "$IT_HELPER" sync
it_expect_rc 1 "sync with a wrong token"
run "$IT_FETCH" registry "$ID"
it_expect_rc 1 "darcy-fetch with a wrong token"
it_write_config ttl=0 log-level=debug log-file="$LOG"
it_fault '{"status":500}'
it_run --stdin gcr.io "$IT_HELPER" get # within grace: answers with a warning on stderr
RUNS=$((RUNS + 1))
it_expect_rc 0 "get with the controller failing"
it_clear_faults
run --stdin "{\"ServerURL\":\"bad url\",\"Username\":\"me\",\"Secret\":\"$PW_LOCAL\"}" "$IT_HELPER" store
it_expect_rc 1 "store of a bad URL"
run --stdin "{\"ServerURL\":\"x.example.com\",\"Username\":\"me\",\"Secret\":\"$PW_LOCAL\"" "$IT_HELPER" store
it_expect_rc 1 "store of truncated JSON"

wait "$CANARY_PID"
: >"$IT_DIR/sampler.stop"
wait "$SAMPLER" || it_fail "the sampler failed"
it_log "commands run: $RUNS; sampler: $(head -n 3 "$IT_DIR/sampler.out" | tr '\n' ' ')"

it_step "the helper is not dumpable and has no core limit"
# Run from a directory the user nobody can reach, with stdin a fifo nobody writes to.
PUB=$(mktemp -d "${IT_DIR%/*}/darcy-rel-pub.XXXXXX")
REL_EXTRA_DIRS+=("$PUB")
chmod 0755 "$PUB"
cp "$IT_HELPER" "$PUB/docker-credential-darcy"
mkfifo -m 0600 "$PUB/stdin"
NOBODY_RUN=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
# Both start with core dumps allowed (the default soft limit may already be 0).
(
  ulimit -c unlimited
  exec env -i HOME=/nonexistent PATH=/usr/bin:/bin CANARY_ENV="$CANARY" "${NOBODY_RUN[@]}" \
    "$PUB/docker-credential-darcy" get <>"$PUB/stdin" >/dev/null 2>&1
) &
HELPER_PID=$!
it_track_pid "$HELPER_PID"
(
  ulimit -c unlimited
  exec env -i HOME=/nonexistent CANARY_ENV="$CANARY" "${NOBODY_RUN[@]}" sleep 30
) &
PLAIN_PID=$!
it_track_pid "$PLAIN_PID"
# Wait until the helper blocks in its read of stdin.
for ((i = 0; i < 100; i++)); do
  [[ $(cat "/proc/$HELPER_PID/wchan" 2>/dev/null) == *pipe_read* ]] && break
  sleep 0.05
done
[[ $(awk '/^Uid:/ {print $2}' "/proc/$HELPER_PID/status") == "$(id -u nobody)" ]] ||
  it_fail "the helper does not run as nobody"
[[ $(cat "/proc/$HELPER_PID/wchan") == *pipe_read* ]] ||
  it_fail "the helper is not blocked reading stdin (wchan $(cat "/proc/$HELPER_PID/wchan"))"
grep -Eq '^Max core file size +0 ' "/proc/$PLAIN_PID/limits" &&
  it_fail "the control: core dumps are not allowed for an ordinary process"
grep -Eq '^Max core file size +0 +0 ' "/proc/$HELPER_PID/limits" ||
  it_fail "the helper may dump core: $(grep 'core' "/proc/$HELPER_PID/limits")"
"${NOBODY_RUN[@]}" cat "/proc/$PLAIN_PID/environ" 2>/dev/null | tr '\0' '\n' | grep -qx "CANARY_ENV=$CANARY" ||
  it_fail "the control: nobody cannot read the environment of its own ordinary process"
if "${NOBODY_RUN[@]}" cat "/proc/$HELPER_PID/environ" >"$IT_DIR/environ.read" 2>/dev/null; then
  it_fail "another process of the same user read the helper's environment: it is dumpable"
fi
[[ ! -s $IT_DIR/environ.read ]] || it_fail "the helper's environment was readable"
if "${NOBODY_RUN[@]}" cat "/proc/$HELPER_PID/mem" >/dev/null 2>&1; then
  it_fail "another process of the same user opened the helper's memory"
fi
# A process that is not dumpable has its /proc files owned by root.
[[ $(stat -c %u "/proc/$HELPER_PID/environ") == 0 && $(stat -c %u "/proc/$PLAIN_PID/environ") != 0 ]] ||
  it_fail "/proc/PID/environ owners: helper $(stat -c %u "/proc/$HELPER_PID/environ"), ordinary $(stat -c %u "/proc/$PLAIN_PID/environ")"
kill -KILL "$HELPER_PID" "$PLAIN_PID"
wait "$HELPER_PID" "$PLAIN_PID" 2>/dev/null || true

it_step "no secret anywhere but the answers of get"
grep -q 'canary cmdline,environ' "$IT_DIR/sampler.out" ||
  it_fail "the sampler did not see its canary in both cmdline and environ: $(head -n 3 "$IT_DIR/sampler.out")"
(($(awk '/^processes/ {print $2}' "$IT_DIR/sampler.out") > 0)) ||
  it_fail "the sampler saw no helper or darcy-fetch process"
if grep '^hit ' "$IT_DIR/sampler.out" >&2; then
  it_fail "a secret was on a command line or in an environment (above)"
fi
[[ -s $IT_DIR/stderr.all && -s $IT_DIR/controller.log && -s $LOG ]] ||
  it_fail "nothing was captured (stderr, controller log or log file empty)"
files=("$IT_DIR/stderr.all" "$IT_DIR/controller.log" "$OUTPUTS")
while IFS= read -r -d '' f; do files+=("$f"); done < <(
  find "$IT_DIR/vault" "$TMPDIR" "$IT_DIR/logs" "$DOCKER_CONFIG" -type f -print0)
SCANNED=0
while IFS= read -r secret; do
  [[ -n $secret ]] || continue
  for f in "${files[@]}"; do
    it_file_lacks "$f" "$secret"
    SCANNED=$((SCANNED + 1))
  done
done <"$IT_DIR/needles"
it_log "files scanned: ${#files[@]} ($SCANNED file x secret checks), temporary files left: $(find "$TMPDIR" -type f | wc -l)"
it_log "PASS"
