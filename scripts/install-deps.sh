#!/usr/bin/env bash
# Installs every Debian package that building, testing and running the demo need.
# Idempotent and non-interactive: it asks apt only when something is missing, and
# runs `apt-get update` once in that case.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config ninja-build
  libsodium-dev nlohmann-json3-dev libboost-program-options-dev libcurl4-openssl-dev
  libcpp-httplib-dev libssl-dev catch2
  # fuzzing and sanitizers
  clang libclang-rt-14-dev
  # real peers for the end-to-end tests
  docker-registry skopeo apache2-utils openssl curl procps python3
  golang-go golang-github-docker-docker-credential-helpers-dev golang-golang-x-sys-dev
  # install and package tests: .deb build, lintian, man page rendering, unit checks
  dpkg-dev lintian groff-base man-db systemd binutils
)
# The docker CLI: any installed client will do; Debian's docker.io brings one.
command -v docker >/dev/null 2>&1 || packages+=(docker.io)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq </dev/null
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
