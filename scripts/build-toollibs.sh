#!/usr/bin/env bash
# Build the toolstack libraries (static) and public headers of one Xen tree,
# for a dom0 test client of that tree's own Xen line.
#   build-toollibs.sh TREE OUTDIR
# TREE is a pristine tree (tag `pristine`); its files are exported to
# OUTDIR/src, configured without anything but the libraries, and
# `make -C tools/include`, then `make -C tools/libs` build them there.
# OUTDIR/stamp holds the tree's commit; nothing is done when it is current.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

(( $# == 2 )) || die "usage: $0 TREE OUTDIR"
TREE=$1 OUTDIR=$2
JOBS=${JOBS:-$(nproc)}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-1800}
SRC=$OUTDIR/src
LOG=$OUTDIR/build.log
LIBS=(ctrl devicemodel foreignmemory call evtchn gnttab toollog toolcore)

# The client needs none of these, and each one left in needs more packages.
CONFIGURE_FLAGS=(--disable-docs --disable-stubdom --disable-xen
    --disable-monitors --disable-ocamltools --disable-xsmpolicy
    --disable-seabios --disable-golang --disable-pygrub --disable-pvshim
    --disable-rombios --with-system-qemu=/usr/bin/qemu-system-i386)

build()
{
    cd "$SRC"
    ./configure "${CONFIGURE_FLAGS[@]}"
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
        make -C tools/include
    timeout --kill-after=30 "$BUILD_TIMEOUT" \
        env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
        make -C tools/libs -j"$JOBS"
}

check_libs()
{
    local lib

    for lib in "${LIBS[@]}"; do
        [[ -f $SRC/tools/libs/$lib/libxen$lib.a ]] ||
            die "the build left no $SRC/tools/libs/$lib/libxen$lib.a; log: $LOG"
    done
}

need_tools git tar make gcc iasl:acpica-tools pkg-config python3
commit=$(git -C "$TREE" --git-dir=.git rev-parse -q --verify 'pristine^{commit}') ||
    die "$TREE has no commit tagged pristine; run \`make fetch\`"
if [[ $(cat "$OUTDIR/stamp" 2>/dev/null) == "$commit" ]]; then
    exit 0
fi

start=$SECONDS
rm -rf "$SRC" "$OUTDIR/stamp"
mkdir -p "$SRC"
git -C "$TREE" --git-dir=.git archive pristine | tar -C "$SRC" -xf -
msg "toolstack libraries of $TREE (${commit:0:12}) in $SRC (log: $LOG)"
run_logged "toolstack libraries" "$LOG" build ||
    die "building the toolstack libraries failed; log: $LOG"
check_libs
printf '%s\n' "$commit" >"$OUTDIR/stamp"
msg "toolstack libraries: built in $((SECONDS - start)) s (-j$JOBS)"
