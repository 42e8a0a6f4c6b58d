#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Two boot logs give the same verdict to every check whose name starts
# with one of PREFIXES (P1|P2...): the same checks, each PASS or FAIL in
# both. Prints the checks compared and every difference.
# usage: same-verdicts.sh PREFIXES LOG-A LOG-B
set -euo pipefail

die() { echo "same-verdicts: $*" >&2; exit 1; }

[ $# -eq 3 ] || { echo "usage: $0 PREFIXES LOG-A LOG-B" >&2; exit 2; }
prefixes=$1 a=$2 b=$3
for log in "$a" "$b"; do
    [ -s "$log" ] || die "$log is missing or empty: run its boot first"
    grep -aq 'RESULT: ' "$log" || die "$log has no verdict"
done

# "name verdict" of each check named with one of the prefixes, sorted.
verdicts() {
    local pattern
    pattern="^CHECK (${prefixes//./\\.})[^:]*: (PASS|FAIL)"
    grep -aE "$pattern" "$1" | tr -d '\r' |
        sed -E 's/^CHECK ([^:]*): (PASS|FAIL).*/\1 \2/' | LC_ALL=C sort
}

va=$(verdicts "$a")
vb=$(verdicts "$b")
[ -n "$va" ] || die "no check named $prefixes* in $a"
if ! differences=$(diff <(echo "$va") <(echo "$vb")); then
    echo "same-verdicts: FAIL: the verdicts differ (< $a, > $b):" >&2
    echo "$differences" | grep '^[<>]' >&2
    exit 1
fi
echo "same-verdicts: PASS: $(wc -l <<< "$va") checks ($prefixes*), the" \
     "same verdicts in"
echo "  $a"
echo "  $b"
echo "$va" | awk '{ n[$2]++ }
    END { for (v in n) printf "  %s: %d\n", v, n[v] }'
