/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile log-dirty inputs from dom0: each case must get an error or a
 * sane answer, never a hang or a crash, and a normal log-dirty round must
 * work after it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "logdirty.h"

/* The guest still works: a fresh set of marks comes back exactly. */
static void check_same_guest(struct logdirty_guest *lg, const char *name,
                             uint64_t seed)
{
    struct bitmap_diff d = { 0 };
    bool ok;

    logdirty_guest_forget_marks(lg);
    ok = logdirty_guest_mark_random(lg, 200, seed) == 0 &&
         logdirty_guest_clean_matches(lg, lg->want, &d);
    check(ok, name, "d%u expected=%lu got=%lu missing=%lu extra=%lu",
          lg->g.domid, d.expected, d.got, d.missing, d.extra);
}

/*
 * After each hostile case: a normal round on a fresh guest must work, so
 * every lock the case took was released with its level restored.
 */
static void check_normal_round(const char *case_name)
{
    char name[96];
    struct logdirty_guest lg;
    struct bitmap_diff d = { 0 };
    const char *step = "create";
    bool ok = false;

    snprintf(name, sizeof(name), "hostile.%s.after", case_name);
    if ( logdirty_guest_setup(&lg, 16, NULL, 0, true) )
        goto out;
    step = "mark";
    if ( logdirty_guest_mark_random(&lg, 300, 0x4000) )
        goto out;
    step = "clean";
    if ( !logdirty_guest_clean_matches(&lg, lg.want, &d) )
        goto out;
    step = "clean-again";
    logdirty_guest_forget_marks(&lg);
    if ( !logdirty_guest_clean_matches(&lg, lg.want, &d) )
        goto out;
    step = "disable";
    if ( logdirty_simple_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_OFF) )
        goto out;
    step = "destroy";
    lg.alive = false;
    if ( xc_domain_destroy(xch, lg.g.domid) )
        goto out;
    ok = true;
 out:
    check(ok, name, "normal round on a new guest: %s (errno=%d "
          "missing=%lu extra=%lu)", ok ? "ok" : step, ok ? 0 : errno,
          d.missing, d.extra);
    logdirty_guest_teardown(&lg);
}

/*
 * pages bitmap pages, filled with fill and locked, right before an
 * unmapped page, so that Xen faults past them; NULL if mmap fails.
 */
