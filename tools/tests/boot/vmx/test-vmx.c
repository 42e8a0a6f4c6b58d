/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test-vmx: mm-lock flows that only an Intel CPU (VMX with EPT) runs,
 * from dom0, on HVM/HAP guests that are created and never unpaused:
 *   cpu        Xen's boot log shows VMX, HAP on EPT and Page Modification
 *              Logging;
 *   logdirty   log-dirty rounds on EPT guests: PEEK and CLEAN return
 *              exactly the pages marked through the device-model
 *              interface; with --preempt, a CLEAN of a 512 GiB sparse
 *              guest is preempted (a concurrent PEEK gets EBUSY), which
 *              needs a second dom0 vCPU;
 *   altp2m     altp2m in external mode: enable, create a view, set access
 *              in it, set access for several gfns in view 0 and in the
 *              view, remap a gfn in the view, switch views, destroy the
 *              view, disable;
 *   memaccess  mem_access on the host p2m: refused without a vm_event
 *              monitor ring, set and read back with one, refused on a
 *              shadow-paged guest.
 * With --pml, the run ends by pressing the checker's 'K' key (debug
 * builds) and checks that the log-dirty guests' enable and PEEK/CLEAN went
 * through the EPT/PML hooks (ept_enable_hardware_log_dirty,
 * p2m_flush_hardware_cached_dirty): those are installed only when the CPU
 * has PML. Without --pml, 'K' is pressed as by the other clients.
 *
 * Each check prints "CHECK <name>: PASS|FAIL <details> [+S s]", S the
 * seconds since the previous check; each case ends with "TIME <case>".
 *
 * usage: test-vmx [--pml] [--preempt] CASE...
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "logdirty.h"

#define ROUND_MIB       32
#define ROUNDS          2
#define ALTP2M_MIB      16
#define ACCESS_MIB      16
#define SHADOW_MIB      8
#define ALTP2M_GFN      0x10
#define MULTI_GFN       0x20
#define MULTI_NR        4
#define REMAP_OLD       0x30
#define REMAP_NEW       0x31
#define ACCESS_GFN      0x40
#define ACCESS_NR       16
#define SERIAL_DRAIN_SECONDS 3

static double last_check;

/* check() with the seconds since the previous check appended. */
static void vcheck(bool ok, const char *name, const char *fmt, ...)
{
    char details[224];
    double now = now_seconds();
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(details, sizeof(details), fmt, ap);
    va_end(ap);
    check(ok, name, "%s [+%.3f s]", details, now - last_check);
    last_check = now;
}

/* rc as the libraries return it: 0, or -1 with errno. */
static int rc_errno(int rc)
{
    return rc ? -errno : 0;
}

/* A check that a call returned want (0, or minus the errno expected). */
static void check_rc(const char *name, int got, int want, const char *what)
{
    vcheck(got == want, name, "%s: rc=%d (%s), want %d (%s)", what, got,
           errno_name(-got), want, errno_name(-want));
}

/* The boot log: VMX, EPT and PML are there. */
static void case_cpu(void)
{
    static const char *const want[] = {
        "HVM: VMX enabled", "HVM: Hardware Assisted Paging (HAP) detected",
        "Page Modification Logging",
    };
    const char *ring = console_ring();
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(want); i++ )
    {
        char name[48];

        snprintf(name, sizeof(name), "cpu.boot-log-%u", i + 1);
        vcheck(ring && strstr(ring, want[i]), name, "'%s' in Xen's boot log",
               want[i]);
    }
}

/* Log-dirty */

struct busy_prober {
    uint32_t domid;
    volatile bool stop, ready;
    volatile unsigned long calls, busy;
    unsigned long other_errors;
};

/* Zero-length PEEKs: EBUSY only while a CLEAN is preempted. */
static void *busy_prober_main(void *arg)
{
    struct busy_prober *p = arg;
    xc_interface *own = xc_interface_open(quiet_logger, quiet_logger, 0);

    p->ready = true;
    if ( !own )
    {
        p->other_errors++;
        return NULL;
    }
    while ( !p->stop )
    {
        long long rc = xc_logdirty_control(own, p->domid,
                                           XEN_DOMCTL_SHADOW_OP_PEEK,
                                           NULL, 0, 0, NULL);

        p->calls++;
        if ( rc < 0 && errno == EBUSY )
            p->busy++;
        else if ( rc < 0 )
            p->other_errors++;
    }
    xc_interface_close(own);
    return NULL;
}

