#!/usr/bin/env bash
# Build one hypervisor variant out of tree and publish it.
#   build-xen.sh VARIANT SRC_TREE DEBUG(y|n) [EXTRA_CFLAGS_XEN_CORE]
# Objects in $BUILD/obj/VARIANT (kept, so rebuilds are incremental; a new
# one starts as a copy of $BUILD/obj/$XEN_SEED_VARIANT when that is set,
# built, and ccache is in use);
# xen, xen.gz, xen-syms, xen.efi (when the toolchain can link PE), .config
# and build-info in $BUILD/out/VARIANT; log in $BUILD/logs/build-VARIANT.log.
# A tree with debian/ (Debian's source package) is built the way its
# debian/rules builds the hypervisor (debian-recipe.sh).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

(( $# == 3 || $# == 4 )) ||
    die "usage: $0 VARIANT SRC_TREE DEBUG(y|n) [EXTRA_CFLAGS_XEN_CORE]"
VARIANT=$1 SRC=$2 DEBUG=$3 EXTRA_CFLAGS=${4:-}
: "${BUILD:?}"
JOBS=${JOBS:-$(nproc)}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-1800}

OBJ=$BUILD/obj/$VARIANT
OUT=$BUILD/out/$VARIANT
LOG=$BUILD/logs/build-$VARIANT.log

# shellcheck source=scripts/debian-recipe.sh
. "$(dirname "$0")/debian-recipe.sh"
debian_recipe "$SRC" "$(dirname "$0")/.."
EXTRA_CFLAGS=$RECIPE_CFLAGS${EXTRA_CFLAGS:+${RECIPE_CFLAGS:+ }$EXTRA_CFLAGS}

# The compiler behind ccache (XEN_CCACHE, Config.mk), for a variant that
# shares objects with another (XEN_CCACHE_SHARE=y from the Makefile): a
# miss costs a second preprocessing, about 15% of a build. Paths under $BUILD
# become relative to the object directory, which every compile runs in, so
# the variants of one tree hash alike; the object directory itself is not
# hashed, so their objects' DW_AT_comp_dir may name a sibling variant's.
use_ccache()
{
    local i cc=gcc

    [[ ${XEN_CCACHE_SHARE:-n} == y ]] || return 0
    case ${XEN_CCACHE:-} in
        no) return 0 ;;
        ''|yes) ;;
        *) die "XEN_CCACHE must be yes, no or empty, not '$XEN_CCACHE'" ;;
    esac
    if ! command -v ccache >/dev/null; then
        [[ ${XEN_CCACHE:-} != yes ]] ||
            die "XEN_CCACHE=yes but ccache is missing; run \`make deps\`"
        return 0
    fi
    for i in "${!RECIPE_ARGS[@]}"; do
        if [[ ${RECIPE_ARGS[i]} == CC=* ]]; then
            cc=${RECIPE_ARGS[i]#CC=}
            unset 'RECIPE_ARGS[i]'
        fi
    done
    RECIPE_ARGS+=("CC=ccache $cc")
    RECIPE_ENV+=("CCACHE_DIR=${XEN_CCACHE_DIR:-$BUILD/ccache}"
                 "CCACHE_BASEDIR=$BUILD" CCACHE_NOHASHDIR=1)
    CCACHE_ENV=("CCACHE_DIR=${XEN_CCACHE_DIR:-$BUILD/ccache}")
}
CCACHE_ENV=()
use_ccache

