/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test-logdirty: log-dirty tests run from dom0 against the hypervisor
 * under test (see logdirty.h).
 *
 * Every check prints one line "CHECK <name>: PASS|FAIL <details>"; the run
 * ends with "N passed, M failed" and "RESULT: PASS|FAIL".
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logdirty.h"

/* A log-dirty round */

struct round_spec {
    const char *tag;
    unsigned long mib;           /* populated low memory */
    const xen_pfn_t *high;       /* sparse pages far above it, ascending */
    unsigned int nr_high;
    uint64_t seed;
};

/*
 * The highest gfn is never marked: 4.17's XEN_DMOP_modified_memory rejects
 * an extent ending there (the last-gfn test covers it).
 */
static void mark_page_set(struct marker *m, uint64_t seed)
{
    const struct guest *g = m->g;
    xen_pfn_t last_ok = g->low_pages - 2;
    unsigned long singles = g->low_pages / 64, i;
    uint64_t state = (seed + 1) * 0x9e3779b97f4a7c15ULL;

    if ( singles > 2000 )
        singles = 2000;

    /* Edges: first page, either side of a bitmap leaf, last markable. */
    mark(m, 0, 1);
    if ( last_ok > BITS_PER_BITMAP_PAGE )
        mark(m, BITS_PER_BITMAP_PAGE - 1, 2);
    mark(m, last_ok, 1);

    for ( i = 0; i < singles; i++ )
        mark(m, prng_next(&state) % last_ok, 1);

    /* Short runs, and one long enough to make the DMOP continue. */
    for ( i = 0; i < 32; i++ )
    {
        uint32_t nr = 2 + prng_next(&state) % 15;

        mark(m, prng_next(&state) % (last_ok - nr), nr);
    }
    if ( last_ok > 1000 )
        mark(m, prng_next(&state) % (last_ok - 600), 600);

    /* Marking a page twice must count once. */
    for ( i = 0; i < 64; i++ )
    {
        xen_pfn_t gfn = prng_next(&state) % last_ok;

        if ( test_gfn(m->expected, gfn) )
            mark(m, gfn, 1);
    }

    for ( i = 0; i + 1 < g->nr_high; i++ )
        mark(m, g->high[i], 1);
}

struct busy_prober {
    uint32_t domid;
    volatile bool stop, ready;
    volatile unsigned long calls, busy;
    unsigned long other_errors;
    int other_errno;
};

/*
 * Issues zero-length PEEKs while the main thread runs a long CLEAN. Xen
 * answers EBUSY only while a preempted CLEAN is waiting for its
 * continuation, so a non-zero count proves the preemption happened.
 */
static void *busy_prober_main(void *arg)
{
    struct busy_prober *p = arg;
    xc_interface *own = xc_interface_open(quiet_logger, quiet_logger, 0);

    if ( !own )
    {
        p->other_errors++;
        p->other_errno = errno;
        p->ready = true;
        return NULL;
    }
    while ( !p->stop )
    {
        long long rc = xc_logdirty_control(own, p->domid,
                                           XEN_DOMCTL_SHADOW_OP_PEEK,
                                           NULL, 0, 0, NULL);

        p->ready = true;
        p->calls++;
        if ( rc < 0 && errno == EBUSY )
            p->busy++;
        else if ( rc < 0 && p->other_errors++ == 0 )
            p->other_errno = errno;
    }
    xc_interface_close(own);
    return NULL;
}

static void check_stats(const char *name, const xc_shadow_op_stats_t *st,
                        unsigned long want_dirty)
{
    check(st->dirty_count == want_dirty && st->fault_count == 0, name,
          "dirty_count=%u (want %lu) fault_count=%u (want 0)",
          st->dirty_count, want_dirty, st->fault_count);
}

/*
 * PEEK into bm and compare with want. False, after the failed check, if
 * the PEEK failed; otherwise the bitmap's check is printed and st is Xen's.
 */
