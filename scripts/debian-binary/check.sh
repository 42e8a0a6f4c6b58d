#!/usr/bin/env bash
# make check-debian-binary: Debian's own binary packages of the version we
# build (xen-hypervisor-4.17-amd64 and its -dbg, downloaded, not
# installed) against our builds:
#   config   its /boot/xen-4.17-amd64.config against the .config of our
#            release and of our pristine release build: equal but for the
#            differences listed in config-differences
#   symbols  nm of its xen-syms (-dbg package) against nm of our pristine
#            release build's xen-syms (Debian's tree, Debian's recipe):
#            the same set of (type, name), but for symbol-differences
# Negative controls: Debian's .config with CONFIG_SHADOW_PAGING flipped,
# and our patched release's symbols (which hold our checker's), must fail.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../lib.sh"

: "${TOP:?}" "${BUILD:?}"
HERE=$TOP/scripts/debian-binary
OUT=$BUILD/out
WORK=$BUILD/debian-binary
PACKAGE=xen-hypervisor-4.17-amd64
problems=0

problem()
{
    echo "    problem: $*"
    problems=$((problems + 1))
}

# "NAME VALUE" per option, "n" for "is not set", sorted.
config_values()
{
    sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1 \2/p' \
        -e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1 n/p' "$1" | LC_ALL=C sort
}

# "NAME ours=VALUE debian=VALUE" per option whose values differ; a missing
# option reads "-".
config_differences()
{
    LC_ALL=C join -a1 -a2 -e - -o 0,1.2,2.2 <(config_values "$1") \
        <(config_values "$2") | awk '$2 != $3 { print $1, "ours=" $2, "debian=" $3 }'
}

# Entries of a differences file, without the reason after " -- ".
listed()
{
    sed -e '/^#/d' -e '/^[[:space:]]*$/d' -e 's/ -- .*//' "$1" | LC_ALL=C sort
}

compare_config()
{
    local ours=$1 debian=$2 what=$3 line

    while read -r line; do
        [[ -n $line ]] || continue
        problem "$what .config: $line (not in config-differences)"
    done < <(LC_ALL=C comm -23 <(config_differences "$ours" "$debian") \
        <(listed "$HERE/config-differences"))
    while read -r line; do
        [[ -n $line ]] || continue
        problem "$what .config: listed difference no longer there: $line"
    done < <(LC_ALL=C comm -13 <(config_differences "$ours" "$debian") \
        <(listed "$HERE/config-differences"))
}

# "TYPE NAME" per symbol, sorted and unique.
symbols()
{
    nm "$1" | awk '{ print $(NF - 1), $NF }' | LC_ALL=C sort -u
}

compare_symbols()
{
    local ours=$1 debian=$2 what=$3 extra missing

    extra=$(LC_ALL=C comm -23 <(symbols "$ours") <(symbols "$debian") |
        sed 's/^/+/' | LC_ALL=C comm -23 - <(listed "$HERE/symbol-differences"))
    missing=$(LC_ALL=C comm -13 <(symbols "$ours") <(symbols "$debian") |
        sed 's/^/-/' | LC_ALL=C comm -23 - <(listed "$HERE/symbol-differences"))
    [[ -z $extra ]] || problem "$what has $(wc -l <<<"$extra") symbols" \
        "Debian's lacks, e.g. $(head -n 3 <<<"$extra" | paste -sd' ' -)"
    [[ -z $missing ]] || problem "$what lacks $(wc -l <<<"$missing") of" \
        "Debian's symbols, e.g. $(head -n 3 <<<"$missing" | paste -sd' ' -)"
}

# Symbols at the same address in both: says how close the two builds are.
same_addresses()
{
    LC_ALL=C comm -12 <(nm "$1" | LC_ALL=C sort -u) <(nm "$2" | LC_ALL=C sort -u) | wc -l
}

info()
{
    sed -n "s/^$2=//p" "$OUT/$1/build-info" | sed -n 1p
}

