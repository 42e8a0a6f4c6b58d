#!/usr/bin/env bash
# Write the upstream patch series to $BUILD/series: one commit per line of
# scripts/series/plan on top of the pristine tree, each taking its files
# whole from our patched tree or applying one of our patches as it is,
# then `git format-patch --cover-letter`.
# Checks the cut (every changed file in exactly one patch, the series ends
# at our tree) and the Xen submission rules for subjects and messages.
# See scripts/series/CUT.md.
# Against an upstream line (scripts/lines.mk sets these): SERIES_PATCHES,
# the directory the plan's patches/GLOB names instead of patches/;
# SERIES_COVER, the cover letter's file in scripts/series/; SERIES_BASE_GIT
# and SERIES_BASE_REF, the upstream commit the series is based on, fetched
# (it must have the pristine tree, and be SERIES_BASE when that is set) so
# that format-patch --base names it.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

: "${TOP:?}" "${BUILD:?}" "${XEN_PRISTINE:?}" "${XEN_PATCHED:?}"
# Empty when make picks the newest Debian version: the pristine tree says.
if [[ -z ${XEN_DEB_VERSION:-} && -f $XEN_PRISTINE/debian/changelog ]]; then
    XEN_DEB_VERSION=$(dpkg-parsechangelog -l "$XEN_PRISTINE/debian/changelog" -S Version)
fi
# A series against an upstream commit (SERIES_BASE_GIT) names no Debian
# version; one against Debian's tree does.
if [[ -z ${SERIES_BASE_GIT:-} ]]; then
    : "${XEN_DEB_VERSION:?set it: the pristine tree is not from a Debian source package}"
fi
XEN_DEB_VERSION=${XEN_DEB_VERSION:-}

PLAN_DIR=$TOP/scripts/series
OUT=$BUILD/series
WORK=$BUILD/series.work
SUBJECT_MAX=80      # the whole "[PATCH n/m] subject" of the mail
LINE_MAX=75         # message lines, trailers excepted
TRAILER_RE='^(Signed-off-by|Acked-by|Reviewed-by|Tested-by|Reported-by|Suggested-by|Co-developed-by|Release-Acked-by|Fixes|Link|Cc): '

git_work()
{
    git -C "$WORK" -c core.hooksPath=/dev/null -c commit.gpgSign=false "$@"
}

identity()
{
    local what=$1 value

    value=$(git -C "$TOP" config "user.$what" ||
        git -C "$TOP" log -1 --format="%a${what:0:1}" 2>/dev/null || true)
    [[ -n $value ]] ||
        die "no user.$what: set it with git -C $TOP config user.$what ..."
    printf '%s\n' "$value"
}

# "4.17.5+72-g01140da4e8-1" -> "01140da4e8, 4.17.5 plus 72 commits"
upstream_rev()
{
    local v=${XEN_DEB_VERSION%-*}

    if [[ $v =~ ^([0-9.]+)\+([0-9]+)-g([0-9a-f]+)$ ]]; then
        printf '%s, %s plus %s commits\n' "${BASH_REMATCH[3]}" \
            "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    else
        printf '%s\n' "$v"
    fi
}

