/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arch/x86/mm/mm-locks.c
 *
 * The per-CPU record of held mm locks, and the slow paths of the checker in
 * mm-locks.h: the violation report, out-of-order release, and the debug key
 * that shows what every CPU holds when a host hangs.
 */

#include <xen/init.h>
#include <xen/keyhandler.h>
#include <xen/lib.h>
#include <xen/percpu.h>
#include <xen/sched.h>
#include <asm/p2m.h>

#include "mm-locks.h"

DEFINE_PER_CPU(struct mm_lock_cpu, mm_lock_cpu);

static const struct mm_lock_class {
    const char *name;
    unsigned int level;
    enum mm_lock_kind kind;
} mm_lock_classes[] = {
#define MM_LOCK_CLASS_ENTRY(n, l, k) { #n, l, k },
    MM_LOCK_CLASSES(MM_LOCK_CLASS_ENTRY)
#undef MM_LOCK_CLASS_ENTRY
};

/* Long enough for "per_page_sharing of d32767 (64+control)". */
#define MM_LOCK_DESC_LEN 48

/* How a report names each tier above 0, after the class level. */
static const char *const mm_lock_tier_names[MM_LOCK_NR_TIERS] = {
    [MM_LOCK_TIER_DM] = "dm",
    [MM_LOCK_TIER_CONTROL] = "control",
};

static const struct mm_lock_class *mm_lock_class_of(unsigned int level)
{
    unsigned int i;

    level %= MM_LOCK_LEVEL_LIMIT;

    for ( i = 0; i < ARRAY_SIZE(mm_lock_classes); i++ )
        if ( mm_lock_classes[i].level == level )
            return &mm_lock_classes[i];

    return NULL;
}

static void mm_lock_describe(char *buf, unsigned int key)
{
    unsigned int level = MM_LOCK_KEY_LEVEL(key);
    unsigned int domid = MM_LOCK_KEY_DOMID(key);
    const struct mm_lock_class *cls = mm_lock_class_of(level);
    const char *name = cls ? cls->name : "unknown";
    char dom[16] = "";

    if ( domid != MM_LOCK_NO_DOMAIN )
        snprintf(dom, sizeof(dom), " of d%u", domid);

    if ( level >= MM_LOCK_LEVEL_LIMIT &&
         MM_LOCK_TIER_OF(level) < MM_LOCK_NR_TIERS )
        snprintf(buf, MM_LOCK_DESC_LEN, "%s%s (%u+%s)", name, dom,
                 level % MM_LOCK_LEVEL_LIMIT,
                 mm_lock_tier_names[MM_LOCK_TIER_OF(level)]);
    else
        snprintf(buf, MM_LOCK_DESC_LEN, "%s%s (%u)", name, dom, level);
}

static const char *mm_lock_mode(const struct mm_lock_held *h,
                                unsigned int cpu)
{
    const struct mm_lock_class *cls =
        mm_lock_class_of(MM_LOCK_KEY_LEVEL(h->key));

    if ( !cls )
        return "?";

    switch ( cls->kind )
    {
    case MM_LOCK_RW:
        return ((const mm_rwlock_t *)h->lock)->locker == cpu ? "write"
                                                              : "read";
    case MM_LOCK_ORDER:
        return "order";
    default:
        return ((const mm_lock_t *)h->lock)->lock.recurse_cnt > 1
               ? "recursive" : "lock";
    }
}

void mm_lock_dump_cpu(unsigned int cpu)
{
    const struct mm_lock_cpu *c = &per_cpu(mm_lock_cpu, cpu);
    unsigned int i, depth = ACCESS_ONCE(c->top) / sizeof(c->held[0]);
    char desc[MM_LOCK_DESC_LEN];

    if ( depth > MM_LOCK_DEPTH )
    {
        printk("  CPU%u: mm lock record corrupt (depth %u)\n", cpu, depth);
        return;
    }
    if ( !depth )
    {
        printk("  CPU%u holds no mm locks\n", cpu);
        return;
    }

    printk("  mm locks held on CPU%u, outermost first:\n", cpu);
    for ( i = 1; i <= depth; i++ )
    {
        const struct mm_lock_held *h = &c->held[i];

        mm_lock_describe(desc, h->key);
        printk("    [%u] %s %s taken in %s\n", i - 1, desc,
               mm_lock_mode(h, cpu), h->func ?: "?");
    }
}

static const struct mm_lock_held *mm_lock_find(const struct mm_lock_cpu *c,
                                               const void *lock,
                                               unsigned int key)
{
    unsigned int i;

    for ( i = MM_LOCK_DEPTH_OF(c); i > 0; i-- )
        if ( c->held[i].lock == lock && (lock || c->held[i].key == key) )
            return &c->held[i];

    return NULL;
}

/*
 * The function that took lock on this CPU, or "nobody" if this CPU does not
 * hold it.  Upstream's header kept it in mm_lock_t's locker_function, which
 * shadow's recursive-fault message prints; ours is in the record already,
 * so the lock and unlock paths do not store it a second time.
 */
