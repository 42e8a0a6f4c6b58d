#!/usr/bin/env bash
# licence.sh UPSTREAM PATH PATCH...: the patches, as git format-patch
# wrote them, keep every licence and copyright line of the files they
# change.
#   - No file's diff removes or changes a line naming an SPDX licence or a
#     copyright holder: a line removed must come back verbatim in the same
#     file's diff.
#   - A diff that drops a GPL notice granting "any later version" must add
#     an SPDX GPL-2.0-or-later line (or keep the grant): the licence of a
#     file we replace is upstream's, not one of our choosing.
# PATH is a file the patches must change (the header we replace) and
# UPSTREAM its pristine text, which must have licence lines: the check
# cannot pass on a series that never touches them.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../lib.sh"

(( $# >= 3 )) || die "usage: $0 UPSTREAM PATH PATCH..."
upstream=$1 path=$2
shift 2
[[ -f $upstream ]] || die "no upstream file $upstream"
for patch in "$@"; do
    [[ -f $patch ]] || die "no patch $patch"
done

awk -v path="$path" -v upstream="$upstream" '
    function check_file(    line)
    {
        if ( file == "" )
            return
        files++
        if ( file == path )
            touched = touched " " patch
        for ( line in removed )
            if ( !(line in added) ) {
                printf "%s: %s: removes or changes the licence line: %s\n",
                       patch, file, line
                bad++
            }
        if ( later_dropped && !or_later_added && !later_kept ) {
            printf "%s: %s: drops the GPL notice'"'"'s \"any later version\" without an SPDX GPL-2.0-or-later line\n",
                   patch, file
            bad++
        }
        file = ""
        delete removed
        delete added
        later_dropped = or_later_added = later_kept = 0
    }
    FILENAME == upstream {
        if ( $0 ~ /SPDX-License-Identifier|Copyright/ )
            upstream_lines++
        next
    }
    FNR == 1 { check_file(); patch = FILENAME; sub(/.*\//, "", patch) }
    /^diff --git / {
        check_file()
        file = $NF
        sub(/^b\//, "", file)
        in_hunk = 0
        next
    }
    file == "" { next }
    /^@@ / { in_hunk = 1; next }
    !in_hunk { next }
    {
        sign = substr($0, 1, 1)
        text = substr($0, 2)
    }
    sign == "-" && text ~ /any later version/ { later_dropped = 1 }
    sign == "+" && text ~ /SPDX-License-Identifier: GPL-2\.0-or-later/ {
        or_later_added = 1
    }
    sign != "-" && text ~ /any later version/ { later_kept = 1 }
    text !~ /SPDX-License-Identifier|Copyright/ { next }
    sign == "-" { removed[text] = 1; next }
    sign == "+" { added[text] = 1 }
    END {
        check_file()
        if ( !upstream_lines ) {
            printf "%s has no licence or copyright line\n", upstream
            exit 1
        }
        if ( touched == "" ) {
            printf "no patch changes %s\n", path
            exit 1
        }
        if ( bad )
            exit 1
        printf "    licence: %d file diffs in %d patches remove or change no licence or copyright line; %s (changed by%s) keeps upstream'"'"'s %d\n",
               files, ARGC - 2, path, touched, upstream_lines
    }' "$upstream" "$@"
