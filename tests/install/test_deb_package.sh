#!/usr/bin/env bash
# `cpack -G DEB` on the Release tree makes docker-credential-darcy_<version>_<arch>.deb
# with the expected control fields (Depends computed by dpkg-shlibdeps), conffile,
# maintainer scripts and files, and the programs unpacked from it work: version, --help,
# a local store/get/list/erase round trip, darcy-fetch found in ../libexec/darcy/.
# The package is left in DEB_DIR for the lintian test.
#
# Usage: test_deb_package.sh CPACK RELEASE_DIR SOURCE_DIR VERSION DEB_DIR
set -euo pipefail
# shellcheck source=tests/install/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CPACK=${1:?usage: $0 CPACK RELEASE_DIR SOURCE_DIR VERSION DEB_DIR}
REL=${2:?}
SRC=${3:?}
VERSION=${4:?}
DEB_DIR=${5:?}
inst_need dpkg dpkg-deb dpkg-shlibdeps dpkg-query readelf ldd
inst_begin deb

inst_step "cpack -G DEB makes one package"
rm -rf "$DEB_DIR"
mkdir -p "$DEB_DIR"
"$CPACK" -G DEB --config "$REL/CPackConfig.cmake" -B "$DEB_DIR" >"$INST_DIR/cpack.log" 2>&1 ||
  inst_fail "cpack failed: $(tail -n 30 "$INST_DIR/cpack.log")"
ARCH=$(dpkg --print-architecture)
DEB=$DEB_DIR/docker-credential-darcy_${VERSION}_$ARCH.deb
[[ -f $DEB ]] || inst_fail "no $DEB; made: $(ls "$DEB_DIR")"
rm -rf "$DEB_DIR/_CPack_Packages"

inst_step "control fields"
field() { dpkg-deb -f "$DEB" "$1"; }
expect_field() {
  local got
  got=$(field "$1")
  [[ $got == "$2" ]] || inst_fail "field $1 is '$got', expected '$2'"
}
expect_field Package docker-credential-darcy
expect_field Version "$VERSION"
expect_field Architecture "$ARCH"
expect_field Section admin
expect_field Priority optional
[[ $(field Maintainer) =~ ^[^\<\>]+\ \<[^\<\>@\ ]+@[^\<\>@\ ]+\>$ ]] ||
  inst_fail "field Maintainer is not 'Name <address>': $(field Maintainer)"
description=$(field Description)
[[ $(head -n 1 <<<"$description") == "Docker credential helper for Darcy Cloud edge nodes" ]] ||
  inst_fail "the Description synopsis is: $(head -n 1 <<<"$description")"
(($(wc -l <<<"$description") >= 5)) || inst_fail "the Description has no extended description"
DEPENDS=$(field Depends)
inst_log "Depends: $DEPENDS"
# dpkg-shlibdeps names the runtime packages of darcy-fetch's shared libraries; the
# static helper adds none.
for lib in 'libc6 ' 'libcurl[0-9a-z-]* ' 'libsodium[0-9]+ ' 'libboost-program-options[0-9.]+ ' \
  'libstdc\+\+6 '; do
  [[ "$DEPENDS, " =~ (^|, )$lib ]] || inst_fail "Depends lacks ${lib% }: $DEPENDS"
done
for dep in $(sed 's/[,|]/\n/g' <<<"$DEPENDS" | sed 's/(.*//; s/ //g'); do
  [[ $dep != *-dev ]] || inst_fail "Depends names a development package: $dep"
  dpkg-query -W -f='${Status}' "$dep" 2>/dev/null | grep -q 'install ok installed' ||
    inst_fail "Depends names $dep, which is not installed here although darcy-fetch runs"
done

inst_step "conffiles and maintainer scripts"
dpkg-deb -e "$DEB" "$INST_DIR/control"
[[ $(cat "$INST_DIR/control/conffiles") == /etc/darcy/helper.conf ]] ||
  inst_fail "conffiles is: $(cat "$INST_DIR/control/conffiles")"
for script in postinst prerm postrm; do
  f=$INST_DIR/control/$script
  [[ -f $f ]] || inst_fail "no $script"
  [[ $(stat -c %a "$f") == 755 ]] || inst_fail "$script has mode $(stat -c %a "$f")"
  sh -n "$f" || inst_fail "$script is not valid sh"
done
[[ -s $INST_DIR/control/md5sums ]] || inst_fail "no md5sums"

inst_step "the files, their modes and owners"
# dpkg-deb -c writes paths as ./path.
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $1, $2, $6 }' | sort -k3 \
  >"$INST_DIR/files.txt"
