/* SPDX-License-Identifier: GPL-2.0-or-later */
/******************************************************************************
 * arch/x86/mm/mm-locks.h
 *
 * Spinlocks used by the code in arch/x86/mm.
 *
 * Copyright (c) 2011 Citrix Systems, inc.
 * Copyright (c) 2007 Advanced Micro Devices (Wei Huang)
 * Copyright (c) 2006-2007 XenSource Inc.
 * Copyright (c) 2006 Michael A Fetterman
 * Copyright (c) 2026 The authors of the mm lock-order checker
 */

/*
 * Lock-order checking for the x86 memory-management locks.
 *
 * Deadlock freedom among the mm locks rests on one global order.  Each lock
 * class has a level, and a domain's locks must be taken in increasing level.
 * Every lock of the control domain ranks above every lock of any other
 * domain: its level is the class level plus MM_LOCK_BIAS.  A device model's
 * locks rank between the two (see "Tiers" below).  Hypercalls that
 * take a subject domain's locks and then touch the caller's memory (e.g.
 * paging_log_dirty_op copying the dirty bitmap into dom0's buffer, which
 * takes dom0's p2m lock when dom0 is a paging domain) are therefore legal
 * for the control domain, while the order stays independent of who calls:
 * any pair of flows that could deadlock trips the check in one of them.
 * A bias for the calling domain instead was turned down in the xen-devel
 * review of December 2018 ("x86/mm-locks: apply a bias to lock levels for
 * current domain") for that reason: the order would change with the
 * caller, and two domains acting on each other could deadlock unchecked.
 *
 * Locks of equal level (tier included) on different domains must be taken
 * in increasing domain id, the convention mem_sharing's get_two_gfns()
 * follows.  Memory sharing is also the one user that breaks it:
 * mem_sharing_fork_page() locks a fork's p2m and then its parent's,
 * whatever their ids, so with CONFIG_MEM_SHARING equal levels are left
 * unordered, as upstream does.
 *
 * Each CPU keeps the mm locks it holds on a small stack.  Because every
 * push is checked against the top, the stack is sorted, so the top is the
 * highest lock still held whatever order locks are released in.  Read locks
 * are recorded like write locks: taking a lower lock while holding a read
 * lock is the same inversion.
 */

#ifndef _MM_LOCKS_H
#define _MM_LOCKS_H

