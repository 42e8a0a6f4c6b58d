/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-guest: a PVH guest acting as another domain's device model.
 *
 * The test client in dom0 (dm/test-dm.c) makes this domain the device
 * model of a shadow-paged HVM domain (XEN_DOMCTL_set_target) and passes
 * on the command line which VRAM range to track:
 *   target=DOMID first_pfn=PFN nr=FRAMES
 * The guest then issues XEN_DMOP_track_dirty_vram on its target twice,
 * with the bitmap in its own memory: the first call starts tracking (and
 * Xen answers -ENODATA), the second copies the dirty bitmap out while Xen
 * holds the target's p2m lock, and that copy takes this domain's own p2m
 * lock.  It prints each answer on the HVM debug console, which dom0 reads
 * from Xen's console ring:
 *   dm-guest: call=N rc=RC bitmap=HEX...
 *   dm-guest: done
 * and powers off.  The bitmap is filled with 0xa5 before each call, so a
 * bitmap that Xen did not write shows as a5 bytes.
 */
#include <stdint.h>
#include "runtime.h"

const char guest_name[] = "dm-guest";

#define MAX_FRAMES          256
#define BITMAP_FILL         0xa5

static uint8_t bitmap[MAX_FRAMES / 8];

/* The value of " name=" (decimal, or hex after 0x) in s; crash if absent. */
static uint32_t cmdline_value(const char *s, const char *name)
{
    uint32_t len = strlen_of(name), v = 0, base = 10;
    const char *p;

    for ( p = s; *p; p++ )
    {
        uint32_t i;

        if ( p != s && p[-1] != ' ' )
            continue;
        for ( i = 0; i < len && p[i] == name[i]; i++ )
            ;
        if ( i == len && p[len] == '=' )
            break;
    }
    if ( !*p )
        crash("command line lacks a value");
    p += len + 1;
    if ( p[0] == '0' && p[1] == 'x' )
    {
        base = 16;
        p += 2;
    }
    for ( ; *p && *p != ' '; p++ )
    {
        uint32_t digit;

        if ( *p >= '0' && *p <= '9' )
            digit = *p - '0';
        else if ( base == 16 && *p >= 'a' && *p <= 'f' )
            digit = *p - 'a' + 10;
        else
            crash("bad number on the command line");
        v = v * base + digit;
    }

    return v;
}

static long track_dirty_vram(uint32_t target, uint32_t first_pfn,
                             uint32_t nr)
{
    struct dm_op_track_dirty_vram op = {
        .op = XEN_DMOP_TRACK_DIRTY_VRAM,
        .nr = nr,
        .first_pfn = first_pfn,
    };
    struct dm_op_buf bufs[2] = {
        { .addr = (uint32_t)&op, .size = sizeof(op) },
        { .addr = (uint32_t)bitmap, .size = (nr + 7) / 8 },
    };

    return hypercall3(HYPERCALL_DM_OP, target, 2, (uint32_t)bufs);
}

static void put_byte(uint8_t b)
{
    static const char digits[] = "0123456789abcdef";

    put_char(digits[b >> 4]);
    put_char(digits[b & 0xf]);
}

void guest_main(const struct start_info *si)
{
    const char *cmdline;
    uint32_t target, first_pfn, nr, call, i;

    setup_hypercall_page();
    if ( si->magic != START_INFO_MAGIC || !si->cmdline_paddr )
        crash("no start_info command line");
    cmdline = (const char *)(uint32_t)si->cmdline_paddr;
    target = cmdline_value(cmdline, "target");
    first_pfn = cmdline_value(cmdline, "first_pfn");
    nr = cmdline_value(cmdline, "nr");
    if ( !nr || nr > MAX_FRAMES )
        crash("nr out of range");

    put_str("dm-guest: start");
    put_field("target", target);
    put_field("first_pfn", first_pfn);
    put_field("nr", nr);
    put_char('\n');

    for ( call = 1; call <= 2; call++ )
    {
        long rc;

        for ( i = 0; i < sizeof(bitmap); i++ )
            bitmap[i] = BITMAP_FILL;
        rc = track_dirty_vram(target, first_pfn, nr);
        put_str("dm-guest:");
        put_field("call", call);
        put_str(" rc=");
        put_signed(rc);
        put_str(" bitmap=");
        for ( i = 0; i < (nr + 7) / 8; i++ )
            put_byte(bitmap[i]);
        put_char('\n');
    }

    put_str("dm-guest: done\n");
    shutdown(SHUTDOWN_POWEROFF);
    crash("SCHEDOP_shutdown returned");
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
