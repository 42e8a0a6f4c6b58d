#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boots a hypervisor with the migration test's dom0 (../lib/run-qemu.sh) and
# prints the scenario's figures from the serial log: the summary of a
# passing run, or, for a negative control, how far the scenario got before
# the hypervisor stopped or the expected check failed.
#
# QEMU 7.2's TCG emulation of nested SVM now and then makes a dom0 vCPU
# triple-fault with the host's state (RIP right after Xen's VMRUN in
# svm_asm_do_resume, RSP on Xen's stack), during xl migrate/restore; it
# happens on pristine 4.17 too.  A run that ends that way, and only that
# way, is retried up to MIGRATE_FLAKE_RETRIES times (default 2), saying so;
# the failed run's log is kept beside LOG.
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

retries=${MIGRATE_FLAKE_RETRIES:-2}
syms=$(dirname "$xen")/xen-syms

# True if the run ended in the emulator's triple fault described above.
emulator_flake() {
    local rip
    rip=$(tr -d '\r' <"$log" |
          grep -a -A4 '(XEN) d0v[0-9]* Triple fault' |
          sed -n 's/^(XEN) RIP: *e008:\[<\(ffff82d0[0-9a-f]*\)>\].*/\1/p' |
          head -n 1)
    [ -n "$rip" ] && [ -r "$syms" ] &&
        [ "$(addr2line -f -e "$syms" "0x$rip" | head -n 1)" = \
          svm_asm_do_resume ]
}

attempt=0
while :; do
    status=0
    "$here/../lib/run-qemu.sh" --xen "$xen" --initrd "$initrd" --log "$log" \
        --expect "$expect" "$@" || status=$?
    if [ "$status" = 0 ] || [ "$attempt" -ge "$retries" ] ||
       ! emulator_flake; then
        break
    fi
    attempt=$((attempt + 1))
    mv "$log" "$log.flake$attempt"
    echo "migrate-check: dom0 triple-faulted right after VMRUN (the QEMU" \
         "TCG nested-SVM flake, not a hypervisor check); log kept as" \
         "$log.flake$attempt; retry $attempt of $retries"
done

scenario_lines() { tr -d '\r' <"$log" | grep -a '^migrate: ' || true; }

echo "migrate-check: figures from $log"
case $expect in
    pass)
        if [ "$status" = 0 ]; then
            scenario_lines | sed -n '/migrate: summary:/,$p' | sed 's/^/  /'
        else
            scenario_lines |
                grep -E '^migrate: (migration [0-9]+:|save |FAIL)' |
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
if [ "$attempt" != 0 ]; then
    echo "migrate-check: $attempt run(s) lost to the emulator flake before" \
         "this one"
fi
exit "$status"
