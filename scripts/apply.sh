#!/usr/bin/env bash
# Make $XEN_PATCHED the pristine tree plus our files and patches: copy each
# file listed in $TOP/xen/MANIFEST over the tree (repository path == Xen tree
# path), then apply the patches of the tree's Xen line in order, one commit
# each: $XEN_PATCHES/*.patch if set, else the directory patch-dir.sh picks.
#
# The work happens in a scratch clone; only a complete result reaches
# $XEN_PATCHED, through git, which rewrites just the files whose content
# changed, so the hypervisor builds stay incremental. $XEN_PATCHED_STAMP
# holds the resulting commit, its .key file a hash of all inputs.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

: "${TOP:?}" "${BUILD:?}" "${XEN_PRISTINE:?}" "${XEN_PATCHED:?}"
: "${XEN_PATCHED_STAMP:?}"

# Patches apply in C-locale name order; git's messages are parsed in English.
export LC_ALL=C
MANIFEST=$TOP/xen/MANIFEST
LOG=$BUILD/logs/apply.log
KEY_FILE=$XEN_PATCHED_STAMP.key
SCRATCH=$(dirname "$XEN_PATCHED")/.$(basename "$XEN_PATCHED").scratch
SELF_HASH=$(cat "$0" "$(dirname "$0")"/{lib,patch-dir}.sh | sha256sum)

overlay_files=()
patch_files=()

