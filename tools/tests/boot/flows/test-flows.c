/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test-flows: mm-lock flows beyond the log-dirty rounds, from dom0.
 *
 * Each case drives one family of lock nestings that the other boot tests
 * do not reach, and checks what Xen answers:
 *   shadow   a shadow-paged HVM guest (no CDF_hap) under log-dirty: CLEAN
 *            returns exactly the pages marked through the device-model
 *            interface, over two rounds (paging lock, the shadow p2m
 *            and its page allocations);
 *   vram     XEN_DMOP_track_dirty_vram from dom0 on a shadow guest (the
 *            target's p2m, then paging, then the copy into dom0's p2m)
 *            and on a HAP guest (range type changes under the p2m lock);
 *   pod      populate-on-demand: a HAP guest whose memory is all PoD
 *            entries, with a target below its size; dom0 maps PoD gfns
 *            (populating them on demand: p2m, pod, page_alloc), the
 *            target shrinks and grows, decrease_reservation runs on a
 *            mix of populated and PoD gfns, and a log-dirty round runs;
 *   foreign  foreign mapping of a guest's pages by one thread while
 *            another runs CLEAN on it, then an exact CLEAN;
 *   ioreq    an ioreq server that claims HVMMEM_ioreq_server, and
 *            set_mem_type to that type and back;
 *   grant    a guest page granted to dom0: dom0 maps the grant (into its
 *            own p2m when it is PVH), writes through it, and grant-copies
 *            from and to it; a copy with an unused ref must fail cleanly;
 *   smp      a HAP guest with two vCPUs (guest/dirty-guest.c) that dirty
 *            memory while dom0 runs log-dirty rounds on it, paused and
 *            running: no page written is missing from CLEAN's bitmap.
 *
 * usage: test-flows [--guest ELF] CASE...
 *        (CASE: shadow | vram | pod | foreign | ioreq | grant | smp;
 *        ELF: the smp case's guest, /usr/lib/boot-test/dirty-guest)
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* First: xenctrl.h defines __XEN_TOOLS__ for the public headers. */
#include "logdirty.h"

#include <xengnttab.h>

#define SHADOW_MIB          16
#define VRAM_FIRST          0x100
#define VRAM_NR             64
#define VRAM_HOLE_FIRST     0x110
#define VRAM_HOLE_NR        8
#define POD_MIB             32
#define POD_TARGET_MIB      16
#define POD_MAPPED          64
#define FOREIGN_MIB         16
#define FOREIGN_SECONDS     5
#define GRANT_MIB           4
#define GRANT_GFN           0x123
/* The first reference past the reserved ones, and one nobody uses. */
#define GRANT_REF           GNTTAB_NR_RESERVED_ENTRIES
#define GRANT_UNUSED_REF    (GRANT_REF + 1)
#define SMP_GUEST_DEFAULT   "/usr/lib/boot-test/dirty-guest"
#define SMP_MIB             8
#define SMP_VCPUS           2
/* The area the vCPUs dirty: the top half of memory, one part a vCPU. */
#define SMP_AREA_GFN        0x400
#define SMP_AREA_PAGES      1024
#define SMP_PART_PAGES      (SMP_AREA_PAGES / SMP_VCPUS)
#define SMP_TAG             0xd1e70000U
#define SMP_START_SECONDS   20
#define SMP_ROUNDS          3
#define SMP_RUN_US          700000
/* How long a round may wait for both vCPUs to write after SMP_RUN_US. */
#define SMP_WAIT_SECONDS    10
#define SMP_RUNNING_OPS     4
#define SMP_RUNNING_US      200000

static const char *smp_guest_path = SMP_GUEST_DEFAULT;

/* A CLEAN whose bitmap is not looked at; <0 on error. */
static long long clean(struct logdirty_guest *lg)
{
    xc_shadow_op_stats_t st;

    return logdirty_op(lg->g.domid, XEN_DOMCTL_SHADOW_OP_CLEAN, &lg->bm, &st);
}

static uint32_t hvm_emulation(void)
{
    return XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI;
}

/* Marks n random pages, CLEANs, and checks that CLEAN saw exactly them. */
static void logdirty_rounds(struct logdirty_guest *lg, const char *tag,
                            unsigned int rounds)
{
    char name[64];
    unsigned int r;

    for ( r = 1; r <= rounds; r++ )
    {
        struct bitmap_diff d;
        bool ok;

        logdirty_guest_forget_marks(lg);
        snprintf(name, sizeof(name), "%s.round%u.mark", tag, r);
        check(!logdirty_guest_mark_random(lg, 200, r), name,
              "200 random pages marked through XEN_DMOP_modified_memory");
        ok = logdirty_guest_clean_matches(lg, lg->want, &d);
        snprintf(name, sizeof(name), "%s.round%u.clean", tag, r);
        check(ok, name, "expected %lu dirty, got %lu (missing %lu, extra %lu)",
              d.expected, d.got, d.missing, d.extra);
    }
}

/* The paging pool through the shadow-op interface, as old toolstacks do. */
static void grow_allocation(const char *name, uint32_t domid)
{
    unsigned int mb = 0, was;
    int rc = xc_shadow_control(xch, domid,
                               XEN_DOMCTL_SHADOW_OP_GET_ALLOCATION, &mb, 0);

    was = mb;
    mb += 1;
    rc = rc ?: xc_shadow_control(xch, domid,
                                 XEN_DOMCTL_SHADOW_OP_SET_ALLOCATION, &mb, 0);
    check(rc == 0 && mb == was + 1, name, "paging pool %u MiB -> %u MiB: "
          "rc=%d errno=%d", was, mb, rc, rc ? errno : 0);
}

static void case_shadow(void)
{
    struct logdirty_guest lg;

    memset(&lg, 0, sizeof(lg));
    if ( guest_create_as(&lg.g, any_domid(), 0, hvm_emulation(), SHADOW_MIB,
                         NULL, 0) ||
         logdirty_guest_adopt(&lg, true) )
    {
        check(false, "shadow.setup", "%u MiB shadow HVM guest: %s",
              SHADOW_MIB, strerror(errno));
        logdirty_guest_teardown(&lg);
        return;
    }
    check(true, "shadow.setup", "d%u: %u MiB shadow-paged HVM guest under "
          "log-dirty", lg.g.domid, SHADOW_MIB);
    /* The first CLEAN after enabling reports every page: start from it. */
    clean(&lg);
    logdirty_rounds(&lg, "shadow", 2);
    grow_allocation("shadow.allocation", lg.g.domid);
    check(logdirty_simple_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_OFF) == 0,
          "shadow.logdirty-off", "log-dirty disabled: errno=%d", errno);
    logdirty_guest_teardown(&lg);
}