/*
 * The lock classes, in the order they must be taken.  This table is the
 * single source of truth for the levels: the checker, its report and the
 * user-space order model (tools/tests/mm-locks) all expand it.
 *
 *   X(name, level, kind)
 *
 * kind is MM_LOCK_SPIN (mm_lock_t, recursive or not), MM_LOCK_RW
 * (mm_rwlock_t: recursive write, read) or MM_LOCK_ORDER (an external lock
 * that only declares its place in the order).  The levels are upstream's,
 * eight apart; a class's place follows from the nestings the mm code
 * performs, each lock below every lock taken while it is held.
 *
 * nestedp2m (per domain) guards the mapping from a guest's nested CR3 to
 * the nested p2m that shadows it: the array of nested p2m tables and their
 * LRU order, and the assignment of a table to a CR3 (setting a p2m's cr3
 * field to anything but P2M_BASE_EADDR).  Finding or flushing a nested p2m
 * locks that p2m under it, so it comes first.
 *
 * p2m (per host p2m table, nested p2ms included) guards every lookup and
 * update of the table.  Lookups may take it for reading, changes need it
 * for writing; the write lock is recursive because a path commonly looks
 * a gfn up and then changes it.  A device model's copy to or from its own
 * memory under its target's p2m lock (track_dirty_vram, set_access_multi)
 * takes its own p2m lock there, which the device-model tier (below) makes
 * legal.  Host and alternate p2ms share the
 * implementation but are two classes: in altp2m mode a change to the host
 * p2m is propagated to every view synchronously (ept_set_entry()), under
 * the host p2m lock, by walking the view list and locking each view.  With
 * altp2mlist between the two classes that propagation is in order.
 *
 * per_page_sharing is an order constraint on the memory-sharing page lock
 * (a page_lock() on the shared page, not an mm_lock_t).  That lock guards
 * the set of (domain, gfn) pairs that share the page; mem_sharing takes
 * it with the gfn's p2m lock held (get_gfn(), get_two_gfns()), hence its
 * place after p2m.  It is recursive because sharing locks two pages, in
 * mfn order.  It carries no domain: mem_sharing does not name one.
 *
 * altp2mlist (per domain) guards the list of alternate p2ms: walking the
 * list needs it, and destroying a view also needs every vCPU of the domain
 * paused.  It is taken after the host p2m and before the views.
 *
 * altp2m (per alternate p2m) guards a view's table as p2m guards the host
 * table, with the same read and recursive write use.
 *
 * pod (per p2m) guards the populate-on-demand bookkeeping: the entry and
 * cache counts, the page lists and the sweep state.  PoD runs under the
 * p2m lock of the gfn it populates, so it ranks above both p2m classes.
 *
 * page_alloc is an order constraint on d->page_alloc_lock, which is no
 * mm_lock_t either and which the PoD code takes to move pages between the
 * domain and its PoD cache, with the pod lock held.  The lock is not
 * recursive.
 *
 * paging (per domain) guards the paging-mode state.  For shadow paging:
 * every change to shadow and guest page-table pages, the shadow hash table
 * and allocator, page_info's tlbflush_timestamp and the count fields of
 * shadow pages.  For HAP: the NPT/EPT tables and mode changes.  In both it
 * guards the log-dirty bitmap against concurrent use and teardown.  It
 * ranks last because the p2m code reaches it with its own locks held: a
 * p2m update allocates table pages from the paging pool and marks pages
 * dirty, both under the paging lock.  It is taken recursively where the
 * shadow and log-dirty code, which already hold it, call those same paths.
 * A log-dirty operation that copies the bitmap into a paging control
 * domain's buffer takes that domain's p2m lock under it, which only the
 * control-domain bias (above) makes legal.
 */
#define MM_LOCK_CLASSES(X)                      \
    X(nestedp2m,         8, MM_LOCK_SPIN)       \
    X(p2m,              16, MM_LOCK_RW)         \
    X(per_page_sharing, 24, MM_LOCK_ORDER)      \
    X(altp2mlist,       32, MM_LOCK_SPIN)       \
    X(altp2m,           40, MM_LOCK_RW)         \
    X(pod,              48, MM_LOCK_SPIN)       \
    X(page_alloc,       56, MM_LOCK_ORDER)      \
    X(paging,           64, MM_LOCK_SPIN)

enum mm_lock_kind {
    MM_LOCK_SPIN,
    MM_LOCK_RW,
    MM_LOCK_ORDER,
};

#define MM_LOCK_LEVEL_ENUM(name, level, kind) MM_LOCK_ORDER_##name = (level),
enum { MM_LOCK_CLASSES(MM_LOCK_LEVEL_ENUM) };
#undef MM_LOCK_LEVEL_ENUM

