/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The implementation of checker.h, compiled once per header under test:
 * CHECKER_XEN_HEADER selects Xen 4.17's mm-locks.h, otherwise ours (with
 * mm-locks.c linked beside it).  The hypervisor environment it runs in is
 * emul.h's, defined in emul.c.
 */
#include "emul.h"
#include "mm-locks.h"
#include "checker.h"

#ifdef CHECKER_XEN_HEADER
const char *const chk_header_name = "xen-4.17";
DEFINE_PER_CPU(int, mm_lock_level);
#else
const char *const chk_header_name = "ours";
extern int (*emul_initcall_mm_lock_init_checks)(void);
#endif
DEFINE_PERCPU_RWLOCK_GLOBAL(p2m_percpu_rwlock);

const char *const chk_class_names[CHK_NR_CLASSES] = {
    [CHK_NESTEDP2M] = "nestedp2m",
    [CHK_P2M] = "p2m",
    [CHK_SHARING] = "per_page_sharing",
    [CHK_ALTP2MLIST] = "altp2mlist",
    [CHK_ALTP2M] = "altp2m",
    [CHK_POD] = "pod",
    [CHK_PAGE_ALLOC] = "page_alloc",
    [CHK_PAGING] = "paging",
};

const char *const chk_result_names[] = {
    [CHK_OK] = "ok",
    [CHK_BUG] = "BUG",
    [CHK_PANIC] = "panic",
    [CHK_ASSERT] = "ASSERT",
    [CHK_BLOCK] = "block",
};

const char *chk_log(void)
{
    return emul_log();
}

void chk_log_clear(void)
{
    emul_log_clear();
}

void p2m_unlock_and_tlb_flush(struct p2m_domain *p2m)
{
    mm_write_unlock(&p2m->lock);
}

struct chk_dom {
    struct domain d;
    struct p2m_domain p2m[CHK_NR_INST];
    struct p2m_domain altp2m[CHK_NR_INST];
};

static struct chk_dom doms[CHK_NR_DOMS];

/* mem_sharing.c's per-CPU page-lock bookkeeping. */
static struct {
    int mm_unlock_level;
    unsigned short recurse_count;
} pld[EMUL_NR_CPUS];

static void dom_init(struct chk_dom *hd)
{
    struct domain *d = &hd->d;
    unsigned int i;

    mm_lock_init(&d->arch.paging.lock);
    mm_lock_init(&d->arch.nested_p2m_lock);
    mm_lock_init(&d->arch.altp2m_list_lock);
    spin_lock_init(&d->page_alloc_lock);
    for ( i = 0; i < CHK_NR_INST; i++ )
    {
        mm_rwlock_init(&hd->p2m[i].lock);
        mm_lock_init(&hd->p2m[i].pod.lock);
        hd->p2m[i].domain = d;
        mm_rwlock_init(&hd->altp2m[i].lock);
        mm_lock_init(&hd->altp2m[i].pod.lock);
        hd->altp2m[i].domain = d;
        hd->altp2m[i].is_alt = true;
    }
}

void chk_init(void)
{
#ifndef CHECKER_XEN_HEADER
    static bool once;
#endif
    unsigned int i;

    memset(doms, 0, sizeof(doms));
    memset(pld, 0, sizeof(pld));
    for ( i = 0; i < EMUL_NR_CPUS; i++ )
#ifdef CHECKER_XEN_HEADER
        per_cpu(mm_lock_level, i) = 0;
#else
        memset(&per_cpu(mm_lock_cpu, i), 0, sizeof(per_cpu(mm_lock_cpu, i)));
#endif
    for ( i = 0; i < CHK_NR_DOMS; i++ )
    {
        dom_init(&doms[i]);
        chk_dom_setup(i, i, i == 0, i == 0, -1);
    }
    emul_cpu = 0;
#ifdef EMUL_CURRENT_BIAS
    emul_current_domain = &doms[0].d;
#endif
    chk_log_clear();

#ifndef CHECKER_XEN_HEADER
    if ( !once )
        emul_initcall_mm_lock_init_checks();
    once = true;
#endif
}

void chk_dom_setup(unsigned int i, unsigned int domid, bool control,
                   bool hardware, int target_slot)
{
    struct domain *d = &doms[i].d;

    d->domain_id = domid;
    d->is_privileged = control;
    d->is_hardware = hardware;
    d->target = target_slot >= 0 ? &doms[target_slot].d : NULL;
}

