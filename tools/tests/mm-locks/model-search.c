/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Order model of the mm lock-order checker.
 *
 * The claim under test (xen-devel, "apply a bias to lock levels"): with the
 * bias for the control domain's locks there is one global order, so any
 * pair of hypercalls that could deadlock trips the checker in at least one
 * of them; with a bias for the calling domain a deadlock can pass unseen.
 *
 * The model enumerates hypercall templates, sequences of up to K lock
 * acquisitions, each of a lock class on the 'caller' or the 'subject'
 * domain, read or write for rwlocks, recursive where a lock is taken again.
 * Each template is instantiated with every caller and subject among the
 * control domain and two (or three) unprivileged domains, a domain acting
 * on itself included.  An instance is accepted if the policy's real checker
 * does not BUG on it: the instance runs through checker.h, which takes each
 * lock with the header's own wrappers.  The model then searches for
 * deadlocks among two and three concurrent accepted instances, each holding
 * a prefix of its locks and waiting for its next one.  A lock is a class on
 * a domain; a read lock only conflicts with a write of the same lock.
 *
 * With --dm, d1 is d2's device model (d1->target = d2), so that templates
 * are instantiated with a device model as the caller and as the subject,
 * and the policies' names get "-dm".
 *
 * One binary is linked per header variant (ours, nobias, notiers, current,
 * xen) and judges that one policy; the binary of our header also runs two labelled
 * re-implementations of our rule, with and without the domain-id
 * tie-break.  `model --save FILE` writes a policy's figures, and
 * `model --report FILE...` prints the table and asserts the outcome.
 */

#include <errno.h>
#include <time.h>

#include "emul.h"
#include "mm-locks.h"
#include "model.h"

/* The class table comes from our header, so model and checker agree. */
static const struct model_class {
    const char *name;
    unsigned int level;
    enum mm_lock_kind kind;
} classes[] = {
#define MODEL_CLASS(n, l, k) { #n, l, k },
    MM_LOCK_CLASSES(MODEL_CLASS)
#undef MODEL_CLASS
};
#define NR_CLASSES ARRAY_SIZE(classes)
BUILD_BUG_ON(ARRAY_SIZE(classes) != CHK_NR_CLASSES);

#define CONTROL_SLOT    0
#define MAX_LOCKS       (CHK_NR_CLASSES * MAX_DOMS)
#define MAX_POLICIES    3

typedef uint64_t lockset_t;

/*
 * The header's table does not say which order constraint has no domain:
 * mem_sharing.c passes none for the page-sharing lock, and checker.c
 * does the same.  Its lock identity in the model is the page, named by
 * the domain whose gfn it backs.
 */
static bool class_domainless(unsigned int c)
{
    return c == CHK_SHARING;
}


struct template_step {
    uint8_t cls, subject, mode;         /* subject: else the caller's */
};

struct seq {
    uint8_t len;
    struct step s[MAX_K];
    uint8_t callers[MAX_POLICIES];      /* caller slots the policy accepts */
};


const char *const cycle_kind_names[NR_CYC_KINDS] = {
    [CYC_DISTINCT] = "distinct",
    [CYC_SAME] = "same",
    [CYC_PAGE] = "page",
};

#define W CHK_WRITE
#define RD CHK_READ
const struct flow flows[] = {
    { "logdirty-pvh-dom0",
      "paging_log_dirty_op, PVH dom0 on d1: copy takes d0's p2m",
      0, 2, { { CHK_PAGING, 1, 0, W }, { CHK_P2M, 0, 0, W } } },
    { "logdirty-pvh-dom0-read",
      "the same, copy through the p2m read lock",
      0, 2, { { CHK_PAGING, 1, 0, W }, { CHK_P2M, 0, 0, RD } } },
    { "logdirty-disaggregated",
      "paging_log_dirty_op from a non-control toolstack d2 on d1",
      2, 2, { { CHK_PAGING, 1, 0, W }, { CHK_P2M, 2, 0, W } } },
    { "pod-populate",
      "PoD demand populate on d1: gfn, pod, page_alloc",
      1, 3, { { CHK_P2M, 1, 0, W }, { CHK_POD, 1, 0, W },
              { CHK_PAGE_ALLOC, 1, 0, W } } },
    { "altp2m-propagate",
      "altp2m propagation on d1: p2m, list, two altp2m views",
      1, 4, { { CHK_P2M, 1, 0, W }, { CHK_ALTP2MLIST, 1, 0, W },
              { CHK_ALTP2M, 1, 0, W }, { CHK_ALTP2M, 1, 1, W } } },
    { "shadow-fault",
      "shadow fault on d1: get_gfn's gfn lock, then paging",
      1, 2, { { CHK_P2M, 1, 0, W }, { CHK_PAGING, 1, 0, W } } },
    { "shadow-fault-read",
      "shadow fault on d1: p2m read, then paging",
      1, 2, { { CHK_P2M, 1, 0, RD }, { CHK_PAGING, 1, 0, W } } },
    { "nested-p2m",
      "nested HAP fault on d1: nestedp2m, then a nested p2m",
      1, 2, { { CHK_NESTEDP2M, 1, 0, W }, { CHK_P2M, 1, 1, W } } },
    { "sharing-domid-order",
      "mem_sharing d1 with d2: get_two_gfns in domid order, pages",
      0, 4, { { CHK_P2M, 1, 0, W }, { CHK_P2M, 2, 0, W },
              { CHK_SHARING, 1, 0, W }, { CHK_SHARING, 2, 0, W } } },
    { "sharing-reverse-order",
      "the same two gfns in decreasing domid order",
      0, 2, { { CHK_P2M, 2, 0, W }, { CHK_P2M, 1, 0, W } } },
    { "sharing-with-dom0",
      "mem_sharing d0 with d1 in domid order (dom0 a sharing side)",
      0, 2, { { CHK_P2M, 0, 0, W }, { CHK_P2M, 1, 0, W } } },
    { "dirty-vram-dm",
      "XEN_DMOP_track_dirty_vram by d1 on d2: d2's p2m, copy takes d1's",
      1, 2, { { CHK_P2M, 2, 0, W }, { CHK_P2M, 1, 0, W } } },
    { "access-multi-dm-view0",
      "set_access_multi by d1 on d2, view 0: d2's p2m, copy reads d1's",
      1, 2, { { CHK_P2M, 2, 0, W }, { CHK_P2M, 1, 0, RD } } },
    { "access-multi-dm-view1",
      "the same, view 1: d2's p2m and altp2m, copy takes d1's p2m",
      1, 3, { { CHK_P2M, 2, 0, W }, { CHK_ALTP2M, 2, 0, W },
              { CHK_P2M, 1, 0, W } } },
    { "dirty-vram-dom0",
      "XEN_DMOP_track_dirty_vram by PVH dom0 on d1: d1's p2m, then d0's",
      0, 2, { { CHK_P2M, 1, 0, W }, { CHK_P2M, 0, 0, W } } },
    { "access-multi-dom0-view1",
      "set_access_multi by PVH dom0 on d1, view 1: p2m, altp2m, d0's p2m",
      0, 3, { { CHK_P2M, 1, 0, W }, { CHK_ALTP2M, 1, 0, W },
              { CHK_P2M, 0, 0, W } } },
};
#undef W
#undef RD
BUILD_BUG_ON(ARRAY_SIZE(flows) != NR_FLOWS);
enum policy_rule {
    RULE_HEADER,            /* the linked header's checker */
    RULE_MODEL_TIEBREAK,    /* our rule, re-implemented, to cross-check */
    RULE_MODEL_EQUAL,       /* our rule without the domain-id tie-break */
};

