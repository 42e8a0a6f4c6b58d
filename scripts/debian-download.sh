#!/usr/bin/env bash
# Download Debian binary packages (no install) into DEST, through a
# project-local apt configuration in $BUILD/apt-binary made from the one
# fetch-xen.sh wrote (same archives and suites, Types: deb); apt checks
# each file against the signed index. Prints the path of each .deb.
#   debian-download.sh DEST PACKAGE[=VERSION]...
# Without =VERSION, the version those archives offer (apt's candidate).
# A package already in DEST is not downloaded again; the indexes are read
# again after DEBIAN_INDEX_MAX_AGE seconds.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

: "${BUILD:?}"
(( $# >= 2 )) || die "usage: $0 DEST PACKAGE[=VERSION]..."
DEST=$1
shift
APT=$BUILD/apt-binary
SOURCES=$BUILD/apt/sources.list.d/debian.sources
LOG=$BUILD/logs/debian-download.log
FETCH_TIMEOUT=${FETCH_TIMEOUT:-30}
FETCH_TIME_LIMIT=${FETCH_TIME_LIMIT:-600}
DEBIAN_INDEX_MAX_AGE=${DEBIAN_INDEX_MAX_AGE:-21600}

apt_opts=()

# The .deb file name apt would give PACKAGE=VERSION (no epoch, ':' quoted).
deb_name()
{
    local package=${1%%=*} version=${1#*=}

    printf '%s_%s_amd64.deb\n' "$package" "${version#*:}"
}

setup()
{
    [[ -f $SOURCES ]] || die "no $SOURCES; run \`make fetch\` first"
    debian_apt_config "$APT"
    apt_opts=("${debian_apt_opts[@]}" -o APT::Architectures::=amd64
        -o APT::Sandbox::User=root)
    sed 's/^Types: deb-src$/Types: deb/' "$SOURCES" >"$APT/sources.list.d/debian.sources.new"
    if ! cmp -s "$APT/sources.list.d/debian.sources.new" \
        "$APT/sources.list.d/debian.sources"; then
        mv "$APT/sources.list.d/debian.sources.new" "$APT/sources.list.d/debian.sources"
        rm -f "$APT/updated"
    else
        rm -f "$APT/sources.list.d/debian.sources.new"
    fi
    if [[ -f $APT/updated ]] &&
       (( $(date +%s) - $(stat -c %Y "$APT/updated") < DEBIAN_INDEX_MAX_AGE )); then
        return 0
    fi
    msg "debian-download: reading the binary package indexes (log: $LOG)"
    run_logged "apt-get update" "$LOG" timeout "$FETCH_TIME_LIMIT" \
        apt-get "${apt_opts[@]}" update --error-on=any ||
        die "cannot read Debian's binary package indexes; log: $LOG"
    touch "$APT/updated"
}

# Progress goes to stderr; stdout carries only the paths.
exec 3>&1 1>&2
need_tools apt-get:apt
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd -P)
specs=()
for spec in "$@"; do
    if [[ $spec != *=* ]]; then
        setup
        version=$(apt-cache "${apt_opts[@]}" policy "$spec" |
            sed -n 's/^ *Candidate: //p')
        [[ -n $version && $version != '(none)' ]] ||
            die "Debian's archive offers no binary package $spec"
        spec+="=$version"
    fi
    specs+=("$spec")
done
set -- "${specs[@]}"
missing=()
for spec in "$@"; do
    [[ -f $DEST/$(deb_name "$spec") ]] || missing+=("$spec")
done
if (( ${#missing[@]} )); then
    setup
    msg "debian-download: apt-get download ${missing[*]}"
    (cd "$DEST" && run_logged "apt-get download" "$LOG.download" \
        timeout "$FETCH_TIME_LIMIT" apt-get "${apt_opts[@]}" download \
        "${missing[@]}") ||
        die "apt-get download ${missing[*]} failed; log: $LOG.download"
fi
for spec in "$@"; do
    [[ -f $DEST/$(deb_name "$spec") ]] ||
        die "apt-get download left no $DEST/$(deb_name "$spec")"
    printf '%s\n' "$DEST/$(deb_name "$spec")" >&3
done