/*
 * One PEEK or CLEAN, checked as "TAG.WHAT-rc" (a PEEK returns >= 0, a
 * CLEAN every gfn), "TAG.WHAT" (the bitmap is exactly want) and, when
 * nr_dirty is not NO_STATS, "TAG.WHAT-stats" (exact dirty_count, no
 * faults).
 */
#define NO_STATS ULONG_MAX
static void checked_op(struct logdirty_guest *lg, unsigned int op,
                       const char *tag, const char *what,
                       const unsigned long *want, unsigned long nr_dirty)
{
    xc_shadow_op_stats_t st;
    char name[64];
    long long rc = logdirty_op(lg->g.domid, op, &lg->bm, &st);
    bool ok = op == XEN_DOMCTL_SHADOW_OP_CLEAN
              ? rc == (long long)lg->nr_gfns : rc >= 0;

    snprintf(name, sizeof(name), "%s.%s-rc", tag, what);
    vcheck(ok, name, "returned %lld of %lu gfns, errno=%d", rc,
           lg->nr_gfns, rc < 0 ? errno : 0);
    if ( !ok )
        return;
    snprintf(name, sizeof(name), "%s.%s", tag, what);
    bitmaps_match(name, want, lg->bm.bits, lg->nr_gfns);
    if ( nr_dirty == NO_STATS )
        return;
    snprintf(name, sizeof(name), "%s.%s-stats", tag, what);
    vcheck(st.dirty_count == nr_dirty && st.fault_count == 0, name,
           "dirty_count=%u (want %lu) fault_count=%u", st.dirty_count,
           nr_dirty, st.fault_count);
}

/*
 * One guest: enable, an empty PEEK, marks, an exact PEEK and CLEAN with
 * exact statistics, an empty PEEK, disable, destroy. With preempt, a
 * prober runs PEEKs during the CLEANs.
 */
static void logdirty_round(const char *tag, unsigned long mib,
                           const xen_pfn_t *high, unsigned int nr_high,
                           uint64_t seed, bool preempt)
{
    struct logdirty_guest lg;
    struct busy_prober prober = { 0 };
    pthread_t thread;
    xc_shadow_op_stats_t st;
    unsigned long nr_dirty, *empty;
    unsigned int cleans;
    char name[64];

#define NAME(what) (snprintf(name, sizeof(name), "%s.%s", tag, what), name)

    if ( !logdirty_guest_setup_checked(&lg, tag, mib, high, nr_high, true) )
        return;
    vcheck(true, NAME("setup"), "d%u: %lu MiB EPT guest, max_gfn %#lx, "
           "log-dirty on", lg.g.domid, mib, (unsigned long)lg.g.max_gfn);
    empty = calloc((lg.nr_gfns + BITS_PER_LONG - 1) / BITS_PER_LONG,
                   sizeof(*empty));
    if ( !empty )
    {
        vcheck(false, NAME("bitmaps"), "out of memory");
        logdirty_guest_teardown(&lg);
        return;
    }

    checked_op(&lg, XEN_DOMCTL_SHADOW_OP_PEEK, tag, "peek-initial", empty,
               NO_STATS);

    vcheck(!logdirty_guest_mark_random(&lg, 300, seed), NAME("mark"),
           "300 random pages and the sparse ones marked: errno=%d", errno);
    nr_dirty = count_gfns(lg.want, lg.nr_gfns);

    checked_op(&lg, XEN_DOMCTL_SHADOW_OP_PEEK, tag, "peek", lg.want,
               nr_dirty);

    if ( preempt )
    {
        prober.domid = lg.g.domid;
        if ( pthread_create(&thread, NULL, busy_prober_main, &prober) )
            preempt = false;
        while ( preempt && !prober.ready )
            usleep(10000);
    }
    checked_op(&lg, XEN_DOMCTL_SHADOW_OP_CLEAN, tag, "clean", lg.want,
               nr_dirty);
    if ( preempt )
    {
        for ( cleans = 1; !prober.busy && cleans < 20; cleans++ )
            logdirty_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_CLEAN, &lg.bm, &st);
        prober.stop = true;
        pthread_join(thread, NULL);
        vcheck(prober.busy > 0 && prober.other_errors == 0,
               NAME("clean-preempted"), "cleans=%u concurrent_peeks=%lu "
               "ebusy=%lu other_errors=%lu", cleans, prober.calls,
               prober.busy, prober.other_errors);
    }

    checked_op(&lg, XEN_DOMCTL_SHADOW_OP_PEEK, tag, "peek-after-clean",
               empty, NO_STATS);

    check_rc(NAME("disable"),
             rc_errno(logdirty_simple_op(lg.g.domid,
                                         XEN_DOMCTL_SHADOW_OP_OFF)),
             0, "log-dirty off");
    free(empty);
    logdirty_guest_teardown(&lg);