static char *map_before_hole(unsigned int pages, int fill)
{
    size_t bytes = (size_t)pages * XC_PAGE_SIZE;
    char *buf = mmap(NULL, bytes + XC_PAGE_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if ( buf == MAP_FAILED )
        return NULL;
    munmap(buf + bytes, XC_PAGE_SIZE);
    memset(buf, fill, bytes);
    mlock(buf, bytes);
    return buf;
}

/* xc_domain_getinfolist(), as 4.18 removed xc_domain_getinfo(). */
static bool domain_exists(uint32_t domid, bool *dying)
{
    xc_domaininfo_t info;

    if ( xc_domain_getinfolist(xch, domid, 1, &info) != 1 ||
         info.domain != domid )
        return false;
    if ( dying )
        *dying = info.flags & XEN_DOMINF_dying;
    return true;
}

/* Destroyed domains linger until their last reference goes. */
static bool domain_gone_within(uint32_t domid, double seconds)
{
    double end = now_seconds() + seconds;

    while ( domain_exists(domid, NULL) )
    {
        if ( now_seconds() > end )
            return false;
        usleep(10000);
    }
    return true;
}

static void hostile_bitmap_address(void)
{
    static const unsigned int ops[] = {
        XEN_DOMCTL_SHADOW_OP_PEEK, XEN_DOMCTL_SHADOW_OP_CLEAN,
    };
    struct {
        const char *label;
        void *addr;
    } bad[] = {
        { "unmapped", NULL },
        { "page-one", (void *)0x1000UL },
        { "non-canonical", (void *)0x0000800000000000UL },
        { "hypervisor-range", (void *)0xffff830000000000UL },
    };
    struct logdirty_guest lg;
    struct bitmap_diff d;
    unsigned int i, o;
    char name[96];
    void *hole;
    bool ok;

    if ( !logdirty_guest_setup_checked(&lg, "hostile.bitmap-address", 16, NULL,
                                       0, true) )
        return;

    /* A page that was mapped a moment ago and is not any more. */
    hole = mmap(NULL, XC_PAGE_SIZE, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if ( hole != MAP_FAILED )
        munmap(hole, XC_PAGE_SIZE);
    bad[0].addr = hole;

    logdirty_guest_mark_random(&lg, 300, 0x5000);
    for ( i = 0; i < ARRAY_SIZE(bad); i++ )
        for ( o = 0; o < ARRAY_SIZE(ops); o++ )
        {
            xc_hypercall_buffer_t hb;
            long long rc;

            hypercall_buffer_at(&hb, bad[i].addr);
            snprintf(name, sizeof(name), "hostile.bitmap-%s.%s",
                     bad[i].label, o ? "clean" : "peek");
            rc = xc_logdirty_control(xch, lg.g.domid, ops[o], &hb,
                                     lg.nr_gfns, 0, NULL);
            check(rc < 0 && errno == EFAULT, name,
                  "bitmap at %p: rc=%lld errno=%s (want EFAULT)",
                  bad[i].addr, rc, errno_name(rc < 0 ? errno : 0));
        }

    /* A refused bitmap must not have consumed any dirty bit. */
    ok = logdirty_guest_clean_matches(&lg, lg.want, &d);
    check(ok, "hostile.bitmap-address.nothing-lost",
          "next CLEAN: expected=%lu got=%lu missing=%lu extra=%lu",
          d.expected, d.got, d.missing, d.extra);
    check_same_guest(&lg, "hostile.bitmap-address.same-guest", 0x5001);
    logdirty_guest_teardown(&lg);
    check_normal_round("bitmap-address");
}

/*
 * A bitmap that ends before the pages asked for: Xen copies leaf by leaf,
 * so the first leaf arrives and the second faults.
 */
static void hostile_short_bitmap(void)
{
    struct logdirty_guest lg;
    unsigned long *partial, i, words;
    unsigned long delivered = 0, dup = 0, lost = 0, extra = 0;
    struct bitmap_diff d;
    xc_hypercall_buffer_t hb;
    long long rc;
    int e;
    char *buf;

    if ( !logdirty_guest_setup_checked(&lg, "hostile.short-bitmap", 256, NULL,
                                       0, true) )
        return;
    words = lg.nr_gfns / BITS_PER_LONG;

    buf = map_before_hole(1, 0xa5);
    if ( !buf )
    {
        fail("CHECK hostile.short-bitmap.setup: FAIL mmap\n");
        logdirty_guest_teardown(&lg);
        return;
    }
    hypercall_buffer_at(&hb, buf);
    partial = (unsigned long *)buf;

    logdirty_guest_mark_random(&lg, 600, 0x6000);

    rc = xc_logdirty_control(xch, lg.g.domid, XEN_DOMCTL_SHADOW_OP_PEEK, &hb,
                             lg.nr_gfns, 0, NULL);
    e = rc < 0 ? errno : 0;
    check(rc < 0 && e == EFAULT, "hostile.short-bitmap.peek",
          "1 of 2 bitmap pages mapped, %lu pages asked: rc=%lld errno=%s "
          "(want EFAULT)", lg.nr_gfns, rc, errno_name(e));

    memset(buf, 0xa5, XC_PAGE_SIZE);
    rc = xc_logdirty_control(xch, lg.g.domid, XEN_DOMCTL_SHADOW_OP_CLEAN,
                             &hb, lg.nr_gfns, 0, NULL);
    e = rc < 0 ? errno : 0;
    check(rc < 0 && e == EFAULT, "hostile.short-bitmap.clean",
          "rc=%lld errno=%s (want EFAULT)", rc, errno_name(e));

    /*
     * Whatever the failed CLEAN delivered in its first page plus what the
     * next CLEAN reports must be every marked page: none lost.
     */
    logdirty_guest_clean_matches(&lg, lg.want, &d);
    for ( i = 0; i < words; i++ )
    {
        unsigned long first = i < XC_PAGE_SIZE / sizeof(long) ? partial[i]
                                                               : 0;
        unsigned long next = lg.bm.bits[i];

        delivered += __builtin_popcountl(first);
        dup += __builtin_popcountl(first & next);
        lost += __builtin_popcountl(lg.want[i] & ~(first | next));
        extra += __builtin_popcountl((first | next) & ~lg.want[i]);
    }
    check(!lost && !extra, "hostile.short-bitmap.nothing-lost",
          "marked=%lu delivered_by_failed_clean=%lu next_clean=%lu "
          "twice=%lu lost=%lu extra=%lu", count_gfns(lg.want, lg.nr_gfns),
          delivered, d.got, dup, lost, extra);
    if ( delivered )
        printf("NOTE hostile.short-bitmap: the CLEAN that returned EFAULT "
               "had already cleared and delivered %lu dirty pages\n",
               delivered);
    check_same_guest(&lg, "hostile.short-bitmap.same-guest", 0x6001);

    munmap(buf, XC_PAGE_SIZE);
    logdirty_guest_teardown(&lg);
    check_normal_round("short-bitmap");
}

static void hostile_pages_beyond(void)
{
    struct logdirty_guest lg;
    struct dirty_bitmap big = { 0 };
    xc_shadow_op_stats_t st;
    struct bitmap_diff d;
    xc_hypercall_buffer_t hb;
    unsigned long huge_pages = 1UL << 36, *guarded;
    long long rc;
    double t0;
    char *buf;
    bool ok;
    int e;

    if ( logdirty_guest_setup(&lg, 16, NULL, 0, true) ||
         dirty_bitmap_alloc(&big, 4 * PREEMPT_STRIDE_GFNS) )
    {
        fail("CHECK hostile.pages-beyond.setup: FAIL %d - %s\n", errno,
             strerror(errno));
        goto out;
    }
    logdirty_guest_mark_random(&lg, 300, 0x7000);

    /* A right-sized bitmap for 256 GiB of gfns on a 16 MiB guest. */
    rc = logdirty_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_PEEK, &big, &st);
    e = rc < 0 ? errno : 0;
    diff_bitmaps(lg.want, big.bits, lg.nr_gfns, &d);
    {
        unsigned long beyond = count_gfns(big.bits + lg.nr_gfns /
                                          BITS_PER_LONG,
                                          big.nr_gfns - lg.nr_gfns);

        check(rc == (long long)big.nr_gfns && !d.missing && !d.extra &&
              !beyond, "hostile.pages-beyond.peek-256G",
              "pages=%#lx rc=%lld errno=%s in-guest missing=%lu extra=%lu "
              "set-beyond-guest=%lu", big.nr_gfns, rc, errno_name(e),
              d.missing, d.extra, beyond);
    }

    /* 2^36 pages into two mapped bitmap pages before a hole. */
    buf = map_before_hole(2, 0xa5);
    if ( !buf )
        goto out;
    guarded = (unsigned long *)buf;
    hypercall_buffer_at(&hb, buf);
    rc = xc_logdirty_control(xch, lg.g.domid, XEN_DOMCTL_SHADOW_OP_CLEAN,
                             &hb, huge_pages, 0, NULL);
    e = rc < 0 ? errno : 0;
    diff_bitmaps(lg.want, guarded, lg.nr_gfns, &d);
    check(rc < 0 && e == EFAULT && !d.missing && !d.extra,
          "hostile.pages-beyond.clean-2^36-short-buffer",
          "rc=%lld errno=%s (want EFAULT) first-leaf missing=%lu extra=%lu",
          rc, errno_name(e), d.missing, d.extra);
    munmap(buf, 2 * XC_PAGE_SIZE);

    /*
     * 2^64 - 1 pages and no bitmap: Xen walks every leaf its trie can have
     * (2^27), preempted as it goes, to copy nothing.
     */
    logdirty_guest_forget_marks(&lg);
    logdirty_guest_mark_random(&lg, 300, 0x7001);
    t0 = now_seconds();
    rc = xc_logdirty_control(xch, lg.g.domid, XEN_DOMCTL_SHADOW_OP_PEEK,
                             NULL, ~0UL, 0, &st);
    e = rc < 0 ? errno : 0;
    check(rc >= 0, "hostile.pages-beyond.peek-all-no-bitmap",
          "pages=2^64-1 rc=%lld errno=%s seconds=%.2f", rc, errno_name(e),
          now_seconds() - t0);
    ok = logdirty_guest_clean_matches(&lg, lg.want, &d);
    check(ok, "hostile.pages-beyond.peek-all-kept-bits",
          "next CLEAN: expected=%lu got=%lu missing=%lu extra=%lu",
          d.expected, d.got, d.missing, d.extra);


    check_same_guest(&lg, "hostile.pages-beyond.same-guest", 0x7002);
 out:
    dirty_bitmap_free(&big);
    logdirty_guest_teardown(&lg);
    check_normal_round("pages-beyond");
}

/*
 * A page count so large that 4.17's byte count for each leaf,
 * (pages - done + 7) >> 3, wraps to 0: nothing is copied, yet a CLEAN
 * clears every leaf, walking all of them.
 */
static void hostile_page_count_wrap(void)
{
    struct logdirty_guest lg;
    struct bitmap_diff d;
    xc_hypercall_buffer_t hb;
    unsigned long *guarded, delivered, marked;
    double t0;
    long long rc;
    char *buf;
    int e;

    if ( !logdirty_guest_setup_checked(&lg, "hostile.page-count-wrap", 16,
                                       NULL, 0, true) )
        return;
    logdirty_guest_mark_random(&lg, 300, 0x7003);
    marked = count_gfns(lg.want, lg.nr_gfns);

    /* Each dirty page must be delivered, or refused with an error and kept. */
    buf = map_before_hole(2, 0);
    if ( !buf )
    {
        fail("CHECK hostile.page-count-wrap.setup: FAIL mmap\n");
        logdirty_guest_teardown(&lg);
        return;
    }
    guarded = (unsigned long *)buf;
    hypercall_buffer_at(&hb, buf);

    watchdog_arm("hostile.page-count-wrap.nothing-lost", 600);
    t0 = now_seconds();
    rc = xc_logdirty_control(xch, lg.g.domid, XEN_DOMCTL_SHADOW_OP_CLEAN,
                             &hb, ~0UL, 0, NULL);
    e = rc < 0 ? errno : 0;
    watchdog_disarm();
    delivered = count_gfns(guarded, lg.nr_gfns);
    logdirty_guest_clean_matches(&lg, lg.want, &d);
    check(delivered + d.got == marked && !d.extra,
          "hostile.page-count-wrap.nothing-lost",
          "CLEAN of 2^64-1 pages into 2 bitmap pages: rc=%lld errno=%s "
          "seconds=%.1f; marked=%lu delivered=%lu kept-for-next-CLEAN=%lu",
          rc, errno_name(e), now_seconds() - t0, marked, delivered, d.got);
    munmap(buf, 2 * XC_PAGE_SIZE);

    check_same_guest(&lg, "hostile.page-count-wrap.same-guest", 0x7004);
    logdirty_guest_teardown(&lg);
    check_normal_round("page-count-wrap");
}

static void hostile_no_logdirty(void)
{
    struct logdirty_guest lg;
    xc_shadow_op_stats_t st;
    unsigned int o;
    long long rc;
    int e;

    if ( !logdirty_guest_setup_checked(&lg, "hostile.no-logdirty", 16, NULL, 0,
                                       false) )
        return;

    rc = xendevicemodel_modified_memory(dmod, lg.g.domid, 5, 10);
    e = rc < 0 ? errno : 0;
    check(rc == 0 || e == EINVAL, "hostile.no-logdirty.mark",
          "rc=%lld errno=%s", rc, errno_name(e));

    for ( o = 0; o < 2; o++ )
    {
        unsigned int op = o ? XEN_DOMCTL_SHADOW_OP_CLEAN
                            : XEN_DOMCTL_SHADOW_OP_PEEK;
        unsigned long set;

        rc = logdirty_op(lg.g.domid, op, &lg.bm, &st);
        e = rc < 0 ? errno : 0;
        set = rc >= 0 ? count_gfns(lg.bm.bits, lg.nr_gfns) : 0;
        check((rc >= 0 && !set) || e == EINVAL || e == EOPNOTSUPP,
              o ? "hostile.no-logdirty.clean" : "hostile.no-logdirty.peek",
              "rc=%lld errno=%s pages-reported=%lu", rc, errno_name(e), set);
    }
    rc = logdirty_simple_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_OFF);
    e = rc < 0 ? errno : 0;
    check(rc == 0 || e == EINVAL, "hostile.no-logdirty.disable",
          "rc=%lld errno=%s", rc, errno_name(e));

    rc = logdirty_simple_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY);
    check(rc == 0, "hostile.no-logdirty.enable-late", "rc=%lld errno=%s",
          rc, errno_name(rc ? errno : 0));
    check_same_guest(&lg, "hostile.no-logdirty.same-guest", 0x8000);
    logdirty_guest_teardown(&lg);
    check_normal_round("no-logdirty");
}

