#!/usr/bin/env bash
# The reference Go client library (docker-credential-helpers/client) stores, gets,
# lists and erases through docker-credential-darcy. The client is built offline in
# GOPATH mode against Debian's packaged sources.
#
# Usage: test_go_client.sh PATH_TO_docker-credential-darcy
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_require_tools go
gopath=${DARCY_E2E_GOPATH:-/usr/share/gocode}
if [[ ! -d $gopath/src/github.com/docker/docker-credential-helpers/client ]]; then
  e2e_log "SKIP: no docker-credential-helpers sources under $gopath (Debian package" \
    "golang-github-docker-docker-credential-helpers-dev)"
  exit 77
fi
e2e_begin go-client
e2e_use_helper "$1"

e2e_step "build the Go client offline in GOPATH mode"
e2e_ok env -u GOFLAGS GO111MODULE=off GOPATH="$gopath" GOCACHE="$E2E_DIR/gocache" \
  GOPROXY=off go build -o "$E2E_DIR/goclient" "$E2E_LIB_DIR/goclient/main.go"

e2e_step "run it against the helper"
e2e_run "$E2E_DIR/goclient" docker-credential-darcy
printf '%s\n' "$E2E_ERR" | grep -v '^$' >&2 || true
((E2E_RC == 0)) || e2e_fail "the Go client found mismatches (exit status $E2E_RC)"
e2e_assert_contains "$E2E_OUT" "all checks passed" "Go client output"
