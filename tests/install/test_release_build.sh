#!/usr/bin/env bash
# Configures and builds the Release tree the other install tests install and package:
# what users get (static helper, no sanitizers, no tests), only the two programs, -j2.
# The tree is kept between runs, so a second run rebuilds only what changed.
#
# Usage: test_release_build.sh CMAKE SOURCE_DIR RELEASE_DIR
set -euo pipefail
CMAKE=${1:?usage: $0 CMAKE SOURCE_DIR RELEASE_DIR}
SRC=${2:?usage: $0 CMAKE SOURCE_DIR RELEASE_DIR}
REL=${3:?usage: $0 CMAKE SOURCE_DIR RELEASE_DIR}

mkdir -p "$REL"
log=$REL/build.log
run() {
  if ! "$@" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
  fi
}
: >"$log"
echo "== configure $REL (Release)" >&2
run "$CMAKE" -S "$SRC" -B "$REL" -DCMAKE_BUILD_TYPE=Release \
  -DDARCY_BUILD_TESTS=OFF -DDARCY_SANITIZE=OFF -DDARCY_FUZZ=OFF
echo "== build docker-credential-darcy and darcy-fetch" >&2
run "$CMAKE" --build "$REL" -j2 --target docker-credential-darcy darcy-fetch
for bin in "$REL/helper/docker-credential-darcy" "$REL/helper/darcy-fetch"; do
  [[ -x $bin ]] || { printf 'FAIL: the build made no %s\n' "$bin" >&2; exit 1; }
done
grep -qx 'DARCY_STATIC_HELPER:BOOL=ON' "$REL/CMakeCache.txt" ||
  { echo "FAIL: the Release build does not link the helper statically" >&2; exit 1; }
echo "PASS" >&2