static void hostile_wrong_domains(void)
{
    static const struct {
        const char *label;
        uint32_t domid;
        int want;          /* 0: any error will do */
    } doms[] = {
        { "dom0", 0, EINVAL },
        { "nonexistent", 31000, ESRCH },
        { "domid-self", DOMID_SELF, 0 },
        { "domid-invalid", DOMID_INVALID, 0 },
    };
    static const struct {
        const char *label;
        unsigned int op;
    } ops[] = {
        { "peek", XEN_DOMCTL_SHADOW_OP_PEEK },
        { "clean", XEN_DOMCTL_SHADOW_OP_CLEAN },
        { "enable", XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY },
        { "disable", XEN_DOMCTL_SHADOW_OP_OFF },
    };
    struct dirty_bitmap bm = { 0 };
    xc_shadow_op_stats_t st;
    unsigned int i, o;
    char name[96];

    if ( dirty_bitmap_alloc(&bm, 65536) )
    {
        fail("CHECK hostile.wrong-domain.setup: FAIL no bitmap\n");
        return;
    }
    for ( i = 0; i < ARRAY_SIZE(doms); i++ )
    {
        long long rc;
        int e;

        for ( o = 0; o < ARRAY_SIZE(ops); o++ )
        {
            snprintf(name, sizeof(name), "hostile.%s.%s", doms[i].label,
                     ops[o].label);
            rc = logdirty_op(doms[i].domid, ops[o].op, &bm, &st);
            e = rc < 0 ? errno : 0;
            check(rc < 0 && (!doms[i].want || e == doms[i].want), name,
                  "d%#x rc=%lld errno=%s (want %s)", doms[i].domid, rc,
                  errno_name(e), doms[i].want ? errno_name(doms[i].want)
                                              : "an error");
        }
        snprintf(name, sizeof(name), "hostile.%s.mark", doms[i].label);
        rc = xendevicemodel_modified_memory(dmod, doms[i].domid, 0, 1);
        e = rc < 0 ? errno : 0;
        check(rc < 0, name, "d%#x rc=%lld errno=%s (want an error)",
              doms[i].domid, rc, errno_name(e));
    }
    dirty_bitmap_free(&bm);
    check_normal_round("wrong-domain");
}