static bool peek_matches(const char *name, uint32_t domid,
                         struct dirty_bitmap *bm, const unsigned long *want,
                         xc_shadow_op_stats_t *st)
{
    if ( logdirty_op(domid, XEN_DOMCTL_SHADOW_OP_PEEK, bm, st) < 0 )
    {
        fail("CHECK %s: FAIL PEEK: %d - %s\n", name, errno, strerror(errno));
        return false;
    }
    bitmaps_match(name, want, bm->bits, bm->nr_gfns);
    return true;
}

static void logdirty_round(const struct round_spec *r)
{
    char name[96];
    struct guest g;
    struct dirty_bitmap bm = { 0 };
    unsigned long *expected = NULL, *empty = NULL, nr_gfns, nr_dirty;
    size_t map_bytes;
    struct marker m = { 0 };
    xc_shadow_op_stats_t st;
    struct busy_prober prober = { 0 };
    pthread_t prober_thread;
    bool preemptible;
    unsigned int i, cleans = 1;
    long long rc;
    double t0 = now_seconds();

#define NAME(what) (snprintf(name, sizeof(name), "%s.%s", r->tag, what), name)

    if ( guest_create(&g, r->mib, r->high, r->nr_high) )
    {
        fail("CHECK %s: FAIL %lu MiB guest: %d - %s\n", NAME("create"),
             r->mib, errno, strerror(errno));
        return;
    }
    nr_gfns = g.max_gfn + 1;
    preemptible = nr_gfns > 2 * PREEMPT_STRIDE_GFNS;
    check(true, NAME("create"), "d%u mib=%lu sparse=%u max_gfn=%#lx",
          g.domid, r->mib, r->nr_high, (unsigned long)g.max_gfn);

    map_bytes = (nr_gfns + BITS_PER_LONG - 1) / BITS_PER_LONG *
                sizeof(unsigned long);
    expected = calloc(1, map_bytes);
    empty = calloc(1, map_bytes);
    if ( !expected || !empty || dirty_bitmap_alloc(&bm, nr_gfns) )
    {
        fail("CHECK %s: FAIL no memory for %zu-byte bitmaps\n",
             NAME("bitmaps"), map_bytes);
        goto destroy;
    }

    rc = xc_logdirty_control(xch, g.domid,
                             XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY,
                             NULL, 0, 0, NULL);
    check(rc == 0, NAME("enable"), "rc=%lld errno=%d", rc,
          rc ? errno : 0);
    if ( rc )
        goto destroy;

    peek_matches(NAME("peek-initial"), g.domid, &bm, empty, &st);

    m.g = &g;
    m.expected = expected;
    mark_page_set(&m, r->seed);
    nr_dirty = count_gfns(expected, nr_gfns);
    check(m.failed_calls == 0, NAME("mark"),
          "calls=%lu pages=%lu failed=%lu first_errno=%d first_gfn=%#lx",
          m.calls, nr_dirty, m.failed_calls, m.first_errno,
          (unsigned long)m.first_failed_gfn);

    if ( peek_matches(NAME("peek"), g.domid, &bm, expected, &st) )
        check_stats(NAME("peek-stats"), &st, nr_dirty);
    peek_matches(NAME("peek-again"), g.domid, &bm, expected, &st);

    if ( preemptible )
    {
        prober.domid = g.domid;
        if ( pthread_create(&prober_thread, NULL, busy_prober_main,
                            &prober) )
            preemptible = false;
        /* On a loaded host the prober may take a while to get going. */
        for ( i = 0; preemptible && !prober.ready && i < 1000; i++ )
            usleep(10000);
    }
    rc = logdirty_op(g.domid, XEN_DOMCTL_SHADOW_OP_CLEAN, &bm, &st);
    if ( rc < 0 )
        fail("CHECK %s: FAIL CLEAN: %d - %s\n", NAME("clean"), errno,
             strerror(errno));
    else
    {
        check(rc == (long long)nr_gfns, NAME("clean-pages"),
              "returned=%lld asked=%lu", rc, nr_gfns);
        bitmaps_match(NAME("clean"), expected, bm.bits, nr_gfns);
        check_stats(NAME("clean-stats"), &st, nr_dirty);
    }
    if ( preemptible )
    {
        /*
         * The prober sees only what the scheduler lets it see: more (now
         * empty) CLEANs give it more chances before calling it.  A PV
         * dom0 under QEMU has been seen to need more than five.
         */
        for ( cleans = 1; !prober.busy && cleans < 20; cleans++ )
            logdirty_op(g.domid, XEN_DOMCTL_SHADOW_OP_CLEAN, &bm, &st);
        prober.stop = true;
        pthread_join(prober_thread, NULL);
        check(prober.busy > 0 && prober.other_errors == 0,
              NAME("clean-preempted"),
              "gfns=%#lx cleans=%u concurrent_peeks=%lu ebusy=%lu "
              "other_errors=%lu errno=%d", nr_gfns, cleans, prober.calls,
              prober.busy, prober.other_errors, prober.other_errno);
    }

    if ( peek_matches(NAME("peek-after-clean"), g.domid, &bm, empty, &st) )
        check_stats(NAME("peek-after-clean-stats"), &st, 0);

    rc = xc_logdirty_control(xch, g.domid, XEN_DOMCTL_SHADOW_OP_OFF,
                             NULL, 0, 0, NULL);
    check(rc == 0, NAME("disable"), "rc=%lld errno=%d", rc, rc ? errno : 0);

 destroy:
    rc = xc_domain_destroy(xch, g.domid);
    check(rc == 0, NAME("destroy"), "d%u rc=%lld errno=%d seconds=%.1f",
          g.domid, rc, rc ? errno : 0, now_seconds() - t0);
    dirty_bitmap_free(&bm);
    free(expected);
    free(empty);
#undef NAME
}

