#!/usr/bin/env bash
# Measures docker-credential-darcy against /bin/true and two other credential helpers, and
# checks the budgets of DESIGN.md section 10. Writes bench/results/{results.md,results.json,
# benchmarks.png} and the raw data (hyperfine JSON, callgrind profiles) beside them.
#
#   scripts/bench.sh
#
# It is a measurement, not a test: it exits 0 when a budget fails, and non-zero only when
# the measurement itself could not run. Knobs (environment): BENCH_RUNS (300),
# BENCH_WARMUP (20), BENCH_COLD_RUNS (30), BENCH_SYNC_RUNS (10), BENCH_BURSTS (5),
# BENCH_RSS_RUNS (5). Needs root or sudo for apt-get, and `unshare -n` (root).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build-bench
OUT=$ROOT/bench/results
RUNS=${BENCH_RUNS:-300}
WARMUP=${BENCH_WARMUP:-20}
COLD_RUNS=${BENCH_COLD_RUNS:-30}
SYNC_RUNS=${BENCH_SYNC_RUNS:-10}
BURSTS=${BENCH_BURSTS:-5}
RSS_RUNS=${BENCH_RSS_RUNS:-5}
SIZES=(10 1000 10000)

log() { printf '== %s\n' "$*" >&2; }
die() {
  printf 'bench: %s\n' "$*" >&2
  exit 1
}

# --- 1. packages -------------------------------------------------------------------------
log "packages"
"$ROOT/scripts/install-deps.sh"
bench_packages=(hyperfine gnuplot-nox time valgrind golang-docker-credential-helpers
  amazon-ecr-credential-helper pass gnupg util-linux)
missing=()
for p in "${bench_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq </dev/null
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
fi
for tool in hyperfine gnuplot /usr/bin/time valgrind callgrind_annotate docker-credential-pass \
  docker-credential-ecr-login pass gpg gpgconf unshare curl openssl python3 gcc; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing"
done
unshare -n true 2>/dev/null || die "unshare -n does not work here (it needs root)"
PASS_HELPER=$(command -v docker-credential-pass)
ECR_HELPER=$(command -v docker-credential-ecr-login)

# --- 2. build -----------------------------------------------------------------------------
log "build (Release) in build-bench/"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DDARCY_BUILD_TESTS=ON >/dev/null
cmake --build "$BUILD" -j2 --target docker-credential-darcy darcy-fetch darcy-dev-controller >/dev/null
H=$(find "$BUILD" -type f -name docker-credential-darcy -perm -u+x | head -n1)
CTL=$(find "$BUILD" -type f -name darcy-dev-controller -perm -u+x | head -n1)
[[ -x $H && -x $CTL ]] || die "the build made no helper or controller"
[[ -x $(dirname "$H")/darcy-fetch ]] || die "darcy-fetch is not beside the helper"

