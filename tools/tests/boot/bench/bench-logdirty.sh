#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Log-dirty round times of two hypervisors, side by side: boots A, B, A,
# B, ... under QEMU with the benchmark dom0 (bench-logdirty.c), then the
# table of table.sh. Alternating spreads the machine's drift over both.
# Times are printed, never judged.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
    cat >&2 <<EOF
usage: $0 --a XEN --b XEN --initrd INITRAMFS --log-dir DIR [--boots N]
          [--size MIB] [--rounds N] [--mem MIB] [--dom0-mem MIB]
          [--timeout SEC] [--kernel VMLINUZ] [--xen-args 'ARGS']
  --a, --b    the hypervisors compared (A/B is printed); each is labelled
              by its folder's name, e.g. build/out/debug/xen is "debug"
  --boots N   boots of each, alternated A B A B (default 2)
  --size MIB  measured guest memory, every page dirty: a multiple of 128
              (default 1024)
  --rounds N  timed rounds per boot (default 20)
  --mem, --dom0-mem, --timeout, --kernel, --xen-args
              as ../lib/run-qemu.sh (defaults 2560, 512, 600, its own kernel,
              'dom0_max_vcpus=1')
EOF
    exit 2
}

a='' b='' initrd='' log_dir='' boots=2 size=1024 rounds=20 mem=2560
dom0_mem=512 timeout=600 kernel_args=()
# With two dom0 vCPUs (whose TSCs Linux finds unsynchronised under QEMU),
# clock_gettime() in dom0 was seen to stall and jump: calls timed 0.000 ms,
# then 17 ms. With one vCPU it is fine-grained.
xen_args=dom0_max_vcpus=1
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case $1 in
        --a) a=$2 ;;
        --b) b=$2 ;;
        --initrd) initrd=$2 ;;
        --log-dir) log_dir=$2 ;;
        --boots) boots=$2 ;;
        --size) size=$2 ;;
        --rounds) rounds=$2 ;;
        --mem) mem=$2 ;;
        --dom0-mem) dom0_mem=$2 ;;
        --timeout) timeout=$2 ;;
        --kernel) kernel_args=(--kernel "$2") ;;
        --xen-args) xen_args=$2 ;;
        *) usage ;;
    esac
    shift 2
done
if [ -z "$a" ] || [ -z "$b" ] || [ -z "$initrd" ] || [ -z "$log_dir" ]; then
    usage
fi
for n in "$boots" "$size" "$rounds"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || usage
done
# Whole pages of the dirty bitmap (bench-logdirty.c says why).
if (( size % 128 )); then
    echo "bench-logdirty: --size must be a multiple of 128 MiB" >&2
    exit 2
fi
for f in "$a" "$b" "$initrd"; do
    [ -r "$f" ] || { echo "bench-logdirty: cannot read $f" >&2; exit 1; }
done

label_a=$(basename "$(dirname "$a")")
label_b=$(basename "$(dirname "$b")")
mkdir -p "$log_dir"
echo "bench-logdirty: A=$label_a B=$label_b, $boots boots each," \
     "${size} MiB guest, $rounds rounds per boot"

logs=()
start=$SECONDS
for ((i = 1; i <= boots; i++)); do
    for side in A B; do
        xen=$a label=$label_a
        if [ "$side" = B ]; then
            xen=$b label=$label_b
        fi
        log=$log_dir/bench-logdirty-$i-$side-$label.log
        echo "bench-logdirty: boot $i of $boots, $side ($label)," \
             "$((SECONDS - start)) s so far"
        # A failed boot fails the benchmark: run-qemu.sh says why.
        "$here/../lib/run-qemu.sh" --xen "$xen" --initrd "$initrd" \
            "${kernel_args[@]}" --mem "$mem" --dom0-mem "$dom0_mem" \
            --timeout "$timeout" --log "$log" --expect pass \
            --xen-args "$xen_args" \
            --dom0-args "test_args=--size,$size,--rounds,$rounds" 2>&1 |
            sed 's/^/  /'
        logs+=("$side:$log")
    done
done

echo "bench-logdirty: $((SECONDS - start)) s for $((2 * boots)) boots;" \
     "A=$a, B=$b; ${size} MiB guest"
"$here/table.sh" "$label_a" "$label_b" "${logs[@]}"
