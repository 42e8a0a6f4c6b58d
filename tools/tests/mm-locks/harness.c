/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The harness behind harness.h, compiled once per header under test:
 * HARNESS_XEN selects Xen 4.17's mm-locks.h, otherwise ours (with
 * mm-locks.c linked beside it).
 */
#include "emul.h"
#include "mm-locks.h"
#include "harness.h"

unsigned int emul_cpu;
jmp_buf *emul_catch;
struct vcpu emul_vcpu[EMUL_NR_CPUS] = { { 0 }, { 1 }, { 2 }, { 3 } };
#ifdef EMUL_CURRENT_BIAS
const struct domain *emul_current_domain;
#endif

#ifdef HARNESS_XEN
const char *const h_header_name = "xen-4.17";
DEFINE_PER_CPU(int, mm_lock_level);
#else
const char *const h_header_name = "ours";
extern int (*emul_initcall_mm_lock_init_checks)(void);
#endif
DEFINE_PERCPU_RWLOCK_GLOBAL(p2m_percpu_rwlock);

const char *const h_class_names[H_NR_CLASSES] = {
    [H_NESTEDP2M] = "nestedp2m",
    [H_P2M] = "p2m",
    [H_SHARING] = "per_page_sharing",
    [H_ALTP2MLIST] = "altp2mlist",
    [H_ALTP2M] = "altp2m",
    [H_POD] = "pod",
    [H_PAGE_ALLOC] = "page_alloc",
    [H_PAGING] = "paging",
};

const char *const h_result_names[] = {
    [H_OK] = "ok",
    [H_BUG] = "BUG",
    [H_PANIC] = "panic",
    [H_ASSERT] = "ASSERT",
    [H_BLOCK] = "block",
};

static char log_buf[1 << 16];
static size_t log_len;

void emul_printk(const char *fmt, ...)
{
    va_list ap;
    int n;

    if ( log_len >= sizeof(log_buf) - 1 )
        return;
    va_start(ap, fmt);
    n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, ap);
    va_end(ap);
    if ( n > 0 )
        log_len += n;
    if ( log_len >= sizeof(log_buf) )
        log_len = sizeof(log_buf) - 1;
}

void emul_throw(enum emul_event ev, const char *what)
{
    if ( !emul_catch )
    {
        fprintf(stderr, "harness: %s outside a guarded call\n%s", what,
                log_buf);
        abort();
    }
    longjmp(*emul_catch, ev);
}

const char *h_log(void)
{
    return log_buf;
}

void h_log_clear(void)
{
    log_len = 0;
    log_buf[0] = '\0';
}

static keyhandler_fn_t *key_handlers[256];

void register_keyhandler(unsigned char key, keyhandler_fn_t *fn,
                         const char *desc, bool diagnostic)
{
    (void)desc;
    (void)diagnostic;
    key_handlers[key] = fn;
}

void p2m_unlock_and_tlb_flush(struct p2m_domain *p2m)
{
    mm_write_unlock(&p2m->lock);
}

struct h_dom {
    struct domain d;
    struct p2m_domain p2m[H_NR_INST];
    struct p2m_domain altp2m[H_NR_INST];
};

static struct h_dom doms[H_NR_DOMS];

/* mem_sharing.c's per-CPU page-lock bookkeeping. */
static struct {
    int mm_unlock_level;
    unsigned short recurse_count;
} pld[EMUL_NR_CPUS];

