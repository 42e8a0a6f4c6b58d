#!/usr/bin/env bash
# make check-series: the series round trip.
#   1. `git am` build/series onto a fresh clone of the pristine tree; its
#      tree must be our patched tree (same tree hash, same changed files).
#   2. Build the debug hypervisor after each patch (so every patch builds)
#      and compare the last build with ours, build/out/debug: the same
#      .config and the same `nm -n -S` output, addresses included.
#   3. Negative controls: the series without its last patch, and with one
#      added line of a patch altered, must fail step 1; the build without
#      the last patch must fail step 2.
#   4. Before all that, licence.sh: no patch removes or changes a licence
#      or copyright line, and the header we replace keeps upstream's
#      (GPL-2.0-or-later and its four copyright lines).  Negative controls:
#      the patch that replaces the header with one copyright line deleted,
#      and with its SPDX line narrowed to GPL-2.0-only, must each fail.
# Known differences are taken out so that addresses can be demanded equal:
# __FILE__ strings hold the absolute source path (srctree is absolute in
# out-of-tree builds), so the build tree's path has the same length as the
# patched tree's; the banner holds the tree's changeset, so the build tree
# gets our build's changeset through Xen's own .scmversion; and the
# addresses of Xen's embedded symbol tables are masked (see symbols()).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../lib.sh"

: "${BUILD:?}" "${XEN_PRISTINE:?}" "${XEN_PATCHED:?}"

