/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * LD_PRELOAD shim for the migration test's dom0, between libxenguest (the
 * save/restore code xl runs) and the libraries it calls.
 *
 * Figures.  xl hides libxc's progress output during `xl migrate`, and libxc
 * keeps its per-round counts to itself.  With MIGRATE_TRACE=FILE the shim
 * appends one line per log-dirty operation to FILE:
 *   logdirty pid=P dom=D op=clean|peek|enable|off|other final=0|1
 *            pages=N dirty=N faults=N rc=R scanned=N sent=N
 * pages is the size of the guest's physmap, dirty and faults what Xen
 * returned; scanned and sent count the pfns the saver looked up and the
 * pages among them that carry data (sent in the stream) since the previous
 * line, as seen through xc_get_pfn_type_batch().
 *
 * Negative control.  With MIGRATE_CORRUPT_PFN=PFN, whenever the restoring
 * side has copied a page of the stream into that pfn of the new domain,
 * the shim flips bits of the page's first word, as a lost or mangled page
 * would.  The guest must notice.  The restorer maps an HVM guest's pages
 * by pfn but a PV guest's by the MFN that populating the pfn gave it, so
 * the shim learns that frame from xc_domain_populate_physmap_exact().
 *
 * Without either variable the calls pass straight through.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* From xen/include/public/domctl.h (XEN_DOMCTL_SHADOW_*, _PFINFO_*). */
#define SHADOW_OP_OFF               0
#define SHADOW_OP_ENABLE_LOGDIRTY   2
#define SHADOW_OP_CLEAN             11
#define SHADOW_OP_PEEK              12
#define SHADOW_OP_ENABLE            32
#define SHADOW_LOGDIRTY_FINAL       (1U << 0)
#define PFINFO_TYPE_MASK            (0xfUL << 28)
#define PFINFO_BROKEN               (0xdUL << 28)  /* and above: no data */

#define PAGE_SIZE                   4096
#define CORRUPTION                  0xdeadbeefU

/* Opaque to us: only passed on. */
typedef struct xc_interface_core xc_interface;
typedef struct xc_hypercall_buffer xc_hypercall_buffer_t;
typedef struct xenforeignmemory_handle xenforeignmemory_handle;

typedef struct
{
    uint32_t fault_count;
    uint32_t dirty_count;
} shadow_op_stats_t;

typedef long long logdirty_fn(xc_interface *, uint32_t, unsigned int,
                              xc_hypercall_buffer_t *, unsigned long,
                              unsigned int, shadow_op_stats_t *);
typedef int shadow_fn(xc_interface *, uint32_t, unsigned int,
                      unsigned int *, unsigned int);
typedef int pfn_type_fn(xc_interface *, uint32_t, unsigned int,
                        unsigned long *);
typedef void *map_fn(xenforeignmemory_handle *, uint32_t, int, size_t,
                     const unsigned long *, int *);
typedef int unmap_fn(xenforeignmemory_handle *, void *, size_t);
typedef int populate_fn(xc_interface *, uint32_t, unsigned long,
                        unsigned int, unsigned int, unsigned long *);

long long xc_logdirty_control(xc_interface *xch, uint32_t domid,
                              unsigned int sop,
                              xc_hypercall_buffer_t *dirty_bitmap,
                              unsigned long pages, unsigned int mode,
                              shadow_op_stats_t *stats);
int xc_shadow_control(xc_interface *xch, uint32_t domid, unsigned int sop,
                      unsigned int *mb, unsigned int mode);
int xc_get_pfn_type_batch(xc_interface *xch, uint32_t dom, unsigned int num,
                          unsigned long *arr);
void *xenforeignmemory_map(xenforeignmemory_handle *fmem, uint32_t dom,
                           int prot, size_t pages, const unsigned long arr[],
                           int err[]);
int xenforeignmemory_unmap(xenforeignmemory_handle *fmem, void *addr,
                           size_t pages);
int xc_domain_populate_physmap_exact(xc_interface *xch, uint32_t domid,
                                     unsigned long nr_extents,
                                     unsigned int extent_order,
                                     unsigned int mem_flags,
                                     unsigned long *extent_start);

/* Since the last trace line. */
static unsigned long scanned, sent;

/* Where the target pfn sits in the latest writable mapping, if it does. */
static void *target_map;
static size_t target_index;
/* The frame the restorer maps the target pfn by, once populated. */
static unsigned long target_frame;
static int target_populated;

static void *next_symbol(const char *name)
{
    void *fn = dlsym(RTLD_NEXT, name);

    if ( !fn )
    {
        fprintf(stderr, "migrate-shim: no %s to wrap\n", name);
        abort();
    }

    return fn;
}

