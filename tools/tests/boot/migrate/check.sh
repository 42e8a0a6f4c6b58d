#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boots a hypervisor with the migration test's dom0 (../lib/run-qemu.sh) and
# prints the scenario's figures from the serial log: the summary of a
# passing run, or, for a negative control, how far the scenario got before
# the hypervisor stopped or the expected check failed.
#
# A run lost to QEMU's nested-SVM triple fault is retried by
# ../lib/run-boot.sh (MIGRATE_FLAKE_RETRIES times, default 4), which says so.
# A migration run keeps dom0 busy for minutes, and the fault's rate grows
# with that time: on a loaded 2-core machine one run in two or more was
# lost to it (three in a row once), so these runs get more retries than
# the short boots' 2.
#
# usage: check.sh EXPECT XEN INITRD LOG [run-qemu.sh args...]
#   EXPECT is run-qemu.sh's --expect: pass, violation or fail:CHECK-PREFIX
set -euo pipefail

if [ $# -lt 4 ]; then
    echo "usage: $0 pass|violation|fail:PREFIX XEN INITRD LOG" \
         "[run-qemu.sh args...]" >&2
    exit 2
fi
expect=$1 xen=$2 initrd=$3 log=$4
shift 4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

status=0
BOOT_FLAKE_RETRIES=${MIGRATE_FLAKE_RETRIES:-4} \
    "$here/../lib/run-boot.sh" --xen "$xen" --initrd "$initrd" --log "$log" \
    --expect "$expect" "$@" || status=$?

scenario_lines() { tr -d '\r' <"$log" | grep -a '^migrate: ' || true; }

echo "migrate-check: figures from $log"
case $expect in
    pass)
        if [ "$status" = 0 ]; then
            scenario_lines | sed -n '/migrate: summary:/,$p' | sed 's/^/  /'
        else
            scenario_lines |
                grep -E '^migrate: (pvh? (migration [0-9]+:|save )|FAIL)' |
                sed 's/^/  /'
        fi
        ;;
    violation)
        scenario_lines | tail -n 4 | sed 's/^/  /'
        echo "  (the scenario's last words before the hypervisor stopped)"
        ;;
    *)
        tr -d '\r' <"$log" |
            grep -a -E -e '^migrate: (negative|migration [0-9]+ of|FAIL)' \
                 -e 'MISMATCH' | sed 's/^/  /'
        ;;
esac
exit "$status"