need_tools nm:binutils dpkg-deb:dpkg join:coreutils
for v in release pristine-release; do
    [[ -f $OUT/$v/build-info ]] || die "no $OUT/$v; run \`make $v\`"
    [[ $(info "$v" recipe) == debian ]] ||
        die "$OUT/$v was not built from Debian's source package (XEN_SRC set?);" \
            "check-debian-binary compares Debian's build with Debian's"
done
VERSION=$(info pristine-release debian_version)
[[ $VERSION == "$(info release debian_version)" || \
   $VERSION+mmlocks == "$(info release debian_version)" ]] ||
    die "release and pristine-release are of different Debian versions; rebuild both"

msg "check-debian-binary: Debian's $PACKAGE $VERSION against our builds"
mapfile -t debs < <("$TOP/scripts/debian-download.sh" "$BUILD/dl/debian-binary" \
    "$PACKAGE=$VERSION" "$PACKAGE-dbg=$VERSION")
rm -rf "$WORK"
mkdir -p "$WORK"
dpkg-deb -x "${debs[0]}" "$WORK/debian"
dpkg-deb -x "${debs[1]}" "$WORK/debian"
DEBIAN_CONFIG=$WORK/debian/boot/xen-4.17-amd64.config
DEBIAN_SYMS=$WORK/debian/usr/lib/debug/boot/xen-syms-4.17-amd64
[[ -f $DEBIAN_CONFIG && -f $DEBIAN_SYMS ]] ||
    die "Debian's packages lack ${DEBIAN_CONFIG#"$WORK/debian"} or ${DEBIAN_SYMS#"$WORK/debian"}"

compare_config "$OUT/release/.config" "$DEBIAN_CONFIG" release
compare_config "$OUT/pristine-release/.config" "$DEBIAN_CONFIG" pristine-release
compare_symbols "$OUT/pristine-release/xen-syms" "$DEBIAN_SYMS" pristine-release
(( problems == 0 )) || die "check-debian-binary: $problems problems (above)"
echo "    config: release and pristine-release equal Debian's but for" \
    "$(listed "$HERE/config-differences" | wc -l) listed differences"
echo "    symbols: pristine-release has Debian's $(symbols "$DEBIAN_SYMS" | wc -l)" \
    "symbols but for $(listed "$HERE/symbol-differences" | wc -l) listed;" \
    "$(same_addresses "$OUT/pristine-release/xen-syms" "$DEBIAN_SYMS") at the same address"

# Negative controls.
grep -qx 'CONFIG_SHADOW_PAGING=y\|# CONFIG_SHADOW_PAGING is not set' "$DEBIAN_CONFIG" ||
    die "negative control: Debian's .config has no CONFIG_SHADOW_PAGING line"
sed -e 's/^CONFIG_SHADOW_PAGING=y$/# CONFIG_SHADOW_PAGING is not set/;t' \
    -e 's/^# CONFIG_SHADOW_PAGING is not set$/CONFIG_SHADOW_PAGING=y/' \
    "$DEBIAN_CONFIG" >"$WORK/flipped.config"
out=$(problems=0; compare_config "$OUT/release/.config" "$WORK/flipped.config" release; echo "problems=$problems")
[[ $out != *problems=0 ]] ||
    die "negative control: a .config with CONFIG_SHADOW_PAGING flipped passed"
echo "    negative control: Debian's .config with CONFIG_SHADOW_PAGING flipped fails, as it must:"
grep 'problem:' <<<"$out" | sed 's/^ */      /'
out=$(problems=0; compare_symbols "$OUT/release/xen-syms" "$DEBIAN_SYMS" release; echo "problems=$problems")
[[ $out != *problems=0 ]] ||
    die "negative control: our patched release's symbols passed as Debian's"
echo "    negative control: our patched release's symbols (our checker's) fail, as they must:"
grep 'problem:' <<<"$out" | sed 's/^ */      /'
msg "check-debian-binary: PASS"