/*
 * A dying domain: destroyed while dom0 still maps one of its pages, so it
 * lingers until the mapping goes.
 */
static void hostile_dying_domain(void)
{
    struct logdirty_guest lg;
    xc_shadow_op_stats_t st;
    xen_pfn_t gfn = 0;
    bool dying = false, listed, written = false;
    void *map = NULL;
    unsigned int o;
    long long rc;
    int err = 0, e;

    if ( logdirty_guest_setup(&lg, 16, NULL, 0, true) )
    {
        fail("CHECK hostile.dying.setup: FAIL %d - %s\n", errno,
             strerror(errno));
        goto out;
    }
    logdirty_guest_mark_random(&lg, 100, 0x9000);
    map = xenforeignmemory_map(fmem, lg.g.domid, PROT_READ, 1, &gfn, &err);
    if ( !map || err )
    {
        fail("CHECK hostile.dying.setup: FAIL map a guest page: %d - %s\n",
             errno, strerror(errno));
        goto out;
    }
    rc = xc_domain_destroy(xch, lg.g.domid);
    lg.alive = false;
    listed = domain_exists(lg.g.domid, &dying);
    check(rc == 0 && listed && dying, "hostile.dying.is-dying",
          "d%u destroy rc=%lld, still listed and dying=%d while dom0 maps "
          "its page", lg.g.domid, rc, dying);

    for ( o = 0; o < 2; o++ )
    {
        unsigned int op = o ? XEN_DOMCTL_SHADOW_OP_CLEAN
                            : XEN_DOMCTL_SHADOW_OP_PEEK;
        bool untouched;

        rc = logdirty_op(lg.g.domid, op, &lg.bm, &st);
        e = rc < 0 ? errno : 0;
        untouched = lg.bm.bits[0] == (unsigned long)0xa5a5a5a5a5a5a5a5ULL;
        written |= !untouched;
        check(rc >= 0 || e == ESRCH || e == EINVAL,
              o ? "hostile.dying.clean" : "hostile.dying.peek",
              "rc=%lld errno=%s bitmap-written=%s", rc, errno_name(e),
              untouched ? "no" : "yes");
    }
    if ( !written )
        printf("NOTE hostile.dying: PEEK and CLEAN on a dying domain "
               "succeed without writing the bitmap or the stats\n");
    rc = xendevicemodel_modified_memory(dmod, lg.g.domid, 1, 1);
    e = rc < 0 ? errno : 0;
    check(true, "hostile.dying.mark", "rc=%lld errno=%s", rc,
          errno_name(e));
    rc = logdirty_simple_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY);
    e = rc < 0 ? errno : 0;
    check(true, "hostile.dying.enable", "rc=%lld errno=%s", rc,
          errno_name(e));

    xenforeignmemory_unmap(fmem, map, 1);
    map = NULL;
    check(domain_gone_within(lg.g.domid, 5), "hostile.dying.reaped",
          "d%u gone after dom0 dropped its mapping", lg.g.domid);
 out:
    if ( map )
        xenforeignmemory_unmap(fmem, map, 1);
    logdirty_guest_teardown(&lg);
    check_normal_round("dying");
}

