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

#ifdef CONFIG_DEBUG
/*
 * The coverage table, filled by mm_lock_cover() and printed by the 'K'
 * key: one open-addressed table of sites and nestings.  Entries are only
 * ever added: a writer fills one under mm_lock_cover_lock and publishes it
 * by setting its function last, so a lookup that finds its entry (the
 * common case) takes no lock, and the key reads the table without
 * stopping anyone.  Once it is full, what does not fit is counted as
 * dropped.
 */
#define MM_LOCK_COVER_ENTRIES 4096      /* sites and nestings */

/* How a lock was held: a spin lock, read or write, or an order constraint. */
enum mm_lock_cover_mode {
    MM_COVER_LOCK, MM_COVER_READ, MM_COVER_WRITE, MM_COVER_ORDER,
    MM_COVER_AGAIN,             /* re-taken by the CPU that holds it */
};
static const char *const mm_lock_cover_modes[] = {
    [MM_COVER_LOCK] = "lock", [MM_COVER_READ] = "read",
    [MM_COVER_WRITE] = "write", [MM_COVER_ORDER] = "order",
    [MM_COVER_AGAIN] = "again",
};

/*
 * A site, or a nesting of a new lock ("to") inside the highest held one
 * ("from").  A site is the entry with no "from": from_level 0, which no
 * held lock has.
 */
struct mm_lock_cover_entry {
    const char *to_func;            /* set last: the entry is published */
    const char *from_func;
    unsigned int from_level, to_level;  /* tier and class level */
    unsigned int from_mode, to_mode;
    bool cross;                     /* the two locks' domains differ */
    atomic_t count;
};

static struct mm_lock_cover_entry mm_lock_cover_table[MM_LOCK_COVER_ENTRIES];
static atomic_t mm_lock_cover_dropped;
static DEFINE_SPINLOCK(mm_lock_cover_lock);

static unsigned int mm_lock_cover_hash(const struct mm_lock_cover_entry *e)
{
    unsigned long h = (unsigned long)e->to_func * 0x9e3779b97f4a7c15UL;

    h ^= (unsigned long)e->from_func * 0xc2b2ae3d27d4eb4fUL;
    h ^= (e->from_level * 256 + e->to_level + e->to_mode) * 0x165667b1UL;

    return h ^ (h >> 29);
}

/* Each class's kind by its level / 8 (levels are multiples of 8). */
#define MM_LOCK_KIND_SLOT(n, l, k) [(l) / 8] = (k),
static const uint8_t mm_lock_kind_by_slot[MM_LOCK_LEVEL_LIMIT / 8] = {
    MM_LOCK_CLASSES(MM_LOCK_KIND_SLOT)
};
#undef MM_LOCK_KIND_SLOT

static unsigned int mm_lock_cover_mode_of(const struct mm_lock_held *h,
                                          unsigned int cpu)
{
    unsigned int kind = mm_lock_kind_by_slot[
        MM_LOCK_KEY_LEVEL(h->key) % MM_LOCK_LEVEL_LIMIT / 8];

    if ( kind == MM_LOCK_SPIN )
        return MM_COVER_LOCK;
    if ( kind == MM_LOCK_ORDER )
        return MM_COVER_ORDER;

    return ((const mm_rwlock_t *)h->lock)->locker == cpu ? MM_COVER_WRITE
                                                          : MM_COVER_READ;
}

static bool mm_lock_cover_is(const struct mm_lock_cover_entry *e,
                             const struct mm_lock_cover_entry *want)
{
    return e->to_func == want->to_func && e->from_func == want->from_func &&
           e->from_level == want->from_level &&
           e->to_level == want->to_level &&
           e->from_mode == want->from_mode && e->to_mode == want->to_mode &&
           e->cross == want->cross;
}

