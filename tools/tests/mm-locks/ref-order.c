/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The reference model of the mm lock order: see ref-order.h for what it
 * specifies.  Deliberately naive: no packed keys, no sorted stack, every
 * question answered by scanning what is held.
 */
#include <stdlib.h>
#include <string.h>

#include "ref-order.h"

enum ref_kind {
    REF_SPIN,           /* mm_lock_t: recursive or not */
    REF_RW,             /* mm_rwlock_t: recursive write, or read */
    REF_PLAIN,          /* an order constraint on a plain spin lock */
    REF_SHARING,        /* an order constraint with a per-CPU count */
};

/* The specification's table, written out independently of the header. */
static const struct {
    unsigned int level;
    enum ref_kind kind;
    bool per_instance;  /* one lock per p2m rather than per domain */
} classes[CHK_NR_CLASSES] = {
    [CHK_NESTEDP2M]  = {  8, REF_SPIN,    false },
    [CHK_P2M]        = { 16, REF_RW,      true  },
    [CHK_SHARING]    = { 24, REF_SHARING, false },
    [CHK_ALTP2MLIST] = { 32, REF_SPIN,    false },
    [CHK_ALTP2M]     = { 40, REF_RW,      true  },
    [CHK_POD]        = { 48, REF_SPIN,    true  },
    [CHK_PAGE_ALLOC] = { 56, REF_PLAIN,   false },
    [CHK_PAGING]     = { 64, REF_SPIN,    false },
};

const char *const ref_verdict_names[] = {
    [REF_OK] = "ok",
    [REF_BUG_ORDER] = "BUG (order)",
    [REF_BUG_FULL] = "BUG (record full)",
    [REF_PANIC] = "panic (re-take)",
    [REF_WAIT] = "would wait",
    [REF_SKIP_SELF_DEADLOCK] = "refused: self-deadlock",
    [REF_SKIP_MISUSE] = "refused: misuse",
};

#define NR_LOCKS (CHK_NR_CLASSES * REF_NR_DOMS * REF_NR_INST)

struct lock_state {
    int owner;                  /* CPU holding it exclusively, or -1 */
    unsigned int depth;         /* the exclusive holder's recursion */
    unsigned int readers;       /* one bit per CPU holding it for read */
};

struct held {
    enum chk_class c;
    unsigned int dom, inst;
    enum chk_mode mode;           /* CHK_WRITE, or CHK_READ for a read lock */
    unsigned int level, domid;
};

static struct ref_dom doms[REF_NR_DOMS];
static unsigned int bias, dm_bias;
static struct lock_state locks[NR_LOCKS];
static unsigned int sharing_count[REF_NR_CPUS];
static struct held held[REF_NR_CPUS][REF_MAX_HELD];
static unsigned int nr_held[REF_NR_CPUS];

void ref_reset(const struct ref_dom new_doms[REF_NR_DOMS],
               unsigned int new_bias, unsigned int new_dm_bias)
{
    unsigned int i;

    memcpy(doms, new_doms, sizeof(doms));
    bias = new_bias;
    dm_bias = new_dm_bias;
    for ( i = 0; i < NR_LOCKS; i++ )
    {
        locks[i].owner = -1;
        locks[i].depth = 0;
        locks[i].readers = 0;
    }
    memset(sharing_count, 0, sizeof(sharing_count));
    memset(nr_held, 0, sizeof(nr_held));
}

unsigned int ref_class_level(enum chk_class c)
{
    return classes[c].level;
}

void ref_normalise(enum chk_class c, unsigned int *dom, unsigned int *inst)
{
    if ( c == CHK_SHARING )
        *dom = 0;
    if ( !classes[c].per_instance )
        *inst = 0;
}

static struct lock_state *state_of(enum chk_class c, unsigned int dom,
                                   unsigned int inst)
{
    ref_normalise(c, &dom, &inst);
    if ( c >= CHK_NR_CLASSES || dom >= REF_NR_DOMS || inst >= REF_NR_INST )
        abort();

    return &locks[(c * REF_NR_DOMS + dom) * REF_NR_INST + inst];
}

/* Whether (level a, domid a) ranks strictly below (level b, domid b). */
static bool ranks_below(unsigned int level_a, unsigned int domid_a,
                        unsigned int level_b, unsigned int domid_b)
{
    if ( level_a != level_b )
        return level_a < level_b;

    return domid_a < domid_b;
}

static void rank_of(enum chk_class c, unsigned int dom, unsigned int *level,
                    unsigned int *domid)
{
    *level = classes[c].level;
    if ( c == CHK_SHARING )
    {
        *domid = REF_NO_DOMID;
        return;
    }
    *domid = doms[dom].domid;
    if ( doms[dom].control )
        *level += bias;
    else if ( doms[dom].device_model )
        *level += dm_bias;
}

/* Whether a lock of this rank may be taken now on the CPU. */
static bool order_allows(unsigned int cpu, unsigned int level,
                         unsigned int domid)
{
    unsigned int i;

    for ( i = 0; i < nr_held[cpu]; i++ )
        if ( ranks_below(level, domid, held[cpu][i].level,
                         held[cpu][i].domid) )
            return false;

    return true;
}

