/* SPDX-License-Identifier: GPL-2.0-only */
/* What the log-dirty tests share: bitmaps, guests, marking, checks. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "logdirty.h"

unsigned int nr_failures, nr_passes;
xc_interface *xch;
xendevicemodel_handle *dmod;
xenforeignmemory_handle *fmem;
xentoollog_logger *quiet_logger;

bool open_handles(xentoollog_level level)
{
    quiet_logger = (xentoollog_logger *)
        xtl_createlogger_stdiostream(stderr, level, 0);
    xch = xc_interface_open(quiet_logger, quiet_logger, 0);
    dmod = xendevicemodel_open(quiet_logger, 0);
    fmem = xenforeignmemory_open(quiet_logger, 0);
    if ( xch && dmod && fmem )
        return true;
    fail("CHECK open: FAIL xc_interface_open/xendevicemodel_open/"
         "xenforeignmemory_open: %d - %s\n", errno, strerror(errno));
    return false;
}

/*
 * The checker's 'K' key prints its coverage tables (debug builds only) on
 * Xen's console, whose serial log scripts/coverage/report.py reads.  The
 * handler runs within the hypercall; waiting here for the serial line to
 * drain keeps dom0's power-off from cutting the dump short.  Release and
 * pristine builds have no such key, and nothing is printed.
 */
const char *console_ring(void)
{
    /* Twice the ring run-qemu.sh asks Xen for (conring_size=1M). */
    static char ring[(2U << 20) + 1];
    unsigned int size = sizeof(ring) - 1;

    if ( xc_readconsolering(xch, ring, &size, 0, 0, NULL) )
        return NULL;
    ring[size] = '\0';

    return ring;
}

void dump_coverage(void)
{
    const char *ring, *dump;

    if ( xc_send_debug_keys(xch, "K") || !(ring = console_ring()) )
        return;
    dump = strstr(ring, "mm-cover: end ");
    if ( !dump )
        return;
    printf("coverage: %.*s\n", (int)strcspn(dump, "\n"), dump);
    sleep(COVERAGE_DRAIN_SECONDS);
}

int print_result(void)
{
    printf("%u passed, %u failed\n", nr_passes, nr_failures);
    printf("RESULT: %s\n", nr_failures ? "FAIL" : "PASS");
    return !!nr_failures;
}

