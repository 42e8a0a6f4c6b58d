#!/usr/bin/env bash
# Run the checks of one upstream Xen line, each as `MAKE ARGS... TARGET`,
# going on after a failure; then the line's commit, a PASS/FAIL table with
# each step's time, the build and boot totals, and `N passed, M failed`.
#   check-line.sh LINE LINE_BUILD MAKE ARGS... -- TARGET...
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

(( $# >= 5 )) || die "usage: $0 LINE LINE_BUILD MAKE ARGS... -- TARGET..."
line=$1 line_build=$2
shift 2
make_cmd=()
while (( $# )) && [[ $1 != -- ]]; do
    make_cmd+=("$1")
    shift
done
(( $# > 1 )) || die "usage: $0 LINE LINE_BUILD MAKE ARGS... -- TARGET..."
shift
targets=("$@")

results=()
build_seconds=0 boot_seconds=0 other_seconds=0
start_all=$SECONDS
for target in "${targets[@]}"; do
    msg "line $line: $target"
    start=$SECONDS
    if "${make_cmd[@]}" "$target" </dev/null; then
        verdict=PASS
        RECORD_PASSED=$((RECORD_PASSED + 1))
    else
        verdict=FAIL
        RECORD_FAILED=$((RECORD_FAILED + 1))
    fi
    seconds=$((SECONDS - start))
    # A boot's time includes the builds it waited for: none, as each
    # build is listed before the boots that use it.
    case $target in
    *boot*) boot_seconds=$((boot_seconds + seconds)) ;;
    *debug|release|line-toollibs) build_seconds=$((build_seconds + seconds)) ;;
    *) other_seconds=$((other_seconds + seconds)) ;;
    esac
    results+=("$(printf '%s %s (%d s)' "$verdict" "$target" "$seconds")")
done

key=$(cat "$line_build/src/pristine.stamp.key" 2>/dev/null || echo unknown)
msg "line $line: results (${key#git })"
printf '%s\n' "${results[@]}"
printf 'line %s: builds %d s, boots %d s, other %d s, total %d s\n' \
    "$line" "$build_seconds" "$boot_seconds" "$other_seconds" \
    $((SECONDS - start_all))
record_summary
(( RECORD_FAILED == 0 ))
