#!/usr/bin/env bash
# `cmake --install <release tree> --prefix <tmp>` gives the documented layout, and the
# installed helper works from it: it finds darcy-fetch in ../libexec/darcy/ and answers a
# get with credentials that exist only on the dev controller (TLS, agent token). The
# installed systemd units pass `systemd-analyze verify` and run what they should.
#
# Usage: test_installed_layout.sh CMAKE RELEASE_DIR CONTROLLER SOURCE_DIR VERSION
set -euo pipefail
HERE=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=tests/install/lib.sh
source "$HERE/lib.sh"
# shellcheck source=tests/integration/lib.sh
source "$HERE/../integration/lib.sh"
CMAKE=${1:?usage: $0 CMAKE RELEASE_DIR CONTROLLER SOURCE_DIR VERSION}
REL=${2:?}
CONTROLLER=${3:?}
SRC=${4:?}
VERSION=${5:?}
inst_need curl openssl python3 sha256sum gzip
inst_begin layout
[[ -x $CONTROLLER ]] || inst_fail "not an executable: $CONTROLLER"

PREFIX=$INST_DIR/prefix
inst_step "cmake --install --prefix installs the documented files"
"$CMAKE" --install "$REL" --prefix "$PREFIX" >"$INST_DIR/install.log" 2>&1 ||
  inst_fail "cmake --install failed: $(tail -n 20 "$INST_DIR/install.log")"
(cd "$PREFIX" && find . -type f -printf '%m %P\n' | sort -k2) >"$INST_DIR/files.txt"
cat >"$INST_DIR/expected.txt" <<'EOF'
755 bin/docker-credential-darcy
644 etc/darcy/helper.conf
644 lib/systemd/system/darcy-sync.service
644 lib/systemd/system/darcy-sync.timer
755 libexec/darcy/darcy-fetch
644 share/bash-completion/completions/docker-credential-darcy
644 share/doc/docker-credential-darcy/README.md
644 share/doc/docker-credential-darcy/changelog.gz
644 share/doc/docker-credential-darcy/configuration.md
644 share/doc/docker-credential-darcy/controller-api.md
644 share/doc/docker-credential-darcy/copyright
644 share/doc/docker-credential-darcy/helper.conf.example
644 share/doc/docker-credential-darcy/protocol.md
644 share/doc/docker-credential-darcy/security.md
644 share/doc/docker-credential-darcy/vault-format.md
644 share/lintian/overrides/docker-credential-darcy
644 share/man/man1/docker-credential-darcy.1.gz
EOF
inst_same_lines "the installed files (mode path)" "$INST_DIR/expected.txt" "$INST_DIR/files.txt"
cmp -s "$PREFIX/etc/darcy/helper.conf" "$SRC/packaging/helper.conf" ||
  inst_fail "etc/darcy/helper.conf is not packaging/helper.conf"
gzip -dc "$PREFIX/share/man/man1/docker-credential-darcy.1.gz" | cmp -s - "$SRC/docs/docker-credential-darcy.1" ||
  inst_fail "the installed man page is not docs/docker-credential-darcy.1"

inst_step "a second install keeps an edited helper.conf"
printf 'ttl = 60\n' >>"$PREFIX/etc/darcy/helper.conf"
cp "$PREFIX/etc/darcy/helper.conf" "$INST_DIR/edited.conf"
"$CMAKE" --install "$REL" --prefix "$PREFIX" >"$INST_DIR/install2.log" 2>&1 ||
  inst_fail "the second cmake --install failed: $(tail -n 20 "$INST_DIR/install2.log")"
cmp -s "$PREFIX/etc/darcy/helper.conf" "$INST_DIR/edited.conf" ||
  inst_fail "installing again replaced an edited helper.conf"

inst_step "the installed programs run"
HELPER=$PREFIX/bin/docker-credential-darcy
FETCH=$PREFIX/libexec/darcy/darcy-fetch
inst_run "$HELPER" version
inst_expect 0 "version"
[[ $INST_OUT == "docker-credential-darcy (darcy) $VERSION" ]] || inst_fail "version printed: $INST_OUT"
inst_run "$FETCH" --version
inst_expect 0 "darcy-fetch --version"
[[ $INST_OUT == "darcy-fetch $VERSION" ]] || inst_fail "darcy-fetch --version printed: $INST_OUT"

