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
 * One page is populated above the measured memory: 4.17's
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

/* The globals logdirty-lib.c works with. */
unsigned int nr_failures, nr_passes;
xc_interface *xch;
xendevicemodel_handle *dmod;
xentoollog_logger *quiet_logger;

#define NULL_CALLS            1000

static double now_ms(void)
{
    return now_seconds() * 1e3;
}

static int bench_guest_create(uint32_t *domid, unsigned long nr_pages)
{
    struct xen_domctl_createdomain create = {
        .flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap,
        .max_vcpus = 1,
        .max_grant_frames = 1,
        .grant_opts = XEN_DOMCTL_GRANT_version(1),
        .arch = {
            .emulation_flags = XEN_X86_EMU_LAPIC,
        },
    };
    /* The p2m and the log-dirty trie live in the paging pool. */
    uint64_t pool_bytes = (8 + nr_pages / PAGES_PER_MIB / 64) << 20;
    unsigned long nr_super = nr_pages / SUPERPAGE_PAGES, i;
    xen_pfn_t *extents;
    int rc;

    if ( xc_domain_create(xch, domid, &create) )
        return -1;
    if ( xc_domain_max_vcpus(xch, *domid, 1) ||
         xc_set_paging_mempool_size(xch, *domid, pool_bytes) ||
         xc_domain_setmaxmem(xch, *domid, -1) )
        goto fail;

    extents = calloc(nr_super + 1, sizeof(*extents));
    if ( !extents )
        goto fail;
    for ( i = 0; i < nr_super; i++ )
        extents[i] = i * SUPERPAGE_PAGES;
    rc = xc_domain_populate_physmap_exact(xch, *domid, nr_super,
                                          SUPERPAGE_ORDER, 0, extents);
    /* The rest page by page, then the page above. */
    for ( i = nr_super * SUPERPAGE_PAGES; !rc && i <= nr_pages; i++ )
    {
        extents[0] = i;
        rc = xc_domain_populate_physmap_exact(xch, *domid, 1, 0, 0,
                                              extents);
    }
    free(extents);
    if ( rc )
        goto fail;
    return 0;

 fail:
    rc = errno;
    xc_domain_destroy(xch, *domid);
    errno = rc;
    return -1;
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
    unsigned int buf_pages;
    xentoollog_logger *logger;
    xc_shadow_op_stats_t st;
    uint32_t domid = 0;
    bool created = false;
    unsigned long *bits = NULL;
    DECLARE_HYPERCALL_BUFFER(unsigned long, hbits);
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
    buf_pages = nr_pages / BITS_PER_BITMAP_PAGE;

    printf("bench-logdirty: guest %lu MiB (%lu pages, every one dirty), "
           "%lu rounds\n", size_mib, nr_pages, rounds);

    logger = (xentoollog_logger *)
        xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    xch = xc_interface_open(logger, logger, 0);
    dmod = xendevicemodel_open(logger, 0);
    if ( !xch || !dmod )
    {
        fail("CHECK open: FAIL xc_interface_open/xendevicemodel_open: "
             "%d - %s\n", errno, strerror(errno));
        goto out;
    }

    t0 = now_ms();
    if ( bench_guest_create(&domid, nr_pages) )
    {
        fail("CHECK create: FAIL %lu MiB guest: %d - %s\n", size_mib, errno,
             strerror(errno));
        goto out;
    }
    created = true;
    t_create = now_ms() - t0;
    check(true, "create", "d%u populated in %.0f ms", domid, t_create);

    hbits = xc_hypercall_buffer_alloc_pages(xch, hbits, buf_pages);
    bits = hbits;
    if ( !bits )
    {
        fail("CHECK bitmap: FAIL no %u-page hypercall buffer\n", buf_pages);
        goto out;
    }

    rc = xc_logdirty_control(xch, domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY,
                             NULL, 0, 0, NULL);
    check(rc == 0, "enable", "rc=%lld errno=%d", rc, rc ? errno : 0);
    if ( rc )
        goto out;
    /* Start from an empty bitmap: enabling may mark pages. */
    rc = xc_logdirty_control(xch, domid, XEN_DOMCTL_SHADOW_OP_CLEAN,
                             HYPERCALL_BUFFER(hbits), nr_pages, 0, &st);
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
        mark_rc = xendevicemodel_modified_memory(dmod, domid, 0, nr_pages);
        t_mark = now_ms() - t0;

        memset(bits, 0, (size_t)buf_pages * XC_PAGE_SIZE);
        t0 = now_ms();
        peek_rc = xc_logdirty_control(xch, domid, XEN_DOMCTL_SHADOW_OP_PEEK,
                                      HYPERCALL_BUFFER(hbits), nr_pages, 0,
                                      &st);
        t_peek = now_ms() - t0;
        peek_bits = count_gfns(bits, nr_pages);
        peek_dirty = st.dirty_count;

        memset(bits, 0, (size_t)buf_pages * XC_PAGE_SIZE);
        t0 = now_ms();
        clean_rc = xc_logdirty_control(xch, domid,
                                       XEN_DOMCTL_SHADOW_OP_CLEAN,
                                       HYPERCALL_BUFFER(hbits), nr_pages, 0,
                                       &st);
        t_clean = now_ms() - t0;
        clean_bits = count_gfns(bits, nr_pages);
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
    if ( bits )
        xc_hypercall_buffer_free_pages(xch, hbits, buf_pages);
    if ( created )
    {
        rc = xc_domain_destroy(xch, domid);
        check(rc == 0, "destroy", "d%u rc=%lld", domid, rc);
    }
    printf("%u passed, %u failed\n", nr_passes, nr_failures);
    printf("RESULT: %s\n", nr_failures ? "FAIL" : "PASS");
    return !!nr_failures;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