struct clean_thread {
    pthread_t tid;
    uint32_t domid;
    unsigned long nr_gfns;
    unsigned int rounds;
    unsigned long *reported;     /* union of its successful CLEANs */
    unsigned long ok, busy, other_errors, bits;
    int other_errno, last_errno;
    long long last_rc;
    bool started;
};

static void *clean_thread_main(void *arg)
{
    struct clean_thread *t = arg;
    xc_interface *own = xc_interface_open(quiet_logger, quiet_logger, 0);
    struct dirty_bitmap bm = { 0 };
    xc_shadow_op_stats_t st;
    unsigned int r;
    unsigned long i;

    if ( !own || dirty_bitmap_alloc_with(own, &bm, t->nr_gfns) )
        goto fail;

    for ( r = 0; r < t->rounds; r++ )
    {
        t->last_rc = logdirty_op_with(own, t->domid,
                                      XEN_DOMCTL_SHADOW_OP_CLEAN, &bm, &st);
        t->last_errno = t->last_rc < 0 ? errno : 0;
        if ( t->last_rc >= 0 )
        {
            t->ok++;
            for ( i = 0; i < t->nr_gfns / BITS_PER_LONG; i++ )
            {
                t->bits += __builtin_popcountl(bm.bits[i]);
                t->reported[i] |= bm.bits[i];
            }
        }
        else if ( errno == EBUSY )
            t->busy++;
        else if ( t->other_errors++ == 0 )
            t->other_errno = errno;
    }
    dirty_bitmap_free_with(own, &bm);
    xc_interface_close(own);
    return NULL;

 fail:
    t->other_errors++;
    t->other_errno = errno;
    if ( own )
        xc_interface_close(own);
    return NULL;
}

static void hostile_concurrent_clean(void)
{
    struct clean_thread t[2];
    struct logdirty_guest lg;
    unsigned long words, i, union_bits = 0, lost = 0, extra = 0, twice = 0;
    unsigned int n;

    memset(t, 0, sizeof(t));
    if ( !logdirty_guest_setup_checked(&lg, "hostile.concurrent-clean", 64,
                                       sparse_high, nr_sparse_high, true) )
        return;
    words = lg.nr_gfns / BITS_PER_LONG;
    logdirty_guest_mark_random(&lg, 500, 0xa000);

    watchdog_arm("hostile.concurrent-clean.no-hang", 120);
    for ( n = 0; n < 2; n++ )
    {
        t[n].domid = lg.g.domid;
        t[n].nr_gfns = lg.nr_gfns;
        t[n].rounds = 3;
        t[n].reported = calloc(words, sizeof(unsigned long));
        t[n].started = t[n].reported &&
            !pthread_create(&t[n].tid, NULL, clean_thread_main, &t[n]);
    }
    for ( n = 0; n < 2; n++ )
        if ( t[n].started )
            pthread_join(t[n].tid, NULL);
    watchdog_disarm();
    check(t[0].started && t[1].started, "hostile.concurrent-clean.no-hang",
          "2 threads x 3 CLEANs of %#lx pages returned", lg.nr_gfns);

    for ( i = 0; t[0].reported && t[1].reported && i < words; i++ )
    {
        unsigned long u = t[0].reported[i] | t[1].reported[i];

        union_bits += __builtin_popcountl(u);
        twice += __builtin_popcountl(t[0].reported[i] & t[1].reported[i]);
        lost += __builtin_popcountl(lg.want[i] & ~u);
        extra += __builtin_popcountl(u & ~lg.want[i]);
    }
    check(!lost && !extra && !twice && !t[0].other_errors &&
          !t[1].other_errors, "hostile.concurrent-clean.exactly-once",
          "marked=%lu reported=%lu twice=%lu lost=%lu extra=%lu; "
          "thread0 ok=%lu ebusy=%lu err=%lu(%s); "
          "thread1 ok=%lu ebusy=%lu err=%lu(%s)",
          count_gfns(lg.want, lg.nr_gfns), union_bits, twice, lost, extra,
          t[0].ok, t[0].busy, t[0].other_errors,
          errno_name(t[0].other_errno), t[1].ok, t[1].busy,
          t[1].other_errors, errno_name(t[1].other_errno));
    for ( n = 0; n < 2; n++ )
        free(t[n].reported);

    check_same_guest(&lg, "hostile.concurrent-clean.same-guest", 0xa001);
    logdirty_guest_teardown(&lg);
    check_normal_round("concurrent-clean");
}