static void mm_lock_cover_count(const struct mm_lock_cover_entry *want)
{
    unsigned int h = mm_lock_cover_hash(want), i;
    unsigned long flags;
    struct mm_lock_cover_entry *e;

    for ( i = 0; i < MM_LOCK_COVER_ENTRIES; i++ )
    {
        e = &mm_lock_cover_table[(h + i) % MM_LOCK_COVER_ENTRIES];
        if ( !ACCESS_ONCE(e->to_func) )
            break;
        smp_rmb();
        if ( mm_lock_cover_is(e, want) )
        {
            atomic_inc(&e->count);
            return;
        }
    }

    /* Not found without the lock: look again, and add it, under it. */
    spin_lock_irqsave(&mm_lock_cover_lock, flags);
    for ( i = 0; i < MM_LOCK_COVER_ENTRIES; i++ )
    {
        e = &mm_lock_cover_table[(h + i) % MM_LOCK_COVER_ENTRIES];
        if ( !e->to_func )
        {
            *e = *want;
            e->to_func = NULL;
            atomic_set(&e->count, 1);
            smp_wmb();
            ACCESS_ONCE(e->to_func) = want->to_func;
            break;
        }
        if ( mm_lock_cover_is(e, want) )
        {
            atomic_inc(&e->count);
            break;
        }
    }
    if ( i == MM_LOCK_COVER_ENTRIES )
        atomic_inc(&mm_lock_cover_dropped);
    spin_unlock_irqrestore(&mm_lock_cover_lock, flags);
}

static void mm_lock_cover_site(const char *func, unsigned int level,
                               unsigned int mode)
{
    const struct mm_lock_cover_entry site = {
        .to_func = func, .to_level = level, .to_mode = mode,
    };

    mm_lock_cover_count(&site);
}

void mm_lock_cover(const struct mm_lock_held *top, unsigned int key,
                   const void *lock, const char *func)
{
    unsigned int cpu = smp_processor_id();
    const struct mm_lock_held new = { .key = key, .lock = lock,
                                      .func = func };
    unsigned int mode = mm_lock_cover_mode_of(&new, cpu);
    struct mm_lock_cover_entry edge;

    mm_lock_cover_site(func, MM_LOCK_KEY_LEVEL(key), mode);
    if ( !top->key )
        return;

    edge.from_func = top->func;
    edge.to_func = func;
    edge.from_level = MM_LOCK_KEY_LEVEL(top->key);
    edge.to_level = MM_LOCK_KEY_LEVEL(key);
    edge.from_mode = mm_lock_cover_mode_of(top, cpu);
    edge.to_mode = mode;
    edge.cross = MM_LOCK_KEY_DOMID(top->key) != MM_LOCK_KEY_DOMID(key) &&
                 MM_LOCK_KEY_DOMID(top->key) != MM_LOCK_NO_DOMAIN &&
                 MM_LOCK_KEY_DOMID(key) != MM_LOCK_NO_DOMAIN;
    mm_lock_cover_count(&edge);
}

/*
 * The level Xen 4.17 gives a lock: its class level, plus 65 (its
 * MM_LOCK_ORDER_MAX + 1) for the control domain's; no device-model tier.
 */
static unsigned int mm_lock_level_417(unsigned int level)
{
    return level % MM_LOCK_LEVEL_LIMIT +
           (MM_LOCK_TIER_OF(level) == MM_LOCK_TIER_CONTROL ? 65 : 0);
}

void mm_lock_cover_again(unsigned int key, const char *func)
{
    mm_lock_cover_site(func, MM_LOCK_KEY_LEVEL(key), MM_COVER_AGAIN);
}

/* "p2m", "p2m+dm", "p2m+control": a class and the tier it was taken in. */
static const char *mm_lock_cover_name(char *buf, unsigned int level)
{
    const struct mm_lock_class *cls = mm_lock_class_of(level);
    unsigned int tier = MM_LOCK_TIER_OF(level);

    snprintf(buf, MM_LOCK_DESC_LEN, "%s%s%s", cls ? cls->name : "unknown",
             tier && tier < MM_LOCK_NR_TIERS ? "+" : "",
             tier && tier < MM_LOCK_NR_TIERS ? mm_lock_tier_names[tier] : "");

    return buf;
}

