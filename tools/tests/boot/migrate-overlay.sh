#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Packs the small part of the migration test's dom0 initramfs: /init, the
# scenario, the test guest and the Xen driver modules the toolstack needs
# (with their dependencies).  The kernel unpacks concatenated cpio archives
# in order, so this one is appended to the base from migrate-rootfs.sh.
#
# usage: migrate-overlay.sh KERNEL_TREE INIT SCENARIO GUEST SHIM_SO OUT.cpio.gz
#   KERNEL_TREE holds lib/modules/<version>/ for exactly one version;
#   SHIM_SO is the toolstack shim built from migrate-shim.c.
set -euo pipefail

if [ $# -ne 6 ]; then
    echo "usage: $0 KERNEL_TREE INIT SCENARIO GUEST SHIM_SO OUT.cpio.gz" >&2
    exit 2
fi
kernel_tree=$1
init=$2
scenario=$3
guest=$4
shim_so=$5
out=$6
modules="xen-privcmd xen-evtchn xen-gntdev xen-gntalloc xenfs"

shopt -s nullglob
versions=("$kernel_tree"/lib/modules/*/)
if [ ${#versions[@]} -ne 1 ]; then
    echo "error: expected one kernel version under $kernel_tree/lib/modules," \
         "found ${#versions[@]}" >&2
    exit 1
fi
moddir=${versions[0]%/}
version=${moddir##*/}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

install -D -m 755 "$init" "$stage/init"
install -D -m 755 "$scenario" "$stage/usr/lib/migrate-test/migrate-scenario.sh"
install -D -m 644 "$guest" "$stage/usr/lib/migrate-test/mig-guest"
install -D -m 644 "$shim_so" \
    "$stage/usr/lib/migrate-test/migrate-shim.so"

# Copies a module and, first, the modules it depends on.
add_module() {
    local name=$1 file dep dest
    file=$(find -L "$moddir/kernel" \( -name "$name.ko" -o -name "$name.ko.*" \
           -o -name "${name//-/_}.ko" -o -name "${name//-/_}.ko.*" \) |
           head -n1)
    if [ -z "$file" ]; then
        if grep -qs "/${name}.ko" "$moddir/modules.builtin"; then
            return 0
        fi
        echo "error: module $name not found under $moddir" >&2
        exit 1
    fi
    dest=$stage/usr/lib/modules/$version/${file#"$moddir"/}
    [ -e "$dest" ] && return 0
    for dep in $(modinfo -F depends "$file" | tr ',' ' '); do
        add_module "$dep"
    done
    install -D -m 644 "$file" "$dest"
    added+=" ${file##*/}"
}
added=
for module in $modules; do
    add_module "$module"
done
for meta in modules.builtin modules.builtin.modinfo modules.order; do
    if [ -e "$moddir/$meta" ]; then
        install -m 644 "$moddir/$meta" "$stage/usr/lib/modules/$version/"
    fi
done
depmod -b "$stage/usr" "$version"

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "migrate-overlay: $out ($(du -k "$out" | cut -f1) KiB; kernel $version," \
     "modules:$added)"