/* Free host memory once frees that the RCU callbacks do have settled. */
static unsigned long host_free_pages(void)
{
    xc_physinfo_t info = { 0 };
    unsigned long last = 0, now;
    unsigned int i, stable = 0;

    for ( i = 0; i < 100 && stable < 3; i++ )
    {
        if ( xc_physinfo(xch, &info) )
            return 0;
        now = info.free_pages;
        stable = now == last ? stable + 1 : 0;
        last = now;
        usleep(20000);
    }
    return last;
}

/*
 * One guest destroyed while a CLEAN of it sits preempted (pending) or
 * after the CLEAN returned (control). libxc's calls are synchronous, so
 * the destroy comes from a second thread: it waits until a zero-length
 * PEEK gets EBUSY, which Xen only answers while the first thread's CLEAN
 * is preempted between two continuations, and destroys the guest then.
 */
struct destroy_result {
    bool pending, destroyed, reaped;
    unsigned long probes;
    long long destroy_rc, clean_rc;
    int destroy_errno, clean_errno;
    long leaked_pages;
};

static int destroy_while_cleaning(bool pending, struct destroy_result *res)
{
    struct clean_thread t;
    struct logdirty_guest lg;
    unsigned long free_before;
    double end;

    memset(res, 0, sizeof(*res));
    memset(&t, 0, sizeof(t));
    free_before = host_free_pages();
    if ( logdirty_guest_setup(&lg, 64, sparse_high, nr_sparse_high, true) )
    {
        logdirty_guest_teardown(&lg);
        return -1;
    }
    logdirty_guest_mark_random(&lg, 500, 0xb000);

    t.domid = lg.g.domid;
    t.nr_gfns = lg.nr_gfns;
    t.rounds = 1;
    t.reported = calloc(lg.nr_gfns / BITS_PER_LONG, sizeof(unsigned long));
    if ( !t.reported ||
         pthread_create(&t.tid, NULL, clean_thread_main, &t) )
    {
        free(t.reported);
        logdirty_guest_teardown(&lg);
        return -1;
    }
    if ( pending )
    {
        end = now_seconds() + 10;
        while ( !res->pending && now_seconds() < end )
        {
            res->probes++;
            res->pending = logdirty_simple_op(lg.g.domid,
                               XEN_DOMCTL_SHADOW_OP_PEEK) < 0 &&
                           errno == EBUSY;
        }
    }
    else
        pthread_join(t.tid, NULL);

    res->destroy_rc = xc_domain_destroy(xch, lg.g.domid);
    res->destroy_errno = res->destroy_rc < 0 ? errno : 0;
    lg.alive = false;
    if ( pending )
        pthread_join(t.tid, NULL);
    res->clean_rc = t.last_rc;
    res->clean_errno = t.last_errno;
    res->reaped = domain_gone_within(lg.g.domid, 5);
    free(t.reported);
    logdirty_guest_teardown(&lg);
    res->leaked_pages = (long)free_before - (long)host_free_pages();
    return 0;
}

static void hostile_destroy_during_clean(void)
{
    struct destroy_result control, r;
    unsigned int attempt;
    int rc;

    watchdog_arm("hostile.destroy-during-clean.no-hang", 300);
    rc = destroy_while_cleaning(false, &control);
    /* Catching the CLEAN between two continuations is a matter of luck. */
    for ( attempt = 0; !rc && attempt < 3; attempt++ )
    {
        rc = destroy_while_cleaning(true, &r);
        if ( r.pending )
            break;
    }
    if ( rc )
    {
        watchdog_disarm();
        fail("CHECK hostile.destroy-during-clean.setup: FAIL %d - %s\n",
             errno, strerror(errno));
        return;
    }
    watchdog_disarm();

    check(r.pending, "hostile.destroy-during-clean.pending",
          "CLEAN seen preempted (EBUSY) after %lu probes", r.probes);
    check(r.destroy_rc == 0 && r.reaped,
          "hostile.destroy-during-clean.destroyed",
          "destroy rc=%lld errno=%s, domain gone=%s; the CLEAN returned "
          "rc=%lld errno=%s", r.destroy_rc, errno_name(r.destroy_errno),
          r.reaped ? "yes" : "no", r.clean_rc, errno_name(r.clean_errno));
    /* Pages of the log-dirty trie left behind never come back. */
    check(r.leaked_pages <= control.leaked_pages,
          "hostile.destroy-during-clean.no-leak",
          "host pages lost: %ld (destroyed after the CLEAN: %ld)",
          r.leaked_pages, control.leaked_pages);
    check_normal_round("destroy-during-clean");
}

struct toggle_peeker {
    uint32_t domid;
    volatile bool stop;
    unsigned long calls, ok, busy, other_errors;
    int other_errno;
};

static void *toggle_peeker_main(void *arg)
{
    struct toggle_peeker *p = arg;
    xc_interface *own = xc_interface_open(quiet_logger, quiet_logger, 0);

    if ( !own )
    {
        p->other_errors++;
        p->other_errno = errno;
        return NULL;
    }
    while ( !p->stop )
    {
        unsigned int op = p->calls++ & 1 ? XEN_DOMCTL_SHADOW_OP_CLEAN
                                         : XEN_DOMCTL_SHADOW_OP_PEEK;

        if ( xc_logdirty_control(own, p->domid, op, NULL, 4096, 0,
                                 NULL) >= 0 )
            p->ok++;
        else if ( errno == EBUSY )
            p->busy++;
        else if ( p->other_errors++ == 0 )
            p->other_errno = errno;
    }
    xc_interface_close(own);
    return NULL;
}

