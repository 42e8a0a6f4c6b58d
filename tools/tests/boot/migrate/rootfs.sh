#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Builds the base of the migration test's dom0: a minimal Debian (suite
# DEBIAN_SUITE) with Xen's 4.17 toolstack, packed as a
# gzip'd newc cpio (docs, locales and other dead weight left out).  The
# kernel modules, the test guest and the scenario go into a separate small
# archive (../lib/pack-initramfs.sh) that is appended to this one, so
# editing the scenario does not repack 70 MB.
#
# usage: rootfs.sh BOOTSTRAP_DIR OUT.cpio.gz
#   BOOTSTRAP_DIR is reused if it holds a finished debootstrap of the same
#   suite and packages.  DEBIAN_SUITE, DEBIAN_MIRROR (empty: the mirror of
#   this machine's apt sources) and DEBIAN_KEYRING are Config.mk's.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR/../../../..
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../../../../scripts/lib.sh"

if [ $# -ne 2 ]; then
    echo "usage: $0 BOOTSTRAP_DIR OUT.cpio.gz" >&2
    exit 2
fi
root=$1
out=$2
: "${DEBIAN_SUITE:?from Config.mk}" "${DEBIAN_KEYRING:?from Config.mk}"
suite=$DEBIAN_SUITE
keyring=$DEBIAN_KEYRING
packages=xen-utils-4.17,busybox,kmod,procps
recipe="$suite minbase $packages"

if [ "$(cat "$root/.bootstrapped" 2>/dev/null)" != "$recipe" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "error: debootstrap needs root" >&2
        exit 1
    fi
    mirror=$(debian_archive_uri "$suite" "${DEBIAN_MIRROR:-}")
    if [ -z "$mirror" ]; then
        echo "error: no apt source of this machine serves Debian's" \
             "$suite/main (apt-get update first?); set DEBIAN_MIRROR" >&2
        exit 1
    fi
    echo "migrate-rootfs: debootstrap $suite ($packages) from $mirror"
    rm -rf "$root.tmp"
    mkdir -p "$(dirname "$root")"
    debootstrap --variant=minbase --include="$packages" \
        --keyring="$keyring" "$suite" "$root.tmp" "$mirror"
    rm -rf "$root"
    mv "$root.tmp" "$root"
    echo "$recipe" >"$root/.bootstrapped"
fi

echo "migrate-rootfs: packing $out"
mkdir -p "$(dirname "$out")"
# Left out: documentation, translations, package caches and lists, the udev
# hardware database and python (nothing the toolstack's C programs run).
left_out=(
    '\.bootstrapped$'
    'usr/share/(doc|man|info|locale|i18n|lintian|linda)/'
    'var/cache/(apt|debconf)/'
    'var/lib/apt/lists/'
    '(usr/lib|etc)/udev/hwdb'
    'usr/(lib|share)/python3'
    'usr/lib/x86_64-linux-gnu/perl/'
)
left_out_re="^\\./($(IFS='|'; echo "${left_out[*]}"))"
(
    cd "$root"
    find . -mindepth 1 | grep -v -E "$left_out_re" | LC_ALL=C sort |
        cpio --quiet -o -H newc -R 0:0
) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "migrate-rootfs: $(du -m "$out" | cut -f1) MB"