static void vram_calls(const char *tag, uint32_t domid, int want_first,
                       const unsigned char *want_second)
{
    unsigned long bits[(VRAM_NR + BITS_PER_LONG - 1) / BITS_PER_LONG];
    char name[64];
    int rc;

    memset(bits, 0xa5, sizeof(bits));
    rc = xendevicemodel_track_dirty_vram(dmod, domid, VRAM_FIRST, VRAM_NR,
                                         bits);
    snprintf(name, sizeof(name), "%s.start", tag);
    check(rc == want_first || (want_first < 0 && rc == -1 &&
                               errno == -want_first),
          name, "first call: rc=%d errno=%d (want %d)", rc,
          rc ? errno : 0, want_first);

    memset(bits, 0xa5, sizeof(bits));
    rc = xendevicemodel_track_dirty_vram(dmod, domid, VRAM_FIRST, VRAM_NR,
                                         bits);
    snprintf(name, sizeof(name), "%s.bitmap", tag);
    check(rc == 0 && !memcmp(bits, want_second, VRAM_NR / 8), name,
          "second call: rc=%d errno=%d, bitmap %s", rc, rc ? errno : 0,
          rc ? "not written" :
          !memcmp(bits, want_second, VRAM_NR / 8) ? "as expected" :
                                                     "differs");

    rc = xendevicemodel_track_dirty_vram(dmod, domid, 0, 0, bits);
    snprintf(name, sizeof(name), "%s.stop", tag);
    check(rc == 0, name, "nr=0 stops tracking: rc=%d errno=%d", rc,
          rc ? errno : 0);
}

static void case_vram(void)
{
    xen_pfn_t frames[2 * VRAM_FIRST];
    unsigned char hole[VRAM_NR / 8] = { 0 }, none[VRAM_NR / 8] = { 0 };
    unsigned int i, n = 0;
    struct guest g;

    /* Shadow: frames below 2 * VRAM_FIRST but a hole in the VRAM range. */
    for ( i = 0; i < ARRAY_SIZE(frames); i++ )
        if ( i < VRAM_HOLE_FIRST || i >= VRAM_HOLE_FIRST + VRAM_HOLE_NR )
            frames[n++] = i;
    for ( i = VRAM_HOLE_FIRST - VRAM_FIRST;
          i < VRAM_HOLE_FIRST - VRAM_FIRST + VRAM_HOLE_NR; i++ )
        hole[i / 8] |= 1 << (i % 8);
    if ( guest_create_as(&g, any_domid(), 0, hvm_emulation(), 0, frames,
                         n) )
        check(false, "vram.shadow.setup", "shadow guest: %s",
              strerror(errno));
    else
    {
        vram_calls("vram.shadow", g.domid, -ENODATA, hole);
        xc_domain_destroy(xch, g.domid);
    }

    /* HAP: the first call reports every frame, the second none. */
    if ( guest_create(&g, 4, NULL, 0) )
        check(false, "vram.hap.setup", "HAP guest: %s", strerror(errno));
    else
    {
        vram_calls("vram.hap", g.domid, 0, none);
        grow_allocation("vram.hap.allocation", g.domid);
        xc_domain_destroy(xch, g.domid);
    }
}

static void *map_gfns(uint32_t domid, const xen_pfn_t *gfns, unsigned int n,
                      int *errs)
{
    return xenforeignmemory_map(fmem, domid, PROT_READ | PROT_WRITE, n, gfns,
                                errs);
}

static void pod_counts(const char *name, uint32_t domid, uint64_t *tot,
                       uint64_t *cache, uint64_t *entries)
{
    int rc = xc_domain_get_pod_target(xch, domid, tot, cache, entries);

    check(rc == 0, name, "tot_pages=%lu pod_cache=%lu pod_entries=%lu",
          (unsigned long)*tot, (unsigned long)*cache,
          (unsigned long)*entries);
}

