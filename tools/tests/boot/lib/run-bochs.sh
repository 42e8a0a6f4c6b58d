#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot a hypervisor under Bochs (an emulated Intel CPU with VMX, EPT and
# PML) with a Linux dom0 and an initramfs, watch the serial log and decide
# pass or fail, as run-qemu.sh does under QEMU: the options, the watch and
# the verdict are boot-common.sh's. Bochs boots a GRUB ISO made here of
# the hypervisor, the kernel and the initramfs; its X display runs under
# Xvfb. Bochs and Xvfb are stopped as soon as a verdict or a fatal line
# shows up, or when the timeout expires. Beside the log: LOG.bochsrc (the
# configuration used), LOG.bochs (Bochs's own log), LOG.bochs-out (its
# output), LOG.times (each check with the wall time it appeared at).
set -euo pipefail

runner=run-bochs runner_name=Bochs runner_log_prefix=vmx
runner_default_timeout=1200
runner_usage_more="          [--cpus N] [--ips N]
  --cpus N   emulated CPUs (default 1); --ips N Bochs's instructions per
             emulated second (default 400000000); default timeout 1200 s;
             BOCHS=PATH picks another Bochs binary."
# shellcheck source=tools/tests/boot/lib/boot-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/boot-common.sh"

cpus=1 ips=400000000
runner_option() {
    case $1 in
        --cpus) cpus=$2 ;;
        --ips) ips=$2 ;;
        *) return 1 ;;
    esac
}

boot_parse_args "$@"
[[ $cpus =~ ^[1-8]$ ]] || boot_usage "--cpus must be 1 to 8: '$cpus'"
[[ $ips =~ ^[1-9][0-9]{5,9}$ ]] ||
    boot_usage "--ips must be a number from 100000: '$ips'"

bochs=${BOCHS:-bochs}
for tool in "$bochs:bochs" xvfb-run:xvfb xauth:xauth \
            grub-mkrescue:grub-common xorriso:xorriso mformat:mtools; do
    command -v "${tool%%:*}" >/dev/null ||
        die "${tool%%:*} not found: install ${tool#*:} ('make deps')"
done
[ -d /usr/lib/grub/i386-pc ] ||
    die "no GRUB for BIOS (/usr/lib/grub/i386-pc): install grub-pc-bin" \
        "('make deps')"
[ -e /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_x_gui.so ] ||
    die "no X display for Bochs: install bochs-x ('make deps')"
for f in BIOS-bochs-latest VGABIOS-lgpl-latest; do
    [ -r "/usr/share/bochs/$f" ] ||
        die "no /usr/share/bochs/$f: install bochsbios vgabios ('make deps')"
done
for f in "$xen" "$initrd" "$kernel"; do
    [ -r "$f" ] || die "cannot read $f"
done

# Bochs has no IOMMU; its VGA is left in text mode. With Bochs's APIC
# virtualisation (virtual interrupt delivery) a PVH dom0's clock stops
# once it switches to the TSC clocksource and its boot hangs probing the
# i8042 (Bochs logs "Clear Virtual Interrupt Vector 0x0" over and over):
# apicv=0 leaves it out.
xen_args="dom0-iommu=none vga=text-80x25 apicv=0${xen_args:+ $xen_args}"
# With more than one CPU, Xen's x2APIC cluster mode hits
# BUG_ON(!(msr_content & 0xffff)) in send_IPI_mask_x2apic_cluster(): the
# logical x2APIC ids it reads from Bochs are 0. Physical mode works.
[ "$cpus" = 1 ] || xen_args="x2apic_phys=1 $xen_args"
boot_cmdlines
case "$xen_cmdline $dom0_cmdline" in
    *[\"\'\\\$\;\{\}]*)
        die "a command line holds a character GRUB would interpret:" \
            "$xen_cmdline / $dom0_cmdline" ;;
esac

work=$(mktemp -d "$log.work.XXXXXX")
bochs_pid=''
# shellcheck disable=SC2317 # the EXIT trap runs it
cleanup() {
    [ -z "$bochs_pid" ] || runner_stop
    rm -rf "$work"
}
trap cleanup EXIT

# The GRUB ISO: the hypervisor, the kernel, the initramfs, a serial menu.
iso_start=$(now_ms)
mkdir -p "$work/iso/boot/grub"
cp "$xen" "$work/iso/boot/xen"
cp "$kernel" "$work/iso/boot/vmlinuz"
cp "$initrd" "$work/iso/boot/initrd.gz"
cat > "$work/iso/boot/grub/grub.cfg" <<EOF
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
set default=0
menuentry 'Xen under test' {
    set gfxpayload=text
    multiboot2 /boot/xen $xen_cmdline
    module2 /boot/vmlinuz $dom0_cmdline
    module2 /boot/initrd.gz
}
EOF
TMPDIR=$work grub-mkrescue -o "$work/boot.iso" "$work/iso" \
    > "$work/grub.log" 2>&1 ||
    { sed 's/^/grub-mkrescue: /' "$work/grub.log" >&2
      die "grub-mkrescue failed"; }
rm -rf "$work/iso"

cat > "$log.bochsrc" <<EOF
megs: $mem
cpu: model=corei7_skylake_x, count=$cpus, ips=$ips, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path=$work/boot.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$log
display_library: x, options="nokeyrepeat"
log: $log.bochs
clock: sync=none, time0=local
panic: action=report
error: action=report
EOF
# Bochs's internal debugger stops at the first instruction: continue.
echo c > "$work/debugger.rc"

# Stops Bochs (then xvfb-run stops Xvfb and cleans up), by process id;
# whatever is left of the process group after 10 s is killed.
runner_alive() { kill -0 "$bochs_pid" 2>/dev/null; }
runner_stop() {
    local pid
    runner_status=0
    if runner_alive; then
        for pid in $(pgrep -P "$bochs_pid" || true); do
            kill "$pid" 2>/dev/null || true
        done
        for _ in $(seq 50); do
            runner_alive || break
            sleep 0.2
        done
        kill -- "-$bochs_pid" 2>/dev/null || true
        sleep 1
        kill -KILL -- "-$bochs_pid" 2>/dev/null || true
        wait "$bochs_pid" 2>/dev/null || true
    else
        wait "$bochs_pid" 2>/dev/null || runner_status=$?
    fi
    bochs_pid=''
}
runner_exited_detail() {
    [ -s "$log.bochs-out" ] && tail -n 20 "$log.bochs-out" |
        sed 's/^/bochs: /' >&2
    grep -a -m5 'PANIC\|ERROR' "$log.bochs" 2>/dev/null |
        sed 's/^/bochs log: /' >&2
    return 0
}

echo "run-bochs: booting $xen with a $dom0 dom0 on $cpus emulated Intel" \
     "CPU(s) (ISO made in $(seconds $(( $(now_ms) - iso_start )));" \
     "timeout ${timeout}s, log $log)"
boot_times=$log.times
boot_start=$(now_ms)
# Its own session and process group, so that nothing of it outlives us;
# xvfb-run's files go to the work directory.
TMPDIR=$work setsid xvfb-run -a -s "-screen 0 1024x768x24" \
    "$bochs" -q -f "$log.bochsrc" -rc "$work/debugger.rc" \
    < /dev/null > "$log.bochs-out" 2>&1 &
bochs_pid=$!

boot_watch
boot_verdict
