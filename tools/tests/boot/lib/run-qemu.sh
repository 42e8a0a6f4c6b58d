#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot a hypervisor under QEMU (TCG) with a Linux dom0 and an initramfs,
# watch the serial log and decide pass or fail. QEMU is stopped as soon as
# a verdict or a fatal line shows up, or when the timeout expires. The
# options, the watch and the verdict are boot-common.sh's.
set -euo pipefail

runner=run-qemu runner_name=QEMU runner_log_prefix=boot
runner_usage_more="QEMU=PATH picks another QEMU binary."
# shellcheck source=tools/tests/boot/lib/boot-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/boot-common.sh"

runner_option() { return 1; }

boot_parse_args "$@"

qemu=${QEMU:-qemu-system-x86_64}
if ! command -v "$qemu" >/dev/null; then
    echo "$qemu not found" >> "$log"
    die "$qemu not found: install qemu-system-x86 ('make deps')"
fi
for f in "$xen" "$initrd" "$kernel"; do
    [ -r "$f" ] || die "cannot read $f"
done

boot_cmdlines
# QEMU splits multiboot modules at ',': a literal comma is written ',,'.
modules="$kernel ${dom0_cmdline//,/,,},$initrd"

runner_alive() { kill -0 "$qemu_pid" 2>/dev/null; }
runner_stop() {
    runner_status=0
    if kill "$qemu_pid" 2>/dev/null; then
        wait "$qemu_pid" 2>/dev/null || true
    else
        wait "$qemu_pid" 2>/dev/null || runner_status=$?
    fi
    trap - EXIT
}
runner_exited_detail() {
    [ -s "$log.qemu" ] && sed 's/^/qemu: /' "$log.qemu" >&2
    return 0
}

echo "run-qemu: booting $xen with a $dom0 dom0 (timeout ${timeout}s," \
     "log $log)"
boot_start=$(now_ms)
"$qemu" -machine q35 -accel tcg -cpu qemu64,+svm,+npt -smp 2 \
    -device amd-iommu -m "$mem" -display none -no-reboot \
    -serial "file:$log" -kernel "$xen" -append "$xen_cmdline" \
    -initrd "$modules" > "$log.qemu" 2>&1 &
qemu_pid=$!
trap 'kill "$qemu_pid" 2>/dev/null || true' EXIT

boot_watch
boot_verdict