static void usage(const char *prog)
{
    fprintf(stderr,
            "Usage: %s [--basic] [--hostile] [--last-gfn] [--soak SECONDS]\n"
            "          [--size MIB] [--rounds N] [--skip CASE] [--case CASE]\n"
            "  --basic         log-dirty rounds over several guest sizes\n"
            "                  (the default when no test is named)\n"
            "  --hostile       bad inputs, each followed by a normal round\n"
            "  --last-gfn      marking the highest gfn, and one past it\n"
            "  --soak SECONDS  marking and CLEAN at once, counting lost bits\n"
            "  --size MIB      memory of the main test guest (default 256)\n"
            "  --rounds N      rounds at that size (default 2)\n"
            "  --skip CASE     leave out a hostile case (repeatable)\n"
            "  --case CASE     run only this hostile case (repeatable; the\n"
            "                  cases run in the table's order)\n"
            "hostile cases: ",
            prog);
    print_hostile_cases(stderr);
    exit(2);
}

static unsigned long parse_number(const char *prog, const char *s,
                                  unsigned long min, unsigned long max)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 0);
    if ( errno || !*s || *end || v < min || v > max )
        usage(prog);
    return v;
}

/*
 * The checker's 'k' debug key must dump every CPU's mm locks, each as
 * "holds no mm locks" or as its list.  Any CPU may hold some while it
 * dumps: the dump reads each CPU's record as it stands, and a dom0 vCPU
 * can be in a hypercall on another CPU.  Xen 4.17 has no such key.
 */
