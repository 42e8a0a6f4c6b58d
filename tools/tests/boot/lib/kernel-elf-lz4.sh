#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A bzImage's vmlinux (ELF, with its Xen PVH notes) as Xen's dom0 kernel
# module for the Bochs boots: lz4 in the legacy format with the length
# appended, as Linux's own lz4 payloads are (Xen's unlz4 drops the last 4
# bytes). Xen's PVH dom0 builder decompresses the kernel itself
# (bzimage_parse()); Debian's payload is xz, whose decoder took 11.5 s of
# emulated time under Bochs, over 100 s of wall time. Xen's lz4 decoder
# takes a small part of that, and GRUB passes lz4 on untouched (it would
# inflate a gzip module itself, at about 60 s of wall time).
#
# usage: kernel-elf-lz4.sh BZIMAGE OUT
set -euo pipefail

die() { echo "kernel-elf-lz4: $*" >&2; exit 1; }
[ $# = 2 ] || { echo "usage: $0 BZIMAGE OUT" >&2; exit 2; }
image=$1 out=$2
[ -r "$image" ] || die "cannot read $image"

# The boot protocol's header: "HdrS" at 0x202, setup_sects at 0x1f1, the
# payload's offset (from the protected-mode code) and length at 0x248; the
# payload's last 4 bytes are the decompressed length.
le() { od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '; }
[ "$(dd if="$image" bs=1 skip=$((0x202)) count=4 status=none)" = HdrS ] ||
    die "$image is not a bzImage"
setup_sects=$(le "$image" $((0x1f1)) 1)
[ "$setup_sects" != 0 ] || setup_sects=4
payload=$(( (setup_sects + 1) * 512 + $(le "$image" $((0x248)) 4) ))
length=$(le "$image" $((0x24c)) 4)
(( $(stat -L -c %s "$image") >= payload + length )) ||
    die "$image is truncated: its payload ends at $((payload + length))"
want=$(le "$image" $((payload + length - 4)) 4)

magic=$(od -An -tx1 -j "$payload" -N 6 "$image" | tr -d ' ')
case $magic in
    fd377a585a00) decompress=(xz -dc --single-stream) ;;
    1f8b*) decompress=(gzip -dc) ;;
    *) die "$image: payload at $payload is neither xz nor gzip ($magic)" ;;
esac

elf=$out.elf.tmp
trap 'rm -f "$elf" "$out.tmp"' EXIT
head -c $((payload + length - 4)) "$image" | tail -c +$((payload + 1)) |
    "${decompress[@]}" > "$elf" ||
    die "$image: its payload does not decompress"
got=$(stat -c %s "$elf")
if [ "$got" != "$want" ] || [ "$(le "$elf" 0 4)" != 1179403647 ]; then
    die "$image: its payload decompresses to $got bytes, not an ELF of $want"
fi
lz4 -l -9 -q -c "$elf" > "$out.tmp"
# The appended length, little-endian.
python3 -c 'import struct, sys
sys.stdout.buffer.write(struct.pack("<I", int(sys.argv[1])))' "$got" >> "$out.tmp"
head -c -4 "$out.tmp" | lz4 -dc | cmp -s - "$elf" ||
    die "$out.tmp: lz4 does not give back the ELF"
mv "$out.tmp" "$out"
echo "kernel-elf-lz4: $out ($(( $(stat -c %s "$out") / 1024 )) KiB, the" \
     "ELF of $image)"