struct policy {
    enum policy_rule rule;
    bool shown;
    struct figures fig;
    /* Display only: whose locks the rule raises, and by how much. */
    bool bias_caller;
    unsigned int bias, dm_bias;
};

static struct policy policies[MAX_POLICIES];
static unsigned int nr_policies;
unsigned int model_k = DEFAULT_K, model_doms = DEFAULT_DOMS;
bool model_dm;

/* The domains as the model sets them up on a fresh host. */
static void model_host(void)
{
    chk_init();
    if ( model_dm )
        chk_dom_setup(MODEL_DM_SLOT, MODEL_DM_SLOT, false, false,
                      MODEL_DM_TARGET);
}

/* ------------------------------------------------------------------ */
/* Sequences: a hash set of distinct well-formed lock sequences.       */

static struct seq *seqs;
static unsigned long nr_seqs, seqs_cap;
static uint32_t *seq_hash;
static unsigned long hash_size;

static unsigned int lock_of(const struct step *s)
{
    return s->cls * MAX_DOMS + s->dom;
}

static uint64_t seq_key(const struct step *s, unsigned int n)
{
    uint64_t key = n;
    unsigned int i;

    for ( i = 0; i < n; i++ )
        key = (key << 8) | (s[i].cls << 4) | (s[i].dom << 2) | s[i].mode;

    return key;
}

static void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size);
    if ( !p )
    {
        fprintf(stderr, "model: out of memory\n");
        exit(2);
    }

    return p;
}

static void hash_insert(unsigned long idx)
{
    unsigned long h = seq_key(seqs[idx].s, seqs[idx].len) *
                      0x9e3779b97f4a7c15ULL >> 20;

    for ( h &= hash_size - 1; seq_hash[h]; h = (h + 1) & (hash_size - 1) )
        continue;
    seq_hash[h] = idx + 1;
}

static struct seq *seq_find_or_add(const struct step *s, unsigned int n)
{
    uint64_t key = seq_key(s, n);
    unsigned long h, i;

    if ( 2 * (nr_seqs + 1) > hash_size )
    {
        hash_size = hash_size ? 2 * hash_size : 1 << 16;
        free(seq_hash);
        seq_hash = calloc(hash_size, sizeof(*seq_hash));
        if ( !seq_hash )
        {
            fprintf(stderr, "model: out of memory\n");
            exit(2);
        }
        for ( i = 0; i < nr_seqs; i++ )
            hash_insert(i);
    }

    h = (key * 0x9e3779b97f4a7c15ULL >> 20) & (hash_size - 1);
    for ( ; seq_hash[h]; h = (h + 1) & (hash_size - 1) )
    {
        struct seq *q = &seqs[seq_hash[h] - 1];

        if ( seq_key(q->s, q->len) == key )
            return q;
    }

    if ( nr_seqs == seqs_cap )
    {
        seqs_cap = seqs_cap ? 2 * seqs_cap : 1 << 14;
        seqs = xrealloc(seqs, seqs_cap * sizeof(*seqs));
    }
    memset(&seqs[nr_seqs], 0, sizeof(seqs[nr_seqs]));
    seqs[nr_seqs].len = n;
    memcpy(seqs[nr_seqs].s, s, n * sizeof(*s));
    hash_insert(nr_seqs);

    return &seqs[nr_seqs++];
}

/* ------------------------------------------------------------------ */
/* One instance under one policy.                                      */