static void case_pod(void)
{
    struct xen_domctl_createdomain create = {
        .flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap,
        .max_vcpus = 1,
        .max_grant_frames = 1,
        .grant_opts = XEN_DOMCTL_GRANT_version(1),
        .arch = { .emulation_flags = hvm_emulation() },
    };
    unsigned long nr = POD_MIB * PAGES_PER_MIB, i;
    uint64_t tot, cache, entries, before, before_entries;
    xen_pfn_t *extents, mapped[POD_MAPPED], dropped[4];
    int errs[POD_MAPPED];
    uint32_t domid = any_domid();
    unsigned char *p;
    struct logdirty_guest lg;
    bool zero = true;
    int rc;

    if ( xc_domain_create(xch, &domid, &create) ||
         xc_domain_max_vcpus(xch, domid, 1) ||
         xc_set_paging_mempool_size(xch, domid, 16 << 20) ||
         xc_domain_setmaxmem(xch, domid, -1) )
    {
        check(false, "pod.create", "HVM guest: %s", strerror(errno));
        return;
    }

    /* Every gfn a PoD entry, in 2 MiB extents, as libxenguest does. */
    extents = calloc(nr / SUPERPAGE_PAGES, sizeof(*extents));
    for ( i = 0; extents && i < nr / SUPERPAGE_PAGES; i++ )
        extents[i] = i * SUPERPAGE_PAGES;
    rc = extents ? xc_domain_populate_physmap_exact(
                       xch, domid, nr / SUPERPAGE_PAGES, SUPERPAGE_ORDER,
                       XENMEMF_populate_on_demand, extents) : -1;
    free(extents);
    check(rc == 0, "pod.populate", "d%u: %lu gfns as PoD entries: %s",
          domid, nr, rc ? strerror(errno) : "ok");
    if ( rc )
        goto out;

    rc = xc_domain_set_pod_target(xch, domid, POD_TARGET_MIB * PAGES_PER_MIB,
                                  &tot, &cache, &entries);
    check(rc == 0 && cache > 0, "pod.target", "target %u MiB: rc=%d "
          "tot_pages=%lu pod_cache=%lu pod_entries=%lu", POD_TARGET_MIB, rc,
          (unsigned long)tot, (unsigned long)cache, (unsigned long)entries);
    if ( rc )
        goto out;

    /* dom0 maps PoD gfns, which populates them from the cache. */
    for ( i = 0; i < POD_MAPPED; i++ )
        mapped[i] = 3 * SUPERPAGE_PAGES + 7 * i;
    p = map_gfns(domid, mapped, POD_MAPPED, errs);
    for ( i = 0; p && i < POD_MAPPED; i++ )
    {
        unsigned long w;

        if ( errs[i] )
            break;
        for ( w = 0; w < XC_PAGE_SIZE; w++ )
            zero &= !p[i * XC_PAGE_SIZE + w];
        p[i * XC_PAGE_SIZE] = 0x5a;
    }
    check(p && i == POD_MAPPED && zero, "pod.map", "%lu of %u PoD gfns "
          "mapped by dom0 and populated with zeroed pages%s", i, POD_MAPPED,
          p ? "" : " (map failed)");
    if ( p )
        xenforeignmemory_unmap(fmem, p, POD_MAPPED);
    pod_counts("pod.after-map", domid, &tot, &cache, &entries);

    /* Below tot_pages Xen keeps the cache and leaves it to the balloon. */
    before = cache;
    rc = xc_domain_set_pod_target(xch, domid,
                                  POD_TARGET_MIB / 2 * PAGES_PER_MIB,
                                  &tot, &cache, &entries);
    check(rc == 0 && cache == before, "pod.shrink", "target %u MiB: rc=%d "
          "tot_pages=%lu pod_cache=%lu (want the cache kept: %lu)",
          POD_TARGET_MIB / 2, rc, (unsigned long)tot, (unsigned long)cache,
          (unsigned long)before);
    rc = xc_domain_set_pod_target(xch, domid,
                                  (POD_TARGET_MIB + 8) * PAGES_PER_MIB,
                                  &tot, &cache, &entries);
    check(rc == 0 && cache == before + 8 * PAGES_PER_MIB, "pod.grow",
          "target %u MiB: rc=%d tot_pages=%lu pod_cache=%lu (want %lu)",
          POD_TARGET_MIB + 8, rc, (unsigned long)tot, (unsigned long)cache,
          (unsigned long)(before + 8 * PAGES_PER_MIB));

    /* Two populated (mapped above) and two PoD gfns. */
    before = cache;
    before_entries = entries;
    dropped[0] = mapped[0];
    dropped[1] = mapped[1];
    dropped[2] = 9 * SUPERPAGE_PAGES + 1;
    dropped[3] = 9 * SUPERPAGE_PAGES + 2;
    rc = xc_domain_decrease_reservation_exact(xch, domid, 4, 0, dropped);
    rc = rc ?: xc_domain_get_pod_target(xch, domid, &tot, &cache, &entries);
    check(rc == 0 && entries == before_entries - 2 && cache == before + 2,
          "pod.decrease", "2 populated and 2 PoD gfns released: rc=%d "
          "errno=%d; pod_entries %lu -> %lu, the populated pages back in the "
          "cache %lu -> %lu", rc, rc ? errno : 0,
          (unsigned long)before_entries, (unsigned long)entries,
          (unsigned long)before, (unsigned long)cache);

    /* A log-dirty round on it: mark populated gfns, CLEAN sees them. */
    memset(&lg, 0, sizeof(lg));
    lg.g.domid = domid;
    lg.g.low_pages = nr;
    lg.g.max_gfn = nr - 1;
    if ( logdirty_guest_adopt(&lg, true) )
        check(false, "pod.logdirty", "enabling log-dirty: %s",
              strerror(errno));
    else
    {
        struct marker m = { .g = &lg.g, .expected = lg.want };
        struct bitmap_diff d;
        bool ok;

        clean(&lg);
        for ( i = 2; i < POD_MAPPED; i++ )
            mark(&m, mapped[i], 1);
        ok = m.failed_calls == 0 &&
             logdirty_guest_clean_matches(&lg, lg.want, &d);
        check(ok, "pod.logdirty", "%lu marked, CLEAN: expected %lu, got %lu "
              "(missing %lu, extra %lu)", m.calls, d.expected, d.got,
              d.missing, d.extra);
        lg.alive = false;
        logdirty_guest_teardown(&lg);
    }

 out:
    xc_domain_destroy(xch, domid);
}

