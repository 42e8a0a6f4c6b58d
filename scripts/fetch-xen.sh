#!/usr/bin/env bash
# Make $XEN_PRISTINE a git repository whose first commit, tagged `pristine`,
# is the pristine Xen tree: Debian's source package $XEN_DEB_SOURCE
# unpacked by dpkg-source -x (Debian's patches applied, debian/ kept, the
# quilt state .pc/ dropped), a copy of $XEN_SRC, or the files of upstream's
# $XEN_REF in the git repository $XEN_GIT (pinned to $XEN_GIT_COMMIT when
# that is set; see fetch-xen-git.sh). With XEN_DEB_VERSION empty the Debian
# version is the newest that bookworm, -updates and -security list and
# whose files download (debian-version.sh). $XEN_PRISTINE_STAMP holds that
# commit; it changes only when the tree does. Does nothing when the stamp's
# key says the tree is already there.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

: "${BUILD:?}" "${XEN_PRISTINE:?}" "${XEN_PRISTINE_STAMP:?}"
: "${XEN_DEB_SOURCE:?}" "${DEBIAN_SUITE:?}"
: "${DEBIAN_SUITES:?}" "${DEBIAN_KEYRING:?}"
XEN_DEB_VERSION=${XEN_DEB_VERSION:-}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-}
DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-}
DEBIAN_INDEX_MAX_AGE=${DEBIAN_INDEX_MAX_AGE:-21600}
XEN_SRC=${XEN_SRC:-}
XEN_GIT=${XEN_GIT:-} XEN_REF=${XEN_REF:-} XEN_GIT_COMMIT=${XEN_GIT_COMMIT:-}
FETCH_TIMEOUT=${FETCH_TIMEOUT:-30}
FETCH_TIME_LIMIT=${FETCH_TIME_LIMIT:-600}

LOGS=$BUILD/logs
DL=$BUILD/dl
APT=$BUILD/apt
KEY_FILE=$XEN_PRISTINE_STAMP.key
NEW=$XEN_PRISTINE.new
# Which version the last look at the archive chose, and why.
CHOICE=$APT/choice

# Files of the user's tree: what git tracks or would track, else all but .git.
own_tree_files()
{
    if [[ -e $XEN_SRC/.git ]]; then
        git -C "$XEN_SRC" ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do
                [[ -f $XEN_SRC/$f || -L $XEN_SRC/$f ]] && printf '%s\0' "$f"
            done
    else
        (cd "$XEN_SRC" && find . -path ./.git -prune -o \
            \( -type f -o -type l \) -printf '%P\0')
    fi
}

# The commit XEN_REF names: the pin, else what the repository says now.
git_ref_commit()
{
    local url=$XEN_GIT line

    if [[ -n $XEN_GIT_COMMIT ]]; then
        printf '%s\n' "$XEN_GIT_COMMIT"
        return
    fi
    [[ ! -d $url ]] || url=file://$(cd "$url" && pwd -P)
    line=$(timeout "$FETCH_TIMEOUT" git ls-remote --exit-code "$url" \
        "refs/heads/$XEN_REF" "refs/tags/$XEN_REF" 2>&1 | sed -n 1p) ||
        die "XEN_GIT=$XEN_GIT has no branch or tag XEN_REF=$XEN_REF" \
            "(or cannot be read): ${line:-no answer}"
    printf '%s\n' "${line%%[[:space:]]*}"
}

wanted_key()
{
    if [[ -n $XEN_GIT ]]; then
        printf 'git %s %s %s\n' "$XEN_GIT" "$XEN_REF" "$(git_ref_commit)"
    elif [[ -n $XEN_SRC ]]; then
        # Names, sizes and mtimes: a changed file in the user's tree is seen.
        printf 'dir %s %s\n' "$XEN_SRC" "$(own_tree_files | LC_ALL=C sort -z |
            (cd "$XEN_SRC" && xargs -0 -r stat -c '%n %s %Y') | sha256sum |
            cut -c1-16)"
    else
        printf 'debian-source-package %s=%s\n' "$XEN_DEB_SOURCE" "$XEN_DEB_VERSION"
    fi
}