/*
 * Whether a lock the sequence already holds may be taken again: recursive
 * spinlocks and rwlock writes nest, the sharing constraint counts
 * recursion; everything else (a second read, read with write, a plain
 * spinlock, page_alloc's spinlock) stops the CPU by itself, whatever the
 * order, and is no hypercall.
 */
static bool retake_ok(unsigned int c, unsigned int held_mode,
                      unsigned int mode)
{
    switch ( classes[c].kind )
    {
    case MM_LOCK_SPIN:
        return mode == CHK_RECURSIVE;
    case MM_LOCK_RW:
        return held_mode != CHK_READ && mode == CHK_WRITE;
    case MM_LOCK_ORDER:
        return class_domainless(c);
    }

    return false;
}

/* Same lock: class, domain and table (flows use two tables of one kind). */
static int find_held(const struct step *s, unsigned int i)
{
    unsigned int j;

    for ( j = 0; j < i; j++ )
        if ( s[j].cls == s[i].cls && s[j].dom == s[i].dom &&
             s[j].inst == s[i].inst )
            return j;

    return -1;
}

static bool wellformed(const struct step *s, unsigned int n)
{
    unsigned int i;

    for ( i = 0; i < n; i++ )
    {
        int j = find_held(s, i);

        if ( j >= 0 && !retake_ok(s[i].cls, s[j].mode, s[i].mode) )
            return false;
    }

    return true;
}

/* Run the sequence through the linked header's checker. */
static enum chk_result header_run(const struct step *s, unsigned int n,
                                  unsigned int caller, bool *release_ok)
{
    enum chk_result r;
    unsigned int i;

    model_host();
    chk_cpu(0);
    chk_set_caller(caller);
    *release_ok = true;
    for ( i = 0; i < n; i++ )
    {
        r = chk_acquire(s[i].cls, s[i].dom, s[i].inst, s[i].mode);
        if ( r != CHK_OK )
            return r;
    }
    while ( i-- )
        if ( chk_release(s[i].cls, s[i].dom, s[i].inst, s[i].mode) != CHK_OK )
            *release_ok = false;

    return CHK_OK;
}

/*
 * Our rule, re-implemented from the class table for the model-only
 * policies: a lock's key is its level, plus MM_LOCK_BIAS for the control
 * domain or MM_LOCK_DM_BIAS for a device model (tiers 2 and 1), then (with
 * the tie-break) its domain id; a new lock needs a key no lower than the
 * highest held.  A retaken recursive lock is not
 * checked, except the sharing constraint, whose pre-lock hook always is.
 */
static bool model_accepts(const struct step *s, unsigned int n,
                          bool tiebreak)
{
    unsigned long top = 0;
    unsigned int i;

    for ( i = 0; i < n; i++ )
    {
        unsigned int c = s[i].cls;
        unsigned long level = classes[c].level, key;
        bool nodom = class_domainless(c);

        if ( !nodom && s[i].dom == CONTROL_SLOT )
            level += MM_LOCK_BIAS;
        else if ( !nodom && model_dm && s[i].dom == MODEL_DM_SLOT )
            level += MM_LOCK_DM_BIAS;
        key = tiebreak ? (level << 16) | (nodom ? 0xffff : s[i].dom) : level;
        if ( find_held(s, i) >= 0 && !nodom )
            continue;
        if ( key < top )
            return false;
        top = key;
    }

    return true;
}

static const char *step_str(char *buf, size_t len, const struct step *s)
{
    snprintf(buf, len, "d%u->%s%s%s%s", s->dom, classes[s->cls].name,
             s->inst ? "[1]" : "", s->mode == CHK_READ ? "(read)" : "",
             s->mode == CHK_RECURSIVE ? "(rec)" : "");

    return buf;
}

static void seq_str(char *buf, size_t len, const struct step *s,
                    unsigned int n)
{
    size_t used = 0;
    unsigned int i;
    char one[48];

    buf[0] = '\0';
    for ( i = 0; i < n && used < len; i++ )
        used += snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                         step_str(one, sizeof(one), &s[i]));
}

/*
 * The verdict of policy p on one instance: 1 accepted, 0 rejected by a
 * BUG, -1 anything else (an anomaly: the instance is well-formed).
 */
static int policy_verdict(struct policy *p, const struct step *s,
                          unsigned int n, unsigned int caller)
{
    enum chk_result r;
    bool release_ok;

    switch ( p->rule )
    {
    case RULE_HEADER:
        r = header_run(s, n, caller, &release_ok);
        if ( r == CHK_OK && release_ok )
            return 1;
        if ( r == CHK_BUG )
            return 0;
        if ( p->fig.anomalies++ == 0 )
        {
            char buf[LINE_LEN];

            seq_str(buf, sizeof(buf), s, n);
            fprintf(stderr, "model: %s: %s by d%u ends in %s%s\n",
                    p->fig.name, buf, caller, chk_result_names[r],
                    r == CHK_OK ? " (a release failed)" : "");
        }
        return -1;
    case RULE_MODEL_TIEBREAK:
        return model_accepts(s, n, true);
    case RULE_MODEL_EQUAL:
        return model_accepts(s, n, false);
    }

    return -1;
}

/* ------------------------------------------------------------------ */
/* Enumeration.                                                        */

static unsigned long nr_templates, nr_instances, nr_wellformed;

