#!/usr/bin/env bash
# make check-deb: check the package in $DEB_OUT, then three broken copies
# of it, which must fail (negative controls: no hypervisor; a hypervisor
# under the name Debian's own package uses; a README.Debian that is not
# the install guide).
#   metadata   dpkg-deb fields: name, version, amd64, Depends on
#              xen-utils-4.17, Provides xen-hypervisor-4.17, ...
#   contents   dpkg-deb -c: the hypervisor and its .config in /boot, docs;
#              nothing outside our own names; 20_linux_xen's filter keeps
#              exactly our hypervisor
#   image      the gzip holds a multiboot2 image (grub loads it with
#              multiboot2), our checker ('k' key text), a release .config
#   install    dpkg --root into a throw-away root, beside Debian's
#              xen-hypervisor-4.17-amd64 when apt can download it; the
#              files land, README.Debian is docs/install.md; dpkg -r
#              removes them
# Then lintian: every E:/W: tag must be explained in scripts/deb/lintian.md.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../lib.sh"

: "${TOP:?}" "${BUILD:?}" "${DEB_OUT:?}" "${XEN_DEB_VERSION:?}"

PACKAGE=xen-hypervisor-4.17-mmlocks-amd64
XEN_NAME=xen-4.17-mmlocks-amd64
DEBIAN_PACKAGE=xen-hypervisor-4.17-amd64
WORK=$DEB_OUT/check
REF=$BUILD/dl/debian-hypervisor
problems=0

problem()
{
    echo "    problem: $*"
    problems=$((problems + 1))
}

