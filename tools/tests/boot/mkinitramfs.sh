#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the test dom0's initramfs: busybox-static, the Xen modules dom0
# needs (and what they depend on), the client and /init.
# Usage: mkinitramfs.sh KERNEL_DIR CLIENT INIT OUTPUT
set -euo pipefail

XEN_MODULES=(xen-privcmd xen-evtchn xen-gntdev xen-gntalloc xenfs)

if [ $# -ne 4 ]; then
    echo "usage: $0 KERNEL_DIR CLIENT INIT OUTPUT" >&2
    exit 2
fi
kernel_dir=$1 client=$2 init=$3 output=$4

busybox=/bin/busybox
if [ ! -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
    echo "mkinitramfs: $busybox is not static: install busybox-static" >&2
    exit 1
fi
modules_root=$(echo "$kernel_dir"/lib/modules/*/)
if [ ! -d "$modules_root/kernel" ]; then
    echo "mkinitramfs: no modules under $kernel_dir (run 'make kernel')" >&2
    exit 1
fi

stage=$(mktemp -d "${output%/*}/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,etc,proc,sys,lib/modules}

module_file() {
    # Module names use '-' and '_' interchangeably.
    local pattern=${1//[-_]/[-_]}.ko
    find "$modules_root/kernel" -name "$pattern" -print -quit
}

declare -A added=()
# Depth-first, so that each module comes after what it depends on.
add_module() {
    local name=${1//_/-} file dep
    [ -n "${added[$name]:-}" ] && return
    added[$name]=1
    file=$(module_file "$name")
    if [ -z "$file" ]; then
        echo "mkinitramfs: module $name not found under $modules_root" >&2
        exit 1
    fi
    for dep in $(modinfo -F depends "$file" | tr , ' '); do
        add_module "$dep"
    done
    cp "$file" "$stage/lib/modules/"
    echo "${file##*/}" >> "$stage/etc/modules.order"
}
for module in "${XEN_MODULES[@]}"; do
    add_module "$module"
done

cp "$busybox" "$stage/bin/busybox"
cp "$client" "$stage/bin/"
cp "$init" "$stage/init"
chmod 755 "$stage/init" "$stage/bin/"*

(cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
    gzip -1 > "$output.tmp"
mv "$output.tmp" "$output"
echo "mkinitramfs: $output ($(du -k "$output" | cut -f1) KiB;" \
     "modules: $(paste -sd' ' "$stage/etc/modules.order"))"