static void run_instance(const struct template_step *t, unsigned int n,
                         unsigned int caller, unsigned int subject)
{
    struct step s[MAX_K];
    int verdict[MAX_POLICIES];
    struct seq *q;
    unsigned int i;
    bool any = false;

    for ( i = 0; i < n; i++ )
    {
        s[i].cls = t[i].cls;
        s[i].dom = t[i].subject ? subject : caller;
        s[i].inst = 0;
        s[i].mode = t[i].mode;
    }

    nr_instances++;
    if ( !wellformed(s, n) )
        return;
    nr_wellformed++;

    for ( i = 0; i < nr_policies; i++ )
    {
        struct figures *f = &policies[i].fig;

        verdict[i] = policy_verdict(&policies[i], s, n, caller);
        f->accepted += verdict[i] == 1;
        f->rejected += verdict[i] == 0;
        any |= verdict[i] == 1;
    }

    /* The model re-implementation of our rule must agree with the header. */
    if ( nr_policies > 1 && policies[1].rule == RULE_MODEL_TIEBREAK &&
         verdict[0] != verdict[1] && policies[1].fig.mismatches++ == 0 )
    {
        char buf[LINE_LEN];

        seq_str(buf, sizeof(buf), s, n);
        fprintf(stderr, "model: header and model of our rule disagree on "
                "%s by d%u: %d vs %d\n", buf, caller, verdict[0], verdict[1]);
    }

    if ( !any )
        return;

    /* A first acquisition in recursive mode is a plain one. */
    for ( i = 0; i < n; i++ )
        if ( s[i].mode == CHK_RECURSIVE && find_held(s, i) < 0 )
            s[i].mode = CHK_WRITE;
    q = seq_find_or_add(s, n);
    for ( i = 0; i < nr_policies; i++ )
        if ( verdict[i] == 1 )
            q->callers[i] |= 1u << caller;
}

static void enumerate(struct template_step *t, unsigned int n)
{
    unsigned int c, subject, m, caller, sub;

    if ( n )
    {
        nr_templates++;
        for ( caller = 0; caller < model_doms; caller++ )
            for ( sub = 0; sub < model_doms; sub++ )
                run_instance(t, n, caller, sub);
    }
    if ( n == model_k )
        return;

    for ( c = 0; c < NR_CLASSES; c++ )
        for ( subject = 0; subject < 2; subject++ )
            for ( m = CHK_WRITE; m <= CHK_RECURSIVE; m++ )
            {
                bool seen = false;
                unsigned int j;

                if ( m == CHK_READ && classes[c].kind != MM_LOCK_RW )
                    continue;
                if ( m == CHK_RECURSIVE )
                {
                    /* Recursion only matters on a class already taken. */
                    for ( j = 0; j < n; j++ )
                        seen |= t[j].cls == c;
                    if ( classes[c].kind != MM_LOCK_SPIN || !seen )
                        continue;
                }
                t[n].cls = c;
                t[n].subject = subject;
                t[n].mode = m;
                enumerate(t, n + 1);
            }
}

/* ------------------------------------------------------------------ */
/* Deadlock search.                                                    */

/* An instance holding a prefix of its locks, waiting for the next one. */
struct wait_state {
    uint32_t seq;           /* index into the accepted list */
    uint8_t at;             /* the step it waits at */
    uint8_t wl;             /* the lock it waits for */
    bool wread;
    lockset_t hw, hr;       /* held for write (or exclusively), for read */
};

static const struct seq **acc;      /* accepted sequences, shortest first */
static unsigned long nr_acc;
static unsigned int acc_pol;
static struct wait_state *states;
static unsigned long nr_states;

/* The waiter conflicts with the holder's hold on lock l. */
static bool blocks(const struct wait_state *holder, unsigned int l,
                   bool wread)
{
    return (holder->hw >> l & 1) || (!wread && (holder->hr >> l & 1));
}

static bool compatible(const struct wait_state *a, const struct wait_state *b)
{
    return !(a->hw & (b->hw | b->hr)) && !(a->hr & b->hw);
}

static enum cycle_kind cycle_kind(const unsigned int *locks, unsigned int n)
{
    unsigned int i, c = locks[0] / MAX_DOMS;

    for ( i = 1; i < n; i++ )
        if ( locks[i] / MAX_DOMS != c )
            return CYC_DISTINCT;

    return class_domainless(c) ? CYC_PAGE : CYC_SAME;
}

static int acc_cmp(const void *a, const void *b)
{
    const struct seq *x = *(const struct seq *const *)a;
    const struct seq *y = *(const struct seq *const *)b;

    if ( x->len != y->len )
        return x->len - y->len;

    return x < y ? -1 : x > y;
}

static void build_states(unsigned int p)
{
    unsigned long i;

    acc_pol = p;
    nr_acc = 0;
    acc = xrealloc(acc, (nr_seqs + 1) * sizeof(*acc));
    for ( i = 0; i < nr_seqs; i++ )
        if ( seqs[i].callers[p] )
            acc[nr_acc++] = &seqs[i];
    qsort(acc, nr_acc, sizeof(*acc), acc_cmp);

    nr_states = 0;
    states = xrealloc(states, (nr_acc * MAX_K + 1) * sizeof(*states));
    for ( i = 0; i < nr_acc; i++ )
    {
        const struct seq *q = acc[i];
        lockset_t hw = 0, hr = 0;
        unsigned int j;

        for ( j = 0; j < q->len; j++ )
        {
            unsigned int l = lock_of(&q->s[j]);

            if ( find_held(q->s, j) >= 0 )
                continue;           /* retaken: it does not wait */
            if ( j )
            {
                struct wait_state *w = &states[nr_states++];

                w->seq = i;
                w->at = j;
                w->wl = l;
                w->wread = q->s[j].mode == CHK_READ;
                w->hw = hw;
                w->hr = hr;
            }
            if ( q->s[j].mode == CHK_READ )
                hr |= 1ULL << l;
            else
                hw |= 1ULL << l;
        }
    }
}

/* ---- Counterexamples in the review's shape. ----------------------- */