static int find_held(unsigned int cpu, enum chk_class c, unsigned int dom,
                     unsigned int inst)
{
    unsigned int i;

    ref_normalise(c, &dom, &inst);
    for ( i = 0; i < nr_held[cpu]; i++ )
        if ( held[cpu][i].c == c && held[cpu][i].dom == dom &&
             held[cpu][i].inst == inst )
            return i;

    return -1;
}

static void record(unsigned int cpu, enum chk_class c, unsigned int dom,
                   unsigned int inst, enum chk_mode mode)
{
    struct held *h = &held[cpu][nr_held[cpu]++];

    ref_normalise(c, &dom, &inst);
    h->c = c;
    h->dom = dom;
    h->inst = inst;
    h->mode = mode;
    rank_of(c, dom, &h->level, &h->domid);
}

static void unrecord(unsigned int cpu, enum chk_class c, unsigned int dom,
                     unsigned int inst)
{
    int i = find_held(cpu, c, dom, inst);

    if ( i < 0 )
        abort();
    held[cpu][i] = held[cpu][--nr_held[cpu]];
}

enum ref_verdict ref_acquire(unsigned int cpu, enum chk_class c,
                             unsigned int dom, unsigned int inst,
                             enum chk_mode mode)
{
    struct lock_state *s = state_of(c, dom, inst);
    enum ref_kind kind = classes[c].kind;
    bool mine = s->owner == (int)cpu;
    bool reading = s->readers & (1u << cpu);
    bool recursion;
    unsigned int level, domid;

    /* Normalise the mode to what the class offers. */
    if ( kind != REF_RW && mode == CHK_READ )
        mode = CHK_WRITE;
    if ( kind != REF_SPIN && mode == CHK_RECURSIVE )
        mode = CHK_WRITE;
    recursion = mine && ((kind == REF_SPIN && mode == CHK_RECURSIVE) ||
                         (kind == REF_RW && mode == CHK_WRITE));

    /* Outside the checker's contract: refuse without changing anything. */
    if ( kind == REF_RW && mode == CHK_READ && reading )
        return REF_SKIP_MISUSE;
    if ( (kind == REF_RW && (mode == CHK_READ ? mine : reading)) ||
         (kind == REF_PLAIN && mine) )
        return REF_SKIP_SELF_DEADLOCK;
    if ( (recursion && s->depth >= REF_MAX_RECURSION) ||
         (kind == REF_SHARING && sharing_count[cpu] >= REF_MAX_RECURSION) )
        return REF_SKIP_MISUSE;

    /* Recursion: count, no order check. */
    if ( recursion )
    {
        s->depth++;
        return REF_OK;
    }
    if ( mine )
        return REF_PANIC;

    rank_of(c, dom, &level, &domid);
    if ( !order_allows(cpu, level, domid) )
        return REF_BUG_ORDER;

    if ( s->owner >= 0 || (kind == REF_RW && mode == CHK_WRITE && s->readers) )
        return REF_WAIT;

    /* The sharing constraint records its first acquisition only. */
    if ( kind == REF_SHARING && sharing_count[cpu] )
    {
        sharing_count[cpu]++;
        return REF_OK;
    }
    if ( nr_held[cpu] == REF_MAX_HELD )
        return REF_BUG_FULL;
    if ( kind == REF_SHARING )
        sharing_count[cpu] = 1;

    record(cpu, c, dom, inst, mode == CHK_READ ? CHK_READ : CHK_WRITE);
    if ( mode == CHK_READ )
        s->readers |= 1u << cpu;
    else if ( kind != REF_SHARING )
    {
        s->owner = cpu;
        s->depth = 1;
    }

    return REF_OK;
}

bool ref_release(unsigned int cpu, enum chk_class c, unsigned int dom,
                 unsigned int inst, enum chk_mode mode)
{
    struct lock_state *s = state_of(c, dom, inst);
    enum ref_kind kind = classes[c].kind;

    if ( kind == REF_SHARING )
    {
        if ( !sharing_count[cpu] )
            return false;
        if ( --sharing_count[cpu] == 0 )
            unrecord(cpu, c, dom, inst);
        return true;
    }

    if ( kind == REF_RW && mode == CHK_READ )
    {
        if ( !(s->readers & (1u << cpu)) )
            return false;
        s->readers &= ~(1u << cpu);
        unrecord(cpu, c, dom, inst);
        return true;
    }

    if ( s->owner != (int)cpu )
        return false;
    if ( --s->depth == 0 )
    {
        s->owner = -1;
        unrecord(cpu, c, dom, inst);
    }

    return true;
}

unsigned int ref_level(unsigned int cpu)
{
    unsigned int i, level = 0;

    for ( i = 0; i < nr_held[cpu]; i++ )
        if ( held[cpu][i].level > level )
            level = held[cpu][i].level;

    return level;
}

unsigned int ref_nr_held(unsigned int cpu)
{
    return nr_held[cpu];
}

void ref_held(unsigned int cpu, unsigned int i, enum chk_class *c,
              unsigned int *dom, unsigned int *inst, enum chk_mode *mode)
{
    const struct held *h = &held[cpu][i];

    *c = h->c;
    *dom = h->dom;
    *inst = h->inst;
    *mode = h->mode;
}

bool ref_holds(unsigned int cpu, enum chk_class c, unsigned int dom,
               unsigned int inst, enum chk_mode *mode)
{
    int i = find_held(cpu, c, dom, inst);

    if ( i < 0 )
        return false;
    *mode = held[cpu][i].mode;

    return true;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