# The project-local apt configuration: deb-src of URI for $DEBIAN_SUITES
# and, if SECURITY_URI is set, of SECURITY_URI for $DEBIAN_SUITE-security.
SOURCES=
setup_apt()
{
    local entries=("$1 $DEBIAN_SUITES")

    [[ -z $2 ]] || entries+=("$2 $DEBIAN_SUITE-security")
    debian_apt_setup "$APT" deb-src "${entries[@]}"
    SOURCES=$APT/sources.list.d/debian.sources
}

# "VERSION SUITE" per listing of the source package, newest first.
listed_versions()
{
    apt-cache "${debian_apt_opts[@]}" madison "$XEN_DEB_SOURCE" 2>/dev/null |
        awk -F' [|] ' '$3 ~ / Sources$/ {
            gsub(/ /, "", $2); split($3, w, " "); sub(/\/.*/, "", w[2])
            print $2, w[2] }' | sort -u | sort -k1,1Vr -s
}

ARCHIVES=
prepare_archive()
{
    local uri security_uri

    need_tools apt-get:apt apt-cache:apt dpkg-source:dpkg-dev
    uri=$(debian_archive_uri "$DEBIAN_SUITE" "$DEBIAN_MIRROR")
    [[ -n $uri ]] || die "no apt source of this machine serves Debian's" \
        "$DEBIAN_SUITE/main; set DEBIAN_MIRROR=<URI of a Debian archive>"
    security_uri=$(debian_archive_uri "$DEBIAN_SUITE-security" \
        "$DEBIAN_SECURITY_MIRROR")
    ARCHIVES="$uri ($DEBIAN_SUITES)"
    if [[ -n $security_uri ]]; then
        ARCHIVES+=" and $security_uri ($DEBIAN_SUITE-security)"
    else
        msg "fetch: no apt source of this machine serves $DEBIAN_SUITE-security;" \
            "not searched (set DEBIAN_SECURITY_MIRROR=<URI> to search it)"
    fi
    setup_apt "$uri" "$security_uri"
}

update_index()
{
    msg "fetch: reading deb-src indexes of $ARCHIVES"
    run_logged "apt-get update" "$LOGS/fetch-update.log" \
        timeout "$FETCH_TIME_LIMIT" \
        apt-get "${debian_apt_opts[@]}" update --error-on=any ||
        die "cannot read Debian's archive at $ARCHIVES:" \
            "check the network or set DEBIAN_MIRROR; log: $LOGS/fetch-update.log"
    mkdir -p "$BUILD/src"
    listed_versions >"$BUILD/src/debian-listed"
}

# Into $DL; apt checks each file against the checksums of the signed index.
# The sandbox user _apt cannot write to build/, so apt would warn.
download_source()
{
    cd "$DL"
    timeout "$FETCH_TIME_LIMIT" apt-get "${debian_apt_opts[@]}" \
        -o APT::Sandbox::User=root \
        source --download-only "$XEN_DEB_SOURCE=$1"
}

# Fails with status 2 when the archive lists VERSION but does not serve
# its files (HTTP 404), 1 on any other failure.
try_download()
{
    local version=$1 log=$LOGS/fetch-source-$1.log

    mkdir -p "$DL"
    msg "fetch: apt-get source --download-only $XEN_DEB_SOURCE=$version"
    if run_logged "apt-get source" "$log" download_source "$version" \
        2>/dev/null; then
        return 0
    fi
    if grep -q ' 404 ' "$log"; then
        return 2
    fi
    tail -n 20 "$log" >&2
    die "downloading $XEN_DEB_SOURCE=$version from $ARCHIVES failed; log: $log"
}