void check(bool ok, const char *name, const char *fmt, ...)
{
    char details[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(details, sizeof(details), fmt, ap);
    va_end(ap);

    if ( ok )
    {
        nr_passes++;
        printf("CHECK %s: PASS %s\n", name, details);
    }
    else
        fail("CHECK %s: FAIL %s\n", name, details);
}

double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift64*: a fixed seed gives the same page set on every run. */
uint64_t prng_next(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

/* Plain bitmaps over gfns, in the layout Xen uses for the dirty bitmap. */

bool test_gfn(const unsigned long *map, xen_pfn_t gfn)
{
    return map[gfn / BITS_PER_LONG] & (1UL << (gfn % BITS_PER_LONG));
}

void set_gfn(unsigned long *map, xen_pfn_t gfn)
{
    map[gfn / BITS_PER_LONG] |= 1UL << (gfn % BITS_PER_LONG);
}

unsigned long count_gfns(const unsigned long *map, unsigned long nr)
{
    unsigned long i, n = 0;

    for ( i = 0; i < nr / BITS_PER_LONG; i++ )
        n += __builtin_popcountl(map[i]);
    for ( i = nr & ~(BITS_PER_LONG - 1); i < nr; i++ )
        n += test_gfn(map, i);
    return n;
}

void diff_bitmaps(const unsigned long *want, const unsigned long *got,
                  unsigned long nr, struct bitmap_diff *d)
{
    unsigned long i;

    memset(d, 0, sizeof(*d));
    d->first_missing = d->first_extra = ~0UL;
    for ( i = 0; i < nr; i++ )
    {
        bool w, g;

        /* Skip whole words that agree: the sparse bitmaps are mostly 0. */
        if ( !(i % BITS_PER_LONG) && i + BITS_PER_LONG <= nr &&
             want[i / BITS_PER_LONG] == got[i / BITS_PER_LONG] )
        {
            unsigned long n = __builtin_popcountl(want[i / BITS_PER_LONG]);

            d->expected += n;
            d->got += n;
            i += BITS_PER_LONG - 1;
            continue;
        }
        w = test_gfn(want, i);
        g = test_gfn(got, i);
        d->expected += w;
        d->got += g;
        if ( w && !g && d->missing++ == 0 )
            d->first_missing = i;
        if ( g && !w && d->extra++ == 0 )
            d->first_extra = i;
    }
}

bool bitmaps_match(const char *name, const unsigned long *want,
                   const unsigned long *got, unsigned long nr)
{
    struct bitmap_diff d;

    diff_bitmaps(want, got, nr, &d);
    check(!d.missing && !d.extra, name,
          "expected=%lu got=%lu missing=%lu extra=%lu "
          "first_missing=%#lx first_extra=%#lx",
          d.expected, d.got, d.missing, d.extra,
          d.missing ? d.first_missing : 0, d.extra ? d.first_extra : 0);
    return !d.missing && !d.extra;
}

/* Dirty bitmaps handed to Xen live in hypercall buffers. */

void hypercall_buffer_at(xc_hypercall_buffer_t *hb, void *addr)
{
    /* As DECLARE_HYPERCALL_BUFFER() does, but for any address. */
    memset(hb, 0, sizeof(*hb));
    hb->hbuf = addr;
    hb->ubuf = (void *)-1;
}

int dirty_bitmap_alloc_with(xc_interface *h, struct dirty_bitmap *b,
                            unsigned long nr_gfns)
{
    hypercall_buffer_at(&b->hbuf, NULL);
    b->nr_gfns = nr_gfns;
    b->nr_buf_pages = (nr_gfns + BITS_PER_BITMAP_PAGE - 1) /
                      BITS_PER_BITMAP_PAGE;
    b->bits = xc__hypercall_buffer_alloc_pages(h, &b->hbuf,
                                               b->nr_buf_pages);
    return b->bits ? 0 : -1;
}

int dirty_bitmap_alloc(struct dirty_bitmap *b, unsigned long nr_gfns)
{
    return dirty_bitmap_alloc_with(xch, b, nr_gfns);
}

void dirty_bitmap_free_with(xc_interface *h, struct dirty_bitmap *b)
{
    if ( b->bits )
        xc__hypercall_buffer_free_pages(h, &b->hbuf, b->nr_buf_pages);
    b->bits = NULL;
}

void dirty_bitmap_free(struct dirty_bitmap *b)
{
    dirty_bitmap_free_with(xch, b);
}

/*
 * PEEK or CLEAN into b. Poisons the buffer first so that a bitmap Xen did
 * not write shows up as extra pages rather than as a silent pass.
 */
long long logdirty_op_with(xc_interface *h, uint32_t domid,
                           unsigned int op, struct dirty_bitmap *b,
                           xc_shadow_op_stats_t *stats)
{
    memset(b->bits, 0xa5, (size_t)b->nr_buf_pages * XC_PAGE_SIZE);
    memset(stats, 0xff, sizeof(*stats));
    return xc_logdirty_control(h, domid, op, &b->hbuf, b->nr_gfns, 0,
                               stats);
}

long long logdirty_op(uint32_t domid, unsigned int op,
                      struct dirty_bitmap *b,
                      xc_shadow_op_stats_t *stats)
{
    return logdirty_op_with(xch, domid, op, b, stats);
}

long long logdirty_simple_op(uint32_t domid, unsigned int op)
{
    return xc_logdirty_control(xch, domid, op, NULL, 0, 0, NULL);
}

/* Guests */

uint32_t any_domid(void)
{
#ifdef DOMID_ANY
    /* Since Xen 4.22 a domain id of 0 asks for dom0's id, not a free one. */
    return DOMID_ANY;
#else
    return 0;
#endif
}

int guest_create(struct guest *g, unsigned long mib,
                 const xen_pfn_t *high, unsigned int nr_high)
{
    return guest_create_as(g, any_domid(), XEN_DOMCTL_CDF_hap,
                           XEN_X86_EMU_LAPIC, mib, high, nr_high);
}

int guest_create_as(struct guest *g, uint32_t domid, uint32_t paging_flags,
                    uint32_t emulation_flags, unsigned long mib,
                    const xen_pfn_t *high, unsigned int nr_high)
{
    return guest_create_vcpus(g, domid, paging_flags, emulation_flags, 1,
                              mib, high, nr_high);
}

int guest_create_vcpus(struct guest *g, uint32_t domid,
                       uint32_t paging_flags, uint32_t emulation_flags,
                       unsigned int nr_vcpus, unsigned long mib,
                       const xen_pfn_t *high, unsigned int nr_high)
{
    struct xen_domctl_createdomain create = {
        .flags = XEN_DOMCTL_CDF_hvm | paging_flags,
        .max_vcpus = nr_vcpus,
        /* An ioreq server binds an event channel in the guest. */
        .max_evtchn_port = 63,
        .max_grant_frames = 1,
        .grant_opts = XEN_DOMCTL_GRANT_version(1),
        .arch = {
            .emulation_flags = emulation_flags,
        },
    };
    /* Room for the p2m and for the log-dirty trie, which also lives here. */
    uint64_t pool_bytes = (8 + mib / 64) << 20;
    unsigned long nr_super, i;
    xen_pfn_t *extents;
    int rc;

    memset(g, 0, sizeof(*g));
    g->domid = domid;
    g->low_pages = mib * PAGES_PER_MIB;
    g->high = high;
    g->nr_high = nr_high;
    g->max_gfn = nr_high ? high[nr_high - 1] : g->low_pages - 1;

    if ( xc_domain_create(xch, &g->domid, &create) )
        return -1;
    if ( xc_domain_max_vcpus(xch, g->domid, nr_vcpus) ||
         xc_set_paging_mempool_size(xch, g->domid, pool_bytes) ||
         xc_domain_setmaxmem(xch, g->domid, -1) )
        goto fail;

    nr_super = g->low_pages / SUPERPAGE_PAGES;
    extents = calloc(nr_super + 1, sizeof(*extents));
    if ( !extents )
        goto fail;
    for ( i = 0; i < nr_super; i++ )
        extents[i] = i * SUPERPAGE_PAGES;
    rc = xc_domain_populate_physmap_exact(xch, g->domid, nr_super,
                                          SUPERPAGE_ORDER, 0, extents);
    for ( i = nr_super * SUPERPAGE_PAGES; !rc && i < g->low_pages; i++ )
    {
        extents[0] = i;
        rc = xc_domain_populate_physmap_exact(xch, g->domid, 1, 0, 0,
                                              extents);
    }
    free(extents);
    if ( rc )
        goto fail;

    for ( i = 0; i < nr_high; i++ )
    {
        xen_pfn_t gfn = high[i];

        if ( xc_domain_populate_physmap_exact(xch, g->domid, 1, 0, 0, &gfn) )
            goto fail;
    }
    return 0;

 fail:
    rc = errno;
    xc_domain_destroy(xch, g->domid);
    errno = rc;
    return -1;
}

/* Marking pages dirty */

void mark(struct marker *m, xen_pfn_t first, uint32_t nr)
{
    xen_pfn_t gfn;

    m->calls++;
    if ( xendevicemodel_modified_memory(dmod, m->g->domid, first, nr) )
    {
        if ( m->failed_calls++ == 0 )
        {
            m->first_errno = errno;
            m->first_failed_gfn = first;
        }
        return;
    }
    for ( gfn = first; gfn < first + nr; gfn++ )
        set_gfn(m->expected, gfn);
}

/*
 * Sparse pages far above the populated memory: they straddle the points
 * where paging_log_dirty_op() may be preempted, so the bits reported after
 * a continuation are checked too. The last one is the highest gfn.
 */
const xen_pfn_t sparse_high[] = {
    PREEMPT_STRIDE_GFNS - 1,
    PREEMPT_STRIDE_GFNS,
    3 * PREEMPT_STRIDE_GFNS + 5,
    7 * PREEMPT_STRIDE_GFNS + 12345,
    8 * PREEMPT_STRIDE_GFNS - 16,
    8 * PREEMPT_STRIDE_GFNS - 1,
};
const unsigned int nr_sparse_high = ARRAY_SIZE(sparse_high);

/* Guests under log-dirty for the reliability tests */

/*
 * A hostile case that makes a call hang must still end the run with a
 * verdict: the alarm reports the case and exits.
 */
static const char *watchdog_case;

static void watchdog_fired(int sig)
{
    static const char msg[] = ": FAIL hang: no return within the time limit\n"
                              "RESULT: FAIL\n";
    const char *c = watchdog_case ?: "unknown";

    (void)sig;
    if ( write(STDOUT_FILENO, "CHECK ", 6) < 0 ||
         write(STDOUT_FILENO, c, strlen(c)) < 0 ||
         write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0 )
        _exit(2);
    _exit(1);
}

void watchdog_arm(const char *name, unsigned int seconds)
{
    watchdog_case = name;
    signal(SIGALRM, watchdog_fired);
    alarm(seconds);
}

void watchdog_disarm(void)
{
    alarm(0);
    watchdog_case = NULL;
}

int logdirty_guest_setup(struct logdirty_guest *lg, unsigned long mib,
                         const xen_pfn_t *high, unsigned int nr_high,
                         bool enable)
{
    memset(lg, 0, sizeof(*lg));
    if ( guest_create(&lg->g, mib, high, nr_high) )
        return -1;
    return logdirty_guest_adopt(lg, enable);
}

int logdirty_guest_adopt(struct logdirty_guest *lg, bool enable)
{
    lg->alive = true;
    lg->nr_gfns = lg->g.max_gfn + 1;
    lg->want = calloc((lg->nr_gfns + BITS_PER_LONG - 1) / BITS_PER_LONG,
                     sizeof(unsigned long));
    if ( !lg->want || dirty_bitmap_alloc(&lg->bm, lg->nr_gfns) )
    {
        errno = ENOMEM;
        return -1;
    }
    if ( enable &&
         logdirty_simple_op(lg->g.domid,
                            XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY) )
        return -1;
    return 0;
}

bool logdirty_guest_setup_checked(struct logdirty_guest *lg,
                                  const char *check, unsigned long mib,
                                  const xen_pfn_t *high,
                                  unsigned int nr_high, bool enable)
{
    if ( !logdirty_guest_setup(lg, mib, high, nr_high, enable) )
        return true;
    fail("CHECK %s.setup: FAIL %lu MiB guest: %d - %s\n", check, mib, errno,
         strerror(errno));
    logdirty_guest_teardown(lg);
    return false;
}

void logdirty_guest_teardown(struct logdirty_guest *lg)
{
    if ( lg->alive )
        xc_domain_destroy(xch, lg->g.domid);
    lg->alive = false;
    dirty_bitmap_free(&lg->bm);
    free(lg->want);
    lg->want = NULL;
}

void logdirty_guest_forget_marks(struct logdirty_guest *lg)
{
    memset(lg->want, 0, (lg->nr_gfns + BITS_PER_LONG - 1) / BITS_PER_LONG *
                       sizeof(unsigned long));
}

/* Marks n random populated pages below the highest gfn; 0 on success. */
int logdirty_guest_mark_random(struct logdirty_guest *lg, unsigned long n,
                               uint64_t seed)
{
    struct marker m = { .g = &lg->g, .expected = lg->want };
    uint64_t state = (seed + 1) * 0x9e3779b97f4a7c15ULL;
    unsigned long i;

    for ( i = 0; i < n; i++ )
        mark(&m, prng_next(&state) % (lg->g.low_pages - 1), 1);
    for ( i = 0; i + 1 < lg->g.nr_high; i++ )
        mark(&m, lg->g.high[i], 1);
    errno = m.first_errno;
    return m.failed_calls ? -1 : 0;
}

/* CLEAN into the guest's bitmap and compare with want; true if exact. */
bool logdirty_guest_clean_matches(struct logdirty_guest *lg,
                                  const unsigned long *want,
                                  struct bitmap_diff *d)
{
    xc_shadow_op_stats_t st;

    memset(d, 0, sizeof(*d));
    if ( logdirty_op(lg->g.domid, XEN_DOMCTL_SHADOW_OP_CLEAN, &lg->bm,
                     &st) < 0 )
    {
        d->missing = ~0UL;
        return false;
    }
    diff_bitmaps(want, lg->bm.bits, lg->nr_gfns, d);
    return !d->missing && !d->extra;
}

const char *errno_name(int e)
{
    switch ( e )
    {
    case 0: return "0";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case EBUSY: return "EBUSY";
    case ESRCH: return "ESRCH";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOMEM: return "ENOMEM";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ENOENT: return "ENOENT";
    default: return strerror(e);
    }
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
