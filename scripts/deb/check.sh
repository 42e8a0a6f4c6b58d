#!/usr/bin/env bash
# make check-deb: check the package and its -dbg in $DEB_OUT, then four
# broken copies of the package, which must fail (negative controls: no
# hypervisor; no xen.efi; a hypervisor under the name Debian's own package
# uses; a README.Debian that does not end with the install guide).
#   metadata   dpkg-deb fields: name, version (Debian base + mmlocksN),
#              amd64, Depends on xen-utils-4.17, Provides
#              xen-hypervisor-4.17, ...; -dbg depends on the same version
#   contents   dpkg-deb -c: the hypervisor (.gz, .efi) and its .config in
#              /boot, docs; nothing outside our own names
#   image      the gzip holds a multiboot2 image (grub loads it with
#              multiboot2), our checker ('k' key text), a release .config;
#              the .efi is a PE image with our checker
#   install    dpkg --root into a throw-away root, beside Debian's
#              xen-hypervisor-4.17-amd64 and its -dbg (downloaded with the
#              project's apt configuration); the files land; GRUB's own
#              20_linux_xen selection (from Debian's grub-common,
#              downloaded) lists ours and puts it first; README.Debian
#              names the Debian base and ends with docs/install.md; the
#              -dbg's xen-syms has the package's build id; dpkg -r removes
#              them
# Then lintian: every E:/W: tag must be explained in scripts/deb/lintian.md.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../lib.sh"

: "${TOP:?}" "${BUILD:?}" "${DEB_OUT:?}"

PACKAGE=xen-hypervisor-4.17-mmlocks-amd64
DBG_PACKAGE=$PACKAGE-dbg
XEN_NAME=xen-4.17-mmlocks-amd64
DEBIAN_PACKAGE=xen-hypervisor-4.17-amd64
WORK=$DEB_OUT/check
REF=$BUILD/dl/debian-binary
GRUB=$WORK/grub-common
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
    [[ $(dpkg-deb -f "$deb" Description) == *"Based on Debian $XEN_DEB_VERSION"* ]] ||
        problem "Description does not name the Debian base $XEN_DEB_VERSION"
    [[ ", $(dpkg-deb -f "$deb" Depends)," == *", xen-utils-4.17,"* ]] ||
        problem "Depends lacks xen-utils-4.17: $(dpkg-deb -f "$deb" Depends)"
    [[ ", $(dpkg-deb -f "$deb" Provides)," == *", xen-hypervisor-4.17,"* ]] ||
        problem "Provides lacks xen-hypervisor-4.17"
}

# The files of ROOT's /boot that GRUB's 20_linux_xen offers as
# hypervisors, as boot/..., newest first: its own loop and the functions
# of grub-mkconfig_lib it uses, run on ROOT (relative paths, since
# version_test_gt cuts up to the first '-' of a path).
grub_hypervisors()
{
    local root=$1 script=$GRUB/etc/grub.d/20_linux_xen

    (cd "$root" && sh -c '
        set -e
        . "$1/usr/share/grub/grub-mkconfig_lib"
        eval "$(sed -n "/^file_is_not_xen_garbage ()/,/^}/p" "$2")"
        list=
        for i in boot/xen*; do
            if grub_file_is_not_garbage "$i" && file_is_not_xen_garbage "$i"; then
                list="$list $i"
            fi
        done
        while [ -n "$list" ]; do
            latest=$(version_find_latest $list)
            echo "$latest"
            list=$(echo $list | tr " " "\n" | grep -vxF "$latest" | tr "\n" " ")
        done' sh "$GRUB" "$script")
}

grub_common()
{
    local deb

    [[ -f $GRUB/etc/grub.d/20_linux_xen ]] && return 0
    deb=$("$TOP/scripts/debian-download.sh" "$REF" grub-common) || return 1
    dpkg-deb -x "$deb" "$GRUB"
    [[ -f $GRUB/etc/grub.d/20_linux_xen && -f $GRUB/usr/share/grub/grub-mkconfig_lib ]]
}

