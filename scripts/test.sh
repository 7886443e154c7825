#!/usr/bin/env bash
# Installs what is missing, builds with AddressSanitizer and UBSan (warnings as
# errors) and runs every test: unit, dev-controller, end-to-end with real clients.
# Usage: scripts/test.sh [extra ctest arguments, e.g. -L e2e or -R pattern]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

build=${DARCY_TEST_BUILD_DIR:-build-test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DDARCY_SANITIZE=ON -DDARCY_WERROR=ON \
  -DDARCY_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j2

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure --no-tests=error -j2 "$@"