/* ENABLE_LOGDIRTY or OFF, retried while another op is pending. */
static int toggle_retrying(uint32_t domid, unsigned int op,
                           unsigned long *busy)
{
    unsigned int tries;

    for ( tries = 0; tries < 1000; tries++ )
    {
        if ( !logdirty_simple_op(domid, op) )
            return 0;
        if ( errno != EBUSY )
            return -1;
        ++*busy;
        usleep(1000);
    }
    return -1;
}

static void hostile_toggle(void)
{
    enum { TOGGLES = 100 };
    struct toggle_peeker peeker = { 0 };
    pthread_t tid;
    struct logdirty_guest lg;
    struct bitmap_diff d;
    unsigned long bad_enable = 0, bad_disable = 0, bad_peek = 0, busy = 0, i;
    int first_errno = 0;
    long long rc, rc2;
    bool threaded, ok;

    if ( !logdirty_guest_setup_checked(&lg, "hostile.toggle", 16, NULL, 0,
                                       false) )
        return;

    for ( i = 0; i < TOGGLES; i++ )
    {
        if ( logdirty_simple_op(lg.g.domid,
                                XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY) )
        {
            bad_enable++;
            first_errno = first_errno ?: errno;
            continue;
        }
        /* Marks made before the last disable must not come back. */
        logdirty_guest_forget_marks(&lg);
        logdirty_guest_mark_random(&lg, 4, 0xc000 + i);
        if ( !(i % 3) && !logdirty_guest_clean_matches(&lg, lg.want, &d) )
            bad_peek++;
        if ( logdirty_simple_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_OFF) )
        {
            bad_disable++;
            first_errno = first_errno ?: errno;
        }
    }
    check(!bad_enable && !bad_disable && !bad_peek, "hostile.toggle.loop",
          "%d enable/disable cycles: enable-failed=%lu disable-failed=%lu "
          "clean-mismatch=%lu errno=%s", TOGGLES, bad_enable, bad_disable,
          bad_peek, errno_name(first_errno));

    rc = logdirty_simple_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY);
    rc2 = logdirty_simple_op(lg.g.domid,
                             XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY);
    check(rc == 0 && rc2 < 0 && errno == EINVAL,
          "hostile.toggle.enable-twice", "first rc=%lld, second rc=%lld "
          "errno=%s (want EINVAL)", rc, rc2,
          errno_name(rc2 < 0 ? errno : 0));
    rc = logdirty_simple_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_OFF);
    rc2 = logdirty_simple_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_OFF);
    check(rc == 0, "hostile.toggle.disable-twice",
          "first rc=%lld, second rc=%lld errno=%s", rc, rc2,
          errno_name(rc2 < 0 ? errno : 0));

    /*
     * The same toggling while another thread runs PEEK and CLEAN: either
     * side may find the other's preempted op pending (EBUSY) and retry.
     */
    peeker.domid = lg.g.domid;
    threaded = !pthread_create(&tid, NULL, toggle_peeker_main, &peeker);
    bad_enable = bad_disable = 0;
    first_errno = 0;
    watchdog_arm("hostile.toggle.concurrent", 120);
    for ( i = 0; i < TOGGLES; i++ )
    {
        if ( toggle_retrying(lg.g.domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY,
                             &busy) )
        {
            bad_enable++;
            first_errno = first_errno ?: errno;
        }
        logdirty_guest_mark_random(&lg, 2, 0xd000 + i);
        if ( toggle_retrying(lg.g.domid, XEN_DOMCTL_SHADOW_OP_OFF, &busy) )
        {
            bad_disable++;
            first_errno = first_errno ?: errno;
        }
    }
    peeker.stop = true;
    if ( threaded )
        pthread_join(tid, NULL);
    watchdog_disarm();
    check(threaded && !bad_enable && !bad_disable && !peeker.other_errors,
          "hostile.toggle.concurrent",
          "%d cycles against %lu PEEK/CLEAN: ok=%lu ebusy=%lu other=%lu(%s); "
          "toggles retried on EBUSY=%lu enable-failed=%lu "
          "disable-failed=%lu errno=%s", TOGGLES, peeker.calls, peeker.ok,
          peeker.busy, peeker.other_errors, errno_name(peeker.other_errno),
          busy, bad_enable, bad_disable, errno_name(first_errno));

    logdirty_simple_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_OFF);
    rc = logdirty_simple_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY);
    logdirty_guest_forget_marks(&lg);
    ok = rc == 0 && logdirty_guest_clean_matches(&lg, lg.want, &d);
    check(ok, "hostile.toggle.fresh-after-enable",
          "enable rc=%lld; first CLEAN holds %lu pages (want 0)", rc,
          d.got);
    check_same_guest(&lg, "hostile.toggle.same-guest", 0xe000);
    logdirty_guest_teardown(&lg);
    check_normal_round("toggle");
}

