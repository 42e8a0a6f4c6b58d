/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One interface over the real mm-locks.h, ours or Xen 4.17's, for the unit
 * tests, the order model, the fuzzer and the benchmarks.  Each acquisition
 * goes through the header's own wrappers (paging_lock(), p2m_lock(),
 * p2m_read_lock(), lock_page_alloc()'s constraint hooks, ...), so what is
 * tested is what the hypervisor runs.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <stdbool.h>

/* The lock classes, in the order both headers list them. */
enum h_class {
    H_NESTEDP2M,
    H_P2M,
    H_SHARING,          /* per_page_sharing order constraint */
    H_ALTP2MLIST,
    H_ALTP2M,
    H_POD,
    H_PAGE_ALLOC,       /* page_alloc order constraint + the real lock */
    H_PAGING,
    H_NR_CLASSES
};

enum h_mode {
    H_WRITE,            /* spin lock, rwlock write, or the constraint */
    H_READ,             /* rwlock read (p2m, altp2m only) */
    H_RECURSIVE,        /* recursive spin lock (paging_lock_recursive) */
};

/* The outcome of one guarded operation: enum emul_event's values. */
enum h_result {
    H_OK,
    H_BUG,
    H_PANIC,
    H_ASSERT,
    H_BLOCK,
};

#define H_NR_CPUS 4
#define H_NR_DOMS 4
#define H_NR_INST 2     /* p2m/altp2m tables per domain; 1 = a nested p2m */

extern const char *const h_class_names[H_NR_CLASSES];
extern const char *const h_result_names[];
extern const char *const h_header_name;      /* "ours" or "xen-4.17" */

/* Forget every lock, on every CPU; domain 0 becomes the control domain. */
void h_init(void);
/* Domain slot i: its id and flags. */
void h_dom_setup(unsigned int i, unsigned int domid, bool control,
                 bool hardware, int target_slot);
void h_cpu(unsigned int cpu);
/*
 * The domain making the hypercall.  Only the "current" variant (the
 * rejected bias for the caller's locks) reads it.
 */
void h_set_caller(unsigned int dom);
unsigned int h_cur_cpu(void);

enum h_result h_acquire(enum h_class c, unsigned int dom, unsigned int inst,
                        enum h_mode m);
enum h_result h_release(enum h_class c, unsigned int dom, unsigned int inst,
                        enum h_mode m);
/* The bias the header gives control-domain locks (0 if none). */
unsigned int h_bias(void);
/* The header's level for a class (MM_LOCK_ORDER_<name>). */
unsigned int h_class_level(enum h_class c);
bool h_class_is_rw(enum h_class c);
/* This CPU's current level as the header sees it (_get_lock_level()). */
unsigned int h_level(void);
/* Whether the CPU holds the lock (ours: its record; Xen's: the lock). */
bool h_locked_by_me(enum h_class c, unsigned int dom, unsigned int inst);

/* Captured printk output since the last clear. */
const char *h_log(void);
void h_log_clear(void);
/* Press a debug key; false if no handler is registered for it. */
bool h_debug_key(unsigned char key);

#endif /* HARNESS_H */
