#!/usr/bin/env bash
# Check the published hypervisors: `xen` carries a multiboot header,
# xen.gz is xen, xen-syms has a build-id, .config has the variant's
# CONFIG_DEBUG, and the build is of the source tree's current commit.
# Controls first show the checker failing on broken copies of one variant.
#   check-build.sh OUTDIR VARIANT...
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

(( $# >= 2 )) || die "usage: $0 OUTDIR VARIANT..."
OUTDIR=$1
shift

info()
{
    sed -n "s/^$2=//p" "$1/build-info" | sed -n 1p
}

# Prints the first problem of variant directory DIR and fails, if any.
verify()
{
    local dir=$1 variant=$2 f src commit flag

    for f in xen xen.gz xen-syms .config build-info; do
        [[ -s $dir/$f ]] || { echo "$f missing or empty"; return 1; }
    done
    # grep -q would quit early, and pipefail would report od's SIGPIPE.
    od -An -v -tx4 -w4 -N 8192 "$dir/xen" | grep -x ' 1badb002' >/dev/null ||
        { echo "xen has no multiboot header"; return 1; }
    gzip -dc "$dir/xen.gz" 2>/dev/null | cmp -s - "$dir/xen" ||
        { echo "xen.gz does not decompress to xen"; return 1; }
    readelf -n "$dir/xen-syms" | grep 'Build ID:' >/dev/null ||
        { echo "xen-syms has no build-id"; return 1; }
    case $variant in
    *debug) grep -qx 'CONFIG_DEBUG=y' "$dir/.config" ||
                { echo ".config lacks CONFIG_DEBUG=y"; return 1; } ;;
    *)      grep -qx '# CONFIG_DEBUG is not set' "$dir/.config" ||
                { echo ".config has CONFIG_DEBUG"; return 1; } ;;
    esac
    case $variant in
    nobias-*) flag=-DMM_LOCK_TEST_NO_BIAS ;;
    notier-*) flag=-DMM_LOCK_TEST_NO_TIERS ;;
    *)        flag= ;;
    esac
    if [[ -n $flag && $(info "$dir" extra_cflags) != *"$flag"* ]]; then
        echo "not built with $flag"
        return 1
    fi
    src=$(info "$dir" source)
    commit=$(git -C "$src" --git-dir=.git rev-parse HEAD 2>/dev/null || true)
    [[ -n $commit && $(info "$dir" commit) == "$commit" ]] ||
        { echo "not built from $src's current commit"; return 1; }
}


# control NAME VARIANT BREAK-COMMAND: the checker must fail on the copy.
control()
{
    local name=$1 variant=$2 copy=$SCRATCH/$2 out
    shift 2

    rm -rf "$copy"
    cp -a "$OUTDIR/$variant" "$copy"
    "$@" "$copy"
    if out=$(verify "$copy" "$variant"); then
        record FAIL "control: $name: the checker accepted it"
    else
        record PASS "control: $name: rejected: $out"
    fi
}

flip_debug_config()
{
    sed -i -e 's/^CONFIG_DEBUG=y$/CONFIG_DEBUG_WAS_ON/' \
        -e 's/^# CONFIG_DEBUG is not set$/CONFIG_DEBUG=y/' \
        -e 's/^CONFIG_DEBUG_WAS_ON$/# CONFIG_DEBUG is not set/' "$1/.config"
}

truncate_gz()
{
    truncate -s 4096 "$1/xen.gz"
}

xen_is_not_multiboot()
{
    cp "$1/xen.gz" "$1/xen"
}

need_tools od:coreutils readelf:binutils gzip cmp:diffutils git
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

first=$1
if out=$(verify "$OUTDIR/$first" "$first"); then
    control "$first with CONFIG_DEBUG flipped" "$first" flip_debug_config
    control "$first with truncated xen.gz" "$first" truncate_gz
    control "$first whose xen is not multiboot" "$first" xen_is_not_multiboot
fi
for v in "$@"; do
    if out=$(verify "$OUTDIR/$v" "$v"); then
        id=$(readelf -n "$OUTDIR/$v/xen-syms" | sed -n 's/^ *Build ID: *//p')
        record PASS "$v: multiboot xen, xen.gz, build-id ${id:0:12}...," \
            "CONFIG_DEBUG=$(info "$OUTDIR/$v" config_debug)," \
            "commit $(info "$OUTDIR/$v" commit | cut -c1-12)"
    else
        record FAIL "$v: $out"
    fi
done
record_summary
(( RECORD_FAILED == 0 ))