struct mapper {
    uint32_t domid;
    unsigned long nr_gfns, maps, failures;
    volatile bool stop;
};

static void *mapper_thread(void *arg)
{
    struct mapper *m = arg;
    uint64_t state = 0x1234;

    while ( !m->stop )
    {
        xen_pfn_t gfns[16];
        int errs[16];
        unsigned int i;
        void *p;

        for ( i = 0; i < ARRAY_SIZE(gfns); i++ )
            gfns[i] = prng_next(&state) % m->nr_gfns;
        p = xenforeignmemory_map(fmem, m->domid, PROT_READ, ARRAY_SIZE(gfns),
                                 gfns, errs);
        if ( !p )
        {
            m->failures++;
            continue;
        }
        xenforeignmemory_unmap(fmem, p, ARRAY_SIZE(gfns));
        m->maps++;
    }

    return NULL;
}

static void case_foreign(void)
{
    struct logdirty_guest lg;
    struct mapper m = { 0 };
    pthread_t t;
    unsigned long cleans = 0, clean_errors = 0;
    double end;

    if ( !logdirty_guest_setup_checked(&lg, "foreign", FOREIGN_MIB, NULL, 0,
                                       true) )
        return;
    m.domid = lg.g.domid;
    m.nr_gfns = lg.g.low_pages;
    if ( pthread_create(&t, NULL, mapper_thread, &m) )
    {
        check(false, "foreign.thread", "pthread_create: %s", strerror(errno));
        logdirty_guest_teardown(&lg);
        return;
    }
    end = now_seconds() + FOREIGN_SECONDS;
    while ( now_seconds() < end )
    {
        if ( clean(&lg) < 0 )
            clean_errors++;
        cleans++;
    }
    m.stop = true;
    pthread_join(t, NULL);
    check(m.maps > 0 && !m.failures && !clean_errors, "foreign.concurrent",
          "%lu foreign mappings of 16 pages and %lu CLEANs in %u s, "
          "%lu mapping and %lu CLEAN failures", m.maps, cleans,
          FOREIGN_SECONDS, m.failures, clean_errors);
    logdirty_rounds(&lg, "foreign", 1);
    logdirty_guest_teardown(&lg);
}

/*
 * An ioreq server that claims a memory type: set_mem_type to and from
 * HVMMEM_ioreq_server changes p2m types under the target's p2m lock.
 */
static void case_ioreq(void)
{
    struct guest g;
    ioservid_t id;
    int rc;

    if ( guest_create_as(&g, any_domid(), XEN_DOMCTL_CDF_hap,
                         hvm_emulation(), 16, NULL, 0) )
    {
        check(false, "ioreq.setup", "HVM guest: %s", strerror(errno));
        return;
    }
    rc = xendevicemodel_create_ioreq_server(dmod, g.domid,
                                            HVM_IOREQSRV_BUFIOREQ_OFF, &id);
    check(rc == 0, "ioreq.create", "d%u: rc=%d errno=%d", g.domid, rc,
          rc ? errno : 0);
    if ( rc )
        goto out;
    rc = xendevicemodel_map_io_range_to_ioreq_server(dmod, g.domid, id, 1,
                                                     0xf0000000, 0xf0000fff);
    check(rc == 0, "ioreq.map-mmio", "rc=%d errno=%d", rc, rc ? errno : 0);
    rc = xendevicemodel_map_mem_type_to_ioreq_server(
             dmod, g.domid, id, HVMMEM_ioreq_server,
             XEN_DMOP_IOREQ_MEM_ACCESS_WRITE);
    check(rc == 0, "ioreq.claim-type", "rc=%d errno=%d", rc, rc ? errno : 0);
    rc = xendevicemodel_set_ioreq_server_state(dmod, g.domid, id, 1);
    check(rc == 0, "ioreq.enable", "rc=%d errno=%d", rc, rc ? errno : 0);
    rc = xendevicemodel_set_mem_type(dmod, g.domid, HVMMEM_ioreq_server,
                                     0x200, 16);
    check(rc == 0, "ioreq.set-type", "16 gfns to HVMMEM_ioreq_server: rc=%d "
          "errno=%d", rc, rc ? errno : 0);
    rc = xendevicemodel_set_mem_type(dmod, g.domid, HVMMEM_ram_rw, 0x200, 16);
    check(rc == 0, "ioreq.reset-type", "back to HVMMEM_ram_rw: rc=%d "
          "errno=%d", rc, rc ? errno : 0);
    rc = xendevicemodel_map_mem_type_to_ioreq_server(
             dmod, g.domid, id, HVMMEM_ioreq_server, 0);
    check(rc == 0, "ioreq.release-type", "rc=%d errno=%d", rc,
          rc ? errno : 0);
    rc = xendevicemodel_destroy_ioreq_server(dmod, g.domid, id);
    check(rc == 0, "ioreq.destroy", "rc=%d errno=%d", rc, rc ? errno : 0);
 out:
    xc_domain_destroy(xch, g.domid);
}