static void check_debug_key(void)
{
    const char *ring = NULL, *dump = NULL, *next;
    xc_physinfo_t info = { 0 };
    char none[48], held[48];
    unsigned int cpu, missing = 0, dumped = 0;
    int rc = xc_physinfo(xch, &info) ?: xc_send_debug_keys(xch, "k");

    if ( !rc && !(ring = console_ring()) )
        rc = -1;
    /* The last dump in the ring is this one. */
    for ( next = ring; !rc && (next = strstr(next, "dumping mm locks held")); )
        dump = next++;
    for ( cpu = 0; dump && cpu < info.nr_cpus; cpu++ )
    {
        snprintf(none, sizeof(none), "CPU%u holds no mm locks", cpu);
        snprintf(held, sizeof(held), "mm locks held on CPU%u,", cpu);
        if ( !strstr(dump, none) && !strstr(dump, held) )
            missing++;
        else
            dumped++;
    }
    if ( rc )
        check(false, "debug-key", "%s", strerror(errno));
    else if ( !dump )
        check(false, "debug-key", "no mm lock dump in Xen's console ring");
    else
        check(dumped && !missing, "debug-key",
              "'k' dumped the mm locks of %u of %u CPUs", dumped,
              info.nr_cpus);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "basic", no_argument, NULL, 'b' },
        { "hostile", no_argument, NULL, 'h' },
        { "last-gfn", no_argument, NULL, 'l' },
        { "soak", required_argument, NULL, 's' },
        { "size", required_argument, NULL, 'm' },
        { "rounds", required_argument, NULL, 'r' },
        { "skip", required_argument, NULL, 'k' },
        { "case", required_argument, NULL, 'c' },
        { NULL, 0, NULL, 0 },
    };
    unsigned long size_mib = 256, rounds = 2, soak_seconds = 0, i;
    bool basic = false, hostile = false, last_gfn = false;
    struct round_spec r;
    char tag[48];
    int c;

    setvbuf(stdout, NULL, _IOLBF, 0);

    while ( (c = getopt_long(argc, argv, "", opts, NULL)) != -1 )
    {
        switch ( c )
        {
        case 'b': basic = true; break;
        case 'h': hostile = true; break;
        case 'l': last_gfn = true; break;
        case 's': soak_seconds = parse_number(argv[0], optarg, 1, 86400);
            break;
        case 'm': size_mib = parse_number(argv[0], optarg, 4, 65536); break;
        case 'r': rounds = parse_number(argv[0], optarg, 1, 1000); break;
        case 'k':
            if ( !hostile_skip(optarg) )
                usage(argv[0]);
            break;
        case 'c':
            if ( !hostile_choose(optarg) )
                usage(argv[0]);
            hostile = true;
            break;
        default: usage(argv[0]);
        }
    }
    if ( optind != argc )
        usage(argv[0]);
    if ( !hostile && !last_gfn && !soak_seconds )
        basic = true;

    printf("test-logdirty:%s%s%s%s guest %lu MiB, %lu rounds\n",
           basic ? " basic" : "", hostile ? " hostile" : "",
           last_gfn ? " last-gfn" : "", soak_seconds ? " soak" : "",
           size_mib, rounds);

    /* Quiet: the hostile cases make libxc report many errors on purpose. */
    if ( !open_handles(XTL_CRITICAL) )
        return print_result();

    if ( basic )
    {
        for ( i = 0; i < rounds; i++ )
        {
            snprintf(tag, sizeof(tag), "basic.r%lu.%luM", i + 1, size_mib);
            r = (struct round_spec){ .tag = tag, .mib = size_mib,
                                     .seed = 0x1000 + i };
            logdirty_round(&r);
        }

        r = (struct round_spec){ .tag = "basic.small.16M", .mib = 16,
                                 .seed = 0x2000 };
        logdirty_round(&r);

        r = (struct round_spec){ .tag = "basic.sparse.512G", .mib = 64,
                                 .high = sparse_high,
                                 .nr_high = nr_sparse_high,
                                 .seed = 0x3000 };
        logdirty_round(&r);

        check_debug_key();
    }
    /* Hostile last: its last case can stop a 4.17 host. */
    if ( last_gfn )
        run_last_gfn();
    if ( soak_seconds )
        run_soak(soak_seconds, size_mib);
    if ( hostile )
        run_hostile();

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