static void dom_init(struct h_dom *hd)
{
    struct domain *d = &hd->d;
    unsigned int i;

    mm_lock_init(&d->arch.paging.lock);
    mm_lock_init(&d->arch.nested_p2m_lock);
    mm_lock_init(&d->arch.altp2m_list_lock);
    spin_lock_init(&d->page_alloc_lock);
    for ( i = 0; i < H_NR_INST; i++ )
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

void h_init(void)
{
#ifndef HARNESS_XEN
    static bool once;
#endif
    unsigned int i;

    memset(doms, 0, sizeof(doms));
    memset(pld, 0, sizeof(pld));
    for ( i = 0; i < EMUL_NR_CPUS; i++ )
#ifdef HARNESS_XEN
        per_cpu(mm_lock_level, i) = 0;
#else
        memset(&per_cpu(mm_lock_cpu, i), 0, sizeof(per_cpu(mm_lock_cpu, i)));
#endif
    for ( i = 0; i < H_NR_DOMS; i++ )
    {
        dom_init(&doms[i]);
        h_dom_setup(i, i, i == 0, i == 0, -1);
    }
    emul_cpu = 0;
#ifdef EMUL_CURRENT_BIAS
    emul_current_domain = &doms[0].d;
#endif
    h_log_clear();

#ifndef HARNESS_XEN
    if ( !once )
        emul_initcall_mm_lock_init_checks();
    once = true;
#endif
}

void h_dom_setup(unsigned int i, unsigned int domid, bool control,
                 bool hardware, int target_slot)
{
    struct domain *d = &doms[i].d;

    d->domain_id = domid;
    d->is_privileged = control;
    d->is_hardware = hardware;
    d->target = target_slot >= 0 ? &doms[target_slot].d : NULL;
}

void h_cpu(unsigned int cpu)
{
    emul_cpu = cpu;
}

unsigned int h_cur_cpu(void)
{
    return emul_cpu;
}

void h_set_caller(unsigned int dom)
{
#ifdef EMUL_CURRENT_BIAS
    emul_current_domain = &doms[dom].d;
#else
    (void)dom;
#endif
}

struct h_op {
    enum h_class c;
    unsigned int dom, inst;
    enum h_mode m;
};

static void do_acquire(const struct h_op *op)
{
    struct h_dom *hd = &doms[op->dom];
    struct domain *d = &hd->d;
    struct p2m_domain *p = &hd->p2m[op->inst];
    struct p2m_domain *ap = &hd->altp2m[op->inst];
    bool rec = op->m == H_RECURSIVE;

    switch ( op->c )
    {
    case H_NESTEDP2M:
        if ( rec )
            mm_lock_recursive(nestedp2m, d, &d->arch.nested_p2m_lock);
        else
            nestedp2m_lock(d);
        break;
    case H_P2M:
        if ( op->m == H_READ )
            p2m_read_lock(p);
        else
            p2m_lock(p);
        break;
    case H_SHARING:
        page_sharing_mm_pre_lock();
        page_sharing_mm_post_lock(&pld[emul_cpu].mm_unlock_level,
                                  &pld[emul_cpu].recurse_count);
        break;
    case H_ALTP2MLIST:
        if ( rec )
            mm_lock_recursive(altp2mlist, d, &d->arch.altp2m_list_lock);
        else
            altp2m_list_lock(d);
        break;
    case H_ALTP2M:
        if ( op->m == H_READ )
            mm_read_lock(altp2m, d, &ap->lock);
        else
            p2m_lock(ap);
        break;
    case H_POD:
        if ( rec )
            mm_lock_recursive(pod, d, &p->pod.lock);
        else
            pod_lock(p);
        break;
    case H_PAGE_ALLOC:
        page_alloc_mm_pre_lock(d);
        spin_lock(&d->page_alloc_lock);
        page_alloc_mm_post_lock(d, d->arch.page_alloc_unlock_level);
        break;
    case H_PAGING:
        if ( rec )
            paging_lock_recursive(d);
        else
            paging_lock(d);
        break;
    default:
        abort();
    }
}

static void do_release(const struct h_op *op)
{
    struct h_dom *hd = &doms[op->dom];
    struct domain *d = &hd->d;
    struct p2m_domain *p = &hd->p2m[op->inst];
    struct p2m_domain *ap = &hd->altp2m[op->inst];

    switch ( op->c )
    {
    case H_NESTEDP2M:
        nestedp2m_unlock(d);
        break;
    case H_P2M:
        if ( op->m == H_READ )
            p2m_read_unlock(p);
        else
            p2m_unlock(p);
        break;
    case H_SHARING:
        page_sharing_mm_unlock(pld[emul_cpu].mm_unlock_level,
                               &pld[emul_cpu].recurse_count);
        break;
    case H_ALTP2MLIST:
        altp2m_list_unlock(d);
        break;
    case H_ALTP2M:
        if ( op->m == H_READ )
            mm_read_unlock(&ap->lock);
        else
            p2m_unlock(ap);
        break;
    case H_POD:
        pod_unlock(p);
        break;
    case H_PAGE_ALLOC:
        page_alloc_mm_unlock(d->arch.page_alloc_unlock_level);
        spin_unlock(&d->page_alloc_lock);
        break;
    case H_PAGING:
        paging_unlock(d);
        break;
    default:
        abort();
    }
}

static enum h_result guarded(void (*fn)(const struct h_op *),
                             const struct h_op *op)
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

enum h_result h_acquire(enum h_class c, unsigned int dom, unsigned int inst,
                        enum h_mode m)
{
    struct h_op op = { c, dom, inst, m };

    return guarded(do_acquire, &op);
}

enum h_result h_release(enum h_class c, unsigned int dom, unsigned int inst,
                        enum h_mode m)
{
    struct h_op op = { c, dom, inst, m };

    return guarded(do_release, &op);
}

unsigned int h_class_level(enum h_class c)
{
    static const unsigned int levels[H_NR_CLASSES] = {
        [H_NESTEDP2M] = MM_LOCK_ORDER_nestedp2m,
        [H_P2M] = MM_LOCK_ORDER_p2m,
        [H_SHARING] = MM_LOCK_ORDER_per_page_sharing,
        [H_ALTP2MLIST] = MM_LOCK_ORDER_altp2mlist,
        [H_ALTP2M] = MM_LOCK_ORDER_altp2m,
        [H_POD] = MM_LOCK_ORDER_pod,
        [H_PAGE_ALLOC] = MM_LOCK_ORDER_page_alloc,
        [H_PAGING] = MM_LOCK_ORDER_paging,
    };

    return levels[c];
}

unsigned int h_bias(void)
{
#ifdef HARNESS_XEN
    return MM_LOCK_ORDER_MAX;
#else
    return MM_LOCK_BIAS;
#endif
}

bool h_class_is_rw(enum h_class c)
{
    return c == H_P2M || c == H_ALTP2M;
}

unsigned int h_level(void)
{
    return _get_lock_level();
}

bool h_locked_by_me(enum h_class c, unsigned int dom, unsigned int inst)
{
    struct h_dom *hd = &doms[dom];
    struct domain *d = &hd->d;

    switch ( c )
    {
    case H_NESTEDP2M:
        return mm_locked_by_me(&d->arch.nested_p2m_lock);
    case H_P2M:
        return mm_write_locked_by_me(&hd->p2m[inst].lock) ||
               (hd->p2m[inst].lock.lock.readers & (1u << emul_cpu));
    case H_ALTP2MLIST:
        return mm_locked_by_me(&d->arch.altp2m_list_lock);
    case H_ALTP2M:
        return mm_write_locked_by_me(&hd->altp2m[inst].lock) ||
               (hd->altp2m[inst].lock.lock.readers & (1u << emul_cpu));
    case H_POD:
        return mm_locked_by_me(&hd->p2m[inst].pod.lock);
    case H_PAGE_ALLOC:
        return d->page_alloc_lock.locked;
    case H_SHARING:
        return pld[emul_cpu].recurse_count != 0;
    case H_PAGING:
        return mm_locked_by_me(&d->arch.paging.lock);
    default:
        return false;
    }
}

static void do_key(const struct h_op *op)
{
    key_handlers[op->inst](op->inst);
}

bool h_debug_key(unsigned char key)
{
    struct h_op op = { .inst = key };

    if ( !key_handlers[key] )
        return false;

    return guarded(do_key, &op) == H_OK;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
