#!/usr/bin/env bash
# The terminal's binary has none of the developer's tools (the `dev-tools` cargo feature): no
# `demo` or `screenshots` command, no reference upstream, simulators, demo keys, PIN or token.
#   check-terminal-binary.sh BIN
set -euo pipefail
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
fail=0
while IFS= read -r marker; do
  case "$marker" in ''|'#'*) continue ;; esac
  if grep -aqF -- "$marker" "$BIN"; then
    echo "check-terminal-binary: $BIN holds a developer's tool (\"$marker\"): build it with --no-default-features --features kms" >&2
    fail=1
  fi
done < "$HERE/dev-tools-markers"
for cmd in demo screenshots; do
  if out=$("$BIN" "$cmd" --help 2>&1); then
    echo "check-terminal-binary: $BIN has the \`$cmd\` command" >&2
    fail=1
  elif ! grep -q "unrecognized subcommand" <<<"$out"; then
    echo "check-terminal-binary: \`$BIN $cmd\` failed unexpectedly: $out" >&2
    fail=1
  fi
done
[ "$fail" = 0 ] && echo "check-terminal-binary: no developer's tools in $BIN"
exit "$fail"