#undef NAME
}

static bool opt_preempt;

static void case_logdirty(void)
{
    char tag[32];
    unsigned int r;

    for ( r = 1; r <= ROUNDS; r++ )
    {
        snprintf(tag, sizeof(tag), "logdirty.r%u.%uM", r, ROUND_MIB);
        logdirty_round(tag, ROUND_MIB, NULL, 0, 0x1000 + r, false);
    }
    logdirty_round("logdirty.sparse.512G", 16, sparse_high, nr_sparse_high,
                   0x3000, opt_preempt);
}

/* altp2m in external mode */

static bool guest_or_fail(struct guest *g, const char *name,
                          uint32_t paging, unsigned long mib)
{
    int rc = guest_create_as(g, any_domid(), paging, XEN_X86_EMU_LAPIC, mib,
                             NULL, 0);

    vcheck(!rc, name, "%lu MiB %s guest: d%u errno=%d", mib,
           paging ? "EPT" : "shadow", rc ? 0 : g->domid, rc ? errno : 0);
    return !rc;
}

static void check_access(const char *name, uint32_t domid, int view,
                         xen_pfn_t gfn, xenmem_access_t want)
{
    xenmem_access_t got = XENMEM_access_default;
    int rc = view < 0 ? xc_get_mem_access(xch, domid, gfn, &got)
                      : xc_altp2m_get_mem_access(xch, domid, view, gfn, &got);

    vcheck(!rc && got == want, name, "gfn %#lx in %s: rc=%d errno=%d "
           "access=%d (want %d)", (unsigned long)gfn,
           view < 0 ? "the host p2m" : view ? "the view" : "view 0", rc,
           rc ? errno : 0, got, want);
}