const char *mm_lock_holder(const void *lock)
{
    const struct mm_lock_held *h =
        lock ? mm_lock_find(&this_cpu(mm_lock_cpu), lock, 0) : NULL;

    return h && h->func ? h->func : "nobody";
}

void noreturn mm_lock_retaken(const void *lock, const char *func)
{
    unsigned int cpu = smp_processor_id();
    const struct mm_lock_held *h = mm_lock_find(&this_cpu(mm_lock_cpu),
                                                lock, 0);
    char desc[MM_LOCK_DESC_LEN] = "mm lock";

    if ( h )
        mm_lock_describe(desc, h->key);
    printk("%s taken again on CPU%u by %s\n", desc, cpu, func);
    mm_lock_dump_cpu(cpu);
    panic("mm lock already held by %s\n", h ? h->func : "unknown");
}

void noreturn mm_lock_order_violation(unsigned int key, const void *lock,
                                      const char *func)
{
    unsigned int cpu = smp_processor_id();
    const struct mm_lock_cpu *c = &this_cpu(mm_lock_cpu);
    const struct mm_lock_held *top = MM_LOCK_TOP(c);
    char want[MM_LOCK_DESC_LEN], held[MM_LOCK_DESC_LEN];

    /* A non-recursive re-take below the top is a re-take, not an order bug. */
    if ( lock && mm_lock_find(c, lock, 0) )
        mm_lock_retaken(lock, func);

    mm_lock_describe(want, key);
    mm_lock_describe(held, top->key);
    printk("mm locking order violation on CPU%u: %s after %s taken in %s\n",
           cpu, want, held, top->func ?: "?");
    printk("  %s wanted by %s\n", want, func);
    mm_lock_dump_cpu(cpu);
    BUG();
}

void noreturn mm_lock_overflow(unsigned int key, const char *func)
{
    unsigned int cpu = smp_processor_id();
    char want[MM_LOCK_DESC_LEN];

    mm_lock_describe(want, key);
    printk("mm lock record full on CPU%u: %s wanted by %s\n", cpu, want,
           func);
    mm_lock_dump_cpu(cpu);
    BUG();
}

void mm_lock_release_slow(const void *lock, unsigned int key)
{
    unsigned int cpu = smp_processor_id();
    struct mm_lock_cpu *c = &this_cpu(mm_lock_cpu);
    const struct mm_lock_held *h = mm_lock_find(c, lock, key);
    unsigned int i;

    if ( !h )
    {
        printk("mm lock %p (key %#x) released on CPU%u but not held\n",
               lock, key, cpu);
        mm_lock_dump_cpu(cpu);
        BUG();
    }

    /*
     * Closing the gap keeps the record sorted, so the top stays the highest
     * lock still held; restoring a saved level would not.
     */
    i = h - c->held;
    memmove(&c->held[i], &c->held[i + 1],
            (MM_LOCK_DEPTH_OF(c) - i) * sizeof(c->held[0]));
    c->top -= sizeof(c->held[0]);
}

static void cf_check mm_lock_dump_all(unsigned char key)
{
    unsigned int cpu;

    printk("'%c' pressed -> dumping mm locks held on each CPU\n", key);
    for_each_online_cpu ( cpu )
        mm_lock_dump_cpu(cpu);
}

/*
 * Each level must exceed the one before it: an enumerator with no value is
 * one more than the previous (the previous class's level), so
 * level >= mm_lock_above_<name> says exactly that.
 */
#define MM_LOCK_SEQ(n, l, k) mm_lock_above_##n, mm_lock_seq_##n = (l),
enum { mm_lock_seq_start, MM_LOCK_CLASSES(MM_LOCK_SEQ) };
#undef MM_LOCK_SEQ

static int __init cf_check mm_lock_init_checks(void)
{
#define MM_LOCK_CHECK(n, l, k)                        \
    BUILD_BUG_ON((l) < mm_lock_above_##n);            \
    BUILD_BUG_ON((l) >= MM_LOCK_LEVEL_LIMIT);
    MM_LOCK_CLASSES(MM_LOCK_CHECK)
#undef MM_LOCK_CHECK
    /* A key holds the top tier's level above a 16-bit domain id. */
    BUILD_BUG_ON(MM_LOCK_TIER_LEVEL(MM_LOCK_NR_TIERS) > 0xffff);
    BUILD_BUG_ON(MM_LOCK_BIAS > MM_LOCK_TIER_LEVEL(MM_LOCK_TIER_CONTROL));
    BUILD_BUG_ON(MM_LOCK_DM_BIAS > MM_LOCK_TIER_LEVEL(MM_LOCK_TIER_DM));
    BUILD_BUG_ON(DOMID_MASK >= MM_LOCK_NO_DOMAIN);

    register_keyhandler('k', mm_lock_dump_all,
                        "dump mm locks held on each CPU", 1);

    return 0;
}
__initcall(mm_lock_init_checks);

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
