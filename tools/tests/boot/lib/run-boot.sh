#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-qemu.sh, retried when QEMU's emulator, not the hypervisor, lost the
# run. QEMU 7.2's TCG emulation of nested SVM now and then makes a vCPU
# triple-fault: with the host's state in its VMCB (RIP right after Xen's
# VMRUN in svm_asm_do_resume, RSP on Xen's stack), on dom0's vCPUs, on
# pristine Xen too, and once on the migration test's guest; or inside
# dom0's kernel while the CPU reads dom0's IDT (CR2 in Linux's
# cpu_entry_area), in minutes-long migration runs and once in a staging
# boot under CI load. A run that ends in such a triple fault with no
# hypervisor error before it is retried up to BOOT_FLAKE_RETRIES times
# (default 2), saying so; the lost run's log is kept beside the log as
# LOG.flakeN. Any other outcome is run-qemu.sh's. A hypervisor bug that
# does that on every run still fails once the retries are spent, and
# every retry is printed.
#
# usage: run-boot.sh run-qemu.sh-ARGS...  (with --log)
# BOOT_RUNNER names another runner with run-qemu.sh's arguments and exit
# status (test-run-boot.sh's stand-in).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
retries=${BOOT_FLAKE_RETRIES:-2}
runner=${BOOT_RUNNER:-$here/run-qemu.sh}

log=''
args=("$@")
while [ $# -ge 2 ]; do
    [ "$1" != --log ] || log=$2
    shift 2
done
[ -n "$log" ] || exec "$runner" "${args[@]}"

hypervisor_error_re='Xen BUG at|mm locking order violation|Panic on CPU'
hypervisor_error_re+='|FATAL TRAP|Assertion'

# True if the run ended in the emulator's triple fault described above:
# dom0's, or any domain's whose dumped state is Xen's own (CS e008), the
# host's state in the guest's VMCB. A guest's triple fault at its own RIP
# is the guest's, and stands.
emulator_flake() {
    ! grep -aqE "$hypervisor_error_re" "$log" || return 1
    grep -aq '(XEN) d0v[0-9]* Triple fault' "$log" && return 0
    # One process, so that no early exit breaks a pipe under pipefail.
    awk '{ sub(/\r$/, "") }
         /^\(XEN\) d[0-9]+v[0-9]+ Triple fault/ { n = 5 }
         n && n-- && /^\(XEN\) RIP: *e008:/ { found = 1 }
         END { exit !found }' "$log"
}

attempt=0
while :; do
    status=0
    "$runner" "${args[@]}" || status=$?
    if [ "$status" = 0 ] || [ "$attempt" -ge "$retries" ] ||
       ! emulator_flake; then
        break
    fi
    attempt=$((attempt + 1))
    mv "$log" "$log.flake$attempt"
    echo "run-boot: dom0 triple-faulted with no hypervisor error before it" \
         "(the QEMU TCG nested-SVM flake, not a hypervisor check); log" \
         "kept as $log.flake$attempt; retry $attempt of $retries"
done
if [ "$attempt" != 0 ]; then
    echo "run-boot: $attempt run(s) lost to the emulator flake before this one"
fi
exit "$status"
