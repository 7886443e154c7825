#!/usr/bin/env bash
# Bad input through the real binary, as a table. Each row must give a clear error: exit 1,
# exactly one line on stdout naming what is wrong, never the not-found text - and every
# file of the vault byte-identical before and after (sha256, mode, owner).
#   - store bodies: truncated, not an object, arrays, numbers for fields, invalid UTF-8,
#     deep nesting, NUL bytes, 1 MiB + 1 bytes, empty, blank, missing fields, a bad URL;
#   - server URLs for get and erase: user information, ftp://, spaces, control
#     characters, 2 KB long, unbalanced or misused brackets;
#   - a corrupt vault.json (empty, garbage, truncated, wrong format tag, sealed for another
#     node key) and a corrupt node.key (garbage, wrong tag, truncated, a public key that is
#     not the secret key's), for every protocol action;
#   - a configuration file with an unknown key, a bad value, a key given twice, a line
#     that is not key = value, and a bad DARCY_* variable, for every protocol action.
# Then every input of the protocol fuzz corpus (tests/fuzz/corpus/protocol: byte 0 picks
# the action as the fuzz target does, the rest is stdin) runs through the real binary: exit
# 0 or 1, one line on stdout for an error, get and list, none for a successful store or erase.
#
# Every row is run and every fault listed before the test fails.
#
# Usage: test_bad_input.sh HELPER FETCH CONTROLLER
set -euo pipefail
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rel_begin bad-input "$@"

VAULT=$IT_DIR/vault
IN=$IT_DIR/inputs
mkdir -p "$IN"
SECRET=$(it_random_secret)
conf() { it_write_config controller-url= token-file= ca-file= vault-dir="$VAULT" "$@"; }
conf
it_run --stdin "{\"ServerURL\":\"known.example.com\",\"Username\":\"me\",\"Secret\":\"$SECRET\"}" \
  "$IT_HELPER" store
it_expect_rc 0 "store of the known entry"
it_expect_get known.example.com me <<<"$SECRET"
cp -a "$VAULT" "$IT_DIR/pristine"

FAULTS=()
ROWS=0
fault() {
  FAULTS+=("$1")
  it_log "FAULT: $1"
}

# run_file ACTION FILE: the helper with FILE as stdin; IT_RC, IT_OUT, run.out as it_run.
run_file() {
  set +e
  "$IT_HELPER" "$1" <"$2" >"$IT_DIR/run.out" 2>"$IT_DIR/run.err"
  IT_RC=$?
  set -e
  IT_OUT=$(tr -d '\0' <"$IT_DIR/run.out")
  cat "$IT_DIR/run.err" >>"$IT_DIR/stderr.all"
}

# row WHAT ACTION INPUT_FILE NEEDLE: one refused input; the vault must not change.
row() {
  local what=$1 action=$2 input=$3 needle=$4
  ROWS=$((ROWS + 1))
  rel_snapshot "$VAULT" >"$IT_DIR/before"
  run_file "$action" "$input"
  if ((IT_RC != 1)); then
    fault "$what: exit status $IT_RC, stdout: ${IT_OUT:0:300}"
  elif [[ $(wc -l <"$IT_DIR/run.out") != 1 || $(tail -c1 "$IT_DIR/run.out") != '' ]]; then
    fault "$what: not exactly one line on stdout: ${IT_OUT:0:300}"
  elif [[ $IT_OUT == *"$IT_NOT_FOUND"* ]]; then
    fault "$what: answered the not-found text"
  elif [[ ${IT_OUT,,} != *"${needle,,}"* ]]; then
    fault "$what: the message does not say '$needle': ${IT_OUT:0:300}"
  fi
  if grep -qF -- "$SECRET" "$IT_DIR/run.out" "$IT_DIR/run.err"; then
    fault "$what: the stored secret is in the output"
  fi
  rel_snapshot "$VAULT" >"$IT_DIR/after"
  if ! cmp -s "$IT_DIR/before" "$IT_DIR/after"; then
    fault "$what: the vault changed: $(diff "$IT_DIR/before" "$IT_DIR/after" | grep '^[<>]' |
      cut -c1-100 | tr '\n' ' ')"
  fi
}

# input NAME PYTHON_EXPR: writes the bytes of the expression to $IN/NAME.
input() {
  "$IT_PYTHON" -c 'import sys; sys.stdout.buffer.write(eval(sys.argv[1]))' "$2" >"$IN/$1"
}