static void case_altp2m(void)
{
    uint8_t access[MULTI_NR] = {
        XENMEM_access_r, XENMEM_access_rw, XENMEM_access_rx,
        XENMEM_access_n,
    };
    uint64_t gfns[MULTI_NR];
    struct guest g;
    uint16_t view = 0, idx = 0xffff;
    bool state = false;
    unsigned int i;
    char name[48];
    int rc;

    if ( !guest_or_fail(&g, "altp2m.setup", XEN_DOMCTL_CDF_hap, ALTP2M_MIB) )
        return;
    for ( i = 0; i < MULTI_NR; i++ )
        gfns[i] = MULTI_GFN + i;

    check_rc("altp2m.param",
             rc_errno(xc_hvm_param_set(xch, g.domid, HVM_PARAM_ALTP2M,
                                       XEN_ALTP2M_external)),
             0, "HVM_PARAM_ALTP2M = XEN_ALTP2M_external");
    check_rc("altp2m.enable",
             rc_errno(xc_altp2m_set_domain_state(xch, g.domid, true)), 0,
             "xc_altp2m_set_domain_state(on)");
    rc = xc_altp2m_get_domain_state(xch, g.domid, &state);
    vcheck(!rc && state, "altp2m.state-on", "rc=%d state=%d", rc, state);

    rc = rc_errno(xc_altp2m_create_view(xch, g.domid, XENMEM_access_rwx,
                                        &view));
    check_rc("altp2m.create-view", rc, 0, "xc_altp2m_create_view(rwx)");
    vcheck(!rc && view > 0, "altp2m.view-id", "view %u", view);
    if ( rc || !view )
        goto disable;

    check_rc("altp2m.set-access",
             rc_errno(xc_altp2m_set_mem_access(xch, g.domid, view,
                                               ALTP2M_GFN, XENMEM_access_r)),
             0, "xc_altp2m_set_mem_access(view, r)");
    check_access("altp2m.get-access", g.domid, view, ALTP2M_GFN,
                 XENMEM_access_r);
    check_access("altp2m.host-untouched", g.domid, 0, ALTP2M_GFN,
                 XENMEM_access_rwx);

    check_rc("altp2m.multi-view0",
             rc_errno(xc_altp2m_set_mem_access_multi(xch, g.domid, 0, access,
                                                     gfns, MULTI_NR)),
             0, "xc_altp2m_set_mem_access_multi(view 0)");
    for ( i = 0; i < MULTI_NR; i++ )
    {
        snprintf(name, sizeof(name), "altp2m.multi-view0-get-%u", i);
        check_access(name, g.domid, 0, gfns[i], access[i]);
    }
    for ( i = 0; i < MULTI_NR; i++ )
        access[i] = XENMEM_access_rx;
    check_rc("altp2m.multi-view",
             rc_errno(xc_altp2m_set_mem_access_multi(xch, g.domid, view,
                                                     access, gfns,
                                                     MULTI_NR)),
             0, "xc_altp2m_set_mem_access_multi(view)");
    for ( i = 0; i < MULTI_NR; i++ )
    {
        snprintf(name, sizeof(name), "altp2m.multi-view-get-%u", i);
        check_access(name, g.domid, view, gfns[i], XENMEM_access_rx);
    }

    check_rc("altp2m.change-gfn",
             rc_errno(xc_altp2m_change_gfn(xch, g.domid, view, REMAP_OLD,
                                           REMAP_NEW)),
             0, "xc_altp2m_change_gfn(view, 0x30 -> 0x31)");
    check_rc("altp2m.change-gfn-reset",
             rc_errno(xc_altp2m_change_gfn(xch, g.domid, view, REMAP_OLD,
                                           ~0UL)),
             0, "xc_altp2m_change_gfn(view, 0x30 -> INVALID_GFN)");

    check_rc("altp2m.switch",
             rc_errno(xc_altp2m_switch_to_view(xch, g.domid, view)), 0,
             "xc_altp2m_switch_to_view(view)");
    rc = xc_altp2m_get_vcpu_p2m_idx(xch, g.domid, 0, &idx);
    vcheck(!rc && idx == view, "altp2m.vcpu-view", "rc=%d vCPU0 in view %u "
           "(want %u)", rc, idx, view);
    check_rc("altp2m.destroy-active",
             rc_errno(xc_altp2m_destroy_view(xch, g.domid, view)), -EBUSY,
             "xc_altp2m_destroy_view of the view in use");
    check_rc("altp2m.switch-back",
             rc_errno(xc_altp2m_switch_to_view(xch, g.domid, 0)), 0,
             "xc_altp2m_switch_to_view(0)");
    check_rc("altp2m.destroy",
             rc_errno(xc_altp2m_destroy_view(xch, g.domid, view)), 0,
             "xc_altp2m_destroy_view(view)");

 disable:
    check_rc("altp2m.disable",
             rc_errno(xc_altp2m_set_domain_state(xch, g.domid, false)), 0,
             "xc_altp2m_set_domain_state(off)");
    rc = xc_altp2m_get_domain_state(xch, g.domid, &state);
    vcheck(!rc && !state, "altp2m.state-off", "rc=%d state=%d", rc, state);
    check_rc("altp2m.create-after-disable",
             rc_errno(xc_altp2m_create_view(xch, g.domid, XENMEM_access_rwx,
                                            &view)),
             -EOPNOTSUPP, "xc_altp2m_create_view with altp2m off");
    check_rc("altp2m.destroy-guest",
             rc_errno(xc_domain_destroy(xch, g.domid)), 0,
             "xc_domain_destroy");
}