# Sets XEN_DEB_VERSION to the newest listed version whose files download.
# The choice is kept in $CHOICE for DEBIAN_INDEX_MAX_AGE seconds, so a
# `make` with nothing changed does not touch the network.
choose_version()
{
    local sources_sum version suite status note=

    sources_sum=$(sha256sum <"$SOURCES" | cut -c1-16)
    if [[ -f $CHOICE && $(sed -n 1p "$CHOICE") == "$sources_sum" ]] &&
       (( $(date +%s) - $(stat -c %Y "$CHOICE") < DEBIAN_INDEX_MAX_AGE )); then
        XEN_DEB_VERSION=$(sed -n 2p "$CHOICE")
        sed -n '3,$p' "$CHOICE" | sed 's/^/==> fetch: /'
        return 0
    fi
    update_index
    while read -r version suite; do
        status=0
        try_download "$version" || status=$?
        if (( status == 0 )); then
            XEN_DEB_VERSION=$version
            break
        fi
        msg "fetch: $suite lists $version but its files are not served"
        note+="$suite lists $version but its files are not served; "
    done <"$BUILD/src/debian-listed"
    [[ -n $XEN_DEB_VERSION ]] ||
        die "no version of source package $XEN_DEB_SOURCE listed by $ARCHIVES" \
            "can be downloaded (listed: $(cut -d' ' -f1 "$BUILD/src/debian-listed" |
            sort -u | paste -sd' ' -)); log: $LOGS/fetch-update.log"
    {
        printf '%s\n%s\n' "$sources_sum" "$XEN_DEB_VERSION"
        if [[ -n $note ]]; then
            printf '%sbuilding %s\n' "$note" "$XEN_DEB_VERSION"
        fi
    } >"$CHOICE"
    sed -n '3,$p' "$CHOICE" | sed 's/^/==> fetch: /'
}

