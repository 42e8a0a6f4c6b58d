#!/usr/bin/env bash
# Guard: the repository tracks no upstream Xen source and no build output.
#   check-manifest.sh REPO
# Fails when a tracked file under xen/ is not listed in xen/MANIFEST, a
# listed file is not tracked, a tracked file looks like a build output or
# fetched file, or a tracked file is byte-identical to a file of the
# pristine Xen tree ($XEN_PRISTINE, when it is there). Controls on scratch
# repositories first show that the guard passes a clean one and fails on
# each kind of mistake.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

(( $# == 1 )) || die "usage: $0 REPO"
REPO=$1
XEN_PRISTINE=${XEN_PRISTINE:-}
BUILD_OUTPUT='(^build/|\.(o|a|so|ko|deb|udeb|dsc|changes|buildinfo)$|\.(orig|debian)\.tar|(^|/)xen\.gz$|(^|/)xen-syms$)'
EMPTY_BLOB=e69de29bb2d1d6434b8b29ae775ad8c2e48c5391

# Prints one line per problem; fails when there is any.
guard()
{
    local repo=$1 tracked listed f problems

    tracked=$(tree_git "$repo" ls-files)
    listed=$(manifest_entries "$repo/xen/MANIFEST" 2>/dev/null || true)
    problems=$(
        while IFS= read -r f; do
            [[ $f == xen/* && $f != xen/MANIFEST ]] || continue
            grep -qxF -- "$f" <<<"$listed" ||
                echo "$f: tracked under xen/ but not listed in xen/MANIFEST"
        done <<<"$tracked"
        while IFS= read -r f; do
            [[ -n $f ]] || continue
            grep -qxF -- "$f" <<<"$tracked" ||
                echo "$f: listed in xen/MANIFEST but not tracked"
            [[ -f $repo/$f ]] ||
                echo "$f: listed in xen/MANIFEST but missing"
        done <<<"$listed"
        grep -E -- "$BUILD_OUTPUT" <<<"$tracked" |
            sed 's/$/: tracked, but looks like a build output or fetched file/'
        upstream_copies "$repo"
    )
    [[ -z $problems ]] || { printf '%s\n' "$problems"; return 1; }
}

# Tracked files whose content equals a file of the pristine tree (tiny
# files excepted: their content is too common to say anything).
upstream_copies()
{
    local repo=$1 mode blob rest path upstream

    [[ -d $XEN_PRISTINE/.git ]] || return 0
    upstream=$(tree_git "$XEN_PRISTINE" ls-tree -r pristine |
        awk '{ print $3 }' | sort -u)
    tree_git "$repo" ls-files -s |
        while read -r mode blob rest; do
            path=${rest#*$'\t'}
            [[ $blob != "$EMPTY_BLOB" ]] || continue
            grep -qxF -- "$blob" <<<"$upstream" || continue
            (( $(tree_git "$repo" cat-file -s "$blob") >= 64 )) || continue
            echo "$path: identical to a file of the pristine Xen tree ($mode)"
        done
}


# A clean scratch repository that owns one file under xen/.
make_control_repo()
{
    local dir=$1

    rm -rf "$dir"
    mkdir -p "$dir/xen/arch/x86/mm"
    git init -q "$dir"
    printf '# Files under xen/ that we own.\nxen/arch/x86/mm/mm-locks.h\n' \
        >"$dir/xen/MANIFEST"
    printf '/* Written for this control: not upstream code. */\n%s\n' \
        '#define CONTROL_REPOSITORY_OWN_FILE 1' \
        >"$dir/xen/arch/x86/mm/mm-locks.h"
    tree_git "$dir" add -A
}

# control NAME EXPECT(pass|fail) SETUP-COMMAND...
control()
{
    local name=$1 expect=$2 dir=$SCRATCH/repo out status=0
    shift 2

    make_control_repo "$dir"
    "$@" "$dir"
    out=$(guard "$dir") || status=$?
    if [[ $expect == pass && $status == 0 ]]; then
        record PASS "control: $name: guard passes"
    elif [[ $expect == fail && $status != 0 ]]; then
        record PASS "control: $name: guard fails as it should: ${out%%$'\n'*}"
    else
        record FAIL "control: $name: guard should $expect${out:+: $out}"
    fi
}

no_change() { :; }

add_unlisted_file()
{
    mkdir -p "$1/xen/common"
    echo 'int unlisted_file;' >"$1/xen/common/kernel.c"
    tree_git "$1" add -A
}

add_build_output()
{
    mkdir -p "$1/build/out/debug"
    echo 'not really a hypervisor' | gzip -n >"$1/build/out/debug/xen.gz"
    tree_git "$1" add -A -f
}

list_missing_file()
{
    echo 'xen/arch/x86/mm/mm-locks.c' >>"$1/xen/MANIFEST"
    tree_git "$1" add -A
}

own_upstream_file()
{
    tree_git "$XEN_PRISTINE" show pristine:xen/arch/x86/mm/p2m.c \
        >"$1/xen/arch/x86/mm/mm-locks.h"
    tree_git "$1" add -A
}

SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

control "clean scratch repository" pass no_change
control "unlisted xen/common/kernel.c" fail add_unlisted_file
control "tracked build/out/debug/xen.gz" fail add_build_output
control "MANIFEST lists a missing file" fail list_missing_file
if [[ -d $XEN_PRISTINE/.git ]]; then
    control "listed file is upstream's p2m.c" fail own_upstream_file
else
    echo "note: no pristine tree in ${XEN_PRISTINE:-(XEN_PRISTINE unset)}; upstream copies not checked"
fi

if out=$(guard "$REPO"); then
    record PASS "$REPO: $(tree_git "$REPO" ls-files | wc -l) tracked files," \
        "$(manifest_entries "$REPO/xen/MANIFEST" | wc -l) listed in" \
        "xen/MANIFEST, none upstream or built"
else
    record FAIL "$REPO:"
    printf '    %s\n' "${out//$'\n'/$'\n'    }"
fi
record_summary
(( RECORD_FAILED == 0 ))