static void trace(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void trace(const char *fmt, ...)
{
    const char *path = getenv("MIGRATE_TRACE");
    va_list args;
    FILE *f;

    if ( !path || !*path || !(f = fopen(path, "a")) )
        return;
    va_start(args, fmt);
    vfprintf(f, fmt, args);
    va_end(args);
    fclose(f);
}

static const char *op_name(unsigned int sop)
{
    switch ( sop )
    {
    case SHADOW_OP_CLEAN:           return "clean";
    case SHADOW_OP_PEEK:            return "peek";
    case SHADOW_OP_ENABLE_LOGDIRTY:
    case SHADOW_OP_ENABLE:          return "enable";
    case SHADOW_OP_OFF:             return "off";
    default:                        return "other";
    }
}

static void record(uint32_t domid, unsigned int sop, unsigned int mode,
                   unsigned long pages, const shadow_op_stats_t *stats,
                   long long rc)
{
    trace("logdirty pid=%d dom=%u op=%s final=%u pages=%lu dirty=%u "
          "faults=%u rc=%lld scanned=%lu sent=%lu\n", (int)getpid(), domid,
          op_name(sop), !!(mode & SHADOW_LOGDIRTY_FINAL), pages,
          stats ? stats->dirty_count : 0, stats ? stats->fault_count : 0,
          rc, scanned, sent);
    scanned = sent = 0;
}

long long xc_logdirty_control(xc_interface *xch, uint32_t domid,
                              unsigned int sop,
                              xc_hypercall_buffer_t *dirty_bitmap,
                              unsigned long pages, unsigned int mode,
                              shadow_op_stats_t *stats)
{
    static logdirty_fn *next;
    long long rc;

    if ( !next )
        next = (logdirty_fn *)next_symbol("xc_logdirty_control");
    rc = next(xch, domid, sop, dirty_bitmap, pages, mode, stats);
    record(domid, sop, mode, pages, stats, rc);

    return rc;
}

int xc_shadow_control(xc_interface *xch, uint32_t domid, unsigned int sop,
                      unsigned int *mb, unsigned int mode)
{
    static shadow_fn *next;
    int rc;

    if ( !next )
        next = (shadow_fn *)next_symbol("xc_shadow_control");
    rc = next(xch, domid, sop, mb, mode);
    record(domid, sop, mode, 0, NULL, rc);

    return rc;
}

int xc_get_pfn_type_batch(xc_interface *xch, uint32_t dom, unsigned int num,
                          unsigned long *arr)
{
    static pfn_type_fn *next;
    unsigned int i;
    int rc;

    if ( !next )
        next = (pfn_type_fn *)next_symbol("xc_get_pfn_type_batch");
    rc = next(xch, dom, num, arr);
    if ( rc )
        return rc;

    scanned += num;
    for ( i = 0; i < num; i++ )
        if ( (arr[i] & PFINFO_TYPE_MASK) < PFINFO_BROKEN )
            sent++;

    return rc;
}

/* The restorer populates a pfn once, before it maps it. */
int xc_domain_populate_physmap_exact(xc_interface *xch, uint32_t domid,
                                     unsigned long nr_extents,
                                     unsigned int extent_order,
                                     unsigned int mem_flags,
                                     unsigned long *extent_start)
{
    static populate_fn *next;
    const char *target = getenv("MIGRATE_CORRUPT_PFN");
    unsigned long i, at = nr_extents;
    int rc;

    if ( !next )
        next = (populate_fn *)
               next_symbol("xc_domain_populate_physmap_exact");
    if ( target && *target && !extent_order )
        for ( i = 0; i < nr_extents; i++ )
            if ( extent_start[i] == strtoul(target, NULL, 0) )
                at = i;
    rc = next(xch, domid, nr_extents, extent_order, mem_flags, extent_start);
    /* A PV guest's extent comes back as its MFN; an HVM guest's stays. */
    if ( !rc && at < nr_extents )
    {
        target_frame = extent_start[at];
        target_populated = 1;
    }

    return rc;
}

void *xenforeignmemory_map(xenforeignmemory_handle *fmem, uint32_t dom,
                           int prot, size_t pages, const unsigned long arr[],
                           int err[])
{
    static map_fn *next;
    const char *target = getenv("MIGRATE_CORRUPT_PFN");
    unsigned long frame;
    void *addr;
    size_t i;

    if ( !next )
        next = (map_fn *)next_symbol("xenforeignmemory_map");
    addr = next(fmem, dom, prot, pages, arr, err);

    target_map = NULL;
    if ( !addr || !(prot & PROT_WRITE) || !target || !*target )
        return addr;
    frame = target_populated ? target_frame : strtoul(target, NULL, 0);
    for ( i = 0; i < pages; i++ )
    {
        if ( arr[i] == frame && !(err && err[i]) )
        {
            target_map = addr;
            target_index = i;
            break;
        }
    }

    return addr;
}

/* Restore copies the stream's pages in between map and unmap. */
int xenforeignmemory_unmap(xenforeignmemory_handle *fmem, void *addr,
                           size_t pages)
{
    static unmap_fn *next;

    if ( !next )
        next = (unmap_fn *)next_symbol("xenforeignmemory_unmap");

    if ( addr && addr == target_map && target_index < pages )
    {
        volatile uint32_t *word =
            (void *)((char *)addr + target_index * PAGE_SIZE);

        *word ^= CORRUPTION;
        trace("corrupt pid=%d pfn=%s\n", (int)getpid(),
              getenv("MIGRATE_CORRUPT_PFN"));
    }
    target_map = NULL;

    return next(fmem, addr, pages);
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