# A message named in the plan -> $2.msg (subject, blank, body); for one of
# our patches also $2.info (its Author, Email and Date).
message_for()
{
    local spec=$1 dst=$2 matches glob

    rm -f "$dst.info"
    if [[ $spec != @* ]]; then
        [[ -f $PLAN_DIR/$spec ]] || die "plan: no message file $PLAN_DIR/$spec"
        cp "$PLAN_DIR/$spec" "$dst.msg"
        return
    fi
    glob=$(plan_glob "${spec#@}")
    # shellcheck disable=SC2206 # the glob is meant to expand
    matches=($glob)
    [[ ${#matches[@]} == 1 && -f ${matches[0]} ]] ||
        die "plan: ${spec#@} must match exactly one file, got: ${matches[*]}"
    git mailinfo "$dst.body" /dev/null <"${matches[0]}" >"$dst.info"
    {
        sed -n 's/^Subject: //p' "$dst.info"
        echo
        cat "$dst.body"
    } >"$dst.msg"
}

info_field()
{
    sed -n "s/^$1: //p" "$2"
}

check_message()
{
    local msg=$1 n=$2 total=$3 subject line errors=0

    subject="[PATCH $n/$total] $(head -n 1 "$msg")"
    if (( ${#subject} > SUBJECT_MAX )); then
        echo "error: subject is ${#subject} > $SUBJECT_MAX characters: $subject" >&2
        errors=1
    fi
    [[ -z $(sed -n 2p "$msg") ]] ||
        { echo "error: $msg: line 2 must be blank" >&2; errors=1; }
    while IFS= read -r line; do
        [[ $line =~ $TRAILER_RE ]] && continue
        if (( ${#line} > LINE_MAX )); then
            echo "error: message line of ${#line} > $LINE_MAX characters in patch $n: $line" >&2
            errors=1
        fi
    done < <(tail -n +2 "$msg")
    if grep -q '\[TBD:' "$msg"; then
        echo "warning: patch $n ($(head -n 1 "$msg")) still has a [TBD: ...] placeholder for a result not measured yet" >&2
    fi
    return "$errors"
}

commit_patch()
{
    local spec=$1 n=$2 total=$3 tmp=$WORK/.git/patch-$2 tree commit
    local name=$SIGN_NAME email=$SIGN_EMAIL date=$SERIES_DATE path
    shift 3

    message_for "${spec/#=/@}" "$tmp"
    if [[ -f $tmp.info ]]; then
        name=$(info_field Author "$tmp.info")
        email=$(info_field Email "$tmp.info")
        date=$(info_field Date "$tmp.info")
    fi
    git interpret-trailers --in-place --if-exists addIfDifferent \
        --trailer "Signed-off-by: $SIGN_NAME <$SIGN_EMAIL>" "$tmp.msg"
    check_message "$tmp.msg" "$n" "$total" || die "patch $n breaks the submission rules (above)"

    if [[ $spec == =* ]]; then
        git_work apply --cached "$(plan_patch "$spec")" ||
            die "plan line $n: ${spec#=} does not apply at this point of the series"
    else
        git_work ls-tree patched -- "$@" | git_work update-index --index-info
        for path in "$@"; do
            git_work cat-file -e "patched:$path" 2>/dev/null ||
                git_work update-index --force-remove -- "$path"
        done
    fi
    tree=$(git_work write-tree)
    [[ $tree != "$(git_work rev-parse 'HEAD^{tree}')" ]] ||
        die "plan line $n ($spec) changes nothing"
    commit=$(GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email \
        GIT_AUTHOR_DATE=$date git_work commit-tree "$tree" -p HEAD -F "$tmp.msg")
    git_work update-ref HEAD "$commit"
}

# The plan's "patches/GLOB", in SERIES_PATCHES if that is set.
plan_glob()
{
    if [[ -n ${SERIES_PATCHES:-} ]]; then
        printf '%s/%s/%s\n' "$TOP" "$SERIES_PATCHES" "${1#patches/}"
    else
        printf '%s/%s\n' "$TOP" "$1"
    fi
}

# "=patches/GLOB" -> the one patch of ours it names.
plan_patch()
{
    local matches glob

    glob=$(plan_glob "${1#=}")
    # shellcheck disable=SC2206 # the glob is meant to expand
    matches=($glob)
    [[ ${#matches[@]} == 1 && -f ${matches[0]} ]] ||
        die "plan: ${1#=} must match exactly one file, got: ${matches[*]}"
    printf '%s\n' "${matches[0]}"
}

# Every file our tree changes is named by the plan: taken whole exactly
# once, or touched by one of our patches applied as it is (a file may be
# both, if it is taken whole after the patches that touch it).
check_cut()
{
    local changed planned covered spec

    changed=$(git_work diff --no-renames --name-only pristine patched | sort)
    planned=$(printf '%s\n' "${PLAN_PATHS[@]}" | sed '/^$/d' | sort)
    [[ -z $(uniq -d <<<"$planned") ]] ||
        die "plan names a file twice: $(uniq -d <<<"$planned" | paste -sd' ' -)"
    covered=$planned
    for spec in "${PLAN_SPECS[@]}"; do
        [[ $spec == =* ]] || continue
        covered+=$'\n'$(git apply --numstat "$(plan_patch "$spec")" | cut -f3)
    done
    covered=$(sed '/^$/d' <<<"$covered" | sort -u)
    [[ $changed == "$covered" ]] || die "plan and our tree disagree (< changed by our tree, > named by the plan):
$(diff <(echo "$changed") <(echo "$covered") | grep '^[<>]')"
}

fill_cover_letter()
{
    local cover=$1 text=$WORK/.git/cover

    sed -e "s|@XEN_DEB_VERSION@|$XEN_DEB_VERSION|g" \
        -e "s|@XEN_UPSTREAM_REV@|$(upstream_rev)|g" \
        -e "s|@SERIES_BASE@|$BASE_COMMIT|g" \
        "$PLAN_DIR/${SERIES_COVER:-cover-letter.txt}" >"$text"
    check_message "$text" 0 "${#PLAN_SPECS[@]}" || die "the cover letter breaks the submission rules (above)"
    python3 - "$cover" "$text" <<'EOF'
import sys
cover, text = sys.argv[1], open(sys.argv[2]).read().rstrip("\n")
subject, _, body = text.partition("\n\n")
mail = open(cover).read()
for old, new in (("*** SUBJECT HERE ***", subject), ("*** BLURB HERE ***", body)):
    if old not in mail:
        sys.exit("cover letter has no '%s'" % old)
    mail = mail.replace(old, new)
open(cover, "w").write(mail)
EOF
}

read_plan()
{
    local spec paths more

    PLAN_SPECS=() PLAN_LINES=() PLAN_PATHS=()
    while read -r spec paths; do
        [[ -z $spec || $spec == \#* ]] && continue
        [[ -n $paths || $spec == =* ]] || die "plan: $spec names no files"
        [[ -z $paths || $spec != =* ]] ||
            die "plan: $spec applies a patch as it is and names no files"
        PLAN_SPECS+=("$spec")
        PLAN_LINES+=("$paths")
        read -ra more <<<"$paths"
        PLAN_PATHS+=("${more[@]}" "")
    done <"$PLAN_DIR/plan"
    (( ${#PLAN_SPECS[@]} )) || die "plan: no patches"
}

# BASE_COMMIT becomes upstream's own commit of the pristine tree.
fetch_base()
{
    local url=$SERIES_BASE_GIT commit

    [[ ! -d $url ]] || url=file://$(cd "$url" && pwd -P)
    git_work fetch -q --depth 1 --no-tags "$url" "${SERIES_BASE_REF:?}" ||
        die "cannot fetch $SERIES_BASE_REF from $SERIES_BASE_GIT"
    commit=$(git_work rev-parse FETCH_HEAD)
    [[ -z ${SERIES_BASE:-} || $commit == "$SERIES_BASE" ]] ||
        die "$SERIES_BASE_REF of $SERIES_BASE_GIT is at $commit, not $SERIES_BASE"
    [[ $(git_work rev-parse "$commit^{tree}") == \
       "$(git_work rev-parse 'pristine^{tree}')" ]] ||
        die "$SERIES_BASE_REF ($commit) does not have the pristine tree"
    BASE_COMMIT=$commit
}

make_series()
{
    local i paths final

    rm -rf "$WORK"
    git clone -q --shared --no-checkout "$XEN_PRISTINE" "$WORK"
    git_work fetch -q --no-tags "$XEN_PATCHED" +HEAD:refs/heads/patched
    BASE_COMMIT=$(git_work rev-parse 'pristine^{commit}')
    [[ -z ${SERIES_BASE_GIT:-} ]] || fetch_base
    git_work update-ref HEAD "$BASE_COMMIT"
    git_work read-tree HEAD
    check_cut
    for i in "${!PLAN_SPECS[@]}"; do
        read -ra paths <<<"${PLAN_LINES[$i]}"
        commit_patch "${PLAN_SPECS[$i]}" $((i + 1)) "${#PLAN_SPECS[@]}" "${paths[@]}"
    done
    final=$(git_work rev-parse 'HEAD^{tree}')
    [[ $final == "$(git_work rev-parse 'patched^{tree}')" ]] ||
        die "the series ends at tree $final, not at our patched tree"

    rm -rf "$OUT.new"
    git_work format-patch -q --cover-letter --numbered ${SERIES_BASE_GIT:+"--base=$BASE_COMMIT"} \
        -o "$OUT.new" "$BASE_COMMIT..HEAD"
    fill_cover_letter "$OUT.new/0000-cover-letter.patch"
    rm -rf "$OUT"
    mv "$OUT.new" "$OUT"
    git_work tag -f series HEAD >/dev/null
}

need_tools git python3
[[ -d $XEN_PRISTINE/.git ]] || die "no pristine tree in $XEN_PRISTINE; run \`make fetch\`"
[[ -d $XEN_PATCHED/.git ]] || die "no patched tree in $XEN_PATCHED; run \`make apply\`"
SIGN_NAME=$(identity name)
SIGN_EMAIL=$(identity email)
SERIES_DATE=$(git -C "$TOP" log -1 --format=%cI 2>/dev/null || date -u +%FT%TZ)
export GIT_COMMITTER_NAME=$SIGN_NAME GIT_COMMITTER_EMAIL=$SIGN_EMAIL \
    GIT_COMMITTER_DATE=$SERIES_DATE
read_plan
with_lock "$BUILD/src/.lock" make_series
msg "series: ${#PLAN_SPECS[@]} patches and a cover letter in $OUT (ends at our patched tree $(git_work rev-parse --short patched))"
for f in "$OUT"/*.patch; do
    printf '    %s\n' "$(sed -n 's/^Subject: //p' "$f")"
done