check_metadata()
{
    local deb=$1 f

    for f in Maintainer Description Installed-Size; do
        [[ -n $(dpkg-deb -f "$deb" "$f") ]] || problem "no $f field"
    done
    [[ $(dpkg-deb -f "$deb" Package) == "$PACKAGE" ]] || problem "Package is not $PACKAGE"
    [[ $(dpkg-deb -f "$deb" Architecture) == amd64 ]] || problem "Architecture is not amd64"
    [[ $(dpkg-deb -f "$deb" Section) == kernel ]] || problem "Section is not kernel"
    [[ $(dpkg-deb -f "$deb" Version) =~ ^${XEN_DEB_VERSION//+/\\+}\+mmlocks[0-9]+$ ]] ||
        problem "Version $(dpkg-deb -f "$deb" Version) is not $XEN_DEB_VERSION+mmlocksN"
    [[ ", $(dpkg-deb -f "$deb" Depends)," == *", xen-utils-4.17,"* ]] ||
        problem "Depends lacks xen-utils-4.17: $(dpkg-deb -f "$deb" Depends)"
    [[ ", $(dpkg-deb -f "$deb" Provides)," == *", xen-hypervisor-4.17,"* ]] ||
        problem "Provides lacks xen-hypervisor-4.17"
}

# The files 20_linux_xen offers as hypervisors: /boot/xen*, less what
# grub_file_is_not_garbage and file_is_not_xen_garbage drop.
grub_hypervisors()
{
    grep '^/boot/xen' | grep -v -E '\.dpkg-[^/]*$|\.rpm(save|new)$|/README[^/]*$|\.sig$|/xen-syms-[^/]*$|/xenpolicy-[^/]*$|\.config$' || true
}

check_contents()
{
    local deb=$1 files f

    files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print substr($6, 2) }')
    for f in "/boot/$XEN_NAME.gz" "/boot/$XEN_NAME.config" \
        "/usr/share/doc/$PACKAGE/copyright" \
        "/usr/share/doc/$PACKAGE/changelog.Debian.gz"; do
        grep -qx -- "$f" <<<"$files" || problem "no $f"
    done
    while read -r f; do
        [[ $f == /boot/$XEN_NAME.* || $f == /usr/share/doc/$PACKAGE/* ]] ||
            problem "$f is outside our names (could clash with $DEBIAN_PACKAGE)"
    done <<<"$files"
    [[ $(grub_hypervisors <<<"$files") == "/boot/$XEN_NAME.gz" ]] ||
        problem "20_linux_xen would offer: $(grub_hypervisors <<<"$files" | paste -sd' ' -), not /boot/$XEN_NAME.gz"
}

check_image()
{
    local root=$1 image=$1/boot/$XEN_NAME

    [[ -f $image.gz ]] || { problem "no hypervisor image to look into"; return; }
    python3 - "$image.gz" <<'EOF' || problem "no multiboot2 header in the first 32 KiB of the image"
import gzip, struct, sys
head = gzip.open(sys.argv[1]).read(32768)
sys.exit(not any(struct.unpack_from("<I", head, o)[0] == 0xE85250D6
                 for o in range(0, len(head) - 3, 8)))
EOF
    # grep -c reads to the end: an early exit would fail zcat on SIGPIPE.
    (( $(zcat "$image.gz" | grep -ac 'dumping mm locks held on each CPU') )) ||
        problem "the image lacks our checker's 'k' debug key text"
    grep -qx '# CONFIG_DEBUG is not set' "$image.config" 2>/dev/null ||
        problem "/boot/$XEN_NAME.config is not a release .config"
}

debian_hypervisor()
{
    local deb

    if ! compgen -G "$REF/${DEBIAN_PACKAGE}_*.deb" >/dev/null; then
        mkdir -p "$REF"
        (cd "$REF" && apt-get download -q "$DEBIAN_PACKAGE" >"$WORK/apt.log" 2>&1) ||
            return 1
    fi
    for deb in "$REF/${DEBIAN_PACKAGE}"_*.deb; do
        printf '%s\n' "$deb"
        return 0
    done
    return 1
}

# Maintainer scripts run chrootless with DPKG_ROOT set, which ours honour;
# Debian's package is only unpacked, so its scripts never run here.
check_install()
{
    local deb=$1 root=$WORK/root ref
    local -a dpkg=(dpkg "--root=$root" "--log=$WORK/dpkg.log"
                   --force-depends --force-script-chrootless)

    rm -rf "$root"
    mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
    : >"$root/var/lib/dpkg/status"
    if ref=$(debian_hypervisor); then
        "${dpkg[@]}" --unpack "$ref" >"$WORK/install.log" 2>&1 ||
            { problem "could not unpack ${ref##*/} (log: $WORK/install.log)"; return; }
        SIDE_BY_SIDE="beside ${ref##*/}"
    else
        SIDE_BY_SIDE="alone: apt could not download $DEBIAN_PACKAGE (log: $WORK/apt.log)"
    fi
    if ! "${dpkg[@]}" -i "$deb" >>"$WORK/install.log" 2>&1; then
        problem "dpkg -i into a throw-away root failed: $(grep -m1 'trying to overwrite' "$WORK/install.log" ||
            grep -m1 'error' "$WORK/install.log") (log: $WORK/install.log)"
        return
    fi
    [[ $(dpkg-query "--root=$root" -W -f='${Status}' "$PACKAGE") == "install ok installed" ]] ||
        problem "dpkg does not list $PACKAGE as installed"
    check_image "$root"
    cmp -s "$root/usr/share/doc/$PACKAGE/README.Debian" "$TOP/docs/install.md" ||
        problem "README.Debian is not the install guide docs/install.md"
    "${dpkg[@]}" -r "$PACKAGE" >>"$WORK/install.log" 2>&1 || problem "dpkg -r failed"
    [[ ! -e $root/boot/$XEN_NAME.gz ]] || problem "dpkg -r left /boot/$XEN_NAME.gz"
}

check_package()
{
    problems=0
    [[ -f $1 ]] || { problem "no package $1"; return 1; }
    check_metadata "$1"
    check_contents "$1"
    check_install "$1"
    return "$problems"
}

# A copy of the package with one thing broken by a shell snippet run in
# its extracted tree.
broken_copy()
{
    local name=$1 breakage=$2 dir=$WORK/$1

    rm -rf "$dir"
    mkdir -p "$dir"
    dpkg-deb -R "$DEB" "$dir/tree"
    (cd "$dir/tree" && eval "$breakage")
    dpkg-deb --root-owner-group --build "$dir/tree" "$dir/$name.deb" >/dev/null
    printf '%s\n' "$dir/$name.deb"
}

negative_control()
{
    local what=$1 deb=$2 out

    if out=$(check_package "$deb"); then
        echo "$out"
        die "negative control: a package $what passed check-deb"
    fi
    echo "    negative control: a package $what fails, as it must:"
    grep 'problem:' <<<"$out" | head -n 4 | sed 's/^ */      /'
}

run_lintian()
{
    local tags unexplained=0 tag

    lintian --display-info --pedantic --tag-display-limit 0 "$DEB" >"$WORK/lintian.log" 2>&1 || true
    sed 's/^/    lintian: /' "$WORK/lintian.log"
    tags=$(sed -n -E 's/^[EW]: [^ ]+: ([^ ]+).*/\1/p' "$WORK/lintian.log" | sort -u)
    for tag in $tags; do
        if ! grep -q -- "^### $tag\$" "$TOP/scripts/deb/lintian.md"; then
            echo "    lintian tag $tag is not explained in scripts/deb/lintian.md"
            unexplained=$((unexplained + 1))
        fi
    done
    (( unexplained == 0 )) || die "lintian: $unexplained unexplained tags (log: $WORK/lintian.log)"
    echo "    lintian: $(grep -c '^[EW]:' "$WORK/lintian.log" || true) E/W tags, all explained in scripts/deb/lintian.md"
}

need_tools dpkg dpkg-deb:dpkg dpkg-query:dpkg lintian python3 zcat:gzip
shopt -s nullglob
debs=("$DEB_OUT/${PACKAGE}"_*.deb)
shopt -u nullglob
(( ${#debs[@]} == 1 )) || die "expected one $PACKAGE .deb in $DEB_OUT, found ${#debs[@]}; run \`make deb\`"
DEB=${debs[0]}
mkdir -p "$WORK"

msg "check-deb: ${DEB##*/}"
dpkg-deb -I "$DEB" | sed -n 's/^ \([A-Z][A-Za-z-]*:\)/    \1/p'
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { printf "    %s %8s %s\n", $1, $3, $6 }'
check_package "$DEB" || die "check-deb: $problems problems (above)"
echo "    metadata, contents, image and install ($SIDE_BY_SIDE): ok"

negative_control "without the hypervisor" \
    "$(broken_copy no-hypervisor "rm boot/$XEN_NAME.gz")"
negative_control "that installs Debian's file name" \
    "$(broken_copy debian-name "mv boot/$XEN_NAME.gz boot/xen-4.17-amd64.gz")"
negative_control "whose README.Debian is not the install guide" \
    "$(broken_copy stale-guide "echo stale >>usr/share/doc/$PACKAGE/README.Debian")"
run_lintian
msg "check-deb: PASS"
