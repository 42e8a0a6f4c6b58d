#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-qemu.sh, retried when QEMU's emulator, not the hypervisor, lost the
# run. QEMU 7.2's TCG emulation of nested SVM now and then makes a dom0
# vCPU triple-fault with the host's state (RIP right after Xen's VMRUN in
# svm_asm_do_resume, RSP on Xen's stack); it happens on pristine Xen too.
# A run that ends that way, and only that way, is retried up to
# BOOT_FLAKE_RETRIES times (default 2), saying so; the lost run's log is
# kept beside the log as LOG.flakeN. Any other outcome is run-qemu.sh's.
# With BOOT_FLAKE_ANY_DOM0_TRIPLE=1 (the migration runs) a dom0 triple
# fault at any RIP counts too: in minutes-long migration runs under CI
# load the same emulator has also made a dom0 vCPU triple-fault inside
# dom0's kernel, with no hypervisor message before it. A hypervisor bug
# that does that on every run still fails once the retries are spent, and
# every retry is printed.
#
# usage: run-boot.sh run-qemu.sh-ARGS...  (with --xen and --log)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
retries=${BOOT_FLAKE_RETRIES:-2}

xen='' log=''
args=("$@")
while [ $# -ge 2 ]; do
    case $1 in
        --xen) xen=$2 ;;
        --log) log=$2 ;;
    esac
    shift 2
done
if [ -z "$xen" ] || [ -z "$log" ]; then
    exec "$here/run-qemu.sh" "${args[@]}"
fi
syms=$(dirname "$xen")/xen-syms

hypervisor_error_re='Xen BUG at|mm locking order violation|Panic on CPU'
hypervisor_error_re+='|FATAL TRAP|Assertion'

# True if the run ended in the emulator's triple fault described above.
emulator_flake() {
    local rip
    if [ "${BOOT_FLAKE_ANY_DOM0_TRIPLE:-0}" = 1 ] &&
       grep -aq '(XEN) d0v[0-9]* Triple fault' "$log" &&
       ! grep -aqE "$hypervisor_error_re" "$log"; then
        return 0
    fi
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
    "$here/run-qemu.sh" "${args[@]}" || status=$?
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
