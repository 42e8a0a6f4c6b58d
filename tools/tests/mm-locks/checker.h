/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One interface over the real mm-locks.h, ours or Xen 4.17's, for the unit
 * tests, the order model, the fuzzer and the benchmarks.  Each acquisition
 * goes through the header's own wrappers (paging_lock(), p2m_lock(),
 * p2m_read_lock(), lock_page_alloc()'s constraint hooks, ...), so what is
 * tested is what the hypervisor runs.
 */
#ifndef CHECKER_H
#define CHECKER_H

#include <stdbool.h>

/* The lock classes, in the order both headers list them. */
enum chk_class {
    CHK_NESTEDP2M,
    CHK_P2M,
    CHK_SHARING,          /* per_page_sharing order constraint */
    CHK_ALTP2MLIST,
    CHK_ALTP2M,
    CHK_POD,
    CHK_PAGE_ALLOC,       /* page_alloc order constraint + the real lock */
    CHK_PAGING,
    CHK_NR_CLASSES
};

enum chk_mode {
    CHK_WRITE,            /* spin lock, rwlock write, or the constraint */
    CHK_READ,             /* rwlock read (p2m, altp2m only) */
    CHK_RECURSIVE,        /* recursive spin lock (paging_lock_recursive) */
};

/* The outcome of one guarded operation: enum emul_event's values. */
enum chk_result {
    CHK_OK,
    CHK_BUG,
    CHK_PANIC,
    CHK_ASSERT,
    CHK_BLOCK,
};

#define CHK_NR_CPUS 4
#define CHK_NR_DOMS 4
#define CHK_NR_INST 2     /* p2m/altp2m tables per domain; 1 = a nested p2m */

extern const char *const chk_class_names[CHK_NR_CLASSES];
extern const char *const chk_result_names[];
extern const char *const chk_header_name;      /* "ours" or "xen-4.17" */

/* Forget every lock, on every CPU; domain 0 becomes the control domain. */
void chk_init(void);
/* Domain slot i: its id and flags. */
void chk_dom_setup(unsigned int i, unsigned int domid, bool control,
                   bool hardware, int target_slot);
/* Domain slot i is xenstore's domain (XEN_DOMCTL_CDF_xs_domain) or not. */
void chk_dom_xenstore(unsigned int i, bool xenstore);
void chk_cpu(unsigned int cpu);
/*
 * The domain making the hypercall.  Only the "current" variant (the
 * rejected bias for the caller's locks) reads it.
 */
void chk_set_caller(unsigned int dom);
unsigned int chk_cur_cpu(void);

enum chk_result chk_acquire(enum chk_class c, unsigned int dom,
                            unsigned int inst, enum chk_mode m);
enum chk_result chk_release(enum chk_class c, unsigned int dom,
                            unsigned int inst, enum chk_mode m);
/* The bias the header gives control-domain locks (0 if none). */
unsigned int chk_bias(void);
/* The bias it gives a device model's locks (d->target set; 0 if none). */
unsigned int chk_dm_bias(void);
/* The header's level for a class (MM_LOCK_ORDER_<name>). */
unsigned int chk_class_level(enum chk_class c);
bool chk_class_is_rw(enum chk_class c);
/* This CPU's current level as the header sees it (_get_lock_level()). */
unsigned int chk_level(void);
/* Whether the CPU holds the lock (ours: its record; Xen's: the lock). */
bool chk_locked_by_me(enum chk_class c, unsigned int dom, unsigned int inst);

/*
 * The function the header names as the holder of a lock on this CPU, as
 * shadow's recursive-fault message prints it ("nobody" if none); NULL for
 * a class that has no such name (the order constraints).
 */
const char *chk_holder(enum chk_class c, unsigned int dom, unsigned int inst);

/* Captured printk output since the last clear. */
const char *chk_log(void);
void chk_log_clear(void);
/* Press a debug key; false if no handler is registered for it. */
bool chk_debug_key(unsigned char key);

#endif /* CHECKER_H */

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