/* A page of bytes that depend on seed and offset. */
static void fill_pattern(unsigned char *p, unsigned int seed)
{
    unsigned int i;

    for ( i = 0; i < XC_PAGE_SIZE; i++ )
        p[i] = seed + i * 31 + (i >> 8);
}

static bool has_pattern(const unsigned char *p, unsigned int seed)
{
    unsigned int i;

    for ( i = 0; i < XC_PAGE_SIZE; i++ )
        if ( p[i] != (unsigned char)(seed + i * 31 + (i >> 8)) )
            return false;
    return true;
}

/* One GNTTABOP_copy of a whole page; the segment's status, or 1. */
static int grant_copy_page(xengnttab_handle *gt, uint32_t domid,
                           uint32_t ref, void *buf, bool from_grant)
{
    xengnttab_grant_copy_segment_t seg = { .len = XC_PAGE_SIZE };

    if ( from_grant )
    {
        seg.flags = GNTCOPY_source_gref;
        seg.source.foreign.ref = ref;
        seg.source.foreign.domid = domid;
        seg.dest.virt = buf;
    }
    else
    {
        seg.flags = GNTCOPY_dest_gref;
        seg.source.virt = buf;
        seg.dest.foreign.ref = ref;
        seg.dest.foreign.domid = domid;
    }
    if ( xengnttab_grant_copy(gt, 1, &seg) )
        return 1;
    return seg.status;
}

/*
 * A guest page granted to dom0, mapped and copied by dom0 through gntdev.
 * The map checks the granter's gfn (get_paged_frame(): get_page_from_gfn()
 * under the guest's p2m read lock, dropped with a page reference held),
 * then for a PVH dom0 create_grant_p2m_mapping() adds the frame to dom0's
 * own p2m (p2m_add_page(), dom0's p2m lock); the unmap takes dom0's gfn
 * lock and, within it, p2m_remove_page(). A copy claims the guest's frame
 * (acquire_grant_for_copy()) and dom0's (get_paged_frame()) one after the
 * other, each through get_page_from_gfn() under that domain's p2m read
 * lock, neither held across the other. A PV dom0 maps through its page
 * tables: only the guest's p2m is locked.
 */
static void case_grant(void)
{
    xenforeignmemory_resource_handle *fres = NULL;
    xengnttab_handle *gt = NULL;
    grant_entry_v1_t *table = NULL;
    xen_pfn_t gfn = GRANT_GFN;
    unsigned char *page = NULL, *map, *buf = NULL;
    struct guest g;
    int err = 0, rc;
    bool ok;

    if ( guest_create(&g, GRANT_MIB, NULL, 0) )
    {
        check(false, "grant.setup", "HAP guest: %s", strerror(errno));
        return;
    }
    page = map_gfns(g.domid, &gfn, 1, &err);
    if ( !page || err || posix_memalign((void **)&buf, XC_PAGE_SIZE,
                                        XC_PAGE_SIZE) )
    {
        check(false, "grant.setup", "d%u: mapping gfn %#lx: %s", g.domid,
              (unsigned long)gfn, strerror(err ? -err : errno));
        goto out;
    }
    fill_pattern(page, 1);
    check(true, "grant.setup", "d%u: %u MiB HAP guest, gfn %#lx filled "
          "through a foreign mapping", g.domid, GRANT_MIB,
          (unsigned long)gfn);

    /*
     * No guest kernel runs to grant its page, so dom0 writes the entry
     * into the guest's table itself, through the mapping libxenguest's
     * xc_dom_gnttab_seed() uses for the console and xenstore entries. The
     * frame and domid go first and the flags last, as a granting kernel
     * orders them (xc_dom_gnttab_seed() runs before the guest does and
     * needs no order).
     */
    fres = xenforeignmemory_map_resource(
        fmem, g.domid, XENMEM_resource_grant_table,
        XENMEM_resource_grant_table_id_shared, 0, 1, (void **)&table,
        PROT_READ | PROT_WRITE, 0);
    if ( fres )
    {
        table[GRANT_REF].domid = 0;
        table[GRANT_REF].frame = gfn;
        xen_wmb();
        table[GRANT_REF].flags = GTF_permit_access;
    }
    check(fres, "grant.seed", "grant table frame 0 mapped, ref %u -> d0 "
          "gfn %#lx: %s", GRANT_REF, (unsigned long)gfn,
          fres ? "ok" : strerror(errno));
    gt = xengnttab_open(quiet_logger, 0);
    if ( !fres || !gt )
    {
        if ( !gt )
            check(false, "grant.open", "xengnttab_open: %s",
                  strerror(errno));
        goto out;
    }

    map = xengnttab_map_grant_ref(gt, g.domid, GRANT_REF,
                                  PROT_READ | PROT_WRITE);
    check(map && has_pattern(map, 1), "grant.map", "d%u ref %u mapped "
          "by dom0: %s", g.domid, GRANT_REF,
          !map ? strerror(errno) :
          has_pattern(map, 1) ? "the guest's pattern seen" :
                                "the page differs");
    if ( map )
    {
        fill_pattern(map, 2);
        rc = xengnttab_unmap(gt, map, 1);
        check(rc == 0 && has_pattern(page, 2), "grant.map-write",
              "written through the grant, unmapped (rc=%d errno=%d), %s",
              rc, rc ? errno : 0, has_pattern(page, 2) ?
              "the write is in the guest's page" : "the guest's page differs");
    }

    /* Into dom0: the guest's page as the map left it. */
    memset(buf, 0, XC_PAGE_SIZE);
    rc = grant_copy_page(gt, g.domid, GRANT_REF, buf, true);
    check(rc == GNTST_okay && has_pattern(buf, 2), "grant.copy-from",
          "ref %u to a dom0 buffer: status %d (errno=%d), %s", GRANT_REF,
          rc, rc == 1 ? errno : 0,
          has_pattern(buf, 2) ? "data as granted" : "data differs");

    fill_pattern(buf, 3);
    rc = grant_copy_page(gt, g.domid, GRANT_REF, buf, false);
    check(rc == GNTST_okay && has_pattern(page, 3), "grant.copy-to",
          "a dom0 buffer to ref %u: status %d (errno=%d), %s", GRANT_REF,
          rc, rc == 1 ? errno : 0, has_pattern(page, 3) ?
          "the guest's page holds it" : "the guest's page differs");

    rc = grant_copy_page(gt, g.domid, GRANT_UNUSED_REF, buf, true);
    check(rc < 0, "grant.copy-bad-ref", "unused ref %u: status %d "
          "(want a GNTST_ error)", GRANT_UNUSED_REF, rc);

    /* Every map and copy released its pin: no reading/writing flag. */
    ok = table[GRANT_REF].flags == GTF_permit_access;
    check(ok, "grant.released", "ref %u flags %#x (want %#x)", GRANT_REF,
          table[GRANT_REF].flags, GTF_permit_access);

 out:
    if ( gt )
        xengnttab_close(gt);
    if ( fres )
        xenforeignmemory_unmap_resource(fmem, fres);
    if ( page )
        xenforeignmemory_unmap(fmem, page, 1);
    free(buf);
    xc_domain_destroy(xch, g.domid);
}

