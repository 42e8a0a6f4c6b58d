#!/usr/bin/env bash
# How far a build on Debian's xen BASE_VERSION is behind what Debian's
# archive listed when the source was fetched ($BUILD/src/debian-listed):
# the newest listed version, and the XSAs that the changelog of its
# binary package (downloaded, not installed) lists as fixed since BASE.
#   security-gap.sh BASE_VERSION
# Prints shell-style lines: newest=, newest_suite=, xsas=, gap= (one
# sentence for the package description and README.Debian).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../lib.sh"

: "${BUILD:?}"
(( $# == 1 )) || die "usage: $0 BASE_VERSION"
BASE=$1
LISTED=$BUILD/src/debian-listed
PACKAGE=xen-hypervisor-4.17-amd64

need_tools dpkg dpkg-parsechangelog:dpkg-dev dpkg-deb:dpkg
[[ -s $LISTED ]] || die "no $LISTED (what the archive listed); run \`make fetch\`"
read -r newest suite < <(sort -k1,1Vr "$LISTED")
if dpkg --compare-versions "$newest" le "$BASE"; then
    printf 'newest=%s\nnewest_suite=%s\nxsas=\n' "$BASE" "$suite"
    printf 'gap=Based on Debian %s, the newest version that %s listed when it was fetched.\n' \
        "$BASE" "$(cut -d' ' -f2 "$LISTED" | sort -u | paste -sd, - | sed 's/,/, /g')"
    exit 0
fi
xsas=
if deb=$("$(dirname "$0")/../debian-download.sh" "$BUILD/dl/debian-binary" \
    "$PACKAGE=$newest" 2>/dev/null); then
    xsas=$(dpkg-deb --fsys-tarfile "$deb" |
        tar -xOf - "./usr/share/doc/$PACKAGE/changelog.Debian.gz" | gzip -dc |
        dpkg-parsechangelog -l - --since "$BASE" -S Changes |
        sed -n -E 's/^[[:space:]]+(XSA-[0-9]+) CVE-.*/\1/p' | sort -t- -k2,2n -u |
        paste -sd' ' -)
fi
printf 'newest=%s\nnewest_suite=%s\nxsas=%s\n' "$newest" "$suite" "$xsas"
if [[ -n $xsas ]]; then
    printf 'gap=Based on Debian %s; %s has %s, whose changelog lists fixes for %d XSAs (%s; some concern the tools or Arm only): this build lacks them.\n' \
        "$BASE" "$suite" "$newest" "$(wc -w <<<"$xsas")" "$xsas"
else
    printf 'gap=Based on Debian %s; %s has %s, with changes (possibly security fixes) that this build lacks; its changelog could not be read.\n' \
        "$BASE" "$suite" "$newest"
fi
