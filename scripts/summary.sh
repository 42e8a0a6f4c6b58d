#!/usr/bin/env bash
# What was built: per variant, Xen version, build-id, sizes, build time.
#   summary.sh OUTDIR LOGDIR VARIANT...
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

(( $# >= 2 )) || die "usage: $0 OUTDIR LOGDIR VARIANT..."
OUTDIR=$1 LOGDIR=$2
shift 2

info()
{
    sed -n "s/^$2=//p" "$1/build-info" 2>/dev/null | sed -n 1p
}

kib()
{
    printf '%d KiB' $((($(stat -c %s "$1") + 1023) / 1024))
}

build_id()
{
    readelf -n "$1" 2>/dev/null | sed -n 's/^ *Build ID: *//p' | sed -n 1p
}

# Time of the last build from scratch, then of the last (maybe
# incremental) build: "252 s -j2", "25 s".
full_time()
{
    local full

    full=$(info "$1" full_build_seconds)
    printf '%s s -j%s' "${full:-?}" "$(info "$1" jobs)"
}

# Says when the tree has moved on since the build.
freshness()
{
    local now

    now=$(git -C "$(info "$1" source)" --git-dir=.git rev-parse HEAD \
        2>/dev/null || true)
    if [[ $now == "$(info "$1" commit)" ]]; then
        echo "current"
    else
        echo "tree has changed since: make $2 rebuilds it"
    fi
}

need_tools readelf:binutils
msg "summary of $OUTDIR (logs in $LOGDIR)"
printf '%-15s %-7s %-9s %-9s %-10s %-10s %-6s %s\n' variant version \
    xen xen.gz xen-syms full-build last build-id
for v in "$@"; do
    d=$OUTDIR/$v
    if [[ ! -f $d/xen || ! -f $d/xen-syms || ! -f $d/xen.gz ]]; then
        printf '%-15s (not built; make %s)\n' "$v" "$v"
        continue
    fi
    printf '%-15s %-7s %-9s %-9s %-10s %-10s %-6s %s\n' "$v" \
        "$(info "$d" xen_version)" "$(kib "$d/xen")" "$(kib "$d/xen.gz")" \
        "$(kib "$d/xen-syms")" "$(full_time "$d")" \
        "$(info "$d" build_seconds) s" "$(build_id "$d/xen-syms")"
done
for v in "$@"; do
    d=$OUTDIR/$v
    [[ -f $d/build-info ]] || continue
    changeset=$(info "$d" changeset)
    printf '  %-16s %s at %s, built %s, %s\n' "$v:" "$(info "$d" source)" \
        "${changeset##* }" "$(info "$d" built_at)" "$(freshness "$d" "$v")"
    base=$(info "$d" debian_version)
    [[ -z $base ]] || printf '  %-16s base: Debian xen %s, built the way its debian/rules does\n' "" "${base%+mmlocks}"
done
if [[ -s $OUTDIR/../apt/choice ]]; then
    sed -n '3,$s/^/  /p' "$OUTDIR/../apt/choice"
fi
# How far the Debian base is behind the newest version the archive lists.
base=
for v in "$@"; do
    base=$(info "$OUTDIR/$v" debian_version)
    [[ -z $base ]] || break
done
if [[ -n $base ]] &&
    gap=$(BUILD=$OUTDIR/.. "$(dirname "$0")/deb/security-gap.sh" \
        "${base%+mmlocks}" 2>/dev/null); then
    sed -n 's/^gap=/  security: /p' <<<"$gap" | fold -s -w 76 | sed '2,$s/^/    /'
fi
