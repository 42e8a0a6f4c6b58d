#!/usr/bin/env bash
# Run each target as `$MAKE TARGET`, one after the other, going on after a
# failure; then a PASS/FAIL table and `N passed, M failed, in S s`. Fails
# if any target failed.
#   run-checks.sh TARGET...
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

MAKE=${MAKE:-make}
results=()
passed=0
failed=0
i=0

for target in "$@"; do
    i=$((i + 1))
    msg "check $i/$#: $target"
    start=$SECONDS
    if "$MAKE" --no-print-directory "$target" </dev/null; then
        verdict=PASS
        passed=$((passed + 1))
    else
        verdict=FAIL
        failed=$((failed + 1))
    fi
    results+=("$(printf '%s %s (%d s)' "$verdict" "$target" \
        $((SECONDS - start)))")
    msg "check $i/$#: $verdict $target"
done

msg "results"
for line in "${results[@]}"; do
    printf '%s\n' "$line"
done
printf '%d passed, %d failed, in %d s\n' "$passed" "$failed" "$SECONDS"
(( failed == 0 ))