/* mem_access on the host p2m */

static void case_memaccess(void)
{
    uint8_t access[4] = {
        XENMEM_access_n, XENMEM_access_x, XENMEM_access_rw,
        XENMEM_access_rx2rw,
    };
    uint64_t pages[4] = { 0x60, 0x61, 0x62, 0x63 };
    struct guest g, sg;
    uint32_t port = 0, caps = 0;
    xenmem_access_t got;
    void *ring;
    unsigned int i;
    char name[48];
    int rc;

    if ( !guest_or_fail(&g, "memaccess.setup", XEN_DOMCTL_CDF_hap,
                        ACCESS_MIB) )
        return;

    /* Xen 4.17 refuses mem_access on the host p2m without a ring. */
    check_rc("memaccess.set-no-ring",
             rc_errno(xc_set_mem_access(xch, g.domid, XENMEM_access_r,
                                        ACCESS_GFN, ACCESS_NR)),
             -ENODEV, "xc_set_mem_access(r) before xc_monitor_enable");

    /* The ring's page, outside the guest's memory, populated by libxc. */
    check_rc("memaccess.ring-param",
             rc_errno(xc_hvm_param_set(xch, g.domid,
                                       HVM_PARAM_MONITOR_RING_PFN,
                                       g.low_pages + 16)),
             0, "HVM_PARAM_MONITOR_RING_PFN");
    ring = xc_monitor_enable(xch, g.domid, &port);
    vcheck(ring, "memaccess.monitor-enable", "xc_monitor_enable: %s, "
           "port %u", ring ? "ring mapped" : strerror(errno), port);
    rc = xc_monitor_get_capabilities(xch, g.domid, &caps);
    vcheck(!rc && caps, "memaccess.monitor-caps", "rc=%d capabilities=%#x",
           rc, caps);

    check_rc("memaccess.set",
             rc_errno(xc_set_mem_access(xch, g.domid, XENMEM_access_r,
                                        ACCESS_GFN, ACCESS_NR)),
             0, "xc_set_mem_access(r, 16 gfns)");
    check_access("memaccess.get-first", g.domid, -1, ACCESS_GFN,
                 XENMEM_access_r);
    check_access("memaccess.get-last", g.domid, -1,
                 ACCESS_GFN + ACCESS_NR - 1, XENMEM_access_r);
    check_access("memaccess.get-next", g.domid, -1, ACCESS_GFN + ACCESS_NR,
                 XENMEM_access_rwx);
    check_rc("memaccess.multi",
             rc_errno(xc_set_mem_access_multi(xch, g.domid, access, pages,
                                              ARRAY_SIZE(pages))),
             0, "xc_set_mem_access_multi(n, x, rw, rx2rw)");
    for ( i = 0; i < ARRAY_SIZE(pages); i++ )
    {
        snprintf(name, sizeof(name), "memaccess.multi-get-%u", i);
        check_access(name, g.domid, -1, pages[i], access[i]);
    }
    check_rc("memaccess.bad-access",
             rc_errno(xc_set_mem_access(xch, g.domid, 100, ACCESS_GFN, 1)),
             -EINVAL, "xc_set_mem_access(access 100)");
    check_rc("memaccess.reset",
             rc_errno(xc_set_mem_access(xch, g.domid, XENMEM_access_rwx, 0,
                                        g.low_pages)),
             0, "xc_set_mem_access(rwx, every gfn)");
    check_access("memaccess.get-after-reset", g.domid, -1, pages[0],
                 XENMEM_access_rwx);
    if ( ring )
    {
        check_rc("memaccess.monitor-disable",
                 rc_errno(xc_monitor_disable(xch, g.domid)), 0,
                 "xc_monitor_disable");
        munmap(ring, XC_PAGE_SIZE);
    }
    check_rc("memaccess.get-no-ring",
             rc_errno(xc_get_mem_access(xch, g.domid, ACCESS_GFN,
                                        &got)),
             -ENODEV, "xc_get_mem_access after xc_monitor_disable");
    check_rc("memaccess.destroy-guest",
             rc_errno(xc_domain_destroy(xch, g.domid)), 0,
             "xc_domain_destroy");

    if ( !guest_or_fail(&sg, "memaccess.shadow-setup", 0, SHADOW_MIB) )
        return;
    check_rc("memaccess.shadow-refused",
             rc_errno(xc_set_mem_access(xch, sg.domid, XENMEM_access_r,
                                        ACCESS_GFN, 1)),
             -EINVAL, "xc_set_mem_access on a shadow-paged guest");
    xc_domain_destroy(xch, sg.domid);
}