struct chosen {
    const struct wait_state *w;
    unsigned int caller;
};

static unsigned int doms_of(const struct seq *q)
{
    unsigned int i, mask = 0;

    for ( i = 0; i < q->len; i++ )
        mask |= 1u << q->s[i].dom;

    return mask;
}

/*
 * The shape of the xen-devel review of December 2018: two unprivileged
 * domains, each calling a hypercall on the other, each sequence two
 * acquisitions long.
 */
static bool review_callers(const struct seq *a, const struct seq *b,
                           unsigned int *ca, unsigned int *cb)
{
    unsigned int x, y, both = doms_of(a);

    if ( a->len != 2 || b->len != 2 || doms_of(b) != both ||
         (both & (1u << CONTROL_SLOT)) )
        return false;
    for ( x = 0; x < model_doms; x++ )
        for ( y = 0; y < model_doms; y++ )
            if ( x != y && both == ((1u << x) | (1u << y)) &&
                 (a->callers[acc_pol] >> x & 1) &&
                 (b->callers[acc_pol] >> y & 1) )
            {
                *ca = x;
                *cb = y;
                return true;
            }

    return false;
}

/* An accepted caller, unprivileged if possible. */
static unsigned int some_caller(const struct seq *q)
{
    unsigned int c;

    for ( c = 1; c < model_doms; c++ )
        if ( q->callers[acc_pol] >> c & 1 )
            return c;

    return CONTROL_SLOT;
}

static unsigned int subject_of(const struct seq *q, unsigned int caller)
{
    unsigned int i;

    for ( i = 0; i < q->len; i++ )
        if ( q->s[i].dom != caller )
            return q->s[i].dom;

    return caller;
}

/* The level the policy gives a lock, for the printout. */
static void level_str(char *buf, size_t len, const struct policy *p,
                      const struct step *s, unsigned int caller)
{
    unsigned int c = s->cls;
    bool raised = !class_domainless(c) && p->bias &&
                  s->dom == (p->bias_caller ? caller : CONTROL_SLOT);

    if ( raised )
        snprintf(buf, len, "%u+%u", classes[c].level, p->bias);
    else if ( !class_domainless(c) && p->dm_bias && model_dm &&
              s->dom == MODEL_DM_SLOT )
        snprintf(buf, len, "%u+%u", classes[c].level, p->dm_bias);
    else
        snprintf(buf, len, "%u", classes[c].level);
}

static void print_cx(const struct policy *p, const struct chosen *ch,
                     unsigned int n, char out[][LINE_LEN])
{
    unsigned int i, j, line = 0, most = 0;
    char a[48], b[48], lv[16];

    memset(out, 0, MAX_CX_LINES * LINE_LEN);
    for ( i = 0; i < n; i++ )
    {
        const struct seq *q = acc[ch[i].w->seq];
        unsigned int subject = subject_of(q, ch[i].caller);
        size_t used;

        if ( subject == ch[i].caller )
            used = snprintf(out[line], LINE_LEN, "H%u = d%u on itself:",
                            i + 1, ch[i].caller);
        else
            used = snprintf(out[line], LINE_LEN, "H%u = d%u on d%u:", i + 1,
                            ch[i].caller, subject);
        for ( j = 0; j < q->len && used < LINE_LEN; j++ )
        {
            level_str(lv, sizeof(lv), p, &q->s[j], ch[i].caller);
            used += snprintf(out[line] + used, LINE_LEN - used, " %s %s (%s)",
                             j ? "then" : "grabs",
                             step_str(a, sizeof(a), &q->s[j]), lv);
        }
        line++;
        if ( ch[i].w->at > most )
            most = ch[i].w->at;
    }

    /* Grabs round-robin, as in the review; the held sets never conflict. */
    for ( j = 0; j < most; j++ )
        for ( i = 0; i < n; i++ )
            if ( j < ch[i].w->at )
            {
                const struct seq *q = acc[ch[i].w->seq];

                snprintf(out[line++], LINE_LEN, "* H%u: grab %s%s", i + 1,
                         step_str(a, sizeof(a), &q->s[j]),
                         find_held(q->s, j) >= 0 ? " (again)" : "");
            }
    for ( i = 0; i < n; i++ )
    {
        const struct seq *q = acc[ch[i].w->seq];

        snprintf(out[line++], LINE_LEN, "* H%u: wait on %s%s", i + 1,
                 step_str(b, sizeof(b), &q->s[ch[i].w->at]),
                 i + 1 == n ? " #DEADLOCK" : "");
    }
}

/* Smaller is better: fewest acquisitions, then the review's shape. */
static unsigned long cx_rank(const struct wait_state *const *w, unsigned int n,
                             bool review)
{
    unsigned long len = 0, control = 0;
    unsigned int i;

    for ( i = 0; i < n; i++ )
    {
        len += acc[w[i]->seq]->len;
        control += !!(doms_of(acc[w[i]->seq]) & (1u << CONTROL_SLOT));
    }

    return len * 100 + (review ? 0 : 10) + control;
}

/* ---- Two instances. ------------------------------------------------ */

