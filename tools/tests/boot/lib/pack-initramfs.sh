#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Pack a dom0 initramfs (gzip'd newc cpio): our /init (init beside this
# script), the program it runs, the Xen modules dom0 needs with what they
# depend on, and any other files.
#   --busybox   a whole root: busybox-static and a merged /usr as Debian's
#               (/lib -> usr/lib); without it, an overlay for a root that
#               has its own, such as the migration test's debootstrapped
#               dom0 (the kernel unpacks concatenated archives in order)
#   --program SRC:DEST  what /init runs, installed at DEST
#   --file SRC:DEST     another file, installed at DEST (repeatable)
# Usage: pack-initramfs.sh [--busybox] --kernel KERNEL_DIR
#            --program SRC:DEST [--file SRC:DEST]... OUTPUT
set -euo pipefail

XEN_MODULES=(xen-privcmd xen-evtchn xen-gntdev xen-gntalloc xenfs)

usage()
{
    echo "usage: $0 [--busybox] --kernel KERNEL_DIR --program SRC:DEST" \
         "[--file SRC:DEST]... OUTPUT" >&2
    exit 2
}

die()
{
    echo "pack-initramfs: $*" >&2
    exit 1
}

busybox=n kernel_dir='' program='' files=()
while [ $# -gt 1 ]; do
    case $1 in
        --busybox) busybox=y; shift; continue ;;
        --kernel) kernel_dir=$2 ;;
        --program) program=$2 ;;
        --file) files+=("$2") ;;
        *) usage ;;
    esac
    shift 2
done
if [ $# -ne 1 ] || [ -z "$kernel_dir" ] || [ -z "$program" ]; then
    usage
fi
output=$1
for spec in "$program" "${files[@]}"; do
    [[ $spec == ?*:/?* ]] || usage
    [ -r "${spec%%:*}" ] || die "cannot read ${spec%%:*}"
done

shopt -s nullglob
versions=("$kernel_dir"/lib/modules/*/)
[ ${#versions[@]} -eq 1 ] ||
    die "expected one kernel under $kernel_dir/lib/modules, found" \
        "${#versions[@]} (run 'make kernel')"
moddir=${versions[0]%/}
version=${moddir##*/}

mkdir -p "$(dirname "$output")"
stage=$(mktemp -d "$(dirname "$output")/initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
dest_modules=usr/lib/modules/$version

# Copies module $1, after the modules it depends on, and appends it to the
# load order; a module built into the kernel needs nothing.
declare -A added=()
add_module()
{
    local name=${1//_/-} file dep pattern

    [ -n "${added[$name]:-}" ] && return 0
    added[$name]=1
    pattern=${name//-/[-_]}.ko
    file=$(find -L "$moddir/kernel" \( -name "$pattern" -o \
           -name "$pattern.*" \) -print -quit)
    if [ -z "$file" ]; then
        grep -qsE "/$pattern(\\..*)?\$" "$moddir/modules.builtin" &&
            return 0
        die "module $name neither under $moddir/kernel nor built in"
    fi
    for dep in $(modinfo -F depends "$file" | tr , ' '); do
        add_module "$dep"
    done
    install -D -m 644 "$file" "$stage/$dest_modules/${file#"$moddir"/}"
    echo "/$dest_modules/${file#"$moddir"/}" >>"$stage/etc/boot-test.modules"
}

mkdir -p "$stage/etc" "$stage/$dest_modules"
: >"$stage/etc/boot-test.modules"
for module in "${XEN_MODULES[@]}"; do
    add_module "$module"
done
# So that modprobe also works, as the toolstack's scripts use it.
for meta in modules.builtin modules.builtin.modinfo modules.order; do
    [ -e "$moddir/$meta" ] && install -m 644 "$moddir/$meta" \
        "$stage/$dest_modules/"
done
depmod -b "$stage/usr" "$version"

if [ "$busybox" = y ]; then
    if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
        die "/bin/busybox is not static: install busybox-static"
    fi
    mkdir -p "$stage"/{dev,proc,sys}
    install -D -m 755 /bin/busybox "$stage/usr/bin/busybox"
    ln -s usr/bin "$stage/bin"
    ln -s usr/bin "$stage/sbin"
    ln -s usr/lib "$stage/lib"
fi
install -m 755 "$(dirname "$0")/init" "$stage/init"
for spec in "$program" "${files[@]}"; do
    install -D -m 755 "${spec%%:*}" "$stage/${spec#*:}"
done
echo "program=${program#*:}" >"$stage/etc/boot-test.conf"

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0) | gzip -1 >"$output.tmp"
mv "$output.tmp" "$output"
echo "pack-initramfs: $output ($(du -k "$output" | cut -f1) KiB; kernel" \
     "$version; modules: $(sed 's|.*/||' "$stage/etc/boot-test.modules" |
                           paste -sd' '))"
