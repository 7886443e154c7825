#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan + UBSan) in
# build-fuzz and runs each in turn for the given time, one process at a time.
# Each run starts from tests/fuzz/corpus/<target> but works on a copy in
# build-fuzz/corpus/<target> (kept between runs, so coverage accumulates), and
# writes crashing inputs to build-fuzz/artifacts/<target>/; the repository is
# never written. To keep a crash as a regression test, minimise it
# (fuzz_<target> -minimize_crash=1 -runs=10000 <file>) and copy it to
# tests/fuzz/corpus/<target>/regression-<what-it-is>: ctest replays it.
#
# Usage: scripts/fuzz.sh [seconds per target, default 600] [target...]
#   targets: protocol server_key vault_index unseal controller_response config
#   DARCY_FUZZ_KEEP_GOING=1  go on after a crash (libFuzzer's fork mode)
#   DARCY_FUZZ_BUILD_DIR     build directory (default build-fuzz)
# Exits 1 if any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(protocol server_key vault_index unseal controller_response config)

# The largest input worth trying, per target.
max_len_of() {
  case $1 in
    protocol) echo 70000 ;;             # a store body with a large GCR key, and more
    server_key) echo 2048 ;;            # twice the longest URL accepted
    vault_index) echo 65536 ;;
    unseal) echo 8192 ;;
    controller_response) echo 65536 ;;
    config) echo 16384 ;;
  esac
}

seconds=${1:-600}
if [[ ! $seconds =~ ^[0-9]+$ || $seconds -eq 0 ]]; then
  echo "usage: scripts/fuzz.sh [seconds per target] [target...]" >&2
  exit 2
fi
shift $(($# > 0 ? 1 : 0))
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then targets=("${all_targets[@]}"); fi
for t in "${targets[@]}"; do
  if [[ -z $(max_len_of "$t") ]]; then
    echo "unknown target '$t'; known: ${all_targets[*]}" >&2
    exit 2
  fi
done

build=${DARCY_FUZZ_BUILD_DIR:-build-fuzz}
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDARCY_FUZZ=ON -DDARCY_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

keep_going=()
if [[ ${DARCY_FUZZ_KEEP_GOING:-0} == 1 ]]; then
  keep_going=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
fi

summary=()
crashed=0
for t in "${targets[@]}"; do
  work=$build/corpus/$t
  artifacts=$build/artifacts/$t
  log=$build/logs/$t.log
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  # regression-* inputs are replayed by ctest; one that still fails would stop
  # libFuzzer as it loads the corpus, so they are not seeds here.
  find tests/fuzz/corpus/"$t" -maxdepth 1 -type f ! -name 'regression-*' \
    -exec cp -n -t "$work" {} +
  before=$(find "$artifacts" -type f | wc -l)

  echo "== fuzz_$t for ${seconds}s (log: $log)"
  status=0
  "$build/tests/fuzz/fuzz_$t" "${keep_going[@]}" -max_total_time="$seconds" \
    -max_len="$(max_len_of "$t")" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" >"$log" 2>&1 || status=$?

  # Final stats of a plain run, or the last status line of a fork-mode run.
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  if [[ -z $execs ]]; then
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    execs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
    rate=$(sed -nE 's/.*exec\/s:? ([0-9]+).*/\1/p' <<<"$last")
  fi
  corpus=$(find "$work" -type f | wc -l)
  found=$(($(find "$artifacts" -type f | wc -l) - before))
  if [[ $status -ne 0 && $found -eq 0 ]]; then found=1; fi  # e.g. died before writing one
  if [[ $found -gt 0 ]]; then crashed=1; fi
  summary+=("$(printf '%-20s %12s %8s %8s %8s' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$found")")
  if [[ $found -gt 0 ]]; then
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant violated|artifact_prefix|Test unit written)' \
      "$log" | head -20 || true
  fi
done

echo
printf '%-20s %12s %8s %8s %8s\n' target executions exec/s corpus crashes
printf '%s\n' "${summary[@]}"
if [[ $crashed -ne 0 ]]; then
  echo "crashing inputs: $build/artifacts/<target>/ (logs: $build/logs/)"
  exit 1
fi