static void search_pairs(struct policy *p)
{
    struct figures *f = &p->fig;
    uint32_t *stamp[NR_CYC_KINDS];
    uint32_t *holders_at, *holders;
    static bool cyc2[MAX_LOCKS][MAX_LOCKS];
    unsigned long best[NR_CYC_KINDS];
    unsigned long i, k;
    unsigned int l, m;

    memset(cyc2, 0, sizeof(cyc2));
    for ( k = 0; k < NR_CYC_KINDS; k++ )
    {
        stamp[k] = calloc(nr_acc + 1, sizeof(uint32_t));
        best[k] = ~0UL;
    }

    /* The wait states holding each lock, as one array cut by lock. */
    holders_at = calloc(MAX_LOCKS + 1, sizeof(uint32_t));
    for ( i = 0; i < nr_states; i++ )
        for ( l = 0; l < MAX_LOCKS; l++ )
            holders_at[l + 1] += (states[i].hw | states[i].hr) >> l & 1;
    for ( l = 0; l < MAX_LOCKS; l++ )
        holders_at[l + 1] += holders_at[l];
    holders = xrealloc(NULL, (holders_at[MAX_LOCKS] + 1) * sizeof(uint32_t));
    {
        uint32_t fill[MAX_LOCKS];

        memcpy(fill, holders_at, sizeof(fill));
        for ( i = 0; i < nr_states; i++ )
            for ( l = 0; l < MAX_LOCKS; l++ )
                if ( (states[i].hw | states[i].hr) >> l & 1 )
                    holders[fill[l]++] = i;
    }

    for ( i = 0; i < nr_states; i++ )
    {
        const struct wait_state *s = &states[i];
        uint32_t h;

        for ( h = holders_at[s->wl]; h < holders_at[s->wl + 1]; h++ )
        {
            const struct wait_state *t = &states[holders[h]];
            const struct wait_state *pair[2] = { s, t };
            unsigned int locks[2] = { s->wl, t->wl }, ca, cb;
            enum cycle_kind kind;
            unsigned long rank;
            bool review;

            if ( t->seq < s->seq || !blocks(t, s->wl, s->wread) ||
                 !blocks(s, t->wl, t->wread) || !compatible(s, t) )
                continue;

            kind = cycle_kind(locks, 2);
            if ( stamp[kind][t->seq] != s->seq + 1 )
            {
                stamp[kind][t->seq] = s->seq + 1;
                f->pairs[kind]++;
            }
            l = s->wl < t->wl ? s->wl : t->wl;
            m = s->wl < t->wl ? t->wl : s->wl;
            if ( !cyc2[l][m] )
            {
                cyc2[l][m] = true;
                f->cyc2[kind]++;
            }

            review = review_callers(acc[s->seq], acc[t->seq], &ca, &cb);
            if ( review && kind == CYC_DISTINCT )
                f->review_shape = true;
            rank = cx_rank(pair, 2, review);
            if ( rank < best[kind] )
            {
                struct chosen ch[2] = { { s, 0 }, { t, 0 } };

                best[kind] = rank;
                ch[0].caller = review ? ca : some_caller(acc[s->seq]);
                ch[1].caller = review ? cb : some_caller(acc[t->seq]);
                print_cx(p, ch, 2, f->cx2[kind]);
            }
        }
    }

    for ( k = 0; k < NR_CYC_KINDS; k++ )
        free(stamp[k]);
    free(holders_at);
    free(holders);
}

/* ---- Three instances. ---------------------------------------------- */

/*
 * Three instances deadlock when S waits for l1 held by T, T for l2 held by
 * U and U for l3 held by S, with no two holding a lock in conflict.  The
 * three locks are distinct (nobody waits for a lock it holds), so the
 * search runs over directed lock triangles, l1 the lowest, and over the
 * distinct wait states that wait for one of them while holding another.
 */
