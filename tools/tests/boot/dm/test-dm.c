/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test-dm: a translated device model acting on its target, from dom0.
 *
 * XEN_DMOP_track_dirty_vram on a shadow-paged HVM domain holds the
 * target's p2m lock while it copies the dirty bitmap into the caller's
 * memory (shadow_track_dirty_vram()).  When the caller is a PVH device
 * model, that copy takes the device model's own p2m lock: one class, two
 * domains.  Ordered by domain id alone, the nesting BUGs the host when the
 * device model's id is below its target's; with device-model tiers it is
 * legal whatever the ids.
 *
 * For each case named on the command line ("lower": the device model's id
 * is below its target's; "higher": above), the test
 *   - creates the target: shadow-paged HVM, never run, whose VRAM range
 *     has a hole of unpopulated frames;
 *   - creates the device model: a PVH domain running dm-guest
 *     (guest/dm-guest.c), loaded here from its ELF image;
 *   - makes it the target's device model (xc_domain_set_target) and runs
 *     it: it issues XEN_DMOP_track_dirty_vram twice with the bitmap in its
 *     own memory and prints the answers on the HVM debug console;
 *   - reads the answers from Xen's console ring and checks them: the first
 *     call starts tracking (-ENODATA), the second returns 0 and a bitmap
 *     with exactly the hole's frames dirty.
 *
 * usage: test-dm [--guest ELF] CASE...   (CASE: lower | higher)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logdirty.h"

#define DM_GUEST_DEFAULT    "/usr/lib/boot-test/dm-guest"
#define DM_MIB              4
/* The target: frames [0, TARGET_FRAMES) but the hole are populated. */
#define TARGET_FRAMES       256
#define HOLE_FIRST          0x20
#define HOLE_NR             8
#define VRAM_FIRST          0x18
#define VRAM_NR             32
#define ANSWER_SECONDS      60
#define CONSOLE_CHUNK       16384

struct dm_case {
    const char *name;
    uint32_t dm_id, target_id;
};


/*
 * Appends what Xen's console ring gained since *index to buf (at most a
 * chunk a call); returns how much the ring gave.
 */
static unsigned int console_read(char *buf, size_t size, size_t *used,
                                 uint32_t *index)
{
    static char chunk[CONSOLE_CHUNK];
    unsigned int n = sizeof(chunk) - 1, got;

    if ( xc_readconsolering(xch, chunk, &n, 0, 1, index) )
        return 0;
    got = n;
    if ( n > size - 1 - *used )
        n = size - 1 - *used;
    memcpy(buf + *used, chunk, n);
    *used += n;
    buf[*used] = '\0';

    return got;
}

/* The line of the log that starts with prefix, copied to out. */
static bool find_line(const char *log, const char *prefix, char *out,
                      size_t size)
{
    const char *p = strstr(log, prefix), *end;

    if ( !p )
        return false;
    end = strchr(p, '\n');
    if ( !end )
        end = p + strlen(p);
    snprintf(out, size, "%.*s", (int)(end - p), p);

    return true;
}

static void expected_bitmap(char *hex, size_t size)
{
    unsigned char bits[VRAM_NR / 8] = { 0 };
    unsigned int i;

    for ( i = 0; i < VRAM_NR; i++ )
        if ( VRAM_FIRST + i >= HOLE_FIRST &&
             VRAM_FIRST + i < HOLE_FIRST + HOLE_NR )
            bits[i / 8] |= 1 << (i % 8);
    for ( i = 0; i < sizeof(bits) && 2 * i + 2 < size; i++ )
        sprintf(hex + 2 * i, "%02x", bits[i]);
}

static int create_target(struct guest *t, uint32_t domid)
{
    xen_pfn_t frames[TARGET_FRAMES];
    unsigned int i, n = 0;

    for ( i = 0; i < TARGET_FRAMES; i++ )
        if ( i < HOLE_FIRST || i >= HOLE_FIRST + HOLE_NR )
            frames[n++] = i;

    /* No CDF_hap: the domain is shadow-paged. */
    return guest_create_as(t, domid, 0,
                           XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI, 0, frames, n);
}

static void run_case(const struct dm_case *c, const char *guest_path)
{
    struct guest dm, target;
    char name[64], cmdline[128], prefix[32], line[256], want[32];
    static char log[1 << 16];
    size_t used = 0;
    uint32_t index = 0, entry;
    unsigned int waited;
    const char *step = NULL;

    printf("== %s: device model d%u, target d%u\n", c->name, c->dm_id,
           c->target_id);
    snprintf(name, sizeof(name), "dm.%s.setup", c->name);
    if ( create_target(&target, c->target_id) )
    {
        check(false, name, "creating the shadow target: %s",
              strerror(errno));
        return;
    }
    if ( guest_create_as(&dm, c->dm_id, XEN_DOMCTL_CDF_hap,
                         XEN_X86_EMU_LAPIC, DM_MIB, NULL, 0) )
    {
        check(false, name, "creating the device model: %s",
              strerror(errno));
        xc_domain_destroy(xch, target.domid);
        return;
    }

    snprintf(cmdline, sizeof(cmdline), "target=%u first_pfn=%#x nr=%u",
             c->target_id, VRAM_FIRST, VRAM_NR);
    entry = load_elf(c->dm_id, guest_path, DM_MIB);
    if ( !entry )
        step = "loading dm-guest";
    else if ( !write_start_info(c->dm_id, cmdline) )
        step = "writing start_info";
    else if ( !set_entry_state(c->dm_id, entry, 1, NULL) )
        step = "setting vCPU 0 at the entry";
    else if ( xc_domain_set_target(xch, c->dm_id, c->target_id) )
        step = "xc_domain_set_target";
    if ( step )
    {
        check(false, name, "%s for d%u: %s", step, c->dm_id,
              strerror(errno));
        goto out;
    }
    check(true, name, "d%u loaded (entry %#x), made d%u's device model",
          c->dm_id, entry, c->target_id);

    /* Skip what the ring holds already: read from its end onwards. */
    do {
        used = 0;
    } while ( console_read(log, sizeof(log), &used, &index) );
    used = 0;
    log[0] = '\0';
    if ( xc_domain_unpause(xch, c->dm_id) )
    {
        check(false, name, "unpausing d%u: %s", c->dm_id, strerror(errno));
        goto out;
    }

    snprintf(prefix, sizeof(prefix), "(d%u) dm-guest: done", c->dm_id);
    for ( waited = 0; waited < ANSWER_SECONDS * 10; waited++ )
    {
        console_read(log, sizeof(log), &used, &index);
        if ( strstr(log, prefix) || strstr(log, "dm-guest: FATAL") )
            break;
        usleep(100000);
    }
    snprintf(name, sizeof(name), "dm.%s.answered", c->name);
    check(strstr(log, prefix), name, "dm-guest %s within %u s",
          strstr(log, prefix) ? "finished" : "did not finish",
          ANSWER_SECONDS);

    snprintf(prefix, sizeof(prefix), "(d%u) dm-guest: call=1 ", c->dm_id);
    snprintf(name, sizeof(name), "dm.%s.start-tracking", c->name);
    if ( find_line(log, prefix, line, sizeof(line)) )
        check(strstr(line, " rc=-61 "), name, "%s (want rc=-61, ENODATA)",
              line);
    else
        check(false, name, "no answer to the first call");

    expected_bitmap(want, sizeof(want));
    snprintf(prefix, sizeof(prefix), "(d%u) dm-guest: call=2 ", c->dm_id);
    snprintf(name, sizeof(name), "dm.%s.bitmap", c->name);
    if ( find_line(log, prefix, line, sizeof(line)) )
    {
        char *bitmap = strstr(line, " bitmap=");

        check(strstr(line, " rc=0 ") && bitmap && !strcmp(bitmap + 8, want),
              name, "%s (want rc=0 bitmap=%s: the hole's frames dirty)",
              line, want);
    }
    else
        check(false, name, "no answer to the second call");

 out:
    xc_domain_destroy(xch, dm.domid);
    xc_domain_destroy(xch, target.domid);
}

int main(int argc, char **argv)
{
    const char *guest_path = DM_GUEST_DEFAULT;
    /* Fixed ids far above the boot's own, ten apart per case. */
    uint32_t base = 100;
    int i;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if ( argc > 2 && !strcmp(argv[1], "--guest") )
    {
        guest_path = argv[2];
        argv += 2;
        argc -= 2;
    }
    if ( argc < 2 )
    {
        fprintf(stderr, "usage: test-dm [--guest ELF] lower|higher...\n");
        return 2;
    }
    for ( i = 1; i < argc; i++ )
        if ( strcmp(argv[i], "lower") && strcmp(argv[i], "higher") )
        {
            fprintf(stderr, "test-dm: unknown case '%s' (lower, higher)\n",
                    argv[i]);
            return 2;
        }

    if ( !open_handles(XTL_ERROR) )
        return print_result();

    for ( i = 1; i < argc; i++, base += 10 )
    {
        struct dm_case c = { .name = argv[i] };
        bool lower = !strcmp(argv[i], "lower");

        c.dm_id = lower ? base : base + 1;
        c.target_id = lower ? base + 1 : base;
        run_case(&c, guest_path);
    }

    dump_coverage();
    return print_result();
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