/*
 * Tiers.  A lock's key is its domain's tier, then its class level, then its
 * domain id, compared in that order:
 *
 *   tier 2  is_control_domain(d): the control domain's locks rank above
 *           every other domain's (the log-dirty copy into a PVH dom0's
 *           buffer under a guest's paging lock);
 *   tier 1  d->target != NULL: d is another domain's device model;
 *   tier 0  every other domain, and the order constraints with no domain.
 *
 * Tier 1 exists for the hypercalls a device model makes on its target that
 * copy to or from the caller's memory with the target's p2m lock held:
 * XEN_DMOP_track_dirty_vram on a shadow-paged guest (the target's p2m lock,
 * then copy_to_guest() of the bitmap) and the set_access_multi operations
 * of XENMEM_access_op and HVMOP_altp2m (the target's p2m, and for a view
 * other than 0 its altp2m, across copy_from_guest_offset()).  For a
 * translated caller the copy takes the caller's own p2m lock.  With equal
 * levels ordered by domain id alone, a device model whose id is below its
 * target's would BUG on a flow Xen accepts, and a view other than 0 would
 * BUG whatever the ids.
 *
 * This stays one global order, as the xen-devel review of December 2018
 * asked: a domain's tier depends on the domain only, never on who calls.
 * is_privileged is set when the domain is built; d->target is set once by
 * XEN_DOMCTL_set_target, which refuses a domain that already has a target
 * (and a domain as its own target), and is never cleared while d lives.
 * The control domain is tier 2 whether or not it has a target.
 * _mm_dom_key() below is the one place that decides a tier; nothing a
 * guest controls, and nothing about the caller, may feed it, or two
 * domains acting on each other could rank each other's locks as they
 * please and deadlock unchecked.
 *
 * The one change a tier sees is that set_target: a domain's tier goes from
 * 0 to 1 once, possibly while some CPU holds its locks.  A held lock keeps
 * the key it was pushed with: releases find their entry by lock (an order
 * constraint by the key its caller kept), so they balance in any order.
 * Held keys are never above the new ones, so the window causes no false
 * report; it can only let through, once, a nesting of a lock taken before
 * the change with one taken after it that the new order would refuse.  As
 * soon as the locks held across the change are released, every check is
 * against the new order, and a flow that could deadlock trips it again.
 *
 * Test-only: MM_LOCK_TEST_NO_BIAS builds the checker with no tier above 0
 * at all, for the negative controls of the boot tests, and
 * MM_LOCK_TEST_NO_TIERS keeps the control-domain tier but drops tier 1
 * (the checker before device-model tiers), for the negative controls of
 * the user-space tests.  Neither is ever offered in Kconfig or on the
 * command line.
 */
#define MM_LOCK_LEVEL_LIMIT     128 /* every class level is below it */
#define MM_LOCK_TIER_GUEST        0
#define MM_LOCK_TIER_DM           1
#define MM_LOCK_TIER_CONTROL      2
#define MM_LOCK_NR_TIERS          3
/* A tier raises the level by this much: tiers never interleave. */
#define MM_LOCK_TIER_LEVEL(tier)  ((tier) * MM_LOCK_LEVEL_LIMIT)
#define MM_LOCK_TIER_OF(level)    ((level) / MM_LOCK_LEVEL_LIMIT)
#ifdef MM_LOCK_TEST_NO_BIAS
#define MM_LOCK_BIAS              0
#define MM_LOCK_DM_BIAS           0
#elif defined(MM_LOCK_TEST_NO_TIERS)
#define MM_LOCK_BIAS            MM_LOCK_TIER_LEVEL(MM_LOCK_TIER_CONTROL)
#define MM_LOCK_DM_BIAS           0
#else
#define MM_LOCK_BIAS            MM_LOCK_TIER_LEVEL(MM_LOCK_TIER_CONTROL)
#define MM_LOCK_DM_BIAS         MM_LOCK_TIER_LEVEL(MM_LOCK_TIER_DM)
#endif

/* Domain id recorded for the order constraints that have no domain. */
#define MM_LOCK_NO_DOMAIN   0xffffU

/*
 * A held lock's key: its effective level (tier level plus class level),
 * then its domain id, so that one unsigned comparison checks the tier, the
 * level and the domain-id tie-break.
 */
#define MM_LOCK_KEY(level, domid) (((unsigned int)(level) << 16) | (domid))
#define MM_LOCK_KEY_LEVEL(key)    ((key) >> 16)
#define MM_LOCK_KEY_DOMID(key)    ((key) & 0xffffU)

/* The part of a key that orders: see the top of this file. */
#ifdef CONFIG_MEM_SHARING
#define MM_LOCK_ORDER_MASK  (~0xffffU)
#else
#define MM_LOCK_ORDER_MASK  (~0U)
#endif

/* Locks one CPU can hold at once; slot 0 is a sentinel of key 0. */
#define MM_LOCK_DEPTH           16

struct mm_lock_held {
    unsigned int key;
    const void *lock;           /* NULL for an order constraint */
    const char *func;           /* who took it */
};

/*
 * top is the byte offset of the top entry in held[], not its index: the
 * hot path then needs no multiplication by the entry size.
 */
struct mm_lock_cpu {
    unsigned int top;
    struct mm_lock_held held[MM_LOCK_DEPTH + 1];
};
#define MM_LOCK_TOP(c) \
    ((struct mm_lock_held *)((char *)(c)->held + (c)->top))
