#!/usr/bin/env bash
# Prints the `-c key=value` arguments for `npx cdk` (one per line, for mapfile) from the
# repository variable TRICLOUD_CONTEXT: one tricloud setting per line, as in the README's
# settings table, e.g. "alarm_email=ops@example.com"; blank lines and # comments are ignored.
# The stack name has its own variable (TRICLOUD_STACK_NAME) because `tricloud doctor` needs it,
# and the deploy-role stack is deployed by hand once, never from CI.
set -euo pipefail

fail() {
  echo "TRICLOUD_CONTEXT line ${number}: $1" >&2
  exit 2
}

number=0
args=()
while IFS= read -r line || [[ -n "$line" ]]; do
  number=$((number + 1))
  line="${line%$'\r'}"
  [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
  [[ "$line" =~ ^([A-Za-z@][A-Za-z0-9_:/@.-]*)=(.*)$ ]] \
    || fail "'$line' is not key=value (one setting per line, no spaces around =)"
  case "${BASH_REMATCH[1]}" in
    stack_name) fail "set the stack name in the variable TRICLOUD_STACK_NAME instead" ;;
    github_*) fail "github_* settings belong to the deploy-role stack, deployed once by hand" ;;
  esac
  args+=(-c "$line")
done <<< "${TRICLOUD_CONTEXT:-}"
# Printed only when every line was good.
[[ ${#args[@]} -eq 0 ]] || printf '%s\n' "${args[@]}"