check_grub()
{
    local root=$1 listed

    listed=$(grub_hypervisors "$root") ||
        { problem "running 20_linux_xen's selection failed"; return; }
    grep -qx "boot/$XEN_NAME.gz" <<<"$listed" ||
        problem "20_linux_xen does not list /boot/$XEN_NAME.gz; it lists: $(paste -sd' ' - <<<"$listed")"
    [[ $(sed -n 1p <<<"$listed") == "boot/$XEN_NAME".* ]] ||
        problem "20_linux_xen puts $(sed -n 1p <<<"$listed"), not ours, first"
    GRUB_LIST=$(paste -sd' ' - <<<"$listed")
}

check_contents()
{
    local deb=$1 files f

    files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print substr($6, 2) }')
    for f in "/boot/$XEN_NAME.gz" "/boot/$XEN_NAME.efi" "/boot/$XEN_NAME.config" \
        "/usr/share/doc/$PACKAGE/copyright" \
        "/usr/share/doc/$PACKAGE/changelog.Debian.gz"; do
        grep -qx -- "$f" <<<"$files" || problem "no $f"
    done
    while read -r f; do
        [[ $f == /boot/$XEN_NAME.* || $f == /usr/share/doc/$PACKAGE/* ]] ||
            problem "$f is outside our names (could clash with $DEBIAN_PACKAGE)"
    done <<<"$files"
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
    if [[ -f $image.efi ]]; then
        python3 - "$image.efi" <<'EOF' || problem "/boot/$XEN_NAME.efi is not a PE image"
import struct, sys
head = open(sys.argv[1], "rb").read(4096)
pe = struct.unpack_from("<I", head, 0x3c)[0] if head[:2] == b"MZ" else 0
sys.exit(not (0 < pe < 4092 and head[pe:pe + 4] == b"PE\0\0"))
EOF
        (( $(grep -ac 'dumping mm locks held on each CPU' "$image.efi") )) ||
            problem "/boot/$XEN_NAME.efi lacks our checker's 'k' debug key text"
    else
        problem "no /boot/$XEN_NAME.efi to look into"
    fi
}

check_dbg()
{
    local root=$1 syms=$1/usr/lib/debug/boot/xen-syms-${XEN_NAME#xen-} id

    [[ $(dpkg-deb -f "$DBG_DEB" Package) == "$DBG_PACKAGE" ]] || problem "-dbg Package is not $DBG_PACKAGE"
    [[ $(dpkg-deb -f "$DBG_DEB" Depends) == "$PACKAGE (= $(dpkg-deb -f "$DEB" Version))" ]] ||
        problem "-dbg Depends is not $PACKAGE (= its version): $(dpkg-deb -f "$DBG_DEB" Depends)"
    [[ -f $syms && -f $syms.map && -f $root/usr/lib/debug/boot/$XEN_NAME.efi.map ]] ||
        { problem "-dbg did not install xen-syms, its map and the .efi map"; return; }
    id=$(readelf -n "$syms" | sed -n 's/^ *Build ID: //p')
    grep -qx "build_id=$id" "$root/usr/share/doc/$PACKAGE/BUILD-INFO" ||
        problem "-dbg's xen-syms (build id $id) is not the packaged hypervisor's"
}

# Debian's hypervisor and its -dbg, the versions the archive offers now.
debian_hypervisor()
{
    "$TOP/scripts/debian-download.sh" "$REF" "$DEBIAN_PACKAGE" \
        "$DEBIAN_PACKAGE-dbg" 2>"$WORK/apt.log"
}

# Maintainer scripts run chrootless with DPKG_ROOT set, which ours honour;
# Debian's package is only unpacked, so its scripts never run here.
check_install()
{
    local deb=$1 root=$WORK/root ref refs
    local -a dpkg=(dpkg "--root=$root" "--log=$WORK/dpkg.log"
                   --force-depends --force-script-chrootless)

    rm -rf "$root"
    : >"$WORK/install.log"
    mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
    : >"$root/var/lib/dpkg/status"
    if refs=$(debian_hypervisor); then
        while read -r ref; do
            "${dpkg[@]}" --unpack "$ref" >>"$WORK/install.log" 2>&1 ||
                { problem "could not unpack ${ref##*/} (log: $WORK/install.log)"; return; }
        done <<<"$refs"
        SIDE_BY_SIDE="beside $(xargs -n1 basename <<<"$refs" | paste -sd' ' -)"
    else
        SIDE_BY_SIDE="alone: apt could not download $DEBIAN_PACKAGE (log: $WORK/apt.log)"
    fi
    if ! "${dpkg[@]}" -i "$deb" "$DBG_DEB" >>"$WORK/install.log" 2>&1; then
        problem "dpkg -i into a throw-away root failed: $(grep -m1 'trying to overwrite' "$WORK/install.log" ||
            grep -m1 'error' "$WORK/install.log") (log: $WORK/install.log)"
        return
    fi
    [[ $(dpkg-query "--root=$root" -W -f='${Status}' "$PACKAGE") == "install ok installed" ]] ||
        problem "dpkg does not list $PACKAGE as installed"
    check_image "$root"
    check_dbg "$root"
    check_grub "$root"
    readme=$root/usr/share/doc/$PACKAGE/README.Debian
    tail -c "$(stat -c %s "$TOP/docs/install.md")" "$readme" | cmp -s - "$TOP/docs/install.md" ||
        problem "README.Debian does not end with the install guide docs/install.md"
    grep -q "Based on Debian $XEN_DEB_VERSION" "$readme" ||
        problem "README.Debian does not name the Debian base $XEN_DEB_VERSION"
    "${dpkg[@]}" -r "$DBG_PACKAGE" "$PACKAGE" >>"$WORK/install.log" 2>&1 || problem "dpkg -r failed"
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

    lintian --display-info --pedantic --tag-display-limit 0 "$DEB" "$DBG_DEB" \
        >"$WORK/lintian.log" 2>&1 || true
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
DBG_DEB=$DEB_OUT/${DBG_PACKAGE}_$(dpkg-deb -f "$DEB" Version)_amd64.deb
[[ -f $DBG_DEB ]] || die "no $DBG_DEB beside $DEB; run \`make deb\`"
XEN_DEB_VERSION=$(sed -n 's/^debian_base=//p' <(dpkg-deb --fsys-tarfile "$DEB" |
    tar -xOf - "./usr/share/doc/$PACKAGE/BUILD-INFO"))
