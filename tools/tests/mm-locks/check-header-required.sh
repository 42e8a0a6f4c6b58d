#!/usr/bin/env bash
# The hypervisor must not build with Xen 4.17's own mm-locks.h: our
# mm-locks.c needs our header's record and table.  Recompile mm-locks.c with
# the debug build's own compiler command, once beside our header (it must
# build: the positive control) and once beside Xen's (it must fail).
# Usage: check-header-required.sh OBJDIR PATCHED_TREE PRISTINE_TREE
set -euo pipefail

objdir=$1 patched=$2 pristine=$3
cmdfile=$objdir/arch/x86/mm/.mm-locks.o.cmd
[ -f "$cmdfile" ] || { echo "no $cmdfile: build the debug hypervisor first" >&2; exit 1; }

# The first line holds the compile command: "cmd_<obj> := gcc ... -c SRC -o OBJ".
cmd=$(sed -n '1s/^[^=]*:= //p' "$cmdfile")
src=$patched/xen/arch/x86/mm/mm-locks.c
[[ $cmd == *"$src"* ]] || { echo "unexpected compile command in $cmdfile" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Compile $scratch/$1/mm-locks.c (next to the mm-locks.h placed there).
try_compile() {
    local dir=$scratch/$1 c
    c=${cmd//"$src"/"$dir/mm-locks.c"}
    c=${c//"-o arch/x86/mm/mm-locks.o"/"-o $dir/mm-locks.o"}
    c=${c//"-MF arch/x86/mm/.mm-locks.o.d"/"-MF $dir/mm-locks.d"}
    (cd "$objdir" && eval "$c") >"$dir/log" 2>&1
}

for which in ours xen; do
    mkdir -p "$scratch/$which"
    cp "$src" "$scratch/$which/"
done
cp "$patched/xen/arch/x86/mm/mm-locks.h" "$scratch/ours/"
cp "$pristine/xen/arch/x86/mm/mm-locks.h" "$scratch/xen/"

if ! try_compile ours; then
    echo "FAIL: mm-locks.c does not compile with our header:" >&2
    tail -n 20 "$scratch/ours/log" >&2
    exit 1
fi
echo "ok: mm-locks.c compiles with our header (positive control)"

if try_compile xen; then
    echo "FAIL: mm-locks.c compiles with Xen 4.17's own header" >&2
    exit 1
fi
echo "ok: with Xen 4.17's own header the build fails:"
grep -m 3 'error:' "$scratch/xen/log" | sed 's/^/    /'
