/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A reference model of the mm lock order, for the differential fuzzer.  It
 * is written from the specification, not from mm-locks.h, and is meant to
 * be small enough to check by reading:
 *
 * - A lock ranks by (effective level, domain id), compared level first.
 *   The effective level is the class level, plus the bias when the lock's
 *   domain is the control domain, or else plus the device-model bias when
 *   the lock's domain has a target (is a device model).  The sharing
 *   constraint has no domain and ranks as domain id 0xffff, with no bias.
 * - A domain's roles are fixed for a program (the fuzzer does not change
 *   a target mid-program; the unit tests do).
 * - Each CPU keeps an unordered multiset of what it holds; the current rank
 *   is its maximum.  Taking a lock that ranks below the current rank BUGs.
 *   Releases may come in any order; the level is recomputed from what is
 *   still held.
 * - Read locks are held like any other lock.
 *
 * Recursion and re-takes (the choices the fuzzer documents):
 * - Re-taking a spin lock this CPU holds, recursively, and re-taking an
 *   rwlock this CPU holds for write, only count: no order check.
 * - Re-taking a spin lock this CPU holds, non-recursively, panics, whatever
 *   the order.
 * - The sharing constraint counts recursion per CPU but checks the order on
 *   every acquisition, as mem_sharing's page lock does; only the first
 *   acquisition is recorded.
 * - A lock held by another CPU: the order check comes first (it BUGs even
 *   though the CPU would wait, as in Xen, where the check precedes the
 *   spin); if it passes the CPU would wait: REF_WAIT, no state changes.
 * - Outside the checker's contract, refused without a verdict: reading an
 *   rwlock this CPU reads already (Xen ASSERTs), read-to-write or
 *   write-to-read on one CPU and re-taking page_alloc (self-deadlocks), and
 *   recursion deeper than REF_MAX_RECURSION (Xen's counters are finite).
 * - A CPU records at most REF_MAX_HELD locks; one more BUGs.
 */
#ifndef REF_ORDER_H
#define REF_ORDER_H

#include <stdbool.h>

#include "checker.h"    /* enum chk_class and enum chk_mode, for their names */

#define REF_BIAS            256     /* control domain: tier 2 */
#define REF_DM_BIAS         128     /* device model: tier 1 */
#define REF_NO_DOMID        0xffffU
#define REF_MAX_HELD        16
#define REF_MAX_RECURSION   8
#define REF_NR_CPUS         CHK_NR_CPUS
#define REF_NR_DOMS         CHK_NR_DOMS
#define REF_NR_INST         CHK_NR_INST

enum ref_verdict {
    REF_OK,
    REF_BUG_ORDER,      /* mm locking order violation */
    REF_BUG_FULL,       /* the per-CPU record is full */
    REF_PANIC,          /* non-recursive re-take */
    REF_WAIT,           /* held elsewhere, order fine: would wait */
    REF_SKIP_SELF_DEADLOCK,
    REF_SKIP_MISUSE,
};

struct ref_dom {
    unsigned int domid;
    bool control;
    bool device_model;          /* has a target */
};

extern const char *const ref_verdict_names[];

/*
 * Forget everything; domain slot i becomes doms[i].  bias and dm_bias are
 * REF_BIAS and REF_DM_BIAS, the specified ones, unless a test compares
 * against a header with others.
 */
void ref_reset(const struct ref_dom doms[REF_NR_DOMS], unsigned int bias,
               unsigned int dm_bias);
/* The specified level of a class (no bias). */
unsigned int ref_class_level(enum chk_class c);
/* Refusals (REF_SKIP_*) and REF_WAIT leave the state unchanged. */
enum ref_verdict ref_acquire(unsigned int cpu, enum chk_class c,
                             unsigned int dom, unsigned int inst,
                             enum chk_mode mode);
/* False, and nothing changes, unless the CPU holds the lock in that mode. */
bool ref_release(unsigned int cpu, enum chk_class c, unsigned int dom,
                 unsigned int inst, enum chk_mode mode);
/* The effective level of the highest lock the CPU holds; 0 if none. */
unsigned int ref_level(unsigned int cpu);

/* What a CPU holds, for the fuzzer to pick releases from. */
unsigned int ref_nr_held(unsigned int cpu);
void ref_held(unsigned int cpu, unsigned int i, enum chk_class *c,
              unsigned int *dom, unsigned int *inst, enum chk_mode *mode);
/* Whether the CPU holds the lock; if so, *mode says how. */
bool ref_holds(unsigned int cpu, enum chk_class c, unsigned int dom,
               unsigned int inst, enum chk_mode *mode);
/* The dom and inst the model uses for a lock: 0 where they do not apply. */
void ref_normalise(enum chk_class c, unsigned int *dom, unsigned int *inst);

#endif /* REF_ORDER_H */

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
