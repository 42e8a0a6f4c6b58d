#!/usr/bin/env bash
# Print the directory of our patches for the Xen tree TREE, chosen by the
# tree's version (XEN_VERSION.XEN_SUBVERSION in xen/Makefile):
#   4.17       PATCHES/            the series of Debian's 4.17 (the default)
#   X.Y        PATCHES/X.Y/        a released line whose files differ
#   otherwise  PATCHES/staging/    upstream's development line
# A line directory may hold symlinks to the patches of another line that
# apply to it unchanged.
#   patch-dir.sh PATCHES TREE
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

(( $# == 2 )) || die "usage: $0 PATCHES TREE"
patches=$1 tree=$2

makefile_value()
{
    sed -n -E "s/^export $1[[:space:]]*\\??=[[:space:]]*([0-9]+).*/\\1/p" \
        "$tree/xen/Makefile" | sed -n 1p
}

[[ -f $tree/xen/Makefile ]] || die "$tree is not a Xen tree (no xen/Makefile)"
major=$(makefile_value XEN_VERSION)
minor=$(makefile_value XEN_SUBVERSION)
[[ -n $major && -n $minor ]] ||
    die "$tree/xen/Makefile names no XEN_VERSION and XEN_SUBVERSION"
version=$major.$minor

if [[ $version == 4.17 ]]; then
    dir=$patches
elif [[ -d $patches/$version ]]; then
    dir=$patches/$version
else
    dir=$patches/staging
fi
[[ -d $dir ]] || die "no patches for Xen $version: $dir does not exist"
printf '%s\n' "$dir"