[[ -n $XEN_DEB_VERSION ]] || die "$DEB's BUILD-INFO names no debian_base"
mkdir -p "$WORK"
grub_common || die "cannot download and unpack Debian's grub-common (log: $BUILD/logs/debian-download.log)"

msg "check-deb: ${DEB##*/} and ${DBG_DEB##*/}"
dpkg-deb -I "$DEB" | sed -n 's/^ \([A-Z][A-Za-z-]*:\)/    \1/p'
for d in "$DEB" "$DBG_DEB"; do
    dpkg-deb -c "$d" | awk '$1 !~ /^d/ { printf "    %s %8s %s\n", $1, $3, $6 }'
done
check_package "$DEB" || die "check-deb: $problems problems (above)"
echo "    metadata, contents, image, -dbg and install ($SIDE_BY_SIDE): ok"
echo "    GRUB's 20_linux_xen lists, newest first: $GRUB_LIST"

negative_control "without the hypervisor" \
    "$(broken_copy no-hypervisor "rm boot/$XEN_NAME.gz")"
negative_control "without xen.efi" \
    "$(broken_copy no-efi "rm boot/$XEN_NAME.efi")"
negative_control "that installs Debian's file name" \
    "$(broken_copy debian-name "mv boot/$XEN_NAME.gz boot/xen-4.17-amd64.gz")"
negative_control "whose README.Debian does not end with the install guide" \
    "$(broken_copy stale-guide "echo stale >>usr/share/doc/$PACKAGE/README.Debian")"
run_lintian
msg "check-deb: PASS"