#define MM_LOCK_TOP_MAX (MM_LOCK_DEPTH * sizeof(struct mm_lock_held))
#define MM_LOCK_DEPTH_OF(c) ((c)->top / sizeof(struct mm_lock_held))

DECLARE_PER_CPU(struct mm_lock_cpu, mm_lock_cpu);

DECLARE_PERCPU_RWLOCK_GLOBAL(p2m_percpu_rwlock);

/* The slow paths, out of line in mm-locks.c. */
void noreturn mm_lock_order_violation(unsigned int key, const void *lock,
                                      const char *func);
void noreturn mm_lock_retaken(const void *lock, const char *func);
void noreturn mm_lock_overflow(unsigned int key, const char *func);
void mm_lock_release_slow(const void *lock, unsigned int key);
void mm_lock_dump_cpu(unsigned int cpu);
/* Who took lock on this CPU ("nobody" if it does not hold it). */
const char *mm_lock_holder(const void *lock);

/*
 * Coverage, in debug builds only: every acquisition is counted by call
 * site (function and class), and every distinct nesting of a new lock
 * inside the highest held one is recorded; the 'K' debug key prints both.
 * Release builds compile it out, so their lock path is unchanged.
 */
#ifdef CONFIG_DEBUG
void mm_lock_cover(const struct mm_lock_held *top, unsigned int key,
                   const void *lock, const char *func);
/* A re-take of a lock this CPU holds: a site reached, nothing nested. */
void mm_lock_cover_again(unsigned int key, const char *func);
#else
#define mm_lock_cover(top, key, lock, func) ((void)0)
#define mm_lock_cover_again(key, func)      ((void)0)
#endif

/* What a tier adds to a key. */
#define MM_LOCK_TIER_KEY(tier)    MM_LOCK_KEY(MM_LOCK_TIER_LEVEL(tier), 0)

/*
 * The key of a lock of domain d: its tier, class level and domain id.
 * This is the one place that decides a domain's tier (see "Tiers" above).
 * A domain without a target, the common case, pays one test and a branch
 * on top of the control-domain bias; the control domain is tier 2 whether
 * or not it has a target.
 */
static always_inline unsigned int _mm_dom_key(const struct domain *d,
                                              unsigned int level)
{
    unsigned int key = MM_LOCK_KEY(level, d->domain_id);

#ifndef MM_LOCK_TEST_NO_BIAS
    key += is_control_domain(d) * MM_LOCK_TIER_KEY(MM_LOCK_TIER_CONTROL);
#ifndef MM_LOCK_TEST_NO_TIERS
    if ( unlikely(d->target) && key < MM_LOCK_TIER_KEY(MM_LOCK_TIER_CONTROL) )
        key += MM_LOCK_TIER_KEY(MM_LOCK_TIER_DM);
#endif
#endif

    return key;
}

static always_inline void _mm_order_check(const struct mm_lock_cpu *c,
                                          unsigned int key, const void *lock,
                                          const char *func)
{
    if ( unlikely((key & MM_LOCK_ORDER_MASK) <
                  (MM_LOCK_TOP(c)->key & MM_LOCK_ORDER_MASK)) )
        mm_lock_order_violation(key, lock, func);
}

static always_inline void _mm_push(struct mm_lock_cpu *c, unsigned int key,
                                   const void *lock, const char *func)
{
    unsigned int top = c->top + sizeof(struct mm_lock_held);
    struct mm_lock_held *h;

    if ( unlikely(top > MM_LOCK_TOP_MAX) )
        mm_lock_overflow(key, func);

    mm_lock_cover(MM_LOCK_TOP(c), key, lock, func);
    c->top = top;
    h = MM_LOCK_TOP(c);
    h->key = key;
    h->lock = lock;
    h->func = func;
}

static always_inline void _mm_release_lock(const void *lock)
{
    struct mm_lock_cpu *c = &this_cpu(mm_lock_cpu);

    if ( likely(MM_LOCK_TOP(c)->lock == lock) )
        c->top -= sizeof(struct mm_lock_held);
    else
        mm_lock_release_slow(lock, 0);
}

