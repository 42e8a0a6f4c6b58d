#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The table of bench-logdirty: from the serial logs of the boots of two
# hypervisors, the median time of each log-dirty call over every round of
# every boot of each, per-boot medians, and the ratio A/B.
#   table.sh A-LABEL B-LABEL A:LOG|B:LOG...
#   table.sh --self-test
# A ratio is printed, never judged: the exit status only says whether every
# log had rounds in it.
set -euo pipefail

usage() {
    echo "usage: $0 A-LABEL B-LABEL A:LOG|B:LOG... | --self-test" >&2
    exit 2
}

# Lines "SIDE BOOT OP MS" from the BENCH lines of the logs.
samples() {
    local arg side log boot=0 lines
    for arg in "$@"; do
        side=${arg%%:*} log=${arg#*:}
        if [[ $side != [AB] || $log == "$arg" ]]; then
            usage
        fi
        boot=$((boot + 1))
        lines=$(tr -d '\r' < "$log" | grep -a '^BENCH round=' || true)
        if [ -z "$lines" ]; then
            echo "bench-logdirty-table: no BENCH rounds in $log" >&2
            return 1
        fi
        sed -E 's/.*mark_ms=([0-9.]+) peek_ms=([0-9.]+)/\1 \2/
                s/ clean_ms=([0-9.]+) null_ms=([0-9.]+).*/ \1 \2/' \
            <<< "$lines" |
            awk -v s="$side" -v b="$boot" \
                '{ print s, b, "mark", $1; print s, b, "peek", $2;
                   print s, b, "clean", $3; print s, b, "null", $4 }'
    done
}

# "KEY MEDIAN COUNT" of the values (last field) of each KEY (the others),
# given sorted by key, then value.
# shellcheck disable=SC2016 # awk code
MEDIANS='
    function flush() {
        if (!n) return
        m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        print key, m, n
    }
    { k = $1; for (i = 2; i < NF; i++) k = k " " $i }
    k != key { flush(); key = k; n = 0 }
    { v[++n] = $NF }
    END { flush() }'

table() {
    local a_label=$1 b_label=$2 data
    shift 2
    data=$(samples "$@") || return 1
    awk -v a="$a_label" -v b="$b_label" '
        $1 == "pooled" { med[$2, $3] = $4; cnt[$2] = $5 }
        $1 == "boot" { per[$2, $4] = per[$2, $4] sprintf(" %.3f", $5) }
        END {
            printf "Log-dirty call times in dom0, ms: median of %d rounds " \
                   "of A, %d of B\n", cnt["A"], cnt["B"]
            printf "%-26s %12s %12s %8s\n", "call", "A: " a, "B: " b, "A/B"
            split("peek clean mark null", ops, " ")
            split("PEEK round;CLEAN round;mark every page (DMOP);" \
                  "control: 1000 xen_version", names, ";")
            for (i = 1; i <= 4; i++) {
                o = ops[i]
                r = med["B", o] > 0 ? med["A", o] / med["B", o] : 0
                printf "%-26s %12.3f %12.3f %8.3f\n", names[i], med["A", o],
                       med["B", o], r
            }
            print "Medians of each boot, in boot order:"
            for (i = 1; i <= 4; i++) {
                o = ops[i]
                printf "  %-6s A:%s  B:%s\n", o, per["A", o], per["B", o]
            }
        }' < <(
            awk '{ print $1, $3, $4 }' <<< "$data" | sort -k1,2 -k3,3g |
                awk "$MEDIANS" | sed 's/^/pooled /'
            sort -k1,1 -k2,2n -k3,3 -k4,4g <<< "$data" | awk "$MEDIANS" |
                sed 's/^/boot /'
        )
}

# Synthetic logs with known medians, so that the table cannot rot.
# shellcheck disable=SC2059 # $fmt is a format of ours
self_test() {
    local dir out want
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' RETURN
    local fmt='BENCH round=%d mark_ms=%s peek_ms=%s clean_ms=%s null_ms=%s'
    printf "$fmt dirty=1/1\r\n" 1 10 1.0 2.0 5  2 30 3.0 4.0 7 \
        3 20 2.0 9.0 6 > "$dir/a1"
    printf "$fmt dirty=1/1\n" 1 40 4.0 1.0 8 > "$dir/a2"
    printf "(XEN) x\n$fmt x\n" 1 10 2.0 2.0 4  2 10 2.0 2.0 4 > "$dir/b1"
    echo '(XEN) no rounds' > "$dir/none"
    out=$(table patched pristine "A:$dir/a1" "B:$dir/b1" "A:$dir/a2")
    printf '%s\n' "$out"
    # A: peek 1,2,3,4 -> 2.5; clean 1,2,4,9 -> 3; mark 10,20,30,40 -> 25;
    # null 5,6,7,8 -> 6.5.
    want='PEEK round 2.500 2.000 1.250
CLEAN round 3.000 2.000 1.500
mark every page (DMOP) 25.000 10.000 2.500
control: 1000 xen_version 6.500 4.000 1.625'
    if [ "$(grep -E '^(PEEK|CLEAN|mark|control)' <<< "$out" | tr -s ' ')" \
         != "$(tr -s ' ' <<< "$want")" ]; then
        echo "bench-logdirty-table: self-test FAILED, expected:" >&2
        echo "$want" >&2
        return 1
    fi
    if table x y "A:$dir/none" "B:$dir/b1" 2>/dev/null; then
        echo "bench-logdirty-table: self-test FAILED: a log without" \
             "rounds was accepted" >&2
        return 1
    fi
    echo "bench-logdirty-table: self-test passed"
}

if [ "${1:-}" = --self-test ]; then
    [ $# -eq 1 ] || usage
    self_test
    exit
fi
[ $# -ge 4 ] || usage
table "$@"
