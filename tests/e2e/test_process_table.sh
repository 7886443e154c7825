#!/usr/bin/env bash
# The registry password never appears on a command line while docker and skopeo log in,
# pull and log out through docker-credential-darcy: not in the helper's argv, not in
# its client's argv, not in any process of the machine's process table.
#
# Two witnesses: a wrapper in front of the helper records, for every call, the helper's
# argv and its parent's (deterministic); a sampler polls /proc/*/cmdline all along (best
# effort, proven able to see by a canary process it must catch).
#
# Usage: test_process_table.sh PATH_TO_docker-credential-darcy
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_require_tools docker skopeo docker-registry htpasswd openssl curl python3
e2e_begin process-table
e2e_use_helper "$1"

user=erin
pass=$(e2e_random_secret)
registry=
e2e_start_registry registry private "$user" <<<"$pass"
e2e_make_oci_image "$E2E_DIR/image" v1
e2e_push_image "$E2E_DIR/image" v1 "$registry/demo/hello:v1" "$user" <<<"$pass"
e2e_docker_config "$registry"

# The wrapper execs the real helper, so the helper's own argv is the one recorded.
calls=$E2E_DIR/helper-calls.txt
mkdir -p "$E2E_DIR/wrap"
cat >"$E2E_DIR/wrap/docker-credential-darcy" <<EOF
#!/bin/sh
{ printf 'helper:'; printf ' %s' "\$@"; printf '\\nclient: '
  tr '\\000' ' ' </proc/\$PPID/cmdline; printf '\\n'; } >>'$calls'
exec '$E2E_BIN_DIR/docker-credential-darcy' "\$@"
EOF
chmod +x "$E2E_DIR/wrap/docker-credential-darcy"
export PATH=$E2E_DIR/wrap:$PATH

# The sampler reads the needles from a file: they never reach its own argv.
canary=canary-$(openssl rand -hex 8)
(umask 077 && printf '%s\n%s\n' "$pass" "$canary" >"$E2E_DIR/needles")
cat >"$E2E_DIR/sampler.py" <<'EOF'
import os, sys, time
d = sys.argv[1]
secret, canary = open(os.path.join(d, "needles"), "rb").read().split(b"\n")[:2]
hits, canary_seen, helpers, scans = set(), False, set(), 0
while not os.path.exists(os.path.join(d, "stop")):
    scans += 1
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if secret in cmd:
            hits.add(pid + " " + cmd.replace(secret, b"<PASSWORD>").replace(b"\0", b" ").decode(errors="replace"))
        if canary in cmd:
            canary_seen = True
        if b"docker-credential-darcy" in cmd:
            helpers.add(pid)
    if scans == 1:
        open(os.path.join(d, "sampler.ready"), "w").close()
    time.sleep(0.002)
with open(os.path.join(d, "sampler.out"), "w") as out:
    out.write("scans %d\ncanary %s\nhelper-processes %d\n" % (scans, canary_seen, len(helpers)))
    for h in sorted(hits):
        out.write("hit " + h + "\n")
EOF
python3 "$E2E_DIR/sampler.py" "$E2E_DIR" &
sampler=$!
e2e_track_pid "$sampler"
for ((i = 0; i < 100; i++)); do
  [[ -e $E2E_DIR/sampler.ready ]] && break
  sleep 0.05
done
[[ -e $E2E_DIR/sampler.ready ]] || e2e_fail "the process-table sampler did not start"

e2e_step "log in, pull and log out with docker and skopeo while the process table is sampled"
bash -c 'sleep 0.5; :' "$canary" &
canary_pid=$!
for round in 1 2; do
  e2e_ok --stdin "$pass" docker login -u "$user" --password-stdin "$registry"
  e2e_ok docker manifest inspect --insecure "$registry/demo/hello:v1"
  e2e_ok skopeo inspect --cert-dir "$E2E_CERT_DIR" "docker://$registry/demo/hello:v1"
  e2e_ok skopeo copy --quiet --src-cert-dir "$E2E_CERT_DIR" \
    "docker://$registry/demo/hello:v1" "oci:$E2E_DIR/pulled-$round:v1"
  e2e_ok docker logout "$registry"
  e2e_ok --stdin "$pass" skopeo login --cert-dir "$E2E_CERT_DIR" -u "$user" --password-stdin "$registry"
  e2e_expect_helper_get "$registry" "$user" "$pass"
  e2e_ok skopeo logout "$registry"
done
wait "$canary_pid"
: >"$E2E_DIR/stop"
wait "$sampler" || e2e_fail "the process-table sampler failed"
e2e_log "$(head -n 3 "$E2E_DIR/sampler.out" | tr '\n' ' ')"

e2e_step "the wrapper saw every call, with a protocol action as the only argument"
[[ -s $calls ]] || e2e_fail "no client ran the helper"
for action in store get erase; do
  grep -qx "helper: $action" "$calls" || e2e_fail "no client called the helper's $action"
done
if grep '^helper:' "$calls" | grep -vxE 'helper: (store|get|erase|list|version)' >&2; then
  e2e_fail "the helper was called with other arguments (above)"
fi
grep -qF -- "$pass" "$calls" && e2e_fail "the password is on the argv of the helper or its client"

e2e_step "the sampler saw its canary and never the password"
grep -qx 'canary True' "$E2E_DIR/sampler.out" || e2e_fail "the sampler missed its canary process"
if grep '^hit ' "$E2E_DIR/sampler.out" >&2; then
  e2e_fail "the password appeared on a command line (above)"
fi

e2e_step "process table: all checks passed"