# Sets DSC to the path of the downloaded, index-verified .dsc.
DSC=
fetch_source_package()
{
    local versions

    [[ -n $ARCHIVES ]] || prepare_archive
    if [[ ! -f $BUILD/src/debian-listed ]] || ! compgen -G \
        "$DL/${XEN_DEB_SOURCE}_${XEN_DEB_VERSION#*:}.dsc" >/dev/null; then
        update_index
    fi
    versions=$(cut -d' ' -f1 "$BUILD/src/debian-listed" | sort -uV)
    versions=${versions:-none}
    grep -qxF -- "$XEN_DEB_VERSION" <<<"$versions" ||
        die "source package $XEN_DEB_SOURCE=$XEN_DEB_VERSION is not offered" \
            "by $ARCHIVES; offered: ${versions//$'\n'/ }." \
            "Pin one of them as XEN_DEB_VERSION, or leave it empty for the newest"
    try_download "$XEN_DEB_VERSION" ||
        die "$ARCHIVES list $XEN_DEB_SOURCE=$XEN_DEB_VERSION but do not serve" \
            "its files; log: $LOGS/fetch-source-$XEN_DEB_VERSION.log"
    DSC=$DL/${XEN_DEB_SOURCE}_${XEN_DEB_VERSION#*:}.dsc
    [[ -f $DSC ]] || die "apt-get source did not leave $DSC"
}

# dpkg-source checks every file against the .dsc and applies
# debian/patches; the .dsc's signature is checked when a keyring of
# Debian's developers is installed, and apt has already checked every
# file against the signed index.
unpack_source_package()
{
    local dest=$1 log=$LOGS/fetch-unpack.log

    msg "fetch: dpkg-source -x $(basename "$DSC") (applies debian/patches)"
    rm -rf "$dest"
    run_logged "dpkg-source" "$log" dpkg-source -x "$DSC" "$dest" ||
        die "dpkg-source -x $DSC failed; log: $log"
    rm -rf "$dest/.pc"
    msg "fetch: applied $(grep -c 'info: applying' "$log") Debian patches" \
        "(list: $dest/debian/patches/series)"
}

extract_into()
{
    local dest=$1

    if [[ -n $XEN_GIT ]]; then
        "$(dirname "$0")/fetch-xen-git.sh" "$dest"
    elif [[ -n $XEN_SRC ]]; then
        msg "fetch: copying your tree $XEN_SRC"
        mkdir -p "$dest"
        own_tree_files | tar -C "$XEN_SRC" --null -T - -cf - |
            tar -C "$dest" --no-same-owner -xf -
    else
        fetch_source_package
        unpack_source_package "$dest"
    fi
    [[ -f $dest/xen/Makefile ]] ||
        die "the Xen tree${XEN_SRC:+ $XEN_SRC} has no xen/Makefile"
    if [[ -e $dest/xen/.config || -d $dest/xen/include/config ]]; then
        die "${XEN_SRC:-the Xen tree} has in-tree build outputs" \
            "(xen/.config); run \`make -C xen distclean\` there first"
    fi
}

# Called holding the tree's lock: no build is reading it.
replace_pristine()
{
    local key=$1 commit=$2

    rm -rf "$XEN_PRISTINE"
    mv "$NEW" "$XEN_PRISTINE"
    printf '%s\n' "$key" >"$KEY_FILE"
    if [[ $(cat "$XEN_PRISTINE_STAMP" 2>/dev/null) != "$commit" ]]; then
        printf '%s\n' "$commit" >"$XEN_PRISTINE_STAMP"
    fi
}

make_pristine_repo()
{
    local key=$1 what commit

    rm -rf "$NEW"
    extract_into "$NEW"
    if [[ -n $XEN_GIT ]]; then
        what="$XEN_REF of $XEN_GIT at commit $(cat "$NEW.commit")"
        rm -f "$NEW.commit"
    elif [[ -n $XEN_SRC ]]; then
        what="copy of $XEN_SRC"
    else
        what="Debian's source package $XEN_DEB_SOURCE $XEN_DEB_VERSION, patched"
    fi
    msg "fetch: committing the pristine tree ($what)"
    git init -q "$NEW"
    # -f: the tree's own .gitignore must not drop any upstream file.
    tree_git "$NEW" add -A -f .
    tree_git "$NEW" commit -q -m "Pristine Xen tree: $what"
    tree_git "$NEW" tag pristine
    commit=$(tree_git "$NEW" rev-parse HEAD)

    with_lock "$XEN_PRISTINE.lock" replace_pristine "$key" "$commit"
    msg "fetch: $XEN_PRISTINE at commit ${commit:0:12} (tag pristine)"
}

fetch()
{
    local key

    if [[ -z $XEN_SRC && -z $XEN_GIT ]]; then
        prepare_archive
        [[ -n $XEN_DEB_VERSION ]] || choose_version
    fi
    key=$(wanted_key)
    if [[ -f $XEN_PRISTINE_STAMP && -d $XEN_PRISTINE/.git &&
          $(cat "$KEY_FILE" 2>/dev/null) == "$key" ]] &&
       [[ $(tree_git "$XEN_PRISTINE" rev-parse -q --verify 'pristine^{commit}' \
            2>/dev/null) == "$(cat "$XEN_PRISTINE_STAMP")" ]]; then
        return 0
    fi
    make_pristine_repo "$key"
}

need_tools git tar flock:util-linux
[[ -z $XEN_GIT || -z $XEN_SRC ]] ||
    die "set XEN_GIT (with XEN_REF) or XEN_SRC, not both"
[[ -z $XEN_GIT || -n $XEN_REF ]] ||
    die "XEN_GIT=$XEN_GIT needs XEN_REF=<branch or tag>"
if [[ -n $XEN_SRC ]]; then
    [[ -d $XEN_SRC ]] || die "XEN_SRC=$XEN_SRC is not a directory"
    XEN_SRC=$(cd "$XEN_SRC" && pwd -P)
fi
mkdir -p "$BUILD/src" "$LOGS"
with_lock "$BUILD/src/.lock" fetch