void chk_dom_xenstore(unsigned int i, bool xenstore)
{
    struct domain *d = &doms[i].d;

    d->options = xenstore ? d->options | XEN_DOMCTL_CDF_xs_domain
                          : d->options & ~XEN_DOMCTL_CDF_xs_domain;
}

void chk_cpu(unsigned int cpu)
{
    emul_cpu = cpu;
}

unsigned int chk_cur_cpu(void)
{
    return emul_cpu;
}

void chk_set_caller(unsigned int dom)
{
#ifdef EMUL_CURRENT_BIAS
    emul_current_domain = &doms[dom].d;
#else
    (void)dom;
#endif
}

struct chk_op {
    enum chk_class c;
    unsigned int dom, inst;
    enum chk_mode m;
};

static void do_acquire(const struct chk_op *op)
{
    struct chk_dom *hd = &doms[op->dom];
    struct domain *d = &hd->d;
    struct p2m_domain *p = &hd->p2m[op->inst];
    struct p2m_domain *ap = &hd->altp2m[op->inst];
    bool rec = op->m == CHK_RECURSIVE;

    switch ( op->c )
    {
    case CHK_NESTEDP2M:
        if ( rec )
            mm_lock_recursive(nestedp2m, d, &d->arch.nested_p2m_lock);
        else
            nestedp2m_lock(d);
        break;
    case CHK_P2M:
        if ( op->m == CHK_READ )
            p2m_read_lock(p);
        else
            p2m_lock(p);
        break;
    case CHK_SHARING:
        page_sharing_mm_pre_lock();
        page_sharing_mm_post_lock(&pld[emul_cpu].mm_unlock_level,
                                  &pld[emul_cpu].recurse_count);
        break;
    case CHK_ALTP2MLIST:
        if ( rec )
            mm_lock_recursive(altp2mlist, d, &d->arch.altp2m_list_lock);
        else
            altp2m_list_lock(d);
        break;
    case CHK_ALTP2M:
        if ( op->m == CHK_READ )
            mm_read_lock(altp2m, d, &ap->lock);
        else
            p2m_lock(ap);
        break;
    case CHK_POD:
        if ( rec )
            mm_lock_recursive(pod, d, &p->pod.lock);
        else
            pod_lock(p);
        break;
    case CHK_PAGE_ALLOC:
        page_alloc_mm_pre_lock(d);
        spin_lock(&d->page_alloc_lock);
        page_alloc_mm_post_lock(d, d->arch.page_alloc_unlock_level);
        break;
    case CHK_PAGING:
        if ( rec )
            paging_lock_recursive(d);
        else
            paging_lock(d);
        break;
    default:
        abort();
    }
}

static void do_release(const struct chk_op *op)
{
    struct chk_dom *hd = &doms[op->dom];
    struct domain *d = &hd->d;
    struct p2m_domain *p = &hd->p2m[op->inst];
    struct p2m_domain *ap = &hd->altp2m[op->inst];

    switch ( op->c )
    {
    case CHK_NESTEDP2M:
        nestedp2m_unlock(d);
        break;
    case CHK_P2M:
        if ( op->m == CHK_READ )
            p2m_read_unlock(p);
        else
            p2m_unlock(p);
        break;
    case CHK_SHARING:
        page_sharing_mm_unlock(pld[emul_cpu].mm_unlock_level,
                               &pld[emul_cpu].recurse_count);
        break;
    case CHK_ALTP2MLIST:
        altp2m_list_unlock(d);
        break;
    case CHK_ALTP2M:
        if ( op->m == CHK_READ )
            mm_read_unlock(&ap->lock);
        else
            p2m_unlock(ap);
        break;
    case CHK_POD:
        pod_unlock(p);
        break;
    case CHK_PAGE_ALLOC:
        page_alloc_mm_unlock(d->arch.page_alloc_unlock_level);
        spin_unlock(&d->page_alloc_lock);
        break;
    case CHK_PAGING:
        paging_unlock(d);
        break;
    default:
        abort();
    }
}

static enum chk_result guarded(void (*fn)(const struct chk_op *),
                               const struct chk_op *op)
{
    jmp_buf jb, *volatile prev = emul_catch;
    int ev;

    emul_catch = &jb;
    ev = setjmp(jb);
    if ( !ev )
        fn(op);
    emul_catch = prev;

    return ev;
}