static void hostile_bad_arguments(void)
{
    struct logdirty_guest lg;
    xc_shadow_op_stats_t st;
    long long rc;
    int e;

    if ( !logdirty_guest_setup_checked(&lg, "hostile.bad-arguments", 16, NULL,
                                       0, true) )
        return;
    memset(lg.bm.bits, 0, XC_PAGE_SIZE);
    rc = xc_logdirty_control(xch, lg.g.domid, XEN_DOMCTL_SHADOW_OP_PEEK,
                             &lg.bm.hbuf, lg.nr_gfns, 0x80, &st);
    e = rc < 0 ? errno : 0;
    check(rc < 0 && e == EINVAL, "hostile.bad-arguments.peek-mode",
          "mode=0x80 rc=%lld errno=%s (want EINVAL)", rc, errno_name(e));

    rc = xendevicemodel_modified_memory(dmod, lg.g.domid, ~0ULL - 1, 4);
    e = rc < 0 ? errno : 0;
    check(rc < 0 && e == EINVAL, "hostile.bad-arguments.mark-wrapping",
          "first_pfn=2^64-2 nr=4 rc=%lld errno=%s (want EINVAL)", rc,
          errno_name(e));

    rc = xendevicemodel_modified_memory(dmod, lg.g.domid, 0, 0);
    e = rc < 0 ? errno : 0;
    check(rc < 0 && e == EINVAL, "hostile.bad-arguments.mark-empty",
          "nr=0 rc=%lld errno=%s (want EINVAL)", rc, errno_name(e));

    check_same_guest(&lg, "hostile.bad-arguments.same-guest", 0xf000);
    logdirty_guest_teardown(&lg);
    check_normal_round("bad-arguments");
}

/*
 * Since 4.22, decrease_reservation() clears the log-dirty bit of each page
 * it frees (paging_mark_pfn_clean()), taking the paging lock (64) under the
 * gfn lock (16), and for a populate-on-demand guest under the pod lock (48)
 * too: an order the checker must accept.  Freeing dirty pages of a guest
 * under log-dirty takes the first path; the host must survive it.
 */
static void hostile_decrease_reservation(void)
{
    xen_pfn_t gfns[] = { 0x21, 0x22, 0x23 };
    xc_shadow_op_stats_t st;
    struct logdirty_guest lg;
    long long rc;

    if ( !logdirty_guest_setup_checked(&lg, "hostile.decrease-reservation",
                                       16, NULL, 0, true) )
        return;

    rc = xendevicemodel_modified_memory(dmod, lg.g.domid, gfns[0],
                                        ARRAY_SIZE(gfns));
    check(rc == 0, "hostile.decrease-reservation.mark", "rc=%lld errno=%s",
          rc, errno_name(rc ? errno : 0));
    rc = xc_domain_decrease_reservation_exact(xch, lg.g.domid,
                                              ARRAY_SIZE(gfns), 0, gfns);
    check(rc == 0, "hostile.decrease-reservation.free-dirty",
          "%zu dirty pages freed under log-dirty: rc=%lld errno=%s",
          ARRAY_SIZE(gfns), rc, errno_name(rc ? errno : 0));
    rc = logdirty_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_CLEAN, &lg.bm, &st);
    check(rc >= 0, "hostile.decrease-reservation.clean", "rc=%lld errno=%s",
          rc, errno_name(rc < 0 ? errno : 0));
    logdirty_guest_teardown(&lg);
    check_normal_round("decrease-reservation");
}

static const struct {
    const char *name;
    void (*run)(void);
} hostile_cases[] = {
    { "bitmap-address", hostile_bitmap_address },
    { "short-bitmap", hostile_short_bitmap },
    { "pages-beyond", hostile_pages_beyond },
    { "no-logdirty", hostile_no_logdirty },
    { "wrong-domain", hostile_wrong_domains },
    { "dying", hostile_dying_domain },
    { "concurrent-clean", hostile_concurrent_clean },
    { "toggle", hostile_toggle },
    { "bad-arguments", hostile_bad_arguments },
    { "decrease-reservation", hostile_decrease_reservation },
    /* Last, as they fail on 4.17 and can stop the host. */
    { "page-count-wrap", hostile_page_count_wrap },
    { "destroy-during-clean", hostile_destroy_during_clean },
};

static bool hostile_skipped[ARRAY_SIZE(hostile_cases)];
static bool hostile_chosen[ARRAY_SIZE(hostile_cases)];
static bool hostile_any_chosen;

static int hostile_case_index(const char *name)
{
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(hostile_cases); i++ )
        if ( !strcmp(name, hostile_cases[i].name) )
            return i;
    return -1;
}

void print_hostile_cases(FILE *f)
{
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(hostile_cases); i++ )
        fprintf(f, "%s%s", i ? " " : "", hostile_cases[i].name);
    fprintf(f, "\n");
}

bool hostile_skip(const char *name)
{
    int i = hostile_case_index(name);

    if ( i < 0 )
        return false;
    hostile_skipped[i] = true;
    return true;
}

bool hostile_choose(const char *name)
{
    int i = hostile_case_index(name);

    if ( i < 0 )
        return false;
    hostile_chosen[i] = hostile_any_chosen = true;
    return true;
}

/* The chosen cases, in the table's order; without any, all unskipped. */
void run_hostile(void)
{
    double t0 = now_seconds();
    unsigned int i;

    printf("hostile: log-dirty inputs a broken or malicious dom0 tool "
           "could send\n");
    for ( i = 0; i < ARRAY_SIZE(hostile_cases); i++ )
    {
        const char *name = hostile_cases[i].name;

        if ( hostile_skipped[i] ||
             (hostile_any_chosen && !hostile_chosen[i]) )
        {
            printf("hostile: %s not run\n", name);
            continue;
        }
        hostile_cases[i].run();
    }
    printf("hostile: done in %.1f s\n", now_seconds() - t0);
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
