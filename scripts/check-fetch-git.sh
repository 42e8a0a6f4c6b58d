#!/usr/bin/env bash
# The fetch from git refuses what it must: a ref that is not at its pinned
# commit, a ref that does not exist, a repository that does not exist.
# Each must stop `make fetch` with a non-zero exit and an error naming the
# problem, and leave no pristine tree; the right pin must fetch.
#   check-fetch-git.sh TOP GIT REF PIN
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

(( $# == 4 )) || die "usage: $0 TOP GIT REF PIN"
top=$1 git=$2 ref=$3 pin=$4
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# $1: what; $2: text the error must hold; then the make arguments.
refused()
{
    local what=$1 want=$2 rc=0
    shift 2

    make --no-print-directory -C "$top" BUILD="$scratch/$what" XEN_SRC= \
        "$@" fetch >"$scratch/$what.log" 2>&1 || rc=$?
    if (( rc == 0 )); then
        record FAIL "$what: the fetch succeeded"
    elif ! grep -q '^error: .*'"$want" "$scratch/$what.log"; then
        record FAIL "$what: no error naming '$want':" \
            "$(grep -m1 '^error' "$scratch/$what.log" || tail -n 1 "$scratch/$what.log")"
    elif [[ -e $scratch/$what/src/pristine.stamp ]]; then
        record FAIL "$what: a pristine tree was left behind"
    else
        record PASS "$what: $(grep -m1 '^error' "$scratch/$what.log" | cut -c1-150)"
    fi
}

# A well-formed pin of another commit: the first digit changed.
if [[ ${pin:0:1} == 0 ]]; then
    wrong_pin=1${pin:1}
else
    wrong_pin=0${pin:1}
fi
refused wrong-pin "pins $wrong_pin" XEN_GIT="$git" XEN_REF="$ref" \
    XEN_GIT_COMMIT="$wrong_pin"
refused missing-ref "XEN_REF=no-such-ref-of-xen" XEN_GIT="$git" \
    XEN_REF=no-such-ref-of-xen
refused missing-repository "$scratch/no-such.git" \
    XEN_GIT="$scratch/no-such.git" XEN_REF="$ref"
refused short-pin "not a full 40-hex" XEN_GIT="$git" XEN_REF="$ref" \
    XEN_GIT_COMMIT="${pin:0:12}"
# Control: the same fetch with the right pin succeeds, so the refusals
# above are the pin's doing.
if make --no-print-directory -C "$top" BUILD="$scratch/pinned" XEN_SRC= \
    XEN_GIT="$git" XEN_REF="$ref" XEN_GIT_COMMIT="$pin" fetch \
    >"$scratch/pinned.log" 2>&1; then
    record PASS "control: $ref at its pin ${pin:0:12} is fetched"
else
    record FAIL "control: $ref at its pin does not fetch:" \
        "$(grep -m1 '^error' "$scratch/pinned.log" || tail -n 1 "$scratch/pinned.log")"
fi
record_summary
(( RECORD_FAILED == 0 ))
