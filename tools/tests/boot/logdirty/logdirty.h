/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the dom0 log-dirty clients: test-logdirty, the log-dirty
 * tests, and bench-logdirty, the benchmark.
 *
 * The guests are HVM/HAP domains that are created, populated and never
 * unpaused: nothing but this program dirties their memory, so the dirty
 * bitmap Xen returns must match, bit for bit, the pages this program
 * reported through the device-model interface.
 */
#ifndef LOGDIRTY_H
#define LOGDIRTY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenforeignmemory.h>

extern unsigned int nr_failures, nr_passes;
#define fail(fmt, ...)                          \
({                                              \
    nr_failures++;                              \
    (void)printf(fmt, ##__VA_ARGS__);           \
})

extern xc_interface *xch;
extern xendevicemodel_handle *dmod;
extern xenforeignmemory_handle *fmem;
extern xentoollog_logger *quiet_logger;

/*
 * Opens xch and dmod, libxc logging at level and above; on failure counts
 * the failed check "open" and returns false.
 */
bool open_handles(xentoollog_level level);
#define COVERAGE_DRAIN_SECONDS 2
void dump_coverage(void);
/* Xen's whole console ring, oldest first, NUL-terminated; NULL on error. */
const char *console_ring(void);
/* Prints "N passed, M failed" and "RESULT: PASS|FAIL"; the exit status. */
int print_result(void);

#define PAGES_PER_MIB         (1UL << (20 - XC_PAGE_SHIFT))
#define BITS_PER_BITMAP_PAGE  (XC_PAGE_SIZE * 8)
#define SUPERPAGE_ORDER       9
#define SUPERPAGE_PAGES       (1UL << SUPERPAGE_ORDER)
/*
 * paging_log_dirty_op() checks for preemption after each second-level
 * node of the log-dirty trie, i.e. every 512 * 32768 gfns (64 GiB).
 */
#define PREEMPT_STRIDE_GFNS   (512UL * BITS_PER_BITMAP_PAGE)

#define BITS_PER_LONG         (sizeof(unsigned long) * 8)
#define ARRAY_SIZE(a)         (sizeof(a) / sizeof((a)[0]))

/* One line "CHECK <name>: PASS|FAIL <details>", counted. */
void check(bool ok, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
double now_seconds(void);
uint64_t prng_next(uint64_t *state);
const char *errno_name(int e);

/* Plain bitmaps over gfns, in the layout of Xen's dirty bitmap. */
bool test_gfn(const unsigned long *map, xen_pfn_t gfn);
void set_gfn(unsigned long *map, xen_pfn_t gfn);
unsigned long count_gfns(const unsigned long *map, unsigned long nr);

struct bitmap_diff {
    unsigned long expected, got, missing, extra;
    xen_pfn_t first_missing, first_extra;
};

/* A dirty bitmap handed to Xen lives in a hypercall buffer. */
struct dirty_bitmap {
    xc_hypercall_buffer_t hbuf;
    unsigned long *bits;
    unsigned long nr_gfns;
    unsigned int nr_buf_pages;
};

struct guest {
    uint32_t domid;
    unsigned long low_pages;     /* gfns [0, low_pages) are populated */
    unsigned int nr_high;        /* plus these, far above */
    const xen_pfn_t *high;
    xen_pfn_t max_gfn;           /* highest populated gfn */
};

struct marker {
    const struct guest *g;
    unsigned long *expected;
    unsigned long calls, failed_calls;
    int first_errno;
    xen_pfn_t first_failed_gfn;
};

/* A guest under log-dirty, with the pages marked on it (want). */
struct logdirty_guest {
    struct guest g;
    struct dirty_bitmap bm;
    unsigned long *want;
    unsigned long nr_gfns;
    bool alive;
};

void diff_bitmaps(const unsigned long *want, const unsigned long *got,
                  unsigned long nr, struct bitmap_diff *d);
bool bitmaps_match(const char *name, const unsigned long *want,
                   const unsigned long *got, unsigned long nr);

/* An xc_hypercall_buffer_t for addr: hypercall memory or not. */
void hypercall_buffer_at(xc_hypercall_buffer_t *hb, void *addr);
int dirty_bitmap_alloc_with(xc_interface *h, struct dirty_bitmap *b,
                            unsigned long nr_gfns);
int dirty_bitmap_alloc(struct dirty_bitmap *b, unsigned long nr_gfns);
void dirty_bitmap_free_with(xc_interface *h, struct dirty_bitmap *b);
void dirty_bitmap_free(struct dirty_bitmap *b);
long long logdirty_op_with(xc_interface *h, uint32_t domid, unsigned int op,
                           struct dirty_bitmap *b,
                           xc_shadow_op_stats_t *stats);
long long logdirty_op(uint32_t domid, unsigned int op, struct dirty_bitmap *b,
                      xc_shadow_op_stats_t *stats);
long long logdirty_simple_op(uint32_t domid, unsigned int op);

/* The domain id that asks xc_domain_create() for a free one. */
uint32_t any_domid(void);
int guest_create(struct guest *g, unsigned long mib, const xen_pfn_t *high,
                 unsigned int nr_high);
int guest_create_as(struct guest *g, uint32_t domid, uint32_t paging_flags,
                    uint32_t emulation_flags, unsigned long mib,
                    const xen_pfn_t *high, unsigned int nr_high);
/* The same with nr_vcpus vCPUs (guest_create_as: one). */
int guest_create_vcpus(struct guest *g, uint32_t domid,
                       uint32_t paging_flags, uint32_t emulation_flags,
                       unsigned int nr_vcpus, unsigned long mib,
                       const xen_pfn_t *high, unsigned int nr_high);
/* Marks [first, first + nr) and records it in m->expected if Xen agrees. */
void mark(struct marker *m, xen_pfn_t first, uint32_t nr);

/* Pages far above a guest's memory, across log-dirty preemption points. */
extern const xen_pfn_t sparse_high[];
extern const unsigned int nr_sparse_high;

/* Reports the named check as hung and exits, unless disarmed in time. */
void watchdog_arm(const char *name, unsigned int seconds);
void watchdog_disarm(void);

int logdirty_guest_setup(struct logdirty_guest *lg, unsigned long mib,
                         const xen_pfn_t *high, unsigned int nr_high,
                         bool enable);
/*
 * The same, reporting "<check>.setup" as failed (and tearing down) if the
 * guest cannot be set up; true if it is ready.
 */
/* The same for a guest created in lg->g by the caller (lg zeroed else). */
int logdirty_guest_adopt(struct logdirty_guest *lg, bool enable);
bool logdirty_guest_setup_checked(struct logdirty_guest *lg,
                                  const char *check, unsigned long mib,
                                  const xen_pfn_t *high,
                                  unsigned int nr_high, bool enable);
void logdirty_guest_teardown(struct logdirty_guest *lg);
void logdirty_guest_forget_marks(struct logdirty_guest *lg);
int logdirty_guest_mark_random(struct logdirty_guest *lg, unsigned long n,
                               uint64_t seed);
bool logdirty_guest_clean_matches(struct logdirty_guest *lg,
                                  const unsigned long *want,
                                  struct bitmap_diff *d);

/*
 * Loading a freestanding PVH guest (guest/) into a domain created and
 * populated by the caller (guest-load.c, linked by the clients that run
 * one). Its start_info goes at GUEST_START_INFO_GFN.
 */
#define GUEST_START_INFO_GFN  1
#define GUEST_LOAD_MAX_MIB    16
/* Maps guest frames [first, first + nr) of domid for writing. */
void *map_frames(uint32_t domid, xen_pfn_t first, unsigned int nr);
/*
 * Copies the PT_LOAD segments of an ELF32 image into the domain's first
 * mib MiB (physical addresses, as the PVH entry runs with paging off) and
 * returns the entry point, or 0 on error with a message printed.
 */
uint32_t load_elf(uint32_t domid, const char *path, unsigned long mib);
bool write_start_info(uint32_t domid, const char *cmdline);
/* What a vCPU finds in its registers at the entry, besides %ebx. */
struct vcpu_entry {
    uint32_t esi, edi, ebp;
};
/*
 * vCPUs [0, nr_vcpus) at the PVH entry: 32-bit protected mode, paging
 * off, flat segments, %ebx the start_info address (as libxenguest sets a
 * PVH guest up, without its image loader), and regs[i]'s registers for
 * vCPU i (all zero if regs is NULL). Each vCPU is up once it is set.
 */
bool set_entry_state(uint32_t domid, uint32_t entry, unsigned int nr_vcpus,
                     const struct vcpu_entry *regs);

/* The test suites. */
void print_hostile_cases(FILE *f);
/* Leaves a hostile case out; false if there is none of that name. */
bool hostile_skip(const char *name);
/* Runs only the chosen cases; false if there is none of that name. */
bool hostile_choose(const char *name);
void run_hostile(void);
void run_last_gfn(void);
void run_soak(unsigned int seconds, unsigned long mib);

#endif /* LOGDIRTY_H */

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