inst_step "the systemd units run the installed helper every 5 minutes, hardened"
SERVICE=$PREFIX/lib/systemd/system/darcy-sync.service
TIMER=$PREFIX/lib/systemd/system/darcy-sync.timer
expect_line() {
  grep -qxF -- "$2" "$1" || inst_fail "$(basename "$1") has no line '$2'"
}
expect_line "$SERVICE" "ExecStart=$HELPER sync"
for line in Type=oneshot ProtectSystem=strict ReadWritePaths=/var/lib/darcy NoNewPrivileges=yes \
  PrivateTmp=yes ProtectHome=yes PrivateDevices=yes CapabilityBoundingSet= StateDirectory=darcy; do
  expect_line "$SERVICE" "$line"
done
expect_line "$TIMER" "OnCalendar=*:0/5"
expect_line "$TIMER" "Persistent=true"
expect_line "$TIMER" "WantedBy=timers.target"
grep -Eq '^RandomizedDelaySec=[1-9]' "$TIMER" || inst_fail "the timer has no RandomizedDelaySec jitter"
if command -v systemd-analyze >/dev/null 2>&1; then
  # Documentation=man:docker-credential-darcy(1) must resolve: to the installed page.
  MANPATH=$PREFIX/share/man systemd-analyze verify "$SERVICE" "$TIMER" >"$INST_DIR/verify.out" 2>&1 ||
    inst_fail "systemd-analyze verify failed: $(cat "$INST_DIR/verify.out")"
  [[ ! -s $INST_DIR/verify.out ]] || inst_fail "systemd-analyze verify says: $(cat "$INST_DIR/verify.out")"
  if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
    systemd-analyze security --offline=true --no-pager "$SERVICE" >"$INST_DIR/security.out" 2>&1 || true
    exposure=$(sed -n 's/.*Overall exposure level for darcy-sync.service: \([0-9.]*\).*/\1/p' "$INST_DIR/security.out")
    inst_log "systemd-analyze security: exposure $exposure"
    [[ -n $exposure ]] || inst_fail "systemd-analyze security gave no exposure level: $(tail -n 5 "$INST_DIR/security.out")"
    awk -v e="$exposure" 'BEGIN { exit !(e <= 3.0) }' ||
      inst_fail "the service's exposure level is $exposure, more than 3.0"
  fi
else
  inst_log "systemd-analyze is not installed: unit options not verified"
fi

inst_step "from the installed layout, a cold get fetches through ../libexec/darcy/darcy-fetch"
[[ ! -e $PREFIX/bin/darcy-fetch ]] || inst_fail "darcy-fetch is beside the helper: the libexec lookup is not tested"
# The integration fixtures, on the installed programs.
IT_HELPER=$HELPER IT_FETCH=$FETCH IT_CTL=$CONTROLLER IT_DIR=$INST_DIR
trap it_finish EXIT
export DARCY_CONFIG=$INST_DIR/helper.conf
it_start_controller
PASSWORD=$(it_random_secret)
id=$(it_create_registry gcr.io _json_key <<<"$PASSWORD")
[[ $id == 3 ]] || it_fail "the first registry got id $id, expected 3"
it_write_config
it_reset_stats
it_expect_get gcr.io _json_key <<<"$PASSWORD"
it_expect_requests "cold get from the installed layout" 1 0
it_file_lacks "$IT_DIR/vault/vault.json" "$PASSWORD"

inst_step "without libexec/darcy/darcy-fetch the error names both places looked in"
mv "$FETCH" "$INST_DIR/darcy-fetch.moved"
it_write_config vault-dir="$IT_DIR/vault2"
it_helper_get gcr.io
it_expect_error "get without darcy-fetch" "darcy-fetch is not installed" \
  "$PREFIX/bin/darcy-fetch" "$PREFIX/bin/../libexec/darcy/darcy-fetch"
mv "$INST_DIR/darcy-fetch.moved" "$FETCH"
it_expect_get gcr.io _json_key <<<"$PASSWORD"
it_write_config

inst_step "enroll and sync (what darcy-sync.service runs) work from the installed layout"
it_run "$HELPER" enroll
it_expect_rc 0 "enroll"
it_reset_stats
it_run "$HELPER" sync
it_expect_rc 0 "sync"
it_expect_requests "sync" 1 0
it_expect_get https://gcr.io/ _json_key <<<"$PASSWORD"

inst_log "PASS"
