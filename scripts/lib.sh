# shellcheck shell=bash
# Shell functions shared by the pipeline scripts; source it, do not run it.
#   msg TEXT...              progress line on stdout
#   die TEXT...              one error line on stderr, exit 1
#   need_tools TOOL[:PKG]... die naming the missing tools and `make deps`
#   run_logged LABEL LOG CMD...
#                            run CMD (errexit on) with its output in LOG,
#                            printing a progress line every PROGRESS_EVERY
#                            seconds; on failure print the log's tail and
#                            path, and return CMD's status
#   with_lock [-s] FILE CMD...
#                            run CMD holding a lock on FILE, exclusive or
#                            (-s) shared, so makes sharing one build/ do not
#                            race: a build holds its source tree's lock
#                            shared, the step that rewrites the tree holds
#                            it exclusive
#   tree_git DIR ARGS...     git on the repository DIR/.git only (never a
#                            parent repository), fixed identity and dates
#   manifest_entries FILE    the paths listed in a MANIFEST, one per line
#   debian_archive_uri SUITE [MIRROR]
#                            MIRROR if set, else the URI of this machine's
#                            apt entry serving SUITE/main from Debian
#   debian_archive_entries SUITE [MIRROR]
#                            "URI SUITE" per entry serving SUITE or
#                            SUITE-<something> main from Debian
#   debian_apt_setup DIR TYPE "URI SUITE..."...
#                            a project-local apt configuration in DIR;
#                            sets the array debian_apt_opts
#   debian_apt_config DIR    the same without writing the sources, for a
#                            caller that writes DIR/sources.list.d itself

PROGRESS_EVERY=${PROGRESS_EVERY:-10}

msg()
{
    printf '==> %s\n' "$*"
}

die()
{
    printf 'error: %s\n' "$*" >&2
    exit 1
}

need_tools()
{
    local spec tool missing=()

    for spec in "$@"; do
        tool=${spec%%:*}
        command -v "$tool" >/dev/null 2>&1 || missing+=("$spec")
    done
    if (( ${#missing[@]} )); then
        die "missing tools: ${missing[*]} (tool:package); run \`make deps\` (as root) first"
    fi
}

# A filter rather than a background job: a foreground pipeline gets Ctrl-C
# like the rest of make, so nothing is left running on its own.
_progress_filter()
{
    local label=$1 log=$2 line="" start=$SECONDS
    local next=$((SECONDS + PROGRESS_EVERY))

    while IFS= read -r line || [[ -n $line ]]; do
        printf '%s\n' "$line"
        if (( SECONDS >= next )); then
            printf '    %s: %d s, at: %.60s\n' "$label" \
                $((SECONDS - start)) "$line" >&3
            next=$((SECONDS + PROGRESS_EVERY))
        fi
    done >"$log"
}

run_logged()
{
    local label=$1 log=$2 status errexit=$-
    shift 2

    mkdir -p "$(dirname "$log")"
    set +e
    (set -e; "$@") </dev/null 2>&1 | _progress_filter "$label" "$log" 3>&1
    status=${PIPESTATUS[0]}
    [[ $errexit != *e* ]] || set -e
    if (( status != 0 )); then
        printf -- '---- last 40 lines of %s ----\n' "$log" >&2
        tail -n 40 "$log" >&2
        printf -- '---- end of %s ----\n' "$log" >&2
    fi
    return "$status"
}

with_lock()
{
    local mode=-x lock

    if [[ $1 == -s ]]; then
        mode=-s
        shift
    fi
    lock=$1
    shift
    mkdir -p "$(dirname "$lock")"
    (
        if ! flock "$mode" -n 9; then
            msg "waiting for $lock (another make is using it)"
            flock "$mode" 9
        fi
        "$@"
    ) 9>>"$lock"
}

# Fixed identity and dates make the commits of the same inputs identical
# on every machine, so the tree's changeset in the Xen banner is too.
tree_git()
{
    local dir=$1
    shift

    GIT_AUTHOR_NAME=xen-pipeline GIT_AUTHOR_EMAIL=pipeline@localhost \
    GIT_COMMITTER_NAME=xen-pipeline GIT_COMMITTER_EMAIL=pipeline@localhost \
    GIT_AUTHOR_DATE='2000-01-01T00:00:00Z' \
    GIT_COMMITTER_DATE='2000-01-01T00:00:00Z' \
    git -C "$dir" --git-dir=.git --work-tree=. \
        -c core.hooksPath=/dev/null -c commit.gpgSign=false \
        -c tag.gpgSign=false -c core.autocrlf=false -c gc.auto=0 "$@"
}

manifest_entries()
{
    sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' \
        -e '/^#/d' -e '/^$/d' "$1"
}

# A check script's results: "record PASS|FAIL TEXT..." prints one line and
# counts it; record_summary prints the closing "N passed, M failed".
RECORD_PASSED=0
RECORD_FAILED=0
record()
{
    if [[ $1 == PASS ]]; then
        RECORD_PASSED=$((RECORD_PASSED + 1))
    else
        RECORD_FAILED=$((RECORD_FAILED + 1))
    fi
    printf '%s %s\n' "$1" "${*:2}"
}

record_summary()
{
    printf '%d passed, %d failed\n' "$RECORD_PASSED" "$RECORD_FAILED"
}

# The URI of this machine's apt entry that serves SUITE/main from Debian,
# or MIRROR if it is set (Config.mk's DEBIAN_MIRROR); prints nothing if
# there is none. apt itself parses sources.list and sources.list.d; the
# origin is known only once the machine has run apt-get update.
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

# "URI SUITE" lines: MIRROR for SUITE and SUITE-updates if MIRROR is set;
# else every entry of this machine's apt sources that serves SUITE or
# SUITE-<something> (e.g. -updates, -security) main from Debian, so that a
# package comes in the version this machine would install.
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

# An apt configuration in DIR with its own sources (DIR/sources.list.d),
# lists and cache: the machine's apt configuration is never read or
# changed. Sets the array debian_apt_opts for apt-get and apt-cache.
# shellcheck disable=SC2034 # the callers' array
debian_apt_opts=()
debian_apt_config()
{
    local dir=$1

    mkdir -p "$dir/sources.list.d" "$dir/lists/partial" \
        "$dir/preferences.d" "$dir/cache/archives/partial"
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

# debian_apt_config DIR, with DIR/sources.list.d/debian.sources holding
# the main component of each ENTRY ("URI SUITE...", TYPE deb or deb-src),
# signed by DEBIAN_KEYRING; then apt-get update reads the index.
debian_apt_setup()
{
    local dir=$1 type=$2 entry sep=
    shift 2

    : "${DEBIAN_KEYRING:?from Config.mk}"
    [[ -r $DEBIAN_KEYRING ]] ||
        die "Debian's archive keyring $DEBIAN_KEYRING is missing; run \`make deps\`"
    rm -rf "$dir/sources.list.d"
    debian_apt_config "$dir"
    for entry in "$@"; do
        printf '%sTypes: %s\nURIs: %s\nSuites: %s\nComponents: main\n' \
            "$sep" "$type" "${entry%% *}" "${entry#* }"
        printf 'Signed-By: %s\n' "$DEBIAN_KEYRING"
        sep=$'\n'
    done >"$dir/sources.list.d/debian.sources"
}
