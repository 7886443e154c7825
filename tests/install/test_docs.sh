#!/usr/bin/env bash
# The manual page, the example configuration and the bash completion agree with the
# program and with docs/configuration.md:
#  - the man page renders with no groff or man warning;
#  - every protocol action, operator command and option that --help shows is in it,
#    and its version is the program's;
#  - every key of docs/configuration.md is in its CONFIGURATION section (and no other),
#    with its DARCY_* variable in ENVIRONMENT;
#  - packaging/helper.conf has every key, commented out, with its documented default,
#    and loads once uncommented;
#  - the completion offers the actions, the commands and each command's options.
#
# Usage: test_docs.sh HELPER SOURCE_DIR
set -euo pipefail
# shellcheck source=tests/install/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HELPER=${1:?usage: $0 HELPER SOURCE_DIR}
SRC=${2:?usage: $0 HELPER SOURCE_DIR}
MAN_PAGE=$SRC/docs/docker-credential-darcy.1
CONF_DOC=$SRC/docs/configuration.md
EXAMPLE=$SRC/packaging/helper.conf
COMPLETION=$SRC/packaging/bash-completion/docker-credential-darcy
inst_need groff
inst_begin docs
[[ -x $HELPER ]] || inst_fail "not an executable: $HELPER"
for f in "$MAN_PAGE" "$CONF_DOC" "$EXAMPLE" "$COMPLETION"; do
  [[ -f $f ]] || inst_fail "missing $f"
done

# section NAME < rendered page: the lines of that section.
section() { awk -v s="$1" '$0 == s { f = 1; next } /^[A-Z]/ { f = 0 } f'; }

inst_step "the man page renders without warnings"
groff -man -Tascii -ww -z "$MAN_PAGE" 2>"$INST_DIR/groff.err" || inst_fail "groff failed"
[[ ! -s $INST_DIR/groff.err ]] || inst_fail "groff warns: $(cat "$INST_DIR/groff.err")"
if command -v man >/dev/null 2>&1; then
  LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$MAN_PAGE" >/dev/null 2>"$INST_DIR/man.err" ||
    inst_fail "man -l failed: $(cat "$INST_DIR/man.err")"
  [[ ! -s $INST_DIR/man.err ]] || inst_fail "man -l warns: $(cat "$INST_DIR/man.err")"
else
  inst_log "man is not installed: checked with groff only"
fi
# Plain text, lines long enough that nothing of interest wraps.
groff -man -Tascii -rLL=400n -P-cbou "$MAN_PAGE" 2>/dev/null >"$INST_DIR/page.txt"
PAGE=$INST_DIR/page.txt
grep -q '^DOCKER-CREDENTIAL-DARCY(1)' "$PAGE" || inst_fail "the rendered page has no DOCKER-CREDENTIAL-DARCY(1) header"
for heading in NAME SYNOPSIS DESCRIPTION 'PROTOCOL ACTIONS' 'OPERATOR COMMANDS' CONFIGURATION \
  ENVIRONMENT FILES 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
  grep -qx "$heading" "$PAGE" || inst_fail "the man page has no $heading section"
done