/*
 * The 'K' key's tables must show the EPT/PML hooks of log-dirty: enabling
 * (ept_enable_hardware_log_dirty, which calls vmx_domain_enable_pml) and
 * the flush of the PML buffers before PEEK/CLEAN
 * (p2m_flush_hardware_cached_dirty).
 */
static void check_pml_coverage(void)
{
    static const char *const want[] = {
        "mm-cover: site ept_enable_hardware_log_dirty ",
        "mm-cover: site p2m_flush_hardware_cached_dirty ",
    };
    const char *ring = NULL, *dump = NULL;
    unsigned int i;

    if ( !xc_send_debug_keys(xch, "K") )
        ring = console_ring();
    if ( ring )
    {
        const char *p = ring;

        /* The last dump: each one holds everything since boot. */
        while ( (p = strstr(p, "pressed -> mm lock coverage")) )
            dump = p++;
    }
    for ( i = 0; i < ARRAY_SIZE(want); i++ )
    {
        const char *site = dump ? strstr(dump, want[i]) : NULL;
        char name[32];

        snprintf(name, sizeof(name), "pml.coverage-%u", i + 1);
        vcheck(site, name, "%.*s", site ? (int)strcspn(site, "\n") : 40,
               site ?: dump ? "site not in the 'K' dump"
                            : "no 'K' coverage dump in the console ring");
    }
    if ( dump && (dump = strstr(dump, "mm-cover: end ")) )
        printf("coverage: %.*s\n", (int)strcspn(dump, "\n"), dump);
    sleep(COVERAGE_DRAIN_SECONDS);
}

static const struct {
    const char *name;
    void (*run)(void);
} cases[] = {
    { "cpu", case_cpu },
    { "logdirty", case_logdirty },
    { "altp2m", case_altp2m },
    { "memaccess", case_memaccess },
};

int main(int argc, char **argv)
{
    bool pml = false;
    int i, first = 1, rc;
    unsigned int c;
    double t0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    for ( ; first < argc && argv[first][0] == '-'; first++ )
    {
        if ( !strcmp(argv[first], "--pml") )
            pml = true;
        else if ( !strcmp(argv[first], "--preempt") )
            opt_preempt = true;
        else
            break;
    }
    for ( i = first; i < argc; i++ )
    {
        for ( c = 0; c < ARRAY_SIZE(cases); c++ )
            if ( !strcmp(argv[i], cases[c].name) )
                break;
        if ( c == ARRAY_SIZE(cases) )
            break;
    }
    if ( first == argc || i < argc )
    {
        fprintf(stderr, "usage: test-vmx [--pml] [--preempt] "
                "cpu|logdirty|altp2m|memaccess...\n");
        return 2;
    }

    if ( !open_handles(XTL_CRITICAL) )
        return print_result();

    last_check = now_seconds();
    for ( i = first; i < argc; i++ )
        for ( c = 0; c < ARRAY_SIZE(cases); c++ )
            if ( !strcmp(argv[i], cases[c].name) )
            {
                printf("== %s\n", cases[c].name);
                t0 = now_seconds();
                cases[c].run();
                printf("TIME %s: %.1f s (dom0's clock)\n", cases[c].name,
                       now_seconds() - t0);
            }

    if ( pml )
        check_pml_coverage();
    else
        dump_coverage();
    rc = print_result();
    /*
     * Bochs's serial line drains at 115200 baud of emulated time, and a
     * dom0 power-off does not wait for Xen's transmit buffer: without
     * this the verdict can be lost.
     */
    sleep(SERIAL_DRAIN_SECONDS);
    return rc;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
