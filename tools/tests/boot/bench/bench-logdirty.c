/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Times log-dirty rounds from dom0 against the hypervisor under test, for
 * bench-logdirty.sh, which compares two hypervisors.
 *
 * The guest is an HVM/HAP domain that is created, populated and never
 * unpaused, so only this program dirties it.  Each round marks every page
 * of it dirty through the device-model interface, then PEEKs and CLEANs
 * the whole bitmap, each call timed with clock_gettime() in dom0.  A round
 * whose bitmap is not full is a failed check: a round that copied fewer
 * bits would not be the work being measured.
 *
 * One page is populated just above the measured memory: 4.17's
 * XEN_DMOP_modified_memory rejects an extent that ends at the guest's
 * highest gfn, and this way every page of the measured memory is marked.
 *
 * As a control, each round also times NULL_CALLS xen_version hypercalls,
 * which take no mm lock: a difference between two hypervisors there is
 * not the checker's.
 *
 * Prints "BENCH round=R mark_ms=.. peek_ms=.. clean_ms=.. null_ms=.." per
 * round, then "N passed, M failed" and "RESULT: PASS|FAIL".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logdirty.h"

#define NULL_CALLS            1000

static double now_ms(void)
{
    return now_seconds() * 1e3;
}

static void usage(const char *prog)
{
    fprintf(stderr,
            "Usage: %s [--size MIB] [--rounds N]\n"
            "  --size MIB   measured guest memory, every page dirty "
            "(default 1024)\n"
            "  --rounds N   timed rounds (default 20)\n", prog);
    exit(2);
}

int main(int argc, char **argv)
{
    unsigned long size_mib = 1024, rounds = 20, nr_pages, r;
    xen_pfn_t page_above;
    xc_shadow_op_stats_t st;
    struct guest g;
    bool created = false;
    struct dirty_bitmap bm = { 0 };
    size_t bitmap_bytes;
    double t0, t_create;
    long long rc;
    int a;

    setvbuf(stdout, NULL, _IOLBF, 0);

    for ( a = 1; a < argc; a++ )
    {
        char *end;

        if ( a + 1 >= argc )
            usage(argv[0]);
        if ( !strcmp(argv[a], "--size") )
            size_mib = strtoul(argv[++a], &end, 0);
        else if ( !strcmp(argv[a], "--rounds") )
            rounds = strtoul(argv[++a], &end, 0);
        else
            usage(argv[0]);
        if ( *end )
            usage(argv[0]);
    }
    /* Whole bitmap pages, so that every bit Xen returns is a guest page. */
    if ( size_mib < 128 || size_mib % 128 || size_mib > 65536 || !rounds ||
         rounds > 1000 )
    {
        fprintf(stderr, "%s: --size must be a multiple of 128 MiB up to "
                "65536, --rounds 1 to 1000\n", argv[0]);
        usage(argv[0]);
    }
    nr_pages = size_mib * PAGES_PER_MIB;
    page_above = nr_pages;

    printf("bench-logdirty: guest %lu MiB (%lu pages, every one dirty), "
           "%lu rounds\n", size_mib, nr_pages, rounds);

    if ( !open_handles(XTL_ERROR) )
        return print_result();

    t0 = now_ms();
    if ( guest_create(&g, size_mib, &page_above, 1) )
    {
        fail("CHECK create: FAIL %lu MiB guest: %d - %s\n", size_mib, errno,
             strerror(errno));
        goto out;
    }
    created = true;
    t_create = now_ms() - t0;
    check(true, "create", "d%u populated in %.0f ms", g.domid, t_create);

    if ( dirty_bitmap_alloc(&bm, nr_pages) )
    {
        fail("CHECK bitmap: FAIL no hypercall buffer for %lu pages\n",
             nr_pages);
        goto out;
    }
    bitmap_bytes = (size_t)bm.nr_buf_pages * XC_PAGE_SIZE;

    rc = logdirty_simple_op(g.domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY);
    check(rc == 0, "enable", "rc=%lld errno=%d", rc, rc ? errno : 0);
    if ( rc )
        goto out;
    /* Start from an empty bitmap: enabling may mark pages. */
    rc = xc_logdirty_control(xch, g.domid, XEN_DOMCTL_SHADOW_OP_CLEAN,
                             &bm.hbuf, nr_pages, 0, &st);
    if ( rc < 0 )
    {
        fail("CHECK clean-initial: FAIL %d - %s\n", errno, strerror(errno));
        goto out;
    }

    for ( r = 1; r <= rounds; r++ )
    {
        double t_mark, t_peek, t_clean, t_null;
        unsigned long peek_bits, clean_bits;
        unsigned int peek_dirty, clean_dirty, i;
        long long peek_rc, clean_rc;
        int mark_rc, null_rc = 0;

        t0 = now_ms();
        mark_rc = xendevicemodel_modified_memory(dmod, g.domid, 0, nr_pages);
        t_mark = now_ms() - t0;

        memset(bm.bits, 0, bitmap_bytes);
        t0 = now_ms();
        peek_rc = xc_logdirty_control(xch, g.domid, XEN_DOMCTL_SHADOW_OP_PEEK,
                                      &bm.hbuf, nr_pages, 0, &st);
        t_peek = now_ms() - t0;
        peek_bits = count_gfns(bm.bits, nr_pages);
        peek_dirty = st.dirty_count;

        memset(bm.bits, 0, bitmap_bytes);
        t0 = now_ms();
        clean_rc = xc_logdirty_control(xch, g.domid,
                                       XEN_DOMCTL_SHADOW_OP_CLEAN,
                                       &bm.hbuf, nr_pages, 0, &st);
        t_clean = now_ms() - t0;
        clean_bits = count_gfns(bm.bits, nr_pages);
        clean_dirty = st.dirty_count;

        t0 = now_ms();
        for ( i = 0; i < NULL_CALLS && null_rc >= 0; i++ )
            null_rc = xc_version(xch, XENVER_version, NULL);
        t_null = now_ms() - t0;

        if ( mark_rc || null_rc < 0 || peek_rc < 0 || clean_rc < 0 ||
             peek_bits != nr_pages || clean_bits != nr_pages )
        {
            fail("CHECK round-%lu: FAIL mark_rc=%d peek_rc=%lld "
                 "clean_rc=%lld null_rc=%d errno=%d peek_bits=%lu "
                 "clean_bits=%lu (want %lu)\n", r, mark_rc, peek_rc,
                 clean_rc, null_rc, errno, peek_bits, clean_bits, nr_pages);
            break;
        }
        printf("BENCH round=%lu mark_ms=%.3f peek_ms=%.3f clean_ms=%.3f "
               "null_ms=%.3f dirty=%u/%u\n", r, t_mark, t_peek, t_clean,
               t_null, peek_dirty, clean_dirty);
    }
    if ( r > rounds )
        check(true, "rounds", "%lu rounds, every bitmap full", rounds);

 out:
    dirty_bitmap_free(&bm);
    if ( created )
    {
        rc = xc_domain_destroy(xch, g.domid);
        check(rc == 0, "destroy", "d%u rc=%lld", g.domid, rc);
    }
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
