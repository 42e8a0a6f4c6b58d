#!/usr/bin/env bash
# Build the Debian packages of the patched release hypervisor into $DEB_OUT,
# laid out as Debian's xen-hypervisor-4.17-amd64 and its -dbg are:
#   /boot/xen-4.17-mmlocks-amd64.gz      (20_linux_xen lists /boot/xen*)
#   /boot/xen-4.17-mmlocks-amd64.efi     (for EFI boot loaders)
#   /boot/xen-4.17-mmlocks-amd64.config  (skipped by grub as */*.config)
#   /usr/share/doc/<package>/{copyright,changelog.Debian.gz,README.Debian,
#                             BUILD-INFO}
#   -dbg: /usr/lib/debug/boot/xen-syms-4.17-mmlocks-amd64{,.map},
#         /usr/lib/debug/boot/xen-4.17-mmlocks-amd64.efi.map
# Names never clash with Debian's packages. Metadata and maintainer scripts
# come from scripts/deb/ (lintian.md: its lintian tags, explained);
# README.Debian is what this build is based on and how far that is behind
# Debian's archive (security-gap.sh), then the install guide, docs/install.md.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

: "${TOP:?}" "${BUILD:?}" "${DEB_OUT:?}"

PACKAGE=xen-hypervisor-4.17-mmlocks-amd64
DBG_PACKAGE=$PACKAGE-dbg
XEN_FLAVOUR=4.17-mmlocks-amd64
XEN_NAME=xen-$XEN_FLAVOUR
TEMPLATES=$TOP/scripts/deb
INSTALL_GUIDE=$TOP/docs/install.md
RELEASE=$BUILD/out/release
STAGE=$DEB_OUT/stage
DOC=$STAGE/usr/share/doc/$PACKAGE
DBG_STAGE=$DEB_OUT/stage-dbg
OBJ=$BUILD/obj/release

identity()
{
    git -C "$TOP" config "user.$1" ||
        git -C "$TOP" log -1 --format="%a${1:0:1}" 2>/dev/null || true
}

build_info()
{
    sed -n "s/^$1=//p" "$RELEASE/build-info"
}