# --- work directory, cleanup ----------------------------------------------------------------
W=$(mktemp -d "${TMPDIR:-/tmp}/darcy-bench.XXXXXX")
chmod 0700 "$W"
CTL_PID=
cleanup() {
  local rc=$?
  trap - EXIT
  if [[ -n $CTL_PID ]]; then
    kill -TERM "$CTL_PID" 2>/dev/null || true
    wait "$CTL_PID" 2>/dev/null || true
  fi
  [[ -d $W/gnupg ]] && GNUPGHOME=$W/gnupg gpgconf --kill all 2>/dev/null || true
  rm -rf "$W"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$OUT"
mkdir -p "$OUT/hyperfine" "$OUT/callgrind" "$OUT/raw"
FACTS=$OUT/raw/facts.tsv
: >"$FACTS"
fact() { printf '%s\t%s\n' "$1" "$2" >>"$FACTS"; }

# A hermetic environment: nothing of the caller's DARCY_*, HOME or stores.
for var in $(compgen -e); do
  [[ $var == DARCY_* ]] && unset "$var"
done
export HOME=$W/home XDG_CONFIG_HOME=$W/home/.config XDG_STATE_HOME=$W/home/.local/state
mkdir -p "$HOME"
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION \
  AWS_DEFAULT_REGION AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE 2>/dev/null || true
# Without this the AWS SDK in docker-credential-ecr-login retries the EC2 metadata address
# with back-off (~13 s per `list` with no network); with it, `list` answers {} at once.
export AWS_EC2_METADATA_DISABLED=true
export LC_ALL=C

# The wrapper that gives a command its stdin without a shell (scripts/bench/bench-run.c).
BR=$W/bench-run
gcc -O2 -static -o "$BR" "$ROOT/scripts/bench/bench-run.c" || die "cannot build bench-run"

# --- the machine ---------------------------------------------------------------------------
fact machine.nproc "$(nproc)"
fact machine.cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
fact machine.kernel "$(uname -r)"
fact machine.debian "$(cat /etc/debian_version 2>/dev/null || echo unknown)"
fact machine.hyperfine "$(hyperfine --version)"
fact machine.compiler "$(c++ --version | head -n1)"
fact helper.size "$(stat -c %s "$H")"
fact build.commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
fact build.dirty "$(git -C "$ROOT" status --porcelain --untracked-files=no -- helper vault 2>/dev/null | wc -l)"

# --- 3a. the dev controller ----------------------------------------------------------------
log "dev controller with a throwaway CA"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=darcy bench CA" -keyout "$W/ca.key" -out "$W/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$W/server.key" -out "$W/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
  >"$W/server.ext"
openssl x509 -req -in "$W/server.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial \
  -days 2 -extfile "$W/server.ext" -out "$W/server.pem" 2>/dev/null
printf 'dev-%s\n' "$(openssl rand -hex 12)" >"$W/admin.pw"
"$CTL" --listen 127.0.0.1:0 --port-file "$W/port" --tls-cert "$W/server.pem" \
  --tls-key "$W/server.key" --admin-password-file "$W/admin.pw" \
  --agent-token-file "$W/agent.token" 2>"$W/controller.log" &
CTL_PID=$!
for ((i = 0; i < 200; i++)); do
  [[ -s $W/port ]] && break
  kill -0 "$CTL_PID" 2>/dev/null || die "the controller exited at start: $(tail -n3 "$W/controller.log")"
  sleep 0.05
done
[[ -s $W/port ]] || die "the controller wrote no port file"
URL=https://127.0.0.1:$(cat "$W/port")
python3 -c 'import json, sys; print(json.dumps({"email": "admin@darcy.local", "password": sys.stdin.read().strip()}))' \
  <"$W/admin.pw" >"$W/login.json"
TOKEN=$(curl -sS --fail --cacert "$W/ca.pem" -H 'Content-Type: application/json' \
  --data-binary "@$W/login.json" "$URL/api/v3/user/login" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["accessToken"])') || die "admin login failed"
printf 'Authorization: Bearer %s\n' "$TOKEN" >"$W/user.hdr"
unset TOKEN

ctl() { curl -sS --fail --cacert "$W/ca.pem" -H "@$W/user.hdr" "$@"; }
reset_stats() { ctl -X DELETE "$URL/_dev/stats" >/dev/null; }
# Prints the number of requests the controller counted since the last reset (all routes).
requests() { ctl "$URL/_dev/stats" | python3 -c 'import json, sys; print(sum(json.load(sys.stdin).values()))'; }
stats() { ctl "$URL/_dev/stats"; }

# add_registries FROM TO: creates private registries regFROM..regTO.bench.example through
# the user API, in one curl process (a config file with one transfer per registry).
add_registries() {
  python3 - "$1" "$2" "$URL" "$W/ca.pem" "$W/user.hdr" >"$W/create.curl" <<'PY'
import json, sys
lo, hi, url, ca, hdr = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
def q(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'
first = True
for i in range(lo, hi + 1):
    if not first:
        print("next")
    first = False
    body = json.dumps({"url": "reg%05d.bench.example" % i, "isPublic": False,
                       "username": "user%05d" % i, "password": "pw-bench-%05d" % i,
                       "email": "ci@bench.example"}, separators=(",", ":"))
    print("url = " + q(url + "/api/v3/registries"))
    print("cacert = " + q(ca))
    print("header = " + q("@" + hdr))
    print('header = "Content-Type: application/json"')
    print("data-binary = " + q(body))
    print('output = "/dev/null"')
    print('write-out = "%{http_code}\\n"')
PY
  # In parallel: each request to the dev controller over TLS waits ~40 ms (see the report).
  local n
  n=$(curl --no-progress-meter -Z --parallel-max 32 -K "$W/create.curl" | grep -c '^201$' || true)
  rm -f "$W/create.curl"
  ((n == $2 - $1 + 1)) || die "created $n of $(($2 - $1 + 1)) registries"
}

# The helper's configuration: a long ttl keeps every synced entry fresh for the whole run.
cat >"$W/helper.conf" <<EOF
controller-url = $URL
token-file = $W/agent.token
ca-file = $W/ca.pem
vault-dir = $W/v10
ttl = 86400
grace = 604800
timeout = 30
connect-timeout = 2
EOF
export DARCY_CONFIG=$W/helper.conf

mkdir -p "$W/in"
printf 'reg00001.bench.example' >"$W/in/hot"
printf 'unknown.bench.example' >"$W/in/unknown"
printf 'reg00001.bench.example' >"$W/in/erase"
EXPECTED_HOT='{"ServerURL":"reg00001.bench.example","Username":"user00001","Secret":"pw-bench-00001"}'
NOT_FOUND='credentials not found in native keychain'

# check_get VAULT INPUT EXPECTED: the helper's get answers exactly EXPECTED.
check_get() {
  local got
  got=$("$BR" -i "$2" "DARCY_VAULT_DIR=$1" "$H" get 2>"$W/check.err" || true)
  [[ $got == "$3" ]] || die "get $(cat "$2") on $1 answered '$got' ($(cat "$W/check.err")), expected '$3'"
}

sync_vault() {
  local dir=$1 out
  out=$("$BR" "DARCY_VAULT_DIR=$dir" "$H" sync 2>&1) || die "sync into $dir failed: $out"
}

now_ms() { date +%s%3N; }

# --- 3b. stage 1: 10 registries: the 10-entry vault, cold gets --------------------------------
log "10 registries; cold gets"
add_registries 1 10
sync_vault "$W/v10"
check_get "$W/v10" "$W/in/hot" "$EXPECTED_HOT"
check_get "$W/v10" "$W/in/unknown" "$NOT_FOUND"

# One cold get on a never-synced node, and one of a known entry whose copy was dropped.
reset_stats
check_get "$W/cold" "$W/in/hot" "$EXPECTED_HOT"
fact cold.requests "$(requests)"
fact cold.stats "$(stats)"
sync_vault "$W/vref"
"$BR" -i "$W/in/erase" "DARCY_VAULT_DIR=$W/vref" "$H" erase || die "erase failed"
reset_stats
check_get "$W/vref" "$W/in/hot" "$EXPECTED_HOT"
fact refetch.requests "$(requests)"
fact refetch.stats "$(stats)"

# What one request to the dev controller costs on its own (curl, fresh TLS connection):
# TLS handshake, and request sent to first response byte.
for ((k = 1; k <= 5; k++)); do
  fact "ctl.curl.$k" "$(curl -sS -o /dev/null --cacert "$W/ca.pem" -H "Authorization: $(tr -d '[:space:]' <"$W/agent.token")" \
    -w '%{time_appconnect} %{time_pretransfer} %{time_starttransfer} %{time_total}' "$URL/api/v3/agent/registries/3")"
done

# Per-command prepare steps, as executables (hyperfine -N runs them without a shell).
cat >"$W/prep-cold" <<EOF
#!/bin/sh
exec rm -rf "$W/cold"
EOF
cat >"$W/prep-refetch" <<EOF
#!/bin/sh
exec "$BR" -i "$W/in/erase" "DARCY_VAULT_DIR=$W/vref" "$H" erase
EOF
cat >"$W/prep-sync" <<EOF
#!/bin/sh
rm -rf "$W/vsync" && exec "$BR" "DARCY_VAULT_DIR=$W/vsync" "$H" init >/dev/null
EOF
cat >"$W/prep-none" <<EOF
#!/bin/sh
exit 0
EOF
chmod +x "$W"/prep-*

log "cold get timings ($COLD_RUNS runs)"
hyperfine -N --style basic --runs "$COLD_RUNS" --warmup 2 \
  --export-json "$OUT/hyperfine/cold.json" \
  --prepare "$W/prep-none" -n 'true (bench-run)' "$BR /bin/true" \
  --prepare "$W/prep-cold" -n 'cold get (never-synced node)' "$BR -i $W/in/hot DARCY_VAULT_DIR=$W/cold $H get" \
  --prepare "$W/prep-refetch" -n 'cold get (dropped copy, by ID)' "$BR -i $W/in/hot DARCY_VAULT_DIR=$W/vref $H get" \
  >"$OUT/raw/hyperfine-cold.txt" 2>&1

# burst N: N concurrent cold gets on a never-synced node; prints "wall_ms requests failed".
burst() {
  local n=$1 i rc failed=0 t0 t1 pids=()
  rm -rf "$W/cold" "$W/burst"
  mkdir -p "$W/burst"
  reset_stats
  t0=$(now_ms)
  for ((i = 0; i < n; i++)); do
    "$BR" -i "$W/in/hot" "DARCY_VAULT_DIR=$W/cold" "$H" get >"$W/burst/$i.out" 2>"$W/burst/$i.err" &
    pids+=("$!")
  done
  for ((i = 0; i < n; i++)); do
    rc=0
    wait "${pids[$i]}" || rc=$?
    if ((rc != 0)) || [[ $(cat "$W/burst/$i.out") != "$EXPECTED_HOT" ]]; then
      failed=$((failed + 1))
    fi
  done
  t1=$(now_ms)
  printf '%s %s %s\n' "$((t1 - t0))" "$(requests)" "$failed"
}
for n in 32 64; do
  log "$n concurrent cold gets ($BURSTS bursts)"
  for ((b = 1; b <= BURSTS; b++)); do
    fact "burst$n.$b" "$(burst "$n")"
  done
done

# --- 3c. stage 2: 1,000 registries: the 1,000-entry vault, sync ------------------------------
log "1,000 registries; sync"
t0=$(now_ms)
add_registries 11 1000
fact fill.1000.ms "$(($(now_ms) - t0))"
sync_vault "$W/v1000"
check_get "$W/v1000" "$W/in/hot" "$EXPECTED_HOT"
"$W/prep-sync"
reset_stats
t0=$(now_ms)
sync_vault "$W/vsync"
fact sync.once.ms "$(($(now_ms) - t0))"
fact sync.requests "$(requests)"
fact sync.stats "$(stats)"
fact sync.entries "$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["entries"]))' "$W/vsync/vault.json")"
hyperfine -N --style basic --runs "$SYNC_RUNS" --warmup 1 \
  --export-json "$OUT/hyperfine/sync.json" \
  --prepare "$W/prep-sync" -n 'sync of 1,000 registries' "$BR DARCY_VAULT_DIR=$W/vsync $H sync" \
  >"$OUT/raw/hyperfine-sync.txt" 2>&1

# --- 3d. stage 3: 10,000 registries: the 10,000-entry vault ----------------------------------
log "10,000 registries"
t0=$(now_ms)
add_registries 1001 10000
fact fill.10000.ms "$(($(now_ms) - t0))"
t0=$(now_ms)
sync_vault "$W/v10000"
fact sync10000.once.ms "$(($(now_ms) - t0))"
for n in "${SIZES[@]}"; do
  check_get "$W/v$n" "$W/in/hot" "$EXPECTED_HOT"
  check_get "$W/v$n" "$W/in/unknown" "$NOT_FOUND"
  fact "entries.$n" "$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["entries"]))' "$W/v$n/vault.json")"
  fact "vaultbytes.$n" "$(stat -c %s "$W/v$n/vault.json")"
  fact "list.$n.count" "$("$BR" "DARCY_VAULT_DIR=$W/v$n" "$H" list | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')"
done

# --- 3e. peers ------------------------------------------------------------------------------
log "peers: docker-credential-pass (throwaway GPG key), docker-credential-ecr-login"
export GNUPGHOME=$W/gnupg PASSWORD_STORE_DIR=$W/pass
mkdir -p "$GNUPGHOME"
chmod 0700 "$GNUPGHOME"
gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
  --quick-gen-key 'darcy bench <bench@bench.example>' future-default default never >/dev/null 2>&1 ||
  die "gpg could not make a key"
KEYID=$(gpg --batch --quiet --list-keys --with-colons | awk -F: '/^fpr/ {print $10; exit}')
[[ -n $KEYID ]] || die "no GPG key"
pass init "$KEYID" >/dev/null 2>&1 || die "pass init failed"
printf '{"ServerURL":"pass.bench.example","Username":"bench","Secret":"pw-bench-pass"}' |
  "$PASS_HELPER" store || die "docker-credential-pass store failed"
printf 'pass.bench.example' >"$W/in/pass"
got=$("$BR" -i "$W/in/pass" "$PASS_HELPER" get) || die "docker-credential-pass get failed"
[[ $got == *pw-bench-pass* ]] || die "docker-credential-pass get answered '$got'"
got=$(unshare -n "$ECR_HELPER" list 2>&1) || die "docker-credential-ecr-login list failed: $got"
fact peer.pass.version "$(dpkg-query -W -f='${Version}' golang-docker-credential-helpers)"
fact peer.ecr.version "$(dpkg-query -W -f='${Version}' amazon-ecr-credential-helper)"
fact peer.ecr.list "$got"

# --- 3f. the main run: one hyperfine, no network ----------------------------------------------
# Everything here runs inside one `unshare -n` (docker-credential-ecr-login can reach no
# network; nothing else needs one). Commands with stdin run through bench-run, and so do
# /bin/true and the others once more, so the wrapper's cost is on every side; commands
# without stdin also run directly (hyperfine -N, no shell at all).
log "main run: $RUNS runs per command"
cmds=(
  -n 'true' /bin/true
  -n 'version' "$H version"
  -n 'list (10)' "$H list"
  -n 'pass list' "$PASS_HELPER list"
  -n 'ecr-login list' "$ECR_HELPER list"
  -n 'br: true' "$BR /bin/true"
  -n 'br: version' "$BR $H version"
  -n 'br: pass get' "$BR -i $W/in/pass $PASS_HELPER get"
  -n 'br: pass list' "$BR $PASS_HELPER list"
  -n 'br: ecr-login list' "$BR $ECR_HELPER list"
)
for n in "${SIZES[@]}"; do
  cmds+=(
    -n "br: hot get ($n)" "$BR -i $W/in/hot DARCY_VAULT_DIR=$W/v$n $H get"
    -n "br: not-found get ($n)" "$BR -i $W/in/unknown DARCY_VAULT_DIR=$W/v$n $H get"
    -n "br: list ($n)" "$BR DARCY_VAULT_DIR=$W/v$n $H list"
  )
done
unshare -n hyperfine -N -i --style basic --runs "$RUNS" --warmup "$WARMUP" \
  --export-json "$OUT/hyperfine/main.json" "${cmds[@]}" >"$OUT/raw/hyperfine-main.txt" 2>&1 ||
  die "the main hyperfine run failed: $(tail -n3 "$OUT/raw/hyperfine-main.txt")"

# --- 3g. peak RSS -----------------------------------------------------------------------------
log "peak RSS (max of $RSS_RUNS runs each)"
# rss NAME CMD...: runs CMD under /usr/bin/time -v RSS_RUNS times; records the largest
# "Maximum resident set size" (KiB).
rss() {
  local name=$1 k max=0 v faults=0 f
  shift
  for ((k = 0; k < RSS_RUNS; k++)); do
    /usr/bin/time -v -o "$W/time.txt" "$@" >/dev/null 2>&1 || true
    v=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$W/time.txt")
    f=$(sed -n 's/^[[:space:]]*Minor (reclaiming a frame) page faults: //p' "$W/time.txt")
    [[ -n $v && -n $f ]] || die "no peak RSS for $name"
    ((v > max)) && max=$v
    ((f > faults)) && faults=$f
  done
  fact "rss.$name" "$max"
  fact "faults.$name" "$faults"
}
rss 'true' /bin/true
rss 'version' "$H" version
for n in "${SIZES[@]}"; do
  rss "hot get ($n)" "$BR" -i "$W/in/hot" "DARCY_VAULT_DIR=$W/v$n" "$H" get
  rss "not-found get ($n)" "$BR" -i "$W/in/unknown" "DARCY_VAULT_DIR=$W/v$n" "$H" get
  rss "list ($n)" "$BR" "DARCY_VAULT_DIR=$W/v$n" "$H" list
done
rss 'pass get' "$BR" -i "$W/in/pass" "$PASS_HELPER" get
rss 'pass list' "$PASS_HELPER" list
rss 'ecr-login list' unshare -n "$ECR_HELPER" list
rss 'cold get (never-synced node)' sh -c "rm -rf '$W/cold' && exec '$BR' -i '$W/in/hot' 'DARCY_VAULT_DIR=$W/cold' '$H' get"

# --- 3h. instruction counts -------------------------------------------------------------------
log "callgrind"
# cg NAME INPUT VAULT CMD...: callgrind of CMD with stdin from INPUT and DARCY_VAULT_DIR=VAULT.
cg() {
  local name=$1 input=$2 vault=$3 file
  shift 3
  file=$OUT/callgrind/$name.out
  DARCY_VAULT_DIR=$vault valgrind --tool=callgrind --callgrind-out-file="$file" "$@" \
    <"$input" >/dev/null 2>"$OUT/callgrind/$name.log" || true
  [[ -s $file ]] || die "callgrind wrote nothing for $name"
  fact "ir.$name" "$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$file" | head -n1)"
  callgrind_annotate --inclusive=no "$file" 2>/dev/null |
    python3 "$ROOT/scripts/bench/annotate.py" "$1" 40 >"$OUT/callgrind/$name.self.txt" || true
  callgrind_annotate --inclusive=yes "$file" 2>/dev/null |
    python3 "$ROOT/scripts/bench/annotate.py" "$1" 60 >"$OUT/callgrind/$name.inclusive.txt" || true
}
cg true /dev/null "$W/v10" /bin/true
cg version /dev/null "$W/v10" "$H" version
for n in "${SIZES[@]}"; do
  cg "hot-get-$n" "$W/in/hot" "$W/v$n" "$H" get
  cg "not-found-get-$n" "$W/in/unknown" "$W/v$n" "$H" get
  cg "list-$n" /dev/null "$W/v$n" "$H" list
done

# What the dynamic loader does for /bin/true and for the helper.
{
  echo "\$ ldd /bin/true"
  ldd /bin/true 2>&1 || true
  echo "\$ ldd docker-credential-darcy"
  ldd "$H" 2>&1 || true
  echo "\$ LD_DEBUG=statistics /bin/true"
  LD_DEBUG=statistics /bin/true 2>&1 || true
  echo "\$ LD_DEBUG=statistics docker-credential-darcy version"
  LD_DEBUG=statistics "$H" version 2>&1 || true
  echo "\$ file docker-credential-darcy"
  file -b "$H" 2>/dev/null || true
} | sed "s|$W|\$TMP|g; s|$BUILD|build-bench|g" >"$OUT/raw/loader.txt"

# --- 4. report ----------------------------------------------------------------------------
log "report"
stop_controller() {
  kill -TERM "$CTL_PID" 2>/dev/null || true
  wait "$CTL_PID" 2>/dev/null || true
  CTL_PID=
}
stop_controller
python3 "$ROOT/scripts/bench/report.py" "$OUT" || die "the report could not be written"
gnuplot -e "datafile='$OUT/raw/chart.dat'; outfile='$OUT/benchmarks.png'" \
  "$ROOT/scripts/bench/chart.gp" || die "gnuplot failed"
# No temporary paths in the kept raw output.
sed -i "s|$W|\$TMP|g; s|$BUILD|build-bench|g" "$OUT"/raw/*.txt "$OUT"/hyperfine/*.json
cat "$OUT/results.md"
log "written: bench/results/results.md, results.json, benchmarks.png"