/* The highest sequence number in each vCPU's part; false if a tag is off. */
static bool smp_progress(const unsigned char *area, uint32_t *seq)
{
    unsigned int i, v;
    bool ok = true;

    for ( v = 0; v < SMP_VCPUS; v++ )
        seq[v] = 0;
    for ( i = 0; i < SMP_AREA_PAGES; i++ )
    {
        const volatile uint32_t *p =
            (const void *)(area + (size_t)i * XC_PAGE_SIZE);
        /* The guest stores the tag first: read it last. */
        uint32_t s = p[1], tag = p[0];

        v = i / SMP_PART_PAGES;
        if ( !tag && !s )
            continue;
        if ( tag != (SMP_TAG | v) )
            ok = false;
        if ( s > seq[v] )
            seq[v] = s;
    }

    return ok;
}

/*
 * The pages of the area that differ from snap and that map lacks: the
 * dirty bits lost. changed[v] counts the pages of vCPU v's part written.
 */
static unsigned long smp_lost(const unsigned char *area,
                              const unsigned char *snap,
                              const unsigned long *map,
                              unsigned long *changed, xen_pfn_t *first)
{
    unsigned long lost = 0;
    unsigned int i;

    memset(changed, 0, SMP_VCPUS * sizeof(*changed));
    *first = 0;
    for ( i = 0; i < SMP_AREA_PAGES; i++ )
    {
        size_t off = (size_t)i * XC_PAGE_SIZE;

        if ( !memcmp(area + off, snap + off, XC_PAGE_SIZE) )
            continue;
        changed[i / SMP_PART_PAGES]++;
        if ( !test_gfn(map, SMP_AREA_GFN + i) && !lost++ )
            *first = SMP_AREA_GFN + i;
    }

    return lost;
}

static unsigned long smp_dirty_in_area(const unsigned long *map)
{
    unsigned long n = 0;
    unsigned int i;

    for ( i = 0; i < SMP_AREA_PAGES; i++ )
        n += test_gfn(map, SMP_AREA_GFN + i);
    return n;
}

static void or_bitmap(unsigned long *acc, const unsigned long *map,
                      unsigned long nr_gfns)
{
    unsigned long i;

    for ( i = 0; i < (nr_gfns + BITS_PER_LONG - 1) / BITS_PER_LONG; i++ )
        acc[i] |= map[i];
}

/*
 * Lets the guest run for at least us microseconds, and on until both
 * vCPUs have written a page since snap (or SMP_WAIT_SECONDS more): under
 * TCG one vCPU can get little time now and then.
 */
static void smp_run(const unsigned char *area, const unsigned char *snap,
                    unsigned int us)
{
    unsigned int waited, i, v;
    bool written[SMP_VCPUS];

    usleep(us);
    for ( waited = 0; waited < SMP_WAIT_SECONDS * 10; waited++ )
    {
        memset(written, 0, sizeof(written));
        for ( i = 0; i < SMP_AREA_PAGES; i++ )
        {
            size_t off = (size_t)i * XC_PAGE_SIZE;

            if ( memcmp(area + off, snap + off, 2 * sizeof(uint32_t)) )
                written[i / SMP_PART_PAGES] = true;
        }
        for ( v = 0; v < SMP_VCPUS && written[v]; v++ )
            ;
        if ( v == SMP_VCPUS )
            return;
        usleep(100000);
    }
}