cat >"$INST_DIR/expected.txt" <<'EOF'
-rw-r--r-- root/root /etc/darcy/helper.conf
-rw-r--r-- root/root /lib/systemd/system/darcy-sync.service
-rw-r--r-- root/root /lib/systemd/system/darcy-sync.timer
-rwxr-xr-x root/root /usr/bin/docker-credential-darcy
-rwxr-xr-x root/root /usr/libexec/darcy/darcy-fetch
-rw-r--r-- root/root /usr/share/bash-completion/completions/docker-credential-darcy
-rw-r--r-- root/root /usr/share/doc/docker-credential-darcy/README.md
-rw-r--r-- root/root /usr/share/doc/docker-credential-darcy/changelog.gz
-rw-r--r-- root/root /usr/share/doc/docker-credential-darcy/configuration.md
-rw-r--r-- root/root /usr/share/doc/docker-credential-darcy/controller-api.md
-rw-r--r-- root/root /usr/share/doc/docker-credential-darcy/copyright
-rw-r--r-- root/root /usr/share/doc/docker-credential-darcy/helper.conf.example
-rw-r--r-- root/root /usr/share/doc/docker-credential-darcy/protocol.md
-rw-r--r-- root/root /usr/share/doc/docker-credential-darcy/security.md
-rw-r--r-- root/root /usr/share/doc/docker-credential-darcy/vault-format.md
-rw-r--r-- root/root /usr/share/lintian/overrides/docker-credential-darcy
-rw-r--r-- root/root /usr/share/man/man1/docker-credential-darcy.1.gz
EOF
inst_same_lines "the package's files (mode owner path)" "$INST_DIR/expected.txt" "$INST_DIR/files.txt"
if dpkg-deb -c "$DEB" | awk '{ print $2 }' | grep -qv '^root/root$'; then
  inst_fail "the package has entries not owned by root/root"
fi

inst_step "the unpacked programs: static helper, dynamic darcy-fetch, both stripped"
ROOT=$INST_DIR/root
dpkg-deb -x "$DEB" "$ROOT"
HELPER=$ROOT/usr/bin/docker-credential-darcy
FETCH=$ROOT/usr/libexec/darcy/darcy-fetch
if readelf -lW "$HELPER" | grep -q INTERP; then inst_fail "the packaged helper is not linked statically"; fi
readelf -lW "$FETCH" | grep -q INTERP || inst_fail "the packaged darcy-fetch is not linked dynamically"
ldd "$FETCH" >"$INST_DIR/ldd.txt" 2>&1 || inst_fail "ldd darcy-fetch failed: $(cat "$INST_DIR/ldd.txt")"
if grep -q 'not found' "$INST_DIR/ldd.txt"; then inst_fail "darcy-fetch misses libraries: $(cat "$INST_DIR/ldd.txt")"; fi
for bin in "$HELPER" "$FETCH"; do
  if readelf -SW "$bin" | grep -q '\.symtab'; then inst_fail "$(basename "$bin") is not stripped"; fi
done
grep -qxF 'ExecStart=/usr/bin/docker-credential-darcy sync' "$ROOT/lib/systemd/system/darcy-sync.service" ||
  inst_fail "the packaged service does not run /usr/bin/docker-credential-darcy sync"
cmp -s "$ROOT/etc/darcy/helper.conf" "$SRC/packaging/helper.conf" ||
  inst_fail "the packaged helper.conf is not packaging/helper.conf"

inst_step "version and --help"
inst_run "$HELPER" version
inst_expect 0 "version"
[[ $INST_OUT == "docker-credential-darcy (darcy) $VERSION" ]] || inst_fail "version printed: $INST_OUT"
inst_run "$HELPER" --help
inst_expect 0 "--help"
for command in init enroll sync registries configure-docker; do
  grep -Eq "^  $command " <<<"$INST_OUT" || inst_fail "--help does not list $command"
done
inst_run "$FETCH" --version
inst_expect 0 "darcy-fetch --version"
[[ $INST_OUT == "darcy-fetch $VERSION" ]] || inst_fail "darcy-fetch --version printed: $INST_OUT"

inst_step "a local store/get/list/erase round trip"
inst_local_round_trip "$HELPER"

inst_step "the packaged helper runs the packaged darcy-fetch (../libexec/darcy/)"
printf 'not-a-real-token\n' >"$INST_DIR/token"
chmod 600 "$INST_DIR/token"
cat >"$INST_DIR/controller.conf" <<EOF
controller-url = https://127.0.0.1:1
token-file = $INST_DIR/token
vault-dir = $INST_DIR/vault-fetch
connect-timeout = 2
timeout = 5
EOF
INST_STDIN=gcr.io
DARCY_CONFIG=$INST_DIR/controller.conf inst_run "$HELPER" get
inst_expect 1 "get with an unreachable controller"
[[ $INST_OUT != 'credentials not found in native keychain' ]] ||
  inst_fail "an unreachable controller answered not-found"
[[ ${INST_OUT,,} != *"not installed"* ]] || inst_fail "the helper did not find darcy-fetch: $INST_OUT"
# Only darcy-fetch makes requests: the error names the one it tried.
[[ $INST_OUT == *"/api/v3/agent/registries"* && ${INST_OUT,,} == *"cannot reach"* ]] ||
  inst_fail "the error does not say darcy-fetch could not reach the controller: $INST_OUT"

inst_log "PASS"