/*
 * One line per site and per edge, in a form the boot tests parse
 * (scripts/coverage/report.py).  An edge's flags say what made it legal:
 * tiebreak, the same level in two domains (ordered by domain id); tier, a
 * class not above the held one, in a higher tier (the control domain's or
 * a device model's); xen417, whether Xen 4.17's rule (one level per CPU,
 * raised by write and spin locks only, the control-domain bias, no
 * device-model tier, no tie-break), judged against the highest lock held,
 * would have rejected it.
 */
static void cf_check mm_lock_cover_dump(unsigned char key)
{
    unsigned int i, nr_sites = 0, nr_edges = 0;
    char from[MM_LOCK_DESC_LEN], to[MM_LOCK_DESC_LEN];

    printk("'%c' pressed -> mm lock coverage\n", key);
    for ( i = 0; i < MM_LOCK_COVER_ENTRIES; i++ )
    {
        const struct mm_lock_cover_entry *e = &mm_lock_cover_table[i];
        unsigned int raw_from = e->from_level % MM_LOCK_LEVEL_LIMIT;
        unsigned int raw_to = e->to_level % MM_LOCK_LEVEL_LIMIT;
        bool tiebreak, tier, rejected_417;

        if ( !ACCESS_ONCE(e->to_func) )
            continue;
        smp_rmb();
        if ( !e->from_level )
        {
            nr_sites++;
            printk("mm-cover: site %s %s %s %u\n", e->to_func,
                   mm_lock_cover_name(to, e->to_level),
                   mm_lock_cover_modes[e->to_mode], atomic_read(&e->count));
            continue;
        }
        nr_edges++;
        tiebreak = e->cross && e->from_level == e->to_level;
        tier = MM_LOCK_TIER_OF(e->to_level) > MM_LOCK_TIER_OF(e->from_level) &&
               raw_to <= raw_from;
        rejected_417 = e->from_mode != MM_COVER_READ &&
                       mm_lock_level_417(e->from_level) >
                       mm_lock_level_417(e->to_level);
        printk("mm-cover: edge %s %s %s > %s %s %s cross=%u tiebreak=%u"
               " tier=%u xen417=%s %u\n",
               e->from_func ?: "?", mm_lock_cover_name(from, e->from_level),
               mm_lock_cover_modes[e->from_mode], e->to_func,
               mm_lock_cover_name(to, e->to_level),
               mm_lock_cover_modes[e->to_mode], e->cross, tiebreak, tier,
               rejected_417 ? "rejects" : "accepts", atomic_read(&e->count));
    }
    printk("mm-cover: end sites=%u edges=%u dropped=%u\n", nr_sites,
           nr_edges, atomic_read(&mm_lock_cover_dropped));
}
#endif /* CONFIG_DEBUG */

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
    BUILD_BUG_ON((l) >= MM_LOCK_LEVEL_LIMIT);         \
    BUILD_BUG_ON((l) % 8);
    MM_LOCK_CLASSES(MM_LOCK_CHECK)
#undef MM_LOCK_CHECK
    /* A key holds the top tier's level above a 16-bit domain id. */
    BUILD_BUG_ON(MM_LOCK_TIER_LEVEL(MM_LOCK_NR_TIERS) > 0xffff);
    BUILD_BUG_ON(MM_LOCK_BIAS > MM_LOCK_TIER_LEVEL(MM_LOCK_TIER_CONTROL));
    BUILD_BUG_ON(MM_LOCK_DM_BIAS > MM_LOCK_TIER_LEVEL(MM_LOCK_TIER_DM));
    BUILD_BUG_ON(DOMID_MASK >= MM_LOCK_NO_DOMAIN);

    register_keyhandler('k', mm_lock_dump_all,
                        "dump mm locks held on each CPU", 1);
#ifdef CONFIG_DEBUG
    register_keyhandler('K', mm_lock_cover_dump,
                        "dump mm lock coverage: sites and nestings", 0);
#endif

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