static int ws_cmp(const void *a, const void *b)
{
    const struct wait_state *x = a, *y = b;

    if ( x->hw != y->hw )
        return x->hw < y->hw ? -1 : 1;
    if ( x->hr != y->hr )
        return x->hr < y->hr ? -1 : 1;
    if ( x->wl != y->wl )
        return x->wl - y->wl;
    if ( x->wread != y->wread )
        return x->wread - y->wread;

    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void search_triples(struct policy *p)
{
    struct figures *f = &p->fig;
    struct wait_state *u;
    unsigned long nr_u = 0, i, best[NR_CYC_KINDS];
    uint32_t *g_at, *g;
    unsigned int l1, l2, l3, k;

    for ( k = 0; k < NR_CYC_KINDS; k++ )
        best[k] = ~0UL;

    /* Distinct states, each with its shortest sequence (sorted first). */
    u = xrealloc(NULL, (nr_states + 1) * sizeof(*u));
    memcpy(u, states, nr_states * sizeof(*u));
    qsort(u, nr_states, sizeof(*u), ws_cmp);
    for ( i = 0; i < nr_states; i++ )
        if ( !nr_u || u[nr_u - 1].hw != u[i].hw || u[nr_u - 1].hr != u[i].hr ||
             u[nr_u - 1].wl != u[i].wl || u[nr_u - 1].wread != u[i].wread )
            u[nr_u++] = u[i];

    /* Group by (lock waited for, lock held). */
#define G(w, h) ((w) * MAX_LOCKS + (h))
    g_at = calloc(MAX_LOCKS * MAX_LOCKS + 1, sizeof(uint32_t));
    for ( i = 0; i < nr_u; i++ )
        for ( l1 = 0; l1 < MAX_LOCKS; l1++ )
            g_at[G(u[i].wl, l1) + 1] += (u[i].hw | u[i].hr) >> l1 & 1;
    for ( i = 0; i < MAX_LOCKS * MAX_LOCKS; i++ )
        g_at[i + 1] += g_at[i];
    g = xrealloc(NULL, (g_at[MAX_LOCKS * MAX_LOCKS] + 1) * sizeof(uint32_t));
    {
        uint32_t *fill = xrealloc(NULL, MAX_LOCKS * MAX_LOCKS *
                                        sizeof(uint32_t));

        memcpy(fill, g_at, MAX_LOCKS * MAX_LOCKS * sizeof(uint32_t));
        for ( i = 0; i < nr_u; i++ )
            for ( l1 = 0; l1 < MAX_LOCKS; l1++ )
                if ( (u[i].hw | u[i].hr) >> l1 & 1 )
                    g[fill[G(u[i].wl, l1)]++] = i;
        free(fill);
    }

    for ( l1 = 0; l1 < MAX_LOCKS; l1++ )
        for ( l2 = l1 + 1; l2 < MAX_LOCKS; l2++ )
            for ( l3 = l1 + 1; l3 < MAX_LOCKS; l3++ )
            {
                /* S waits l1, holds l3; T waits l2, holds l1; U waits l3. */
                uint32_t si, ti, ui;
                unsigned int locks[3] = { l1, l2, l3 };
                enum cycle_kind kind;
                bool found = false;

                if ( l3 == l2 || g_at[G(l1, l3)] == g_at[G(l1, l3) + 1] ||
                     g_at[G(l2, l1)] == g_at[G(l2, l1) + 1] ||
                     g_at[G(l3, l2)] == g_at[G(l3, l2) + 1] )
                    continue;
                kind = cycle_kind(locks, 3);

                for ( si = g_at[G(l1, l3)]; si < g_at[G(l1, l3) + 1]; si++ )
                {
                    const struct wait_state *s = &u[g[si]];

                    for ( ti = g_at[G(l2, l1)];
                          ti < g_at[G(l2, l1) + 1]; ti++ )
                    {
                        const struct wait_state *t = &u[g[ti]];

                        if ( !blocks(t, l1, s->wread) || !compatible(s, t) )
                            continue;
                        for ( ui = g_at[G(l3, l2)];
                              ui < g_at[G(l3, l2) + 1]; ui++ )
                        {
                            const struct wait_state *v = &u[g[ui]];
                            const struct wait_state *w3[3] = { s, t, v };
                            unsigned long rank;

                            if ( !blocks(v, l2, t->wread) ||
                                 !blocks(s, l3, v->wread) ||
                                 !compatible(t, v) || !compatible(s, v) )
                                continue;
                            found = true;
                            rank = cx_rank(w3, 3, false);
                            if ( rank < best[kind] )
                            {
                                struct chosen ch[3] = {
                                    { s, some_caller(acc[s->seq]) },
                                    { t, some_caller(acc[t->seq]) },
                                    { v, some_caller(acc[v->seq]) },
                                };

                                best[kind] = rank;
                                print_cx(p, ch, 3, f->cx3[kind]);
                            }
                            break;
                        }
                        if ( found )
                            break;
                    }
                    if ( found )
                        break;
                }
                f->cyc3[kind] += found;
            }
#undef G

    free(u);
    free(g_at);
    free(g);
}

/* ------------------------------------------------------------------ */
/* One policy's run, and its saved figures.                            */

static void run_flows(struct policy *p)
{
    unsigned int i;

    for ( i = 0; i < NR_FLOWS; i++ )
    {
        const struct flow *fl = &flows[i];
        int v;

        if ( !wellformed(fl->s, fl->nr) )
        {
            fprintf(stderr, "model: flow %s is not well-formed\n", fl->id);
            exit(2);
        }
        v = policy_verdict(p, fl->s, fl->nr, fl->caller);
        p->fig.flow_ok[i] = v;
    }
}

static void save_figures(FILE *out, const struct figures *f)
{
    unsigned int k, i;

    fprintf(out, "policy %s\n", f->name);
    fprintf(out, "label %s\n", f->label);
    fprintf(out, "real %d\nk %u\ndoms %u\ndm %d\n", f->real, f->k, f->doms,
            f->dm);
    fprintf(out, "templates %lu\ninstances %lu\nwellformed %lu\n",
            f->templates, f->instances, f->wellformed);
    fprintf(out, "accepted %lu\nrejected %lu\nanomalies %lu\n", f->accepted,
            f->rejected, f->anomalies);
    fprintf(out, "mismatches %lu\nseqs %lu\nreview_shape %d\n", f->mismatches,
            f->seqs, f->review_shape);
    for ( k = 0; k < NR_CYC_KINDS; k++ )
    {
        fprintf(out, "pairs_%s %lu\n", cycle_kind_names[k], f->pairs[k]);
        fprintf(out, "cyc2_%s %lu\n", cycle_kind_names[k], f->cyc2[k]);
        fprintf(out, "cyc3_%s %lu\n", cycle_kind_names[k], f->cyc3[k]);
        for ( i = 0; i < MAX_CX_LINES && f->cx2[k][i][0]; i++ )
            fprintf(out, "cx2_%s %s\n", cycle_kind_names[k], f->cx2[k][i]);
        for ( i = 0; i < MAX_CX_LINES && f->cx3[k][i][0]; i++ )
            fprintf(out, "cx3_%s %s\n", cycle_kind_names[k], f->cx3[k][i]);
    }
    for ( i = 0; i < NR_FLOWS; i++ )
        fprintf(out, "flow %s %d\n", flows[i].id, f->flow_ok[i]);
    fprintf(out, "seconds %.2f\nend\n", f->seconds);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void add_policy(enum policy_rule rule, const char *name,
                       const char *label, bool shown, bool bias_caller,
                       unsigned int bias)
{
    struct policy *p = &policies[nr_policies++];

    memset(p, 0, sizeof(*p));
    p->rule = rule;
    p->shown = shown;
    p->bias_caller = bias_caller;
    p->bias = bias;
    p->dm_bias = rule == RULE_HEADER ? chk_dm_bias() : MM_LOCK_DM_BIAS;
    snprintf(p->fig.name, sizeof(p->fig.name), "%s%s", name,
             model_dm ? "-dm" : "");
    snprintf(p->fig.label, sizeof(p->fig.label), "%s%s", label,
             model_dm ? "; d1 d2's device model" : "");
    p->fig.dm = model_dm;
    p->fig.real = rule == RULE_HEADER;
}

/* checker.h's class enum mirrors the header's table: check it does. */
static void check_class_table(void)
{
    unsigned int c;
    bool xen = !strcmp(MODEL_VARIANT, "xen");

    for ( c = 0; c < NR_CLASSES; c++ )
    {
        if ( strcmp(classes[c].name, chk_class_names[c]) ||
             (classes[c].kind == MM_LOCK_RW) != chk_class_is_rw(c) ||
             (!xen && classes[c].level != chk_class_level(c)) )
        {
            fprintf(stderr, "model: class %u is %s (%u) in our header but "
                    "%s (%u) in checker.h: update it\n", c,
                    classes[c].name, classes[c].level, chk_class_names[c],
                    chk_class_level(c));
            exit(2);
        }
        if ( xen && classes[c].level != chk_class_level(c) )
            printf("note: Xen 4.17 puts %s at level %u, ours at %u\n",
                   classes[c].name, chk_class_level(c), classes[c].level);
    }
}

void model_search(const char *save)
{
    const char *v = MODEL_VARIANT;
    struct template_step t[MAX_K];
    double start = now(), t0;
    unsigned int i, k;

    check_class_table();
    if ( !strcmp(v, "ours") )
    {
        add_policy(RULE_HEADER, "ours",
                   "our header: control-domain bias, domid tie-break",
                   true, false, chk_bias());
        add_policy(RULE_MODEL_TIEBREAK, "ours-model",
                   "model of our rule (cross-check only)", false, false,
                   MM_LOCK_BIAS);
        /* The tie-break's own figures need no device model. */
        if ( !model_dm )
            add_policy(RULE_MODEL_EQUAL, "ours-no-tiebreak",
                       "MODEL: our rule minus the domid tie-break", true,
                       false, MM_LOCK_BIAS);
    }
    else if ( !strcmp(v, "nobias") )
        add_policy(RULE_HEADER, "nobias",
                   "our header built with MM_LOCK_TEST_NO_BIAS", true, false,
                   0);
    else if ( !strcmp(v, "notiers") )
        add_policy(RULE_HEADER, "notiers",
                   "our header with MM_LOCK_TEST_NO_TIERS (no dm tier)", true,
                   false, chk_bias());
    else if ( !strcmp(v, "current") )
        add_policy(RULE_HEADER, "current",
                   "our header, bias for the calling domain (rejected)",
                   true, true, chk_bias());
    else if ( !strcmp(v, "xen") )
        add_policy(RULE_HEADER, "xen-4.17",
                   "Xen 4.17's header: control-domain bias, no tie-break",
                   true, false, chk_bias());
    else
    {
        fprintf(stderr, "model: unknown variant %s\n", v);
        exit(2);
    }

    printf("== order model, %s%s: K=%u, domains d0 (control)", v,
           model_dm ? "-dm" : "", model_k);
    for ( i = 1; i < model_doms; i++ )
        printf(" d%u%s", i, model_dm && i == MODEL_DM_SLOT ?
               " (device model of d2)" : "");
    printf("\n");
    fflush(stdout);

    enumerate(t, 0);
    printf("   %lu templates, %lu instances (%lu well-formed), %lu distinct "
           "lock sequences accepted by some policy, %.2f s\n", nr_templates,
           nr_instances, nr_wellformed, nr_seqs, now() - start);

    for ( i = 0; i < nr_policies; i++ )
    {
        struct policy *p = &policies[i];
        struct figures *f = &p->fig;

        t0 = now();
        f->k = model_k;
        f->doms = model_doms;
        f->templates = nr_templates;
        f->instances = nr_instances;
        f->wellformed = nr_wellformed;
        run_flows(p);
        if ( !p->shown )
        {
            printf("   %s agrees with the header on %lu of %lu well-formed "
                   "instances\n", f->name, nr_wellformed - f->mismatches,
                   nr_wellformed);
            continue;
        }
        build_states(i);
        f->seqs = nr_acc;
        search_pairs(p);
        search_triples(p);
        f->seconds = now() - t0;
        printf("   %s: %lu instances accepted, %lu rejected, %lu distinct "
               "sequences, %lu wait states; deadlocks:", f->name,
               f->accepted, f->rejected, nr_acc, nr_states);
        for ( k = 0; k < NR_CYC_KINDS; k++ )
            printf(" %s %lu/%lu", cycle_kind_names[k], f->pairs[k],
                   f->cyc3[k]);
        printf(" (%.2f s)\n", f->seconds);
    }
    /* The cross-check's result goes with our header's row. */
    if ( nr_policies > 1 )
        policies[0].fig.mismatches = policies[1].fig.mismatches;

    if ( save )
    {
        FILE *out = fopen(save, "w");

        if ( !out )
        {
            fprintf(stderr, "model: cannot write %s: %s\n", save,
                    strerror(errno));
            exit(2);
        }
        for ( i = 0; i < nr_policies; i++ )
            if ( policies[i].shown )
                save_figures(out, &policies[i].fig);
        if ( fclose(out) )
        {
            fprintf(stderr, "model: cannot write %s: %s\n", save,
                    strerror(errno));
            exit(2);
        }
    }
    printf("   total %.2f s\n", now() - start);
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