/* Pauses, CLEANs (bitmap dropped) and snapshots the area. */
static bool smp_start_round(struct logdirty_guest *lg,
                            const unsigned char *area, unsigned char *snap)
{
    if ( xc_domain_pause(xch, lg->g.domid) || clean(lg) < 0 )
        return false;
    memcpy(snap, area, (size_t)SMP_AREA_PAGES * XC_PAGE_SIZE);
    return true;
}

/*
 * Two vCPUs dirtying memory under log-dirty. On HAP, a write to a
 * log-dirty page faults (NPT) on the vCPU's own CPU:
 * hvm_hap_nested_page_fault() marks the gfn dirty (paging_mark_pfn_dirty():
 * the paging lock) and makes it writable (p2m_change_type_one()) under
 * the gfn's p2m lock, on both CPUs at once, while dom0's PEEK and CLEAN
 * (paging_log_dirty_op()) pause the guest, hold its paging lock across
 * the copy into dom0's memory and then reset the types under its p2m
 * lock (hap_clean_dirty_bitmap()). Every page written between two CLEANs
 * must be in the second one's bitmap.
 */
static void case_smp(void)
{
    struct vcpu_entry regs[SMP_VCPUS];
    struct logdirty_guest lg;
    unsigned char *area = NULL, *snap = NULL;
    unsigned long *acc = NULL, *peek = NULL, changed[SMP_VCPUS];
    unsigned long lost, words, i, extra;
    uint32_t entry = 0, seq0[SMP_VCPUS], seq1[SMP_VCPUS];
    const char *step = NULL;
    xen_pfn_t first;
    char name[64];
    unsigned int r, v, waited;
    bool ok, tags;
    int rc;

    memset(&lg, 0, sizeof(lg));
    if ( guest_create_vcpus(&lg.g, any_domid(), XEN_DOMCTL_CDF_hap,
                            XEN_X86_EMU_LAPIC, SMP_VCPUS, SMP_MIB, NULL,
                            0) )
    {
        check(false, "smp.setup", "%u MiB HAP guest with %u vCPUs: %s",
              SMP_MIB, SMP_VCPUS, strerror(errno));
        return;
    }
    for ( v = 0; v < SMP_VCPUS; v++ )
    {
        regs[v].esi = v;
        regs[v].edi = (SMP_AREA_GFN + v * SMP_PART_PAGES) << XC_PAGE_SHIFT;
        regs[v].ebp = SMP_PART_PAGES;
    }
    words = (lg.g.max_gfn + 1 + BITS_PER_LONG - 1) / BITS_PER_LONG;
    if ( logdirty_guest_adopt(&lg, false) )
        step = "allocating the bitmaps";
    else if ( !(entry = load_elf(lg.g.domid, smp_guest_path, SMP_MIB)) )
        step = "loading dirty-guest";
    else if ( !write_start_info(lg.g.domid, "dirty-guest") )
        step = "writing start_info";
    else if ( !(area = map_frames(lg.g.domid, SMP_AREA_GFN,
                                  SMP_AREA_PAGES)) )
        step = "mapping the area";
    else if ( !(snap = malloc((size_t)SMP_AREA_PAGES * XC_PAGE_SIZE)) ||
              !(acc = calloc(words, sizeof(*acc))) ||
              !(peek = calloc(words, sizeof(*peek))) )
        step = "allocating the snapshot";
    else
    {
        /* A debug Xen hands out pages filled with its scrub pattern. */
        memset(area, 0, (size_t)SMP_AREA_PAGES * XC_PAGE_SIZE);
        if ( !set_entry_state(lg.g.domid, entry, SMP_VCPUS, regs) )
            step = "setting both vCPUs at the entry";
        else if ( xc_domain_unpause(xch, lg.g.domid) )
            step = "unpausing";
    }
    check(!step, "smp.setup", "d%u: %u MiB HAP guest, %u vCPUs at the "
          "entry %#x, each dirtying %u pages from gfn %#x on: %s",
          lg.g.domid, SMP_MIB, SMP_VCPUS, entry, SMP_PART_PAGES,
          SMP_AREA_GFN, step ? step : "running");
    if ( step )
    {
        printf("smp: %s: %s\n", step, strerror(errno));
        goto out;
    }

    /* Both parts written, and written again later: both vCPUs run. */
    for ( waited = 0; waited < SMP_START_SECONDS * 10; waited++ )
    {
        smp_progress(area, seq0);
        for ( v = 0; v < SMP_VCPUS && seq0[v]; v++ )
            ;
        if ( v == SMP_VCPUS )
            break;
        usleep(100000);
    }
    usleep(500000);
    tags = smp_progress(area, seq1);
    ok = tags;
    for ( v = 0; v < SMP_VCPUS; v++ )
        ok &= seq0[v] && seq1[v] > seq0[v];
    check(ok, "smp.running", "after %u.%u s, sequence numbers vCPU 0 %u -> "
          "%u, vCPU 1 %u -> %u in 0.5 s, tags %s", waited / 10,
          waited % 10, seq0[0], seq1[0], seq0[1], seq1[1],
          tags ? "as written" : "wrong");
    if ( !ok )
        goto out;

    /* Enabled while both vCPUs write; the first CLEAN reports it all. */
    rc = logdirty_simple_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY);
    check(rc == 0, "smp.enable", "log-dirty enabled on the running guest: "
          "rc=%d errno=%d", rc, rc ? errno : 0);
    if ( rc )
        goto out;

    for ( r = 1; r <= SMP_ROUNDS; r++ )
    {
        long long got = -1;
        double t = now_seconds();

        ok = smp_start_round(&lg, area, snap) &&
             !xc_domain_unpause(xch, lg.g.domid);
        if ( ok )
        {
            smp_run(area, snap, SMP_RUN_US);
            ok = !xc_domain_pause(xch, lg.g.domid);
            t = now_seconds() - t;
            got = ok ? clean(&lg) : -1;
            ok &= got >= 0;
        }
        lost = ok ? smp_lost(area, snap, lg.bm.bits, changed, &first) : 0;
        snprintf(name, sizeof(name), "smp.round%u", r);
        check(ok && !lost && changed[0] && changed[1], name,
              "%s; %lu and %lu pages written by vCPU 0 and 1 in %u ms, "
              "%lu dirty in the area, %lu written pages not dirty "
              "(first gfn %#lx)", ok ? "paused, CLEAN" : "pause/CLEAN "
              "failed", changed[0], changed[1], (unsigned int)(t * 1000),
              ok ? smp_dirty_in_area(lg.bm.bits) : 0, lost,
              (unsigned long)first);
        xc_domain_unpause(xch, lg.g.domid);
        if ( !ok )
            goto out;
    }

    /*
     * PEEK and CLEAN while both vCPUs run. Only a CLEAN clears bits, so a
     * PEEK's bits are in the CLEAN after it; every page written since the
     * snapshot is in one of the CLEANs.
     */
    ok = smp_start_round(&lg, area, snap) &&
         !xc_domain_unpause(xch, lg.g.domid);
    memset(acc, 0, words * sizeof(*acc));
    extra = 0;
    for ( i = 0; ok && i < SMP_RUNNING_OPS; i++ )
    {
        xc_shadow_op_stats_t st;
        unsigned long w;

        usleep(SMP_RUNNING_US);
        ok = logdirty_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_PEEK, &lg.bm,
                         &st) >= 0;
        memcpy(peek, lg.bm.bits, words * sizeof(*peek));
        ok = ok && clean(&lg) >= 0;
        for ( w = 0; ok && w < words; w++ )
            extra += __builtin_popcountl(peek[w] & ~lg.bm.bits[w]);
        if ( ok )
            or_bitmap(acc, lg.bm.bits, lg.g.max_gfn + 1);
    }
    check(ok && !extra, "smp.running-peek", "%lu PEEK+CLEAN pairs on the "
          "running guest: %s, %lu bits in a PEEK and not in the CLEAN "
          "after it", i,
          ok ? "all succeeded" : "one failed", extra);
    if ( ok )
        smp_run(area, snap, 0);
    ok = ok && !xc_domain_pause(xch, lg.g.domid) && clean(&lg) >= 0;
    if ( ok )
        or_bitmap(acc, lg.bm.bits, lg.g.max_gfn + 1);
    lost = ok ? smp_lost(area, snap, acc, changed, &first) : 0;
    check(ok && !lost && changed[0] && changed[1], "smp.running-clean",
          "%s; %lu and %lu pages written by vCPU 0 and 1, %lu dirty in the "
          "area over %u running CLEANs and a paused one, %lu written pages "
          "not dirty (first gfn %#lx)", ok ? "paused, CLEAN" :
          "an op failed", changed[0], changed[1],
          ok ? smp_dirty_in_area(acc) : 0, SMP_RUNNING_OPS, lost,
          (unsigned long)first);
    if ( !ok )
        goto out;

    /* Paused since: nothing but dom0 dirties it, CLEAN is exact. */
    logdirty_rounds(&lg, "smp.paused", 1);

 out:
    if ( area )
        xenforeignmemory_unmap(fmem, area, SMP_AREA_PAGES);
    free(snap);
    free(acc);
    free(peek);
    rc = xc_domain_destroy(xch, lg.g.domid);
    check(rc == 0, "smp.destroy", "d%u destroyed: rc=%d errno=%d",
          lg.g.domid, rc, rc ? errno : 0);
    lg.alive = false;
    logdirty_guest_teardown(&lg);
}