read_inputs()
{
    local f dir

    [[ -f $MANIFEST ]] || die "no manifest: $MANIFEST"
    mapfile -t overlay_files < <(manifest_entries "$MANIFEST")
    for f in "${overlay_files[@]}"; do
        case /$f/ in
        */../*|//*) die "xen/MANIFEST: $f is not a path inside the repository" ;;
        esac
        [[ -f $TOP/$f ]] ||
            die "xen/MANIFEST lists $f, but $TOP/$f does not exist"
    done
    dir=${XEN_PATCHES:-$("$(dirname "$0")/patch-dir.sh" "$TOP/patches" \
        "$XEN_PRISTINE")}
    [[ -d $dir ]] || die "XEN_PATCHES=$dir is not a directory"
    shopt -s nullglob
    patch_files=("$dir"/*.patch)
    shopt -u nullglob
}

inputs_hash()
{
    local f

    {
        printf 'scripts %s\n' "$SELF_HASH"
        printf 'pristine %s\n' "$(tree_git "$XEN_PRISTINE" rev-parse pristine)"
        printf 'manifest %s\n' "$(sha256sum <"$MANIFEST")"
        for f in "${overlay_files[@]}"; do
            printf 'file %s %s\n' "$f" "$(sha256sum <"$TOP/$f")"
        done
        for f in "${patch_files[@]}"; do
            printf 'patch %s %s\n' "${f#"$TOP"/}" "$(sha256sum <"$f")"
        done
    } | sha256sum | cut -d' ' -f1
}

# The patched tree is current when its key has these inputs and the tree
# still is the commit they produced, with nothing edited or added by hand.
up_to_date()
{
    local hash=$1

    [[ -f $XEN_PATCHED_STAMP && -d $XEN_PATCHED/.git ]] || return 1
    [[ $(cat "$KEY_FILE" 2>/dev/null) == "$hash" ]] || return 1
    tree_is_clean_at "$(cat "$XEN_PATCHED_STAMP")"
}

tree_is_clean_at()
{
    [[ -d $XEN_PATCHED/.git ]] || return 1
    [[ $(tree_git "$XEN_PATCHED" rev-parse -q --verify HEAD) == "$1" ]] ||
        return 1
    [[ -z $(tree_git "$XEN_PATCHED" status --porcelain --ignored \
        --untracked-files=all) ]]
}

# Names the file(s) git apply complained about, else its first error.
apply_error()
{
    local err=$1 files

    local why='patch does not apply|does not exist in index'
    why+='|No such file or directory|already exists in (index|working directory)'
    files=$(sed -n -E "s/^error: (.+): ($why)\$/\\1/p" "$err" | sort -u |
        paste -sd' ' -)
    if [[ -n $files ]]; then
        printf 'does not apply to %s' "$files"
    else
        printf 'does not apply: %s' \
            "$(grep -m1 '^error' "$err" || head -n1 "$err")"
    fi
}

apply_in_scratch()
{
    local f p err=$SCRATCH.err

    rm -rf "$SCRATCH"
    git clone -q --shared --no-checkout "$XEN_PRISTINE" "$SCRATCH"
    tree_git "$SCRATCH" checkout -q -b patched pristine

    for f in "${overlay_files[@]}"; do
        mkdir -p "$SCRATCH/$(dirname "$f")"
        cp "$TOP/$f" "$SCRATCH/$f"
    done
    tree_git "$SCRATCH" add -A -f .
    tree_git "$SCRATCH" commit -q --allow-empty \
        -m "Overlay the ${#overlay_files[@]} files listed in xen/MANIFEST"
    echo "overlay: ${overlay_files[*]:-none}"

    for p in "${patch_files[@]}"; do
        if ! tree_git "$SCRATCH" apply --index --whitespace=nowarn "$p" \
            2>"$err"; then
            cat "$err"
            echo "${p#"$TOP"/} $(apply_error "$err")" >"$SCRATCH.why"
            return 1
        fi
        tree_git "$SCRATCH" commit -q --allow-empty -m "Apply ${p#"$TOP"/}"
        echo "applied: ${p#"$TOP"/}"
    done
}

# git reset only rewrites files whose content differs, so unchanged files
# keep their mtimes. Called holding the tree's lock: no build is reading it.
sync_patched()
{
    if [[ ! -d $XEN_PATCHED/.git ]]; then
        rm -rf "$XEN_PATCHED"
        git init -q "$XEN_PATCHED"
    fi
    tree_git "$XEN_PATCHED" fetch -q --no-tags "$SCRATCH" \
        +patched:refs/heads/applied +refs/tags/pristine:refs/tags/pristine
    tree_git "$XEN_PATCHED" reset -q --hard applied
    tree_git "$XEN_PATCHED" clean -ffdxq
}

# Same inputs give the same commit (fixed dates and identity), so the stamp
# changes, and the builds rerun, only when the tree's content does.
apply()
{
    local hash commit old=""

    # Until the end, a failure leaves no stamp: builds must not reuse a
    # tree made from other inputs.
    trap '[[ -n ${applied:-} ]] || rm -f "$XEN_PATCHED_STAMP" "$KEY_FILE"' EXIT
    read_inputs
    hash=$(inputs_hash)
    if up_to_date "$hash"; then
        applied=1
        return 0
    fi
    msg "apply: ${#overlay_files[@]} overlay files and" \
        "${#patch_files[@]} patches onto the pristine tree (log: $LOG)"
    rm -f "$SCRATCH.why"
    if ! run_logged "apply" "$LOG" apply_in_scratch; then
        [[ -f $SCRATCH.why ]] || die "apply failed; log: $LOG"
        die "$(cat "$SCRATCH.why"); $XEN_PATCHED not touched; log: $LOG"
    fi
    commit=$(tree_git "$SCRATCH" rev-parse HEAD)
    if [[ -f $XEN_PATCHED_STAMP ]] && tree_is_clean_at "$commit"; then
        old=$(cat "$XEN_PATCHED_STAMP")
    fi
    rm -f "$KEY_FILE"
    with_lock "$XEN_PATCHED.lock" sync_patched
    [[ $old == "$commit" ]] || printf '%s\n' "$commit" >"$XEN_PATCHED_STAMP"
    printf '%s\n' "$hash" >"$KEY_FILE"
    applied=1
    rm -rf "$SCRATCH" "$SCRATCH.err" "$SCRATCH.why"
    msg "apply: $XEN_PATCHED at commit ${commit:0:12}"
}

need_tools git flock:util-linux sha256sum:coreutils
[[ -d $XEN_PRISTINE/.git ]] ||
    die "no pristine tree in $XEN_PRISTINE; run \`make fetch\`"
mkdir -p "$BUILD/logs"
with_lock "$BUILD/src/.lock" apply