inst_step "its version is the program's"
INST_STDIN=
inst_run "$HELPER" version
inst_expect 0 "version"
version=${INST_OUT##* }
th_version=$(sed -n 's/^\.TH .* "docker-credential-darcy \([^"]*\)".*/\1/p' "$MAN_PAGE")
[[ $th_version == "$version" ]] ||
  inst_fail "the man page (.TH) says version '$th_version', the program '$version'"

inst_step "every protocol action of the usage line is documented"
inst_run "$HELPER" --help
inst_expect 0 "--help"
printf '%s\n' "$INST_OUT" >"$INST_DIR/help.txt"
usage=$(head -n 1 "$INST_DIR/help.txt")
actions=$(sed -n 's/^Usage: docker-credential-darcy <\(.*\)>$/\1/p' <<<"$usage" | tr '|' ' ')
[[ -n $actions ]] || inst_fail "cannot read the actions from the usage line: $usage"
section 'PROTOCOL ACTIONS' <"$PAGE" >"$INST_DIR/actions.txt"
for action in $actions; do
  grep -Eq "^ {7}$action( |,|\$)" "$INST_DIR/actions.txt" ||
    inst_fail "protocol action '$action' has no entry in PROTOCOL ACTIONS"
done

inst_step "every operator command of --help and each of its options is documented"
commands=$(sed -n '/^Operator commands/,$ s/^  \([a-z][a-z-]*\)  .*/\1/p' "$INST_DIR/help.txt")
[[ -n $commands ]] || inst_fail "--help lists no operator commands"
section 'OPERATOR COMMANDS' <"$PAGE" >"$INST_DIR/commands.txt"
section SYNOPSIS <"$PAGE" >"$INST_DIR/synopsis.txt"
for command in $commands; do
  grep -Eq "^ {7}$command( |\$)" "$INST_DIR/commands.txt" ||
    inst_fail "operator command '$command' has no entry in OPERATOR COMMANDS"
  grep -Eq "docker-credential-darcy $command( |\$)" "$INST_DIR/synopsis.txt" ||
    inst_fail "operator command '$command' is not in the SYNOPSIS"
  inst_run "$HELPER" "$command" --help
  inst_expect 0 "$command --help"
  options=$(printf '%s\n' "$INST_OUT" | awk '/^Options:/ { f = 1; next } /^[^ ]/ { f = 0 }
    f && /^ +-/ { sub(/^ +/, ""); sub(/  .*/, ""); gsub(/,/, " "); for (i = 1; i <= NF; i++) if ($i ~ /^-/) print $i }')
  for option in $options; do
    [[ $option == -h || $option == --help ]] && continue
    grep -q -- "$option" "$INST_DIR/commands.txt" ||
      inst_fail "option $option of '$command' is not documented under OPERATOR COMMANDS"
  done
  # doctor lists its checks under "Checks:": each has an entry too.
  checks=$(printf '%s\n' "$INST_OUT" | awk '/^Checks:/ { f = 1; next } /^[^ ]/ { f = 0 }
    f && /^  [a-z]/ { print $1 }')
  for check in $checks; do
    grep -Eq "^ {14}$check( |\$)" "$INST_DIR/commands.txt" ||
      inst_fail "check '$check' of '$command' is not documented under OPERATOR COMMANDS"
  done
done

inst_step "every key of docs/configuration.md is documented, and nothing else"
inst_config_keys "$CONF_DOC" | sort >"$INST_DIR/doc-keys.txt"
(($(wc -l <"$INST_DIR/doc-keys.txt") >= 10)) ||
  inst_fail "found only $(wc -l <"$INST_DIR/doc-keys.txt") keys in $CONF_DOC"
section CONFIGURATION <"$PAGE" | sed -n 's/^ \{7\}\([a-z][a-z0-9-]*\) = .*/\1/p' | sort \
  >"$INST_DIR/man-keys.txt"
inst_same_lines "the keys in the man page's CONFIGURATION section" \
  "$INST_DIR/doc-keys.txt" "$INST_DIR/man-keys.txt"
section ENVIRONMENT <"$PAGE" >"$INST_DIR/environment.txt"
while read -r key; do
  var=DARCY_$(tr 'a-z-' 'A-Z_' <<<"$key")
  grep -q "\\b$var\\b" "$INST_DIR/environment.txt" || inst_fail "$var is not in ENVIRONMENT"
done <"$INST_DIR/doc-keys.txt"

inst_step "the example configuration has every key, commented out, with its default"
grep -Ev '^(#.*)?$' "$EXAMPLE" >"$INST_DIR/active.txt" || true
[[ ! -s $INST_DIR/active.txt ]] || inst_fail "the example sets keys: $(cat "$INST_DIR/active.txt")"
sed -n 's/^#\([a-z][a-z0-9-]*\) =.*/\1/p' "$EXAMPLE" | sort -u >"$INST_DIR/example-keys.txt"
inst_same_lines "the keys of packaging/helper.conf" "$INST_DIR/doc-keys.txt" "$INST_DIR/example-keys.txt"
while IFS='|' read -r _ key default _; do
  key=$(sed -n 's/^ *`\(.*\)` *$/\1/p' <<<"$key")
  [[ -n $key && $key != pin ]] || continue
  # The documented default: the first `literal` of the column; none when it starts otherwise.
  want=$(sed -n 's/^ *`\([^`]*\)`.*/\1/p' <<<"$default")
  got=$(sed -n "s/^#$key = *\\(.*\\)\$/\\1/p" "$EXAMPLE")
  [[ $got == "$want" ]] || inst_fail "the example has '#$key = $got', the documented default is '$want'"
done < <(grep '^| `' "$CONF_DOC")
sed -E 's/^#([a-z][a-z0-9-]* =)/\1/' "$EXAMPLE" >"$INST_DIR/uncommented.conf"
DARCY_CONFIG=$INST_DIR/uncommented.conf DARCY_VAULT_DIR=$INST_DIR/example-vault inst_run "$HELPER" list
inst_expect 0 "list with every key of the example uncommented"
[[ $INST_OUT == '{}' ]] || inst_fail "list with the uncommented example answered: $INST_OUT"

inst_step "the bash completion offers actions, commands and options"
complete_words() {
  # Prints the completions for the words given (the last is the one completed).
  PATH=$(dirname "$HELPER"):/usr/bin:/bin "$BASH" -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
    _docker_credential_darcy
    ((${#COMPREPLY[@]} == 0)) || printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$@" </dev/null | sort | tr '\n' ' '
}
expect_completion() {
  local want=$1
  shift
  local got
  got=$(complete_words "$@")
  [[ $got == "$want" ]] || inst_fail "completing '$*': got '$got', expected '$want'"
}
first=$(complete_words docker-credential-darcy "")
for word in $actions $commands --help --version; do
  [[ " $first " == *" $word "* ]] || inst_fail "the first word does not complete to '$word' (got: $first)"
done
expect_completion "configure-docker " docker-credential-darcy co
expect_completion "--json " docker-credential-darcy registries --j
expect_completion "--dry-run --help --registries " docker-credential-darcy configure-docker --
expect_completion "" docker-credential-darcy configure-docker --registries ""
expect_completion "" docker-credential-darcy get ""
expect_completion "--help " "$HELPER" init --
# Without the program, the built-in lists answer.
got=$(PATH=/nonexistent "$BASH" -c 'source "$1"
  COMP_WORDS=(docker-credential-darcy ""); COMP_CWORD=1; COMPREPLY=()
  _docker_credential_darcy; printf "%s " "${COMPREPLY[@]}"' _ "$COMPLETION" </dev/null)
for word in get store erase list version init enroll sync registries configure-docker doctor; do
  [[ " $got " == *" $word "* ]] || inst_fail "without the program, '$word' is not offered (got: $got)"
done

inst_log "PASS"