enum chk_result chk_acquire(enum chk_class c, unsigned int dom,
                            unsigned int inst, enum chk_mode m)
{
    struct chk_op op = { c, dom, inst, m };

    return guarded(do_acquire, &op);
}

enum chk_result chk_release(enum chk_class c, unsigned int dom,
                            unsigned int inst, enum chk_mode m)
{
    struct chk_op op = { c, dom, inst, m };

    return guarded(do_release, &op);
}

unsigned int chk_class_level(enum chk_class c)
{
    static const unsigned int levels[CHK_NR_CLASSES] = {
        [CHK_NESTEDP2M] = MM_LOCK_ORDER_nestedp2m,
        [CHK_P2M] = MM_LOCK_ORDER_p2m,
        [CHK_SHARING] = MM_LOCK_ORDER_per_page_sharing,
        [CHK_ALTP2MLIST] = MM_LOCK_ORDER_altp2mlist,
        [CHK_ALTP2M] = MM_LOCK_ORDER_altp2m,
        [CHK_POD] = MM_LOCK_ORDER_pod,
        [CHK_PAGE_ALLOC] = MM_LOCK_ORDER_page_alloc,
        [CHK_PAGING] = MM_LOCK_ORDER_paging,
    };

    return levels[c];
}

unsigned int chk_bias(void)
{
#ifdef CHECKER_XEN_HEADER
    return MM_LOCK_ORDER_MAX;
#else
    return MM_LOCK_BIAS;
#endif
}

unsigned int chk_dm_bias(void)
{
#ifdef CHECKER_XEN_HEADER
    return 0;
#else
    return MM_LOCK_DM_BIAS;
#endif
}

/* Xen 4.17's header keeps the name in the lock; ours in the record. */
#ifdef CHECKER_XEN_HEADER
#define HOLDER(l) ((l)->locker_function)
#else
#define HOLDER(l) mm_lock_holder(l)
#endif

const char *chk_holder(enum chk_class c, unsigned int dom, unsigned int inst)
{
    struct chk_dom *hd = &doms[dom];
    struct domain *d = &hd->d;

    switch ( c )
    {
    case CHK_NESTEDP2M:
        return HOLDER(&d->arch.nested_p2m_lock);
    case CHK_P2M:
        return HOLDER(&hd->p2m[inst].lock);
    case CHK_ALTP2MLIST:
        return HOLDER(&d->arch.altp2m_list_lock);
    case CHK_ALTP2M:
        return HOLDER(&hd->altp2m[inst].lock);
    case CHK_POD:
        return HOLDER(&hd->p2m[inst].pod.lock);
    case CHK_PAGING:
        return HOLDER(&d->arch.paging.lock);
    default:
        return NULL;
    }
}
#undef HOLDER

bool chk_class_is_rw(enum chk_class c)
{
    return c == CHK_P2M || c == CHK_ALTP2M;
}

unsigned int chk_level(void)
{
    return _get_lock_level();
}

bool chk_locked_by_me(enum chk_class c, unsigned int dom, unsigned int inst)
{
    struct chk_dom *hd = &doms[dom];
    struct domain *d = &hd->d;

    switch ( c )
    {
    case CHK_NESTEDP2M:
        return mm_locked_by_me(&d->arch.nested_p2m_lock);
    case CHK_P2M:
        return mm_write_locked_by_me(&hd->p2m[inst].lock) ||
               (hd->p2m[inst].lock.lock.readers & (1u << emul_cpu));
    case CHK_ALTP2MLIST:
        return mm_locked_by_me(&d->arch.altp2m_list_lock);
    case CHK_ALTP2M:
        return mm_write_locked_by_me(&hd->altp2m[inst].lock) ||
               (hd->altp2m[inst].lock.lock.readers & (1u << emul_cpu));
    case CHK_POD:
        return mm_locked_by_me(&hd->p2m[inst].pod.lock);
    case CHK_PAGE_ALLOC:
        return d->page_alloc_lock.locked;
    case CHK_SHARING:
        return pld[emul_cpu].recurse_count != 0;
    case CHK_PAGING:
        return mm_locked_by_me(&d->arch.paging.lock);
    default:
        return false;
    }
}

static void do_key(const struct chk_op *op)
{
    emul_keyhandler(op->inst)(op->inst);
}

bool chk_debug_key(unsigned char key)
{
    struct chk_op op = { .inst = key };

    if ( !emul_keyhandler(key) )
        return false;

    return guarded(do_key, &op) == CHK_OK;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