/* The effective level of the highest lock this CPU holds; 0 if none. */
static inline unsigned int _get_lock_level(void)
{
    const struct mm_lock_cpu *c = &this_cpu(mm_lock_cpu);

    return MM_LOCK_KEY_LEVEL(MM_LOCK_TOP(c)->key);
}

/*
 * Recursive spinlocks: Xen 4.19 made them a type of their own, rspinlock_t,
 * with their own functions (spin_lock_recursive() became rspin_lock(), and
 * so on).  xen/spinlock.h defines the macro rspin_lock_init exactly when
 * that type exists, so this one test is all that differs between the Xen
 * lines the checker is built for.
 */
#ifdef rspin_lock_init
#define _mm_rspin_lock_init(l)  rspin_lock_init(l)
#define _mm_rspin_lock(l)       rspin_lock(l)
#define _mm_rspin_unlock(l)     rspin_unlock(l)
#else
#define _mm_rspin_lock_init(l)  spin_lock_init(l)
#define _mm_rspin_lock(l)       spin_lock_recursive(l)
#define _mm_rspin_unlock(l)     spin_unlock_recursive(l)
#endif

static inline void mm_lock_init(mm_lock_t *l)
{
    _mm_rspin_lock_init(&l->lock);
    l->locker = -1;
    l->locker_function = "nobody";
    l->unlock_level = 0;
}

static inline bool mm_locked_by_me(const mm_lock_t *l)
{
    return l->lock.recurse_cpu == current->processor;
}

static always_inline void _mm_lock(const struct domain *d, mm_lock_t *l,
                                   const char *func, unsigned int level,
                                   bool rec)
{
    struct mm_lock_cpu *c;
    unsigned int key;

    if ( rec && mm_locked_by_me(l) )
    {
        mm_lock_cover_again(_mm_dom_key(d, level), func);
        _mm_rspin_lock(&l->lock);
        return;
    }

    c = &this_cpu(mm_lock_cpu);
    key = _mm_dom_key(d, level);
    _mm_order_check(c, key, l, func);
    _mm_rspin_lock(&l->lock);
    if ( unlikely(l->lock.recurse_cnt != 1) )
        mm_lock_retaken(l, func);
    _mm_push(c, key, l, func);
}

static inline void mm_unlock(mm_lock_t *l)
{
    if ( l->lock.recurse_cnt == 1 )
        _mm_release_lock(l);
    _mm_rspin_unlock(&l->lock);
}

static inline void mm_rwlock_init(mm_rwlock_t *l)
{
    percpu_rwlock_resource_init(&l->lock, p2m_percpu_rwlock);
    l->locker = -1;
    l->locker_function = "nobody";
    l->unlock_level = 0;
}

static inline int mm_write_locked_by_me(mm_rwlock_t *l)
{
    return l->locker == smp_processor_id();
}

static always_inline void _mm_write_lock(const struct domain *d,
                                         mm_rwlock_t *l, const char *func,
                                         unsigned int level)
{
    if ( !mm_write_locked_by_me(l) )
    {
        struct mm_lock_cpu *c = &this_cpu(mm_lock_cpu);
        unsigned int key = _mm_dom_key(d, level);

        _mm_order_check(c, key, l, func);
        percpu_write_lock(p2m_percpu_rwlock, &l->lock);
        l->locker = smp_processor_id();
        _mm_push(c, key, l, func);
    }
    else
    {
        mm_lock_cover_again(_mm_dom_key(d, level), func);
        block_lock_speculation();
    }
    l->recurse_count++;
}

static inline void mm_write_unlock(mm_rwlock_t *l)
{
    if ( --(l->recurse_count) != 0 )
        return;
    l->locker = -1;
    _mm_release_lock(l);
    percpu_write_unlock(p2m_percpu_rwlock, &l->lock);
}

static always_inline void _mm_read_lock(const struct domain *d,
                                        mm_rwlock_t *l, const char *func,
                                        unsigned int level)
{
    struct mm_lock_cpu *c = &this_cpu(mm_lock_cpu);
    unsigned int key = _mm_dom_key(d, level);

    _mm_order_check(c, key, l, func);
    percpu_read_lock(p2m_percpu_rwlock, &l->lock);
    _mm_push(c, key, l, func);
}

