#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Fetch the dom0 kernel without installing it: the package that Debian's
# linux-image-amd64 depends on in DEBIAN_SUITE (and its -updates; with an
# empty DEBIAN_MIRROR, from every entry of this machine's apt sources for
# that suite, -security included), downloaded with apt-get through a local
# apt configuration in DL_DIR/apt-kernel and unpacked with dpkg-deb into
# KERNEL_DIR (KERNEL_DIR/vmlinuz, KERNEL_DIR/lib/modules/VER).
# Usage: DEBIAN_SUITE=... DEBIAN_MIRROR=... DEBIAN_KEYRING=... \
#        fetch-kernel.sh DL_DIR KERNEL_DIR
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/../../../..
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../../../../scripts/lib.sh"

[ $# -eq 2 ] || die "usage: $0 DL_DIR KERNEL_DIR"
dl=$1 kernel_dir=$2
: "${DEBIAN_SUITE:?from Config.mk}"

need_tools apt-get:apt apt-cache:apt dpkg-deb:dpkg

# Sets package: the kernel package that linux-image-amd64 depends on.
package=
find_package() {
    local entries=()

    mapfile -t entries < <(debian_archive_entries "$DEBIAN_SUITE" \
                           "${DEBIAN_MIRROR:-}")
    [ ${#entries[@]} -gt 0 ] ||
        die "no apt source of this machine serves Debian's" \
            "$DEBIAN_SUITE/main; set DEBIAN_MIRROR=<URI of a Debian archive>"
    debian_apt_setup "$dl/apt-kernel" deb "${entries[@]}"
    msg "kernel: reading the package index of ${entries[*]}"
    run_logged "apt-get update" "$dl/apt-kernel/update.log" \
        apt-get "${debian_apt_opts[@]}" -o APT::Sandbox::User=root \
        update --error-on=any ||
        die "cannot read Debian's archive (${entries[*]}):" \
            "check the network or set DEBIAN_MIRROR"
    package=$(apt-cache "${debian_apt_opts[@]}" depends linux-image-amd64 \
              2>/dev/null | awk '
        $1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
    [ -n "$package" ] || die "no linux-image-amd64 in ${entries[*]}"
}

fetch() {
    local deb vmlinuz
    # Another make may have fetched it while this one waited for the lock.
    if [ -e "$kernel_dir/vmlinuz" ]; then
        msg "kernel: $kernel_dir/vmlinuz is there"
        return 0
    fi
    mkdir -p "$dl"
    find_package
    deb=$(find "$dl" -maxdepth 1 -name "${package}_*_amd64.deb" -print -quit)
    if [ -z "$deb" ]; then
        msg "kernel: apt-get download $package"
        # The sandbox user cannot write to a root-owned build tree.
        (cd "$dl" && apt-get download -q "${debian_apt_opts[@]}" \
            -o APT::Sandbox::User=root "$package") ||
            die "apt-get download $package failed"
        deb=$(find "$dl" -maxdepth 1 -name "${package}_*_amd64.deb" \
              -print -quit)
    fi
    msg "kernel: unpacking ${deb##*/} into $kernel_dir"
    rm -rf "$kernel_dir.tmp"
    dpkg-deb -x "$deb" "$kernel_dir.tmp"
    vmlinuz=$(cd "$kernel_dir.tmp" && echo boot/vmlinuz-*)
    [ -f "$kernel_dir.tmp/$vmlinuz" ] || die "no boot/vmlinuz-* in $deb"
    ln -s "$vmlinuz" "$kernel_dir.tmp/vmlinuz"
    rm -rf "$kernel_dir"
    mv "$kernel_dir.tmp" "$kernel_dir"
    msg "kernel: $kernel_dir/vmlinuz -> $vmlinuz"
}
with_lock "$kernel_dir.lock" fetch