# "HITS MISSES" of the cache so far (0 0 without ccache).
ccache_counts()
{
    (( ${#CCACHE_ENV[@]} )) || { echo 0 0; return; }
    env "${CCACHE_ENV[@]}" ccache --print-stats 2>/dev/null | awk '
        $1 ~ /^(direct|preprocessed)_cache_hit$/ { h += $2 }
        $1 == "cache_miss" { m += $2 }
        END { print h + 0, m + 0 }'
}

# Our own make's flags and command-line variables must not leak into Xen's.
xen_make()
{
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
        "${RECIPE_ENV[@]}" make -C "$SRC/xen" O="$OBJ" "${RECIPE_ARGS[@]}" "$@"
}

config_is_wanted()
{
    if [[ $DEBUG == y ]]; then
        grep -qx 'CONFIG_DEBUG=y' "$OBJ/.config"
    else
        grep -qx '# CONFIG_DEBUG is not set' "$OBJ/.config"
    fi
}

configure_and_build()
{
    if [[ ! -f $OBJ/.config ]] || ! config_is_wanted; then
        if [[ -n $RECIPE_KCONFIG ]]; then
            echo "configuring: $RECIPE_KCONFIG, olddefconfig, CONFIG_DEBUG=$DEBUG"
            cp "$RECIPE_KCONFIG" "$OBJ/.config"
            xen_make olddefconfig
        else
            echo "configuring: defconfig, CONFIG_DEBUG=$DEBUG"
            xen_make defconfig
        fi
        if [[ $DEBUG == y ]]; then
            echo 'CONFIG_DEBUG=y' >>"$OBJ/.config"
            xen_make olddefconfig
        fi
        config_is_wanted ||
            { echo "error: .config does not have CONFIG_DEBUG=$DEBUG"; exit 1; }
    fi
    timeout --kill-after=30 "$BUILD_TIMEOUT" \
        env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
        "${RECIPE_ENV[@]}" make -C "$SRC/xen" O="$OBJ" -j"$JOBS" \
        "${RECIPE_ARGS[@]}" EXTRA_CFLAGS_XEN_CORE="$EXTRA_CFLAGS"
}

compile_h_value()
{
    sed -n -E "s/^#define $1[[:space:]]+\"?([^\"]*)\"?\$/\\1/p" \
        "$OBJ/include/xen/compile.h" | sed -n 1p
}

# Each file is replaced whole, `xen` last: it is the target make watches.
publish()
{
    local seconds=$1 kind=$2 full version f

    # Keep the time of the last build from scratch beside incremental ones.
    full=$seconds
    if [[ $kind == incremental ]]; then
        full=$(sed -n 's/^full_build_seconds=//p' "$OUT/build-info" \
            2>/dev/null || true)
    fi
    version=$(compile_h_value XEN_VERSION).$(compile_h_value XEN_SUBVERSION)
    version+=$(compile_h_value XEN_EXTRAVERSION)
    mkdir -p "$OUT"
    if [[ $OBJ/xen.gz -nt $OBJ/xen ]]; then
        cp "$OBJ/xen.gz" "$OUT/.xen.gz.tmp"
    else
        gzip -n -9 <"$OBJ/xen" >"$OUT/.xen.gz.tmp"
    fi
    cp "$OBJ/xen-syms" "$OUT/.xen-syms.tmp"
    # An xen.efi older than xen is left over from an earlier build.
    if [[ -f $OBJ/xen.efi && ! $OBJ/xen.efi -ot $OBJ/xen-syms ]]; then
        cp "$OBJ/xen.efi" "$OUT/.xen.efi.tmp"
    fi
    cp "$OBJ/.config" "$OUT/..config.tmp"
    cat >"$OUT/.build-info.tmp" <<EOF
variant=$VARIANT
source=$SRC
commit=$COMMIT
xen_version=$version
changeset=$(compile_h_value XEN_CHANGESET)
config_debug=$DEBUG
extra_cflags=$EXTRA_CFLAGS
recipe=${RECIPE_NAME}
debian_version=${RECIPE_DEB_VERSION}
jobs=$JOBS
build_seconds=$seconds
build_kind=$kind
full_build_seconds=$full
built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF
    cp "$OBJ/xen" "$OUT/.xen.tmp"
    rm -f "$OUT/xen.efi"
    for f in xen.gz xen-syms xen.efi .config build-info xen; do
        [[ ! -f $OUT/.$f.tmp ]] || mv "$OUT/.$f.tmp" "$OUT/$f"
    done
}

build()
{
    local start=$SECONDS seconds status=0 kind=incremental
    local hits0 misses0 hits misses seed

    COMMIT=$(git -C "$SRC" --git-dir=.git rev-parse HEAD 2>/dev/null || echo none)
    [[ -f $OBJ/.config ]] || kind=full
    seed=$BUILD/obj/${XEN_SEED_VARIANT:-}
    if [[ $kind == full && -n ${XEN_SEED_VARIANT:-} && -f $seed/.config ]] &&
       (( ${#CCACHE_ENV[@]} )); then
        msg "build $VARIANT: starting from a copy of $XEN_SEED_VARIANT's objects"
        mkdir -p "$OBJ"
        with_lock "$BUILD/obj/.$XEN_SEED_VARIANT.lock" \
            cp -a "$seed/." "$OBJ/"
        kind=seeded
    fi
    read -r hits0 misses0 < <(ccache_counts)
    mkdir -p "$OBJ"
    msg "build $VARIANT: $SRC/xen -> $OBJ (CONFIG_DEBUG=$DEBUG" \
        "${EXTRA_CFLAGS:+EXTRA_CFLAGS_XEN_CORE=$EXTRA_CFLAGS }-j$JOBS; log: $LOG)"
    run_logged "build $VARIANT" "$LOG" configure_and_build || status=$?
    if (( status == 124 || status == 137 )); then
        die "building the $VARIANT hypervisor took over" \
            "BUILD_TIMEOUT=$BUILD_TIMEOUT s; log: $LOG"
    elif (( status != 0 )); then
        die "building the $VARIANT hypervisor failed; log: $LOG"
    fi
    seconds=$((SECONDS - start))
    publish "$seconds" "$kind"
    read -r hits misses < <(ccache_counts)
    msg "build $VARIANT: $kind build done in $seconds s (-j$JOBS)" \
        "-> $OUT/{xen,xen.gz,xen-syms,.config}"
    (( ${#CCACHE_ENV[@]} == 0 )) ||
        msg "build $VARIANT: ccache: $((hits - hits0)) compiles from the" \
            "cache, $((misses - misses0)) compiled"
}

need_tools make gcc ld:binutils readelf:binutils flex bison python3 \
    gzip timeout:coreutils flock:util-linux
[[ $DEBUG == y || $DEBUG == n ]] || die "DEBUG must be y or n, not $DEBUG"
[[ -f $SRC/xen/Makefile ]] || die "$SRC is not a Xen tree (no xen/Makefile)"
# The source tree's lock keeps apply from rewriting it under the build.
with_lock "$BUILD/obj/.$VARIANT.lock" with_lock -s "$SRC.lock" build