it_step "store bodies"
body='b"{\"ServerURL\":\"new.example.com\",\"Username\":\"u\",\"Secret\":\"s\"}"'
input truncated "${body}[:-9]"
input string 'b"\"new.example.com\""'
input number 'b"42"'
input null 'b"null"'
input array "b'[' + $body + b']'"
input empty-array 'b"[]"'
input url-number 'b"{\"ServerURL\":1,\"Username\":\"u\",\"Secret\":\"s\"}"'
input user-number 'b"{\"ServerURL\":\"new.example.com\",\"Username\":2,\"Secret\":\"s\"}"'
input secret-number 'b"{\"ServerURL\":\"new.example.com\",\"Username\":\"u\",\"Secret\":3.5}"'
input secret-object 'b"{\"ServerURL\":\"new.example.com\",\"Username\":\"u\",\"Secret\":{}}"'
input utf8-secret 'b"{\"ServerURL\":\"new.example.com\",\"Username\":\"u\",\"Secret\":\"\xff\xfe\"}"'
input utf8-url 'b"{\"ServerURL\":\"new\xc3.example.com\",\"Username\":\"u\",\"Secret\":\"s\"}"'
input utf8-key 'b"{\"Server\xedURL\":\"new.example.com\",\"Username\":\"u\",\"Secret\":\"s\"}"'
input nested-array 'b"[" * 100000 + b"]" * 100000'
input nested-secret 'b"{\"ServerURL\":\"new.example.com\",\"Username\":\"u\",\"Secret\":" + b"[" * 100000 + b"]" * 100000 + b"}"'
input nested-objects 'b"{\"a\":" * 50000 + b"1" + b"}" * 50000'
input nul-in-url 'b"{\"ServerURL\":\"new.example.com\x00\",\"Username\":\"u\",\"Secret\":\"s\"}"'
input nul-after "$body + b'\\x00 trailing garbage'"
input nul-only 'b"\x00" * 16'
input too-large "$body + b' ' * (1024 * 1024 + 1 - len($body))"
input empty 'b""'
input blank 'b"  \n\t \n"'
input no-url 'b"{\"Username\":\"u\",\"Secret\":\"s\"}"'
input empty-user 'b"{\"ServerURL\":\"new.example.com\",\"Username\":\"\",\"Secret\":\"s\"}"'
input ftp-url 'b"{\"ServerURL\":\"ftp://new.example.com\",\"Username\":\"u\",\"Secret\":\"s\"}"'
[[ $(stat -c %s "$IN/too-large") == 1048577 ]] || it_fail "the large input is not 1 MiB + 1 bytes"
for spec in truncated:"syntax error" string:"expected an object" number:"expected an object" \
  null:"expected an object" array:"expected an object" empty-array:"expected an object" \
  url-number:"not a string" user-number:"not a string" secret-number:"not a string" \
  secret-object:"not a string" utf8-secret:"invalid credentials JSON" \
  utf8-url:"invalid credentials JSON" utf8-key:"invalid credentials JSON" \
  nested-array:"invalid credentials JSON" nested-secret:"not a string" \
  nested-objects:"no credentials server URL" nul-in-url:"NUL byte" \
  nul-after:"NUL byte" nul-only:"NUL byte" too-large:"input too large" \
  empty:"no input" blank:"no input" no-url:"no credentials server URL" \
  empty-user:"no credentials username" ftp-url:"unsupported scheme"; do
  row "store $(printf '%-15s' "${spec%%:*}")" store "$IN/${spec%%:*}" "${spec#*:}"
done

it_step "server URLs for get and erase"
long=$(printf 'a%.0s' {1..2048})
input userinfo 'b"https://me:pw@known.example.com"'
input ftp 'b"ftp://known.example.com"'
input space 'b"known .example.com"'
input tab 'b"known.example.com\t/v2/x y"'
input control 'b"known\x01.example.com"'
input del 'b"known.example.com\x7f"'
input long "b'https://' + b'$long' + b'.example.com'"
input open-bracket 'b"[::1"'
input close-bracket 'b"known.example.com]"'
input bracket-name 'b"[known.example.com]:5000"'
input bracket-tail 'b"[::1]x"'
input empty-brackets 'b"[]:80"'
input unbracketed-v6 'b"fe80::1:5000"'
input port-zero 'b"known.example.com:0"'
input port-big 'b"known.example.com:65536"'
input only-scheme 'b"https://"'
for spec in userinfo:"user information" ftp:"unsupported scheme" space:"space or control" \
  tab:"space or control" control:"space or control" del:"space or control" long:"longer than" \
  open-bracket:"closing" close-bracket:"brackets" bracket-name:"not an IPv6" \
  bracket-tail:"after" empty-brackets:"empty" unbracketed-v6:"brackets" port-zero:"port" \
  port-big:"port" only-scheme:"no host"; do
  for action in get erase; do
    row "$action $(printf '%-15s' "${spec%%:*}")" "$action" "$IN/${spec%%:*}" "${spec#*:}"
  done
done

# Every protocol action against the vault as it is now.
printf 'known.example.com' >"$IN/known"
printf 'unknown.example.com' >"$IN/unknown"
printf '{"ServerURL":"new.example.com","Username":"u","Secret":"s"}' >"$IN/store"
printf 'unused' >"$IN/unused"
every_action() { # every_action WHAT NEEDLE
  row "$1: get known" get "$IN/known" "$2"
  row "$1: get unknown" get "$IN/unknown" "$2"
  row "$1: store" store "$IN/store" "$2"
  row "$1: erase" erase "$IN/known" "$2"
  row "$1: list" list "$IN/unused" "$2"
}
restore() { rm -rf "$VAULT" && cp -a "$IT_DIR/pristine" "$VAULT"; }
# corrupt FILE PYTHON: replaces FILE of the vault with the bytes PYTHON computes from `d`,
# the file's bytes (mode kept).
corrupt() {
  "$IT_PYTHON" -c 'import sys
d = open(sys.argv[1], "rb").read()
open(sys.argv[1], "r+b").write(b"")
data = eval(sys.argv[2])
with open(sys.argv[1], "wb") as f:
    f.write(data)' "$VAULT/$1" "$2"
}