static const struct {
    const char *name;
    void (*run)(void);
} cases[] = {
    { "shadow", case_shadow },
    { "vram", case_vram },
    { "pod", case_pod },
    { "foreign", case_foreign },
    { "ioreq", case_ioreq },
    { "grant", case_grant },
    { "smp", case_smp },
};

int main(int argc, char **argv)
{
    int i;
    unsigned int c;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if ( argc > 2 && !strcmp(argv[1], "--guest") )
    {
        smp_guest_path = argv[2];
        argv += 2;
        argc -= 2;
    }
    if ( argc < 2 )
    {
        fprintf(stderr, "usage: test-flows [--guest ELF] "
                "shadow|vram|pod|foreign|ioreq|grant|smp...\n");
        return 2;
    }
    for ( i = 1; i < argc; i++ )
    {
        for ( c = 0; c < ARRAY_SIZE(cases); c++ )
            if ( !strcmp(argv[i], cases[c].name) )
                break;
        if ( c == ARRAY_SIZE(cases) )
        {
            fprintf(stderr, "test-flows: unknown case '%s'\n", argv[i]);
            return 2;
        }
    }

    if ( !open_handles(XTL_CRITICAL) )
        return print_result();

    for ( i = 1; i < argc; i++ )
        for ( c = 0; c < ARRAY_SIZE(cases); c++ )
            if ( !strcmp(argv[i], cases[c].name) )
            {
                printf("== %s\n", cases[c].name);
                cases[c].run();
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
