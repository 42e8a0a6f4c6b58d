#!/usr/bin/env bash
# Put the files of upstream Xen's XEN_REF (a branch or tag of the git
# repository XEN_GIT, a URL or a path) into DEST, with no .git, and write
# the commit they are to DEST.commit.
#   fetch-xen-git.sh DEST
# XEN_GIT_COMMIT, when set, pins the 40-hex commit XEN_REF must be at: any
# other commit stops the fetch.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

(( $# == 1 )) || die "usage: $0 DEST"
DEST=$1
: "${XEN_GIT:?}" "${XEN_REF:?}" "${BUILD:?}"
XEN_GIT_COMMIT=${XEN_GIT_COMMIT:-}
FETCH_TIME_LIMIT=${FETCH_TIME_LIMIT:-600}
LOG=$BUILD/logs/fetch-git.log

need_tools git timeout:coreutils
[[ -z $XEN_GIT_COMMIT || $XEN_GIT_COMMIT =~ ^[0-9a-f]{40}$ ]] ||
    die "XEN_GIT_COMMIT=$XEN_GIT_COMMIT is not a full 40-hex commit id"

# A local path is cloned through file://, which honours --depth.
url=$XEN_GIT
if [[ -d $url ]]; then
    url=file://$(cd "$url" && pwd -P)
fi

clone()
{
    timeout "$FETCH_TIME_LIMIT" git -c advice.detachedHead=false clone \
        --depth 1 --single-branch --no-tags -b "$XEN_REF" "$url" "$DEST"
}

msg "fetch: git clone --depth 1 -b $XEN_REF $url"
rm -rf "$DEST"
run_logged "git clone" "$LOG" clone ||
    die "cannot clone XEN_REF=$XEN_REF from XEN_GIT=$XEN_GIT:" \
        "$(grep -m1 -E '^(fatal|error|warning: Could not)' "$LOG" ||
           tail -n 1 "$LOG"); log: $LOG"
commit=$(git -C "$DEST" rev-parse HEAD)
if [[ -n $XEN_GIT_COMMIT && $commit != "$XEN_GIT_COMMIT" ]]; then
    rm -rf "$DEST"
    die "XEN_REF=$XEN_REF of $XEN_GIT is at commit $commit, but" \
        "XEN_GIT_COMMIT pins $XEN_GIT_COMMIT; pin the new commit in" \
        "Config.mk once it is tested, or set XEN_GIT_COMMIT= to take any"
fi
rm -rf "$DEST/.git"
printf '%s\n' "$commit" >"$DEST.commit"
msg "fetch: $XEN_REF is commit $commit"