SERIES=$BUILD/series
LICENCE=$(dirname "$0")/licence.sh
EXPECT_FAIL=$(dirname "$0")/../expect-fail.sh
HEADER=xen/arch/x86/mm/mm-locks.h
OURS=$BUILD/out/debug
VARIANT=series-debug
WORK=$BUILD/series-check
AM=$WORK/am
BASE=$(basename "$XEN_PATCHED")
NAME=am-tree-of-the-series
NAME=${NAME:0:${#BASE}}
while (( ${#NAME} < ${#BASE} )); do NAME+=-; done
TREE=$(dirname "$XEN_PATCHED")/$NAME   # the build tree, as long as ours

fail()
{
    echo "check-series: FAIL: $*" >&2
    exit 1
}

tree_of()
{
    tree_git "$1" rev-parse "$2^{tree}"
}

changed_files()
{
    tree_git "$1" diff --no-renames --name-status pristine "$2"
}

# Step 1 and its controls compare a commit of $AM with the patched tree.
same_as_patched()
{
    [[ $(tree_of "$AM" "$1") == $(tree_of "$XEN_PATCHED" HEAD) ]] &&
        [[ $(changed_files "$AM" "$1") == $(changed_files "$XEN_PATCHED" HEAD) ]]
}

apply_series()
{
    rm -rf "$AM"
    git clone -q --shared --no-checkout "$XEN_PRISTINE" "$AM"
    tree_git "$AM" checkout -q -b am pristine
    tree_git "$AM" am -q --whitespace=nowarn "${PATCHES[@]}" >"$WORK/am.log" 2>&1 ||
        { tail -n 20 "$WORK/am.log"; fail "git am of $SERIES does not apply (log: $WORK/am.log)"; }
}

# The last patch with an added line, with its first added line altered.
perturbed_series()
{
    local i f

    for (( i = ${#PATCHES[@]} - 1; i >= 0; i-- )); do
        f=${PATCHES[$i]}
        grep -q '^+[^+]' "$f" || continue
        PERTURBED=("${PATCHES[@]}")
        PERTURBED[i]=$WORK/perturbed.patch
        sed '0,/^+[^+]/{/^+[^+]/s/^+/&\/* perturbed *\/ /}' "$f" >"${PERTURBED[$i]}"
        PERTURBED_NAME=${f##*/}
        return 0
    done
    fail "no patch in $SERIES adds a line"
}

check_tree()
{
    local n=${#PATCHES[@]}

    msg "check-series: git am of $n patches onto a fresh pristine tree"
    apply_series
    same_as_patched HEAD ||
        fail "the series ends at tree $(tree_of "$AM" HEAD), our patched tree is $(tree_of "$XEN_PATCHED" HEAD)"
    echo "    tree $(tree_of "$AM" HEAD) == patched tree; $(changed_files "$AM" HEAD | wc -l) changed files, same list"

    ! same_as_patched HEAD~1 || fail "negative control: the series without its last patch matches our tree"
    echo "    negative control: without patch $n/$n the tree differs (detected)"

    perturbed_series
    tree_git "$AM" checkout -q -B perturbed pristine
    if tree_git "$AM" am -q "${PERTURBED[@]}" >/dev/null 2>&1; then
        ! same_as_patched HEAD || fail "negative control: a perturbed $PERTURBED_NAME still matches our tree"
        echo "    negative control: $PERTURBED_NAME with one added line altered applies, and the tree differs (detected)"
    else
        tree_git "$AM" am --abort >/dev/null 2>&1 || true
        echo "    negative control: $PERTURBED_NAME with one added line altered does not apply (detected)"
    fi
    tree_git "$AM" checkout -q am
}

# $1 with one licence line of $HEADER's diff damaged: "copyright" drops
# the first copyright line the diff shows (a context line becomes a
# removal, an added line goes), "spdx" narrows GPL-2.0-or-later to -only:
# the line the patch adds, or, when upstream's file already has it and the
# patch leaves it alone (staging), a hunk that changes upstream's line.
damaged_patch()
{
    local upstream_spdx=

    if [[ $2 == spdx ]] &&
       ! grep -q '^+.*SPDX-License-Identifier: GPL-2\.0-or-later' "$1"; then
        upstream_spdx=$(grep -n -m1 'SPDX-License-Identifier: GPL-2\.0-or-later' \
            "$UPSTREAM" || true)
    fi
    awk -v path="$HEADER" -v mode="$2" -v upstream_spdx="$upstream_spdx" '
        /^diff --git / { inside = ($NF == "b/" path) }
        inside && !done && mode == "copyright" && /^[ +].*Copyright/ {
            done = 1
            if ( substr($0, 1, 1) == "+" )
                next
            $0 = "-" substr($0, 2)
        }
        inside && !done && mode == "spdx" &&
        /^[+].*SPDX-License-Identifier: GPL-2\.0-or-later/ {
            done = 1
            sub(/-or-later/, "-only")
        }
        inside && !done && mode == "spdx" && upstream_spdx != "" && /^@@ / {
            done = 1
            n = upstream_spdx
            sub(/:.*/, "", n)
            line = substr(upstream_spdx, index(upstream_spdx, ":") + 1)
            narrowed = line
            sub(/-or-later/, "-only", narrowed)
            print "@@ -" n " +" n " @@"
            print "-" line
            print "+" narrowed
        }
        { print }
        END { exit !done }' "$1"
}

# The licence check on the series with patch $1 replaced by a damaged copy
# must fail, with a line matching $3.
licence_control()
{
    local patch=$1 mode=$2 match=$3 what=$4 copy=$WORK/licence-$2.patch
    local -a trial=()
    local f

    damaged_patch "$patch" "$mode" >"$copy" ||
        fail "negative control: ${patch##*/} has no $mode line of $HEADER to damage"
    for f in "${PATCHES[@]}"; do
        if [[ $f == "$patch" ]]; then trial+=("$copy"); else trial+=("$f"); fi
    done
    "$EXPECT_FAIL" --log "$WORK/licence-$mode.log" --match "$match" \
        --about "${patch##*/} $what" -- \
        "$LICENCE" "$UPSTREAM" "$HEADER" "${trial[@]}" | sed 's/^/    /' ||
        fail "negative control: the licence check misses ${patch##*/} $what ($copy)"
}

check_licence()
{
    local patch

    msg "check-series: licence and copyright lines of $HEADER"
    UPSTREAM=$WORK/upstream-${HEADER##*/}
    tree_git "$XEN_PRISTINE" show "pristine:$HEADER" >"$UPSTREAM" ||
        fail "no $HEADER in the pristine tree $XEN_PRISTINE"
    "$LICENCE" "$UPSTREAM" "$HEADER" "${PATCHES[@]}" ||
        fail "the series removes or changes a licence or copyright line (above)"
    patch=$(grep -l -- "^diff --git a/$HEADER " "${PATCHES[@]}" | head -n 1)
    licence_control "$patch" copyright 'removes or changes the licence line: .*Copyright' \
        "with one copyright line deleted"
    licence_control "$patch" spdx \
        'drops the GPL notice|removes or changes the licence line: .*SPDX-License-Identifier' \
        "with GPL-2.0-only for GPL-2.0-or-later"
}

check_sources()
{
    check_licence
    check_tree
}

# The build tree follows $AM commit by commit; git rewrites only the files
# that change, so the builds after the first are incremental.
build_commit()
{
    local commit=$1 n=$2 total=$3

    if [[ ! -d $TREE/.git ]]; then
        rm -rf "$TREE"
        git init -q "$TREE"
    fi
    tree_git "$TREE" fetch -q --no-tags "$AM" +am:refs/heads/am \
        +refs/tags/pristine:refs/tags/pristine
    tree_git "$TREE" reset -q --hard "$commit"
    tree_git "$TREE" clean -ffdxq
    printf '%s\n' "$CHANGESET" >"$TREE/.scmversion"
    msg "check-series: build after patch $n/$total ($(tree_git "$TREE" log -1 --format=%s "$commit"))"
    BUILD=$BUILD "$(dirname "$0")/../build-xen.sh" "$VARIANT" "$TREE" y ||
        fail "the debug hypervisor does not build after patch $n/$total (log: $BUILD/logs/build-$VARIANT.log)"
    symbols "$BUILD/out/$VARIANT/xen-syms" >"$WORK/nm-$n.txt"
}

# nm -n -S: address, size, type, name.  One thing differs between two
# source trees however equal their content: the assembler names each .S
# file's FILE symbol by its absolute path, and Xen compresses all symbol
# names into its embedded symbol table (symbols_names).  The compressed
# size depends on the path's characters, not only its length, and moves
# everything linked after the table.  So every address below the table
# must match; from the table on, addresses are masked and the symbols
# compared by name, type and size, sorted, but for the size of
# symbols_names itself (the compressed names: on staging the two trees'
# paths compress 14 bytes apart).  Staging's IDT_<sym>_ADDR1/2 (linker
# symbols, gen-idt.lds.h) are absolute, so nm lists them first, but their
# values are halves of <sym>'s address, which is compared itself: they
# are masked like the addresses after the table, where early_page_fault
# lies (a fresh clone's paths moved it by 0x2000).
symbols()
{
    nm -n -S "$1" | awk '
        $(NF - 1) == "a" && $NF ~ /^IDT_.*_ADDR[12]$/ {
            $1 = "address-masked"; print | "sort"; next }
        $NF ~ /^symbols_/ && $(NF - 1) ~ /^[dDrR]$/ { masked = 1 }
        !masked { print; next }
        $NF == "symbols_names" { $2 = "size-masked" }
        { $1 = "address-masked"; print | "sort" }'
}

build_info()
{
    sed -n "s/^$1=//p" "$2/build-info"
}

check_build()
{
    local commits total i diffs

    [[ -f $OURS/xen-syms && -f $OURS/build-info ]] || fail "no build in $OURS; run \`make debug\`"
    [[ $(build_info commit "$OURS") == $(tree_git "$XEN_PATCHED" rev-parse HEAD) ]] ||
        fail "$OURS was not built from the patched tree's HEAD; run \`make debug\`"
    CHANGESET=$(build_info changeset "$OURS")
    mapfile -t commits < <(tree_git "$AM" rev-list --reverse pristine..am)
    total=${#commits[@]}
    for i in "${!commits[@]}"; do
        build_commit "${commits[$i]}" $((i + 1)) "$total"
    done
    [[ $(build_info changeset "$BUILD/out/$VARIANT") == "$CHANGESET" ]] ||
        fail "the series build's banner changeset is not ours ($CHANGESET)"

    cmp -s "$OURS/.config" "$BUILD/out/$VARIANT/.config" ||
        fail "the series build's .config differs from ours: $(diff "$OURS/.config" "$BUILD/out/$VARIANT/.config" | head -n 5)"
    symbols "$OURS/xen-syms" >"$WORK/nm-ours.txt"
    if ! cmp -s "$WORK/nm-ours.txt" "$WORK/nm-$total.txt"; then
        diff "$WORK/nm-ours.txt" "$WORK/nm-$total.txt" | head -n 20
        fail "xen-syms of the series differs from ours (nm -n -S; $WORK/nm-ours.txt vs nm-$total.txt)"
    fi
    echo "    .config identical; xen-syms identical in $(wc -l <"$WORK/nm-ours.txt") symbols (nm -n -S: addresses, sizes, types, names; $(grep -c "^address-masked " "$WORK/nm-ours.txt") compared from the symbol table on, addresses masked)"

    (( total > 1 )) || return 0
    diffs=$(diff "$WORK/nm-ours.txt" "$WORK/nm-$((total - 1)).txt" | grep -c '^[<>]' || true)
    (( diffs > 0 )) || fail "negative control: the build without patch $total/$total has our symbols"
    echo "    negative control: the build without patch $total/$total differs in $diffs nm lines, e.g.:"
    diff <(awk '{print $NF}' "$WORK/nm-ours.txt" | sort) \
        <(awk '{print $NF}' "$WORK/nm-$((total - 1)).txt" | sort) |
        grep '^[<>]' | head -n 3 | sed 's/^/        /' || true
}

need_tools git nm:binutils cmp:diffutils flock:util-linux
PATCHES=()
for f in "$SERIES"/[0-9][0-9][0-9][0-9]-*.patch; do
    if [[ -f $f && ${f##*/} != 0000-cover-letter.patch ]]; then
        PATCHES+=("$f")
    fi
done
(( ${#PATCHES[@]} )) || fail "no patches in $SERIES; run \`make series\`"
[[ $TREE != "$XEN_PATCHED" ]] || fail "the build tree would be $XEN_PATCHED"
mkdir -p "$WORK"
start=$SECONDS
with_lock "$BUILD/src/.lock" check_sources
check_build
msg "check-series: PASS in $((SECONDS - start)) s"