it_step "a corrupt vault.json"
other_key=$("$IT_PYTHON" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
for spec in "empty|b''" "garbage|b'\\x89PNG garbage \\x00\\xff not json\\n'" \
  "truncated|d[:len(d) // 2]" "not an object|b'[]\\n'" \
  "wrong format tag|d.replace(b'darcy-vault/1', b'darcy-vault/2')" \
  "another node key|d.replace(d.split(b'\"nodePublicKey\":\"')[1].split(b'\"')[0], b'$other_key')" \
  "entry without sealed|d.replace(b',\"sealed\":', b',\"sEaled\":')" \
  "unknown source|d.replace(b'\"local\"', b'\"remote\"')"; do
  restore
  corrupt vault.json "${spec#*|}"
  every_action "vault.json ${spec%%|*}" "vault.json"
done

it_step "a corrupt node.key"
for spec in "garbage|b'garbage\\n'" "empty|b''" \
  "wrong tag|d.replace(b'darcy-node-key v1', b'darcy-node-key v9')" \
  "truncated|d[:len(d) - 20]" \
  "public key of another|d.split(b'\\n')[0] + b'\\n$other_key\\n' + d.split(b'\\n')[2] + b'\\n'"; do
  restore
  corrupt node.key "${spec#*|}"
  every_action "node.key ${spec%%|*}" "node.key"
done
restore

it_step "a bad configuration"
for spec in "unknown key|bogus-key=1|bogus-key" "bad ttl|ttl=5m|ttl" "negative grace|grace=-1|grace" \
  "bad boolean|allow-store=perhaps|allow-store" "bad log level|log-level=loud|log-level"; do
  IFS='|' read -r name kv needle <<<"$spec"
  conf "$kv"
  every_action "config $name" "$needle"
done
conf
printf 'vault-dir = %s\nvault-dir = %s\n' "$VAULT" "$VAULT" >"$DARCY_CONFIG"
every_action "config key given twice" "vault-dir"
printf 'vault-dir = %s\nthis line has no equals sign\n' "$VAULT" >"$DARCY_CONFIG"
every_action "config line without =" "line 2"
conf
export DARCY_TTL=1h
every_action "DARCY_TTL=1h" "DARCY_TTL"
unset DARCY_TTL
rm -f "$DARCY_CONFIG"
every_action "DARCY_CONFIG naming a missing file" "$DARCY_CONFIG"
conf

it_step "the protocol fuzz corpus"
CORPUS=$REL_SRC_DIR/../fuzz/corpus/protocol
ACTION_NAMES=(get store erase list)
CORPUS_RUNS=0
if [[ -d $CORPUS ]]; then
  for f in "$CORPUS"/*; do
    [[ -f $f ]] || continue
    restore
    b=$(od -An -tu1 -N1 "$f" | tr -d ' ')
    [[ -n $b ]] || continue # an empty input has no action byte
    action=${ACTION_NAMES[$((b & 3))]}
    tail -c +2 "$f" >"$IT_DIR/corpus.in"
    run_file "$action" "$IT_DIR/corpus.in"
    CORPUS_RUNS=$((CORPUS_RUNS + 1))
    lines=$(wc -l <"$IT_DIR/run.out")
    what="corpus $(basename "$f") ($action)"
    if ((IT_RC != 0 && IT_RC != 1)); then
      fault "$what: exit status $IT_RC: $(head -c 300 "$IT_DIR/run.err")"
    elif ((IT_RC == 1 || b % 2 == 0 || (b & 3) == 3)); then
      # an error, get or list: one line
      [[ $lines == 1 && -z $(tail -c1 "$IT_DIR/run.out") && -s $IT_DIR/run.out ]] ||
        fault "$what: exit $IT_RC with not exactly one line: ${IT_OUT:0:200}"
      if ((IT_RC == 0)); then
        rel_json_object_line "$IT_DIR/run.out" 2>/dev/null || fault "$what: answer is not one JSON object"
      fi
    elif [[ -s $IT_DIR/run.out ]]; then
      fault "$what: exit 0 with output: ${IT_OUT:0:200}"
    fi
  done
  it_log "corpus inputs run: $CORPUS_RUNS"
fi

it_log "rows: $ROWS, corpus inputs: $CORPUS_RUNS, faults: ${#FAULTS[@]}"
((${#FAULTS[@]} == 0)) || it_fail "${#FAULTS[@]} faults (FAULT lines above)"
it_log "PASS"
