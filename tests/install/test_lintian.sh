#!/usr/bin/env bash
# lintian finds no error in the Debian package made by test_deb_package.sh; warnings
# and notes are printed, not fatal. lintian is installed with apt-get when missing
# (as root); without it and without apt the test is skipped.
#
# Usage: test_lintian.sh VERSION DEB_DIR
set -euo pipefail
# shellcheck source=tests/install/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
VERSION=${1:?usage: $0 VERSION DEB_DIR}
DEB_DIR=${2:?usage: $0 VERSION DEB_DIR}
inst_need dpkg
if ! command -v lintian >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    inst_log "lintian is missing: installing it"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends lintian </dev/null >/dev/null 2>&1 ||
      { apt-get update -qq </dev/null >/dev/null 2>&1 &&
        apt-get install -y -qq --no-install-recommends lintian </dev/null >/dev/null 2>&1; } ||
      inst_skip "lintian is missing and apt-get could not install it"
  else
    inst_skip "lintian is missing (apt-get install lintian)"
  fi
fi
inst_begin lintian
DEB=$DEB_DIR/docker-credential-darcy_${VERSION}_$(dpkg --print-architecture).deb
[[ -f $DEB ]] || inst_fail "no package at $DEB"

inst_step "lintian $(basename "$DEB")"
# Exit status 1 is a lintian failure, 2 a tag at the --fail-on level; the E: lines decide.
rc=0
lintian --tag-display-limit 0 --display-info --fail-on error "$DEB" \
  >"$INST_DIR/lintian.out" 2>"$INST_DIR/lintian.err" || rc=$?
grep -v 'running with root privileges is not recommended' "$INST_DIR/lintian.err" >&2 || true
cat "$INST_DIR/lintian.out" >&2
((rc != 1)) || inst_fail "lintian failed to run (exit status 1)"
if ((rc == 2)) || grep -q '^E: ' "$INST_DIR/lintian.out"; then
  inst_fail "lintian reports errors: $(grep '^E: ' "$INST_DIR/lintian.out" | tr '\n' ' ')"
fi
inst_log "lintian: $(grep -c '^W: ' "$INST_DIR/lintian.out" || true) warnings, no errors"
inst_log "PASS"