static inline void mm_read_unlock(mm_rwlock_t *l)
{
    _mm_release_lock(l);
    percpu_read_unlock(p2m_percpu_rwlock, &l->lock);
}

/*
 * Order constraints for locks that are not mm locks.  The caller keeps an
 * int between post_lock and unlock (upstream's "unlock level"); we keep the
 * constraint's key in it, which is how the unlock finds its entry.
 */
static inline void _mm_enforce_order_lock_pre(unsigned int key,
                                              const char *func)
{
    _mm_order_check(&this_cpu(mm_lock_cpu), key, NULL, func);
}

static inline void _mm_enforce_order_lock_post(unsigned int key,
                                               int *unlock_level,
                                               unsigned short *recurse_count,
                                               const char *func)
{
    struct mm_lock_cpu *c = &this_cpu(mm_lock_cpu);

    /* The pre_lock hook checked the order; nothing was taken since. */
    if ( recurse_count && (*recurse_count)++ != 0 )
        return;

    *unlock_level = key;
    _mm_push(c, key, NULL, func);
}

static inline void mm_enforce_order_unlock(int unlock_level,
                                           unsigned short *recurse_count)
{
    struct mm_lock_cpu *c = &this_cpu(mm_lock_cpu);
    const struct mm_lock_held *top = MM_LOCK_TOP(c);

    if ( recurse_count )
    {
        BUG_ON(*recurse_count == 0);
        if ( --(*recurse_count) != 0 )
            return;
    }

    /* Only constraints have their levels, so the key alone identifies. */
    if ( likely(top->key == (unsigned int)unlock_level) )
        c->top -= sizeof(struct mm_lock_held);
    else
        mm_lock_release_slow(NULL, unlock_level);
}

/* The wrappers are generated per class, naming the calling function. */
#define declare_mm_lock(name)                                               \
    static always_inline void mm_lock_##name(                               \
        const struct domain *d, mm_lock_t *l, const char *func, bool rec)   \
    {                                                                       \
        _mm_lock(d, l, func, MM_LOCK_ORDER_##name, rec);                    \
    }
#define declare_mm_rwlock(name)                                             \
    static always_inline void mm_write_lock_##name(                         \
        const struct domain *d, mm_rwlock_t *l, const char *func)           \
    {                                                                       \
        _mm_write_lock(d, l, func, MM_LOCK_ORDER_##name);                   \
    }                                                                       \
    static always_inline void mm_read_lock_##name(                          \
        const struct domain *d, mm_rwlock_t *l, const char *func)           \
    {                                                                       \
        _mm_read_lock(d, l, func, MM_LOCK_ORDER_##name);                    \
    }
#define declare_mm_order_constraint(name)                                   \
    static inline void mm_enforce_order_lock_pre_##name(                    \
        const struct domain *d, const char *func)                           \
    {                                                                       \
        _mm_enforce_order_lock_pre(_mm_dom_key(d, MM_LOCK_ORDER_##name),    \
                                   func);                                   \
    }                                                                       \
    static inline void mm_enforce_order_lock_post_##name(                   \
        const struct domain *d, int *unlock_level,                          \
        unsigned short *recurse_count, const char *func)                    \
    {                                                                       \
        _mm_enforce_order_lock_post(_mm_dom_key(d, MM_LOCK_ORDER_##name),   \
                                    unlock_level, recurse_count, func);     \
    }
/* A constraint on a lock that belongs to no domain. */
#define MM_LOCK_GLOBAL_KEY(name) \
    MM_LOCK_KEY(MM_LOCK_ORDER_##name, MM_LOCK_NO_DOMAIN)
#define declare_mm_global_order_constraint(name)                            \
    static inline void mm_enforce_order_lock_pre_##name(const char *func)   \
    {                                                                       \
        _mm_enforce_order_lock_pre(MM_LOCK_GLOBAL_KEY(name), func);         \
    }                                                                       \
    static inline void mm_enforce_order_lock_post_##name(                   \
        int *unlock_level, unsigned short *recurse_count, const char *func) \
    {                                                                       \
        _mm_enforce_order_lock_post(MM_LOCK_GLOBAL_KEY(name), unlock_level, \
                                    recurse_count, func);                   \
    }

#define mm_lock(name, d, l)           mm_lock_##name(d, l, __func__, false)
#define mm_lock_recursive(name, d, l) mm_lock_##name(d, l, __func__, true)
#define mm_write_lock(name, d, l)     mm_write_lock_##name(d, l, __func__)
#define mm_read_lock(name, d, l)      mm_read_lock_##name(d, l, __func__)

#ifdef CONFIG_HVM

declare_mm_lock(nestedp2m)
#define nestedp2m_lock(d)   mm_lock(nestedp2m, d, &(d)->arch.nested_p2m_lock)
#define nestedp2m_unlock(d) mm_unlock(&(d)->arch.nested_p2m_lock)

declare_mm_rwlock(p2m)

declare_mm_global_order_constraint(per_page_sharing)
#define page_sharing_mm_pre_lock() \
    mm_enforce_order_lock_pre_per_page_sharing(__func__)
#define page_sharing_mm_post_lock(l, r) \
    mm_enforce_order_lock_post_per_page_sharing((l), (r), __func__)
#define page_sharing_mm_unlock(l, r) mm_enforce_order_unlock((l), (r))

declare_mm_lock(altp2mlist)
#define altp2m_list_lock(d)   mm_lock(altp2mlist, d, \
                                      &(d)->arch.altp2m_list_lock)
