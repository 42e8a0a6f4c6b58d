# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-only
# Which Debian archive to use and how to reach it; source it (after
# scripts/lib.sh, for die), do not run it.
#   debian_archive_uri SUITE [MIRROR]
#       MIRROR if it is set (Config.mk's DEBIAN_MIRROR); else the URI of
#       this machine's apt entry that serves SUITE/main from Debian, as
#       scripts/fetch-xen.sh picks it for the Xen source. apt itself parses
#       sources.list and sources.list.d; the origin is known only once the
#       machine has run apt-get update. Prints nothing if there is none.

debian_archive_uri()
{
    local suite=$1 mirror=${2:-}

    if [[ -n $mirror ]]; then
        printf '%s\n' "$mirror"
        return
    fi
    # shellcheck disable=SC2016 # apt's format placeholders, not shell
    apt-get indextargets \
        --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(ORIGIN)' |
        awk -v suite="$suite" '
            $2 == suite && $3 == "main" && $1 !~ /^cdrom:/ &&
            ($4 == "Debian" || $4 == "") { print ($4 == "Debian" ? 0 : 1), $1 }' |
        sort -u | sed -n '1s/^[01] //p'
}

#   debian_archive_entries SUITE [MIRROR]
#       "URI SUITE" lines: MIRROR for SUITE and SUITE-updates if MIRROR is
#       set; else every entry of this machine's apt sources that serves
#       SUITE or SUITE-<something> (e.g. -updates, -security) main from
#       Debian, so that a package comes in the version this machine would
#       install.
debian_archive_entries()
{
    local suite=$1 mirror=${2:-}

    if [[ -n $mirror ]]; then
        printf '%s %s\n' "$mirror" "$suite" "$mirror" "$suite-updates"
        return
    fi
    # shellcheck disable=SC2016 # apt's format placeholders, not shell
    apt-get indextargets \
        --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(ORIGIN)' |
        awk -v suite="$suite" '
            ($2 == suite || index($2, suite "-") == 1) && $3 == "main" &&
            $1 !~ /^cdrom:/ && ($4 == "Debian" || $4 == "") { print $1, $2 }' |
        sort -u
}

#   debian_apt_setup DIR TYPE ENTRY...
#       a project-local apt configuration in DIR for the main component of
#       each ENTRY ("URI SUITE", TYPE deb or deb-src), signed by
#       DEBIAN_KEYRING, with its own lists and cache: the machine's apt
#       configuration is never read or changed. Sets the array
#       debian_apt_opts for apt-get and apt-cache; then apt-get update
#       reads the index.
# shellcheck disable=SC2034 # the callers' array
debian_apt_opts=()
debian_apt_setup()
{
    local dir=$1 type=$2 entry
    shift 2

    : "${DEBIAN_KEYRING:?from Config.mk}"
    [[ -r $DEBIAN_KEYRING ]] ||
        die "Debian's archive keyring $DEBIAN_KEYRING is missing; run \`make deps\`"
    rm -rf "$dir/sources.list.d"
    mkdir -p "$dir/sources.list.d" "$dir/lists/partial" \
        "$dir/preferences.d" "$dir/cache/archives/partial"
    for entry in "$@"; do
        printf 'Types: %s\nURIs: %s\nSuites: %s\nComponents: main\n' \
            "$type" "${entry% *}" "${entry#* }"
        printf 'Signed-By: %s\n\n' "$DEBIAN_KEYRING"
    done >"$dir/sources.list.d/debian.sources"
    # shellcheck disable=SC2034 # the callers' array
    debian_apt_opts=(
        -o "Dir::Etc::SourceParts=$dir/sources.list.d"
        -o Dir::Etc::SourceList=/dev/null
        -o "Dir::State::Lists=$dir/lists"
        -o "Dir::Cache=$dir/cache"
        -o Dir::Etc::Preferences=/dev/null
        -o "Dir::Etc::PreferencesParts=$dir/preferences.d"
        -o Acquire::Languages=none
        -o Acquire::Retries=1
        -o "Acquire::http::Timeout=${FETCH_TIMEOUT:-30}"
        -o "Acquire::https::Timeout=${FETCH_TIMEOUT:-30}"
    )
}