# Our files and patches, one changelog bullet each, wrapped at 78 columns.
changes()
{
    local f line

    {
        manifest_entries "$TOP/xen/MANIFEST" | sed 's/$/ (ours)/'
        for f in "$TOP"/patches/*.patch; do
            [[ -f $f ]] || continue
            printf 'patches/%s: %s\n' "$(basename "$f" | cut -c1-4)" \
                "$(git mailinfo /dev/null /dev/null <"$f" | sed -n 's/^Subject: //p')"
        done
    } | while IFS= read -r line; do
        fold -s -w 72 <<<"$line" |
            sed -e 's/ *$//' -e '1s/^/    - /' -e '2,$s/^/      /'
    done
}

fill()
{
    sed -e "s|@PACKAGE@|$PACKAGE|g" -e "s|@VERSION@|$VERSION|g" \
        -e "s|@MAINTAINER@|$MAINTAINER|g" \
        -e "s|@XEN_DEB_VERSION@|$XEN_DEB_VERSION|g" \
        -e "s|@XEN_NAME@|$XEN_NAME|g" -e "s|@XEN_FLAVOUR@|$XEN_FLAVOUR|g" \
        -e "s|@XEN_VERSION@|$XEN_VERSION|g" -e "s|@COMMIT@|$COMMIT|g" \
        -e "s|@DATE@|$DATE|g" -e "s|@YEAR@|$YEAR|g" \
        -e "s|@DBG_PACKAGE@|$DBG_PACKAGE|g" \
        -e "s|@INSTALLED_SIZE@|${INSTALLED_SIZE:-}|g" "$TEMPLATES/$1" |
        awk -v changes="$(changes)" -v gap="$(fold -s -w 72 <<<"$GAP" |
            sed -e 's/ *$//' -e 's/^/ /')" \
            '$0 == "@CHANGES@" { print changes; next }
             $0 == "@GAP@" { print gap; next } 1'
}

readme()
{
    cat <<EOF
# $PACKAGE $VERSION

Xen $XEN_VERSION, release build, from Debian's xen source package
$XEN_DEB_VERSION (Debian's own patches applied, built the way its
debian/rules builds the hypervisor) with our mm lock-order checker.

$(fold -s -w 72 <<<"$GAP" | sed 's/ *$//')

EOF
    cat "$INSTALL_GUIDE"
}

# The -dbg package: xen-syms and the link maps, where Debian's -dbg has them.
stage_dbg()
{
    local doc=$DBG_STAGE/usr/share/doc/$DBG_PACKAGE debug=$DBG_STAGE/usr/lib/debug/boot

    rm -rf "$DBG_STAGE"
    install -D -m 0644 "$RELEASE/xen-syms" "$debug/xen-syms-$XEN_FLAVOUR"
    install -m 0644 "$OBJ/xen-syms.map" "$debug/xen-syms-$XEN_FLAVOUR.map"
    install -m 0644 "$OBJ/xen.efi.map" "$debug/$XEN_NAME.efi.map"
    install -d -m 0755 "$doc" "$DBG_STAGE/DEBIAN"
    fill copyright.in >"$doc/copyright"
    fill changelog.in | gzip -n -9 >"$doc/changelog.Debian.gz"
    chmod 0644 "$doc"/*
    (cd "$DBG_STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
        sort -z | xargs -0 md5sum) >"$DBG_STAGE/DEBIAN/md5sums"
    INSTALLED_SIZE=$(du -sk --exclude=DEBIAN "$DBG_STAGE" | cut -f1)
    fill control-dbg.in >"$DBG_STAGE/DEBIAN/control"
    chmod 0644 "$DBG_STAGE/DEBIAN/control" "$DBG_STAGE/DEBIAN/md5sums"
    find "$DBG_STAGE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

stage()
{
    rm -rf "$STAGE"
    install -D -m 0644 "$RELEASE/xen.gz" "$STAGE/boot/$XEN_NAME.gz"
    install -D -m 0644 "$RELEASE/xen.efi" "$STAGE/boot/$XEN_NAME.efi"
    install -D -m 0644 "$RELEASE/.config" "$STAGE/boot/$XEN_NAME.config"
    install -d -m 0755 "$DOC" "$STAGE/DEBIAN"
    fill copyright.in >"$DOC/copyright"
    fill changelog.in | gzip -n -9 >"$DOC/changelog.Debian.gz"
    readme >"$DOC/README.Debian"
    cat >"$DOC/BUILD-INFO" <<EOF
package=$PACKAGE $VERSION
hypervisor=/boot/$XEN_NAME.gz
debian_base=$XEN_DEB_VERSION
debian_newest_listed=$(sed -n 's/^newest=//p' <<<"$GAP_INFO") ($(sed -n 's/^newest_suite=//p' <<<"$GAP_INFO"))
debian_newer_xsas=$(sed -n 's/^xsas=//p' <<<"$GAP_INFO")
xen_version=$XEN_VERSION
xen_changeset=$(build_info changeset)
build_id=$(readelf -n "$RELEASE/xen-syms" | sed -n 's/^ *Build ID: //p')
config_debug=n
repository_commit=$COMMIT
EOF
    chmod 0644 "$DOC"/*
    install -m 0755 "$TEMPLATES/postinst" "$TEMPLATES/postrm" "$STAGE/DEBIAN/"
    (cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
        sort -z | xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"
    INSTALLED_SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
    fill control.in >"$STAGE/DEBIAN/control"
    chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/md5sums"
    find "$STAGE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

need_tools dpkg-deb:dpkg readelf:binutils gzip git md5sum:coreutils
[[ -f $INSTALL_GUIDE ]] || die "no install guide $INSTALL_GUIDE"
for f in xen.gz .config xen-syms build-info; do
    [[ -f $RELEASE/$f ]] || die "no $RELEASE/$f; run \`make release\`"
done
[[ -f $RELEASE/xen.efi ]] || die "no $RELEASE/xen.efi: Xen links it only when" \
    "ld can emit PE (ld -mi386pep, binutils) and gcc has ms_abi; see $BUILD/logs/build-release.log"
for f in xen-syms.map xen.efi.map; do
    [[ -f $OBJ/$f ]] || die "no $OBJ/$f; run \`make release\`"
done
grep -qx '# CONFIG_DEBUG is not set' "$RELEASE/.config" ||
    die "$RELEASE is not a release build (CONFIG_DEBUG is set)"

MAINTAINER="$(identity name) <$(identity email)>"
[[ $MAINTAINER != " <>" ]] || die "no maintainer: set git -C $TOP config user.name/user.email"
COMMIT=$(git -C "$TOP" describe --always --dirty --abbrev=12)
XEN_DEB_VERSION=$(build_info debian_version)
XEN_DEB_VERSION=${XEN_DEB_VERSION%+mmlocks}
[[ -n $XEN_DEB_VERSION ]] ||
    die "$RELEASE was not built from Debian's source package (XEN_SRC set?);" \
        "the package's version and description name the Debian version it is based on"
GAP_INFO=$("$TOP/scripts/deb/security-gap.sh" "$XEN_DEB_VERSION")
GAP=$(sed -n 's/^gap=//p' <<<"$GAP_INFO")
# The version grows with our history, so apt sees each build as an upgrade.
VERSION=$XEN_DEB_VERSION+mmlocks$(git -C "$TOP" rev-list --count HEAD)
XEN_VERSION=$(build_info xen_version)
SOURCE_DATE_EPOCH=$(git -C "$TOP" log -1 --format=%ct)
export SOURCE_DATE_EPOCH
DATE=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
YEAR=$(date -u +%Y -d "@$SOURCE_DATE_EPOCH")

mkdir -p "$DEB_OUT"
stage
stage_dbg
rm -f "$DEB_OUT/${PACKAGE}"_*.deb "$DEB_OUT/${DBG_PACKAGE}"_*.deb
DEB=$DEB_OUT/${PACKAGE}_${VERSION}_amd64.deb
DBG_DEB=$DEB_OUT/${DBG_PACKAGE}_${VERSION}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$DEB" >/dev/null
dpkg-deb --root-owner-group -Zxz --build "$DBG_STAGE" "$DBG_DEB" >/dev/null
msg "deb: $DEB ($(du -k "$DEB" | cut -f1) KiB): /boot/$XEN_NAME.{gz,efi}, Xen $XEN_VERSION release on Debian $XEN_DEB_VERSION, commit $COMMIT"
msg "deb: $DBG_DEB ($(du -k "$DBG_DEB" | cut -f1) KiB): xen-syms"
msg "deb: $GAP"