#define altp2m_list_unlock(d) mm_unlock(&(d)->arch.altp2m_list_lock)

declare_mm_rwlock(altp2m)

/*
 * A macro, not a function, so that the held-lock record and the violation
 * report name the function that wanted the p2m, not p2m_lock itself.
 */
#define p2m_lock(p) _p2m_lock(p, __func__)
static always_inline void _p2m_lock(struct p2m_domain *p, const char *func)
{
    if ( p2m_is_altp2m(p) )
        mm_write_lock_altp2m(p->domain, &p->lock, func);
    else
        mm_write_lock_p2m(p->domain, &p->lock, func);
    p->defer_flush++;
}

static inline void p2m_unlock(struct p2m_domain *p)
{
    if ( --p->defer_flush == 0 )
        p2m_unlock_and_tlb_flush(p);
    else
        mm_write_unlock(&p->lock);
}

#define gfn_lock(p, g, o)     p2m_lock(p)
#define gfn_unlock(p, g, o)   p2m_unlock(p)
#define p2m_read_lock(p)      mm_read_lock(p2m, (p)->domain, &(p)->lock)
#define p2m_read_unlock(p)    mm_read_unlock(&(p)->lock)
#define p2m_locked_by_me(p)   mm_write_locked_by_me(&(p)->lock)
#define gfn_locked_by_me(p, g) p2m_locked_by_me(p)

#define gfn_lock_if(c, p, g, o) _gfn_lock_if(c, p, __func__)
static always_inline void _gfn_lock_if(bool condition, struct p2m_domain *p,
                                       const char *func)
{
    if ( condition )
        _p2m_lock(p, func);
    else
        block_lock_speculation();
}

declare_mm_lock(pod)
#define pod_lock(p)           mm_lock(pod, (p)->domain, &(p)->pod.lock)
#define pod_unlock(p)         mm_unlock(&(p)->pod.lock)
#define pod_locked_by_me(p)   mm_locked_by_me(&(p)->pod.lock)

#endif /* CONFIG_HVM */

declare_mm_order_constraint(page_alloc)
#define page_alloc_mm_pre_lock(d) \
    mm_enforce_order_lock_pre_page_alloc(d, __func__)
#define page_alloc_mm_post_lock(d, l) \
    mm_enforce_order_lock_post_page_alloc(d, &(l), NULL, __func__)
#define page_alloc_mm_unlock(l)   mm_enforce_order_unlock((l), NULL)

declare_mm_lock(paging)
#define paging_lock(d)           mm_lock(paging, d, &(d)->arch.paging.lock)
#define paging_lock_recursive(d) \
    mm_lock_recursive(paging, d, &(d)->arch.paging.lock)
#define paging_unlock(d)         mm_unlock(&(d)->arch.paging.lock)
#define paging_locked_by_me(d)   mm_locked_by_me(&(d)->arch.paging.lock)

#endif /* _MM_LOCKS_H */

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
