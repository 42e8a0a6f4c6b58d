#!/usr/bin/env bash
# Make $XEN_PRISTINE a git repository whose first commit, tagged `pristine`,
# is the pristine Xen tree: the upstream orig tarball of Debian's source
# package $XEN_DEB_SOURCE=$XEN_DEB_VERSION, a copy of $XEN_SRC, or the
# files of upstream's $XEN_REF in the git repository $XEN_GIT (pinned to
# $XEN_GIT_COMMIT when that is set; see fetch-xen-git.sh).
# $XEN_PRISTINE_STAMP holds that commit; it changes only when the tree does.
# Does nothing when the stamp's key says the tree is already there.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

: "${BUILD:?}" "${XEN_PRISTINE:?}" "${XEN_PRISTINE_STAMP:?}"
: "${XEN_DEB_SOURCE:?}" "${XEN_DEB_VERSION:?}" "${DEBIAN_SUITE:?}"
: "${DEBIAN_SUITES:?}" "${DEBIAN_KEYRING:?}"
DEBIAN_MIRROR=${DEBIAN_MIRROR:-}
XEN_SRC=${XEN_SRC:-}
XEN_GIT=${XEN_GIT:-} XEN_REF=${XEN_REF:-} XEN_GIT_COMMIT=${XEN_GIT_COMMIT:-}
FETCH_TIMEOUT=${FETCH_TIMEOUT:-30}
FETCH_TIME_LIMIT=${FETCH_TIME_LIMIT:-600}

LOGS=$BUILD/logs
DL=$BUILD/dl
APT=$BUILD/apt
KEY_FILE=$XEN_PRISTINE_STAMP.key
NEW=$XEN_PRISTINE.new

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
        printf 'debian %s=%s\n' "$XEN_DEB_SOURCE" "$XEN_DEB_VERSION"
    fi
}

# The URI of the machine's apt entry that serves $DEBIAN_SUITE/main from
# Debian; apt itself parses sources.list and sources.list.d for us. The
# origin is known only once the machine has run apt-get update.
archive_uri()
{
    if [[ -n $DEBIAN_MIRROR ]]; then
        printf '%s\n' "$DEBIAN_MIRROR"
        return
    fi
    # shellcheck disable=SC2016 # apt's format placeholders, not shell
    apt-get indextargets \
        --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(ORIGIN)' |
        awk -v suite="$DEBIAN_SUITE" '
            $2 == suite && $3 == "main" && $1 !~ /^cdrom:/ &&
            ($4 == "Debian" || $4 == "") { print ($4 == "Debian" ? 0 : 1), $1 }' |
        sort -u | sed -n '1s/^[01] //p'
}

apt_opts=()

setup_apt()
{
    local uri=$1

    [[ -r $DEBIAN_KEYRING ]] ||
        die "Debian's archive keyring $DEBIAN_KEYRING is missing; run \`make deps\`"
    rm -rf "$APT/sources.list.d"
    mkdir -p "$APT/sources.list.d" "$APT/lists/partial" "$APT/preferences.d" \
        "$APT/cache/archives/partial"
    cat >"$APT/sources.list.d/xen-src.sources" <<EOF
# Written by scripts/fetch-xen.sh from the machine's apt sources.
Types: deb-src
URIs: $uri
Suites: $DEBIAN_SUITES
Components: main
Signed-By: $DEBIAN_KEYRING
EOF
    apt_opts=(
        -o "Dir::Etc::SourceParts=$APT/sources.list.d"
        -o Dir::Etc::SourceList=/dev/null
        -o "Dir::State::Lists=$APT/lists"
        -o "Dir::Cache=$APT/cache"
        -o Dir::Etc::Preferences=/dev/null
        -o "Dir::Etc::PreferencesParts=$APT/preferences.d"
        -o Acquire::Retries=1
        -o "Acquire::http::Timeout=$FETCH_TIMEOUT"
        -o "Acquire::https::Timeout=$FETCH_TIMEOUT"
    )
}

offered_versions()
{
    apt-cache "${apt_opts[@]}" showsrc --only-source "$XEN_DEB_SOURCE" \
        2>/dev/null | awk '/^Version:/ { print $2 }' | sort -uV
}

# Into $DL; apt checks each file against the checksums of the signed index.
# The sandbox user _apt cannot write to build/, so apt would warn.
download_source()
{
    cd "$DL"
    timeout "$FETCH_TIME_LIMIT" apt-get "${apt_opts[@]}" \
        -o APT::Sandbox::User=root \
        source --download-only "$XEN_DEB_SOURCE=$XEN_DEB_VERSION"
}

# Sets ORIG to the path of the verified orig tarball.
ORIG=
fetch_orig_tarball()
{
    local uri version=${XEN_DEB_VERSION#*:} upstream versions dsc line

    need_tools apt-get:apt apt-cache:apt xz:xz-utils sha256sum:coreutils
    uri=$(archive_uri)
    [[ -n $uri ]] || die "no apt source of this machine serves Debian's" \
        "$DEBIAN_SUITE/main; set DEBIAN_MIRROR=<URI of a Debian archive>"
    setup_apt "$uri"

    msg "fetch: reading deb-src index of $uri ($DEBIAN_SUITES)"
    run_logged "apt-get update" "$LOGS/fetch-update.log" \
        timeout "$FETCH_TIME_LIMIT" \
        apt-get "${apt_opts[@]}" update --error-on=any ||
        die "cannot read Debian's archive at $uri ($DEBIAN_SUITES):" \
            "check the network or set DEBIAN_MIRROR; log: $LOGS/fetch-update.log"

    versions=$(offered_versions)
    versions=${versions:-none}
    grep -qxF -- "$XEN_DEB_VERSION" <<<"$versions" ||
        die "source package $XEN_DEB_SOURCE=$XEN_DEB_VERSION is not offered" \
            "by $uri ($DEBIAN_SUITES); offered: ${versions//$'\n'/ }." \
            "Pin one of them as XEN_DEB_VERSION in Config.mk"

    mkdir -p "$DL"
    msg "fetch: apt-get source --download-only $XEN_DEB_SOURCE=$XEN_DEB_VERSION"
    run_logged "apt-get source" "$LOGS/fetch-source.log" \
        download_source ||
        die "downloading $XEN_DEB_SOURCE=$XEN_DEB_VERSION from $uri failed;" \
            "log: $LOGS/fetch-source.log"

    dsc=$DL/${XEN_DEB_SOURCE}_$version.dsc
    upstream=${version%-*}
    [[ -f $dsc ]] || die "apt-get source did not leave $dsc"
    line=$(awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 }
        on && $3 ~ /\.orig\.tar\.[a-z0-9]+$/ { print $1, $3; exit }' "$dsc")
    ORIG=$DL/${line#* }
    [[ -n $line && $ORIG == "$DL/${XEN_DEB_SOURCE}_$upstream.orig.tar."* ]] ||
        die "$dsc names no orig tarball"
    (cd "$DL" && sha256sum --quiet -c - <<<"${line% *}  ${line#* }") ||
        die "$ORIG does not match the checksum in $dsc"
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
        fetch_orig_tarball
        msg "fetch: extracting $(basename "$ORIG")"
        mkdir -p "$dest"
        tar -C "$dest" --no-same-owner --strip-components=1 -xf "$ORIG"
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
        what="orig tarball of Debian's $XEN_DEB_SOURCE $XEN_DEB_VERSION"
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
