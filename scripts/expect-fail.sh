#!/usr/bin/env bash
# Run a negative control: a command that must fail, and fail with a given
# message. Succeeds only if CMD exits non-zero and its output (stdout and
# stderr, kept in FILE) matches the extended regex; then prints the first
# matching line. Otherwise prints why, the log's tail and path, and exits 1.
#   expect-fail.sh --log FILE --match ERE [--about TEXT] -- CMD [ARG...]
#   expect-fail.sh --self-test
# Exit status: 0 the control failed as it must, 1 it did not, 2 bad usage.
set -euo pipefail

usage()
{
    echo "usage: $0 --log FILE --match ERE [--about TEXT] -- CMD [ARG...]" >&2
    echo "       $0 --self-test" >&2
    exit 2
}

self_test()
{
    local dir self=$0
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' RETURN
    "$self" --log "$dir/a" --match '^boom$' -- sh -c 'echo boom; exit 3' \
        >/dev/null || { echo "$0: self-test: a matching failure" >&2; return 1; }
    ! "$self" --log "$dir/b" --match boom -- sh -c 'echo boom' \
        >/dev/null 2>&1 || { echo "$0: self-test: a success" >&2; return 1; }
    ! "$self" --log "$dir/c" --match boom -- sh -c 'echo bang; exit 1' \
        >/dev/null 2>&1 || { echo "$0: self-test: a mismatch" >&2; return 1; }
    "$self" --log "$dir/d" -- true >/dev/null 2>&1 && {
        echo "$0: self-test: usage without --match" >&2; return 1; }
    echo "expect-fail.sh: self-test passed (1 expected failure, 1 success," \
         "1 wrong message, 1 bad usage)"
}

log='' match='' about=''
while (( $# )); do
    case $1 in
        --log) (( $# >= 2 )) || usage; log=$2; shift 2 ;;
        --match) (( $# >= 2 )) || usage; match=$2; shift 2 ;;
        --about) (( $# >= 2 )) || usage; about=$2; shift 2 ;;
        --self-test) self_test; exit ;;
        --) shift; break ;;
        *) echo "$0: unknown argument '$1'" >&2; usage ;;
    esac
done
[[ -n $log && -n $match && $# -gt 0 ]] || usage

what=${about:+ ($about)}
mkdir -p "$(dirname "$log")"
status=0
"$@" >"$log" 2>&1 </dev/null || status=$?

if (( status == 0 )); then
    reason="the command succeeded, so this control cannot fail"
elif ! first=$(grep -E -m 1 -e "$match" "$log"); then
    reason="the command failed (exit $status), but not with /$match/"
else
    echo "negative control$what fails as it must: $first"
    exit 0
fi

echo "negative control$what: FAIL: $reason: $*" >&2
echo "---- last 40 lines of $log ----" >&2
tail -n 40 "$log" >&2
echo "---- end of $log ----" >&2
exit 1
