/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Instructions per mm lock operation, counted by callgrind, for one lock
 * implementation chosen at compile time:
 *
 *   BENCH_FLOOR   the bare locks (recursive spinlock, recursive percpu
 *                 write lock, percpu read lock), no order checking at all
 *   BENCH_XEN     Xen 4.17's mm-locks.h
 *   otherwise     our mm-locks.h, with mm-locks.o linked beside it
 *
 * EMUL_NDEBUG selects the release configuration (ASSERTs compiled out), for
 * the floor and Xen's header as much as for ours.
 *
 * Each operation is one function that the compiler may not look into from
 * the caller (noipa), with a compiler barrier standing for the critical
 * section: per-CPU state and the lock must be reloaded after it, as in the
 * hypervisor, where the locks are taken with atomic instructions and real
 * work is done under them.  The loop calls it N and then 2N times; the
 * difference of the two counts, divided by N, is the cost of one call with
 * every fixed cost cancelled, and the same figure for an empty function is
 * subtracted, which leaves the operation alone.
 *
 * Usage: bench-micro [--iterations N] [--callgrind-out FILE]
 *   Under callgrind, FILE must be callgrind's --callgrind-out-file: each
 *   CALLGRIND_DUMP_STATS_AT writes FILE.<dump number>, which is read back.
 *   Prints "op NAME INSTRUCTIONS" lines and "state_bytes_per_cpu N".
 *   Natively (the smoke test), runs every operation N times and checks
 *   that each leaves no lock held; ends with "N passed, M failed".
 */
#include <errno.h>
#include <valgrind/callgrind.h>

#include "emul.h"

/*
 * Xen finds this CPU's copy of a per-CPU variable at the variable's address
 * plus this CPU's offset (get_cpu_info()->per_cpu_offset): a load and an
 * add, whatever the variable's type.  emul.h indexes an array instead,
 * which is free for an int but costs a multiply for a struct of a few
 * hundred bytes: a difference the hypervisor does not have.  So the offset
 * is modelled here; the benchmark runs on CPU 0, whose offset is 0.
 * BENCH_EMUL_PERCPU keeps emul.h's arrays, to show what that difference is.
 */
#ifndef BENCH_EMUL_PERCPU
extern unsigned long bench_percpu_offset;
#undef this_cpu
#define this_cpu(name)                                                      \
    (*(__typeof__(&per_cpu__##name[0]))((char *)per_cpu__##name +          \
                                        bench_percpu_offset))
#endif

#ifndef BENCH_FLOOR
#include "mm-locks.h"
#endif

unsigned int emul_cpu;
#ifndef BENCH_EMUL_PERCPU
unsigned long bench_percpu_offset;
#endif
jmp_buf *emul_catch;
struct vcpu emul_vcpu[EMUL_NR_CPUS] = { { 0 }, { 1 }, { 2 }, { 3 } };

#if defined(BENCH_FLOOR)
const char *const bench_impl = "floor";
#elif defined(BENCH_XEN)
const char *const bench_impl = "xen-4.17";
DEFINE_PER_CPU(int, mm_lock_level);
#else
const char *const bench_impl = "ours";
#endif
DEFINE_PERCPU_RWLOCK_GLOBAL(p2m_percpu_rwlock);

void emul_printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

/* Nothing here may fail: a check that fires is a broken benchmark. */
void emul_throw(enum emul_event ev, const char *what)
{
    fprintf(stderr, "bench-micro (%s): unexpected %s (event %d)\n",
            bench_impl, what, ev);
    abort();
}

void register_keyhandler(unsigned char key, keyhandler_fn_t *fn,
                         const char *desc, bool diagnostic)
{
}

void p2m_unlock_and_tlb_flush(struct p2m_domain *p2m)
{
    abort();                    /* p2m_unlock() is not benchmarked */
}

#ifdef BENCH_FLOOR
/*
 * The floor: what each lock costs with no order checking.  A write lock of
 * the p2m kind is recursive, so it keeps its owner and a count, as
 * mm_rwlock_t does; mm locks are recursive spinlocks.
 */
static always_inline void floor_write_lock(mm_rwlock_t *l)
{
    if ( l->locker != (int)get_processor_id() )
    {
        percpu_write_lock(p2m_percpu_rwlock, &l->lock);
        l->locker = get_processor_id();
    }
    l->recurse_count++;
}

static always_inline void floor_write_unlock(mm_rwlock_t *l)
{
    if ( --l->recurse_count != 0 )
        return;
    l->locker = -1;
    percpu_write_unlock(p2m_percpu_rwlock, &l->lock);
}

static void floor_rwlock_init(mm_rwlock_t *l)
{
    percpu_rwlock_resource_init(&l->lock, p2m_percpu_rwlock);
    l->locker = -1;
    l->recurse_count = 0;
}

#define b_lock_init(l)          spin_lock_init(&(l)->lock)
#define b_rwlock_init(l)        floor_rwlock_init(l)
#define b_write_lock(p)         floor_write_lock(&(p)->lock)
#define b_write_unlock(p)       floor_write_unlock(&(p)->lock)
#define b_read_lock(p)          percpu_read_lock(p2m_percpu_rwlock, \
                                                 &(p)->lock.lock)
#define b_read_unlock(p)        percpu_read_unlock(p2m_percpu_rwlock, \
                                                   &(p)->lock.lock)
#define b_nestedp2m_lock(d)     spin_lock_recursive( \
                                    &(d)->arch.nested_p2m_lock.lock)
#define b_nestedp2m_unlock(d)   spin_unlock_recursive( \
                                    &(d)->arch.nested_p2m_lock.lock)
#define b_pod_lock(p)           spin_lock_recursive(&(p)->pod.lock.lock)
#define b_pod_unlock(p)         spin_unlock_recursive(&(p)->pod.lock.lock)
#define b_paging_lock(d)        spin_lock_recursive( \
                                    &(d)->arch.paging.lock.lock)
#define b_paging_lock_recursive(d) b_paging_lock(d)
#define b_paging_unlock(d)      spin_unlock_recursive( \
                                    &(d)->arch.paging.lock.lock)
#define b_page_alloc_pre(d)     ((void)0)
#define b_page_alloc_post(d)    ((void)0)
#define b_page_alloc_unlock(d)  ((void)0)
#define b_level()               0u
#else
#define b_lock_init(l)          mm_lock_init(l)
#define b_rwlock_init(l)        mm_rwlock_init(l)
#define b_write_lock(p)         mm_write_lock(p2m, (p)->domain, &(p)->lock)
#define b_write_unlock(p)       mm_write_unlock(&(p)->lock)
#define b_read_lock(p)          p2m_read_lock(p)
#define b_read_unlock(p)        p2m_read_unlock(p)
#define b_nestedp2m_lock(d)     nestedp2m_lock(d)
#define b_nestedp2m_unlock(d)   nestedp2m_unlock(d)
#define b_pod_lock(p)           pod_lock(p)
#define b_pod_unlock(p)         pod_unlock(p)
#define b_paging_lock(d)        paging_lock(d)
#define b_paging_lock_recursive(d) paging_lock_recursive(d)
#define b_paging_unlock(d)      paging_unlock(d)
#define b_page_alloc_pre(d)     page_alloc_mm_pre_lock(d)
#define b_page_alloc_post(d)    page_alloc_mm_post_lock(d, \
                                    (d)->arch.page_alloc_unlock_level)
#define b_page_alloc_unlock(d)  page_alloc_mm_unlock( \
                                    (d)->arch.page_alloc_unlock_level)
#define b_level()               ((unsigned int)_get_lock_level())
#endif

/* Stands for the work done under the lock. */
#define critical_section() asm volatile ( "" ::: "memory" )

#define BENCH_OP static __attribute__((noipa)) void

BENCH_OP op_empty(struct domain *d, struct p2m_domain *p)
{
    critical_section();
}

/* One lock around the critical section. */
#define BENCH_LOCK_OP(name, lock, unlock)                       \
    BENCH_OP name(struct domain *d, struct p2m_domain *p)       \
    {                                                           \
        lock;                                                   \
        critical_section();                                     \
        unlock;                                                 \
    }

BENCH_LOCK_OP(op_write, b_write_lock(p), b_write_unlock(p))
/* With the paging lock already held (see hold_paging). */
BENCH_LOCK_OP(op_recursive, b_paging_lock_recursive(d), b_paging_unlock(d))
BENCH_LOCK_OP(op_read, b_read_lock(p), b_read_unlock(p))

/* Four classes in order, released in reverse: one sequence of 8 calls. */
BENCH_OP op_nested4(struct domain *d, struct p2m_domain *p)
{
    b_nestedp2m_lock(d);
    critical_section();
    b_write_lock(p);
    critical_section();
    b_pod_lock(p);
    critical_section();
    b_paging_lock(d);
    critical_section();
    b_paging_unlock(d);
    critical_section();
    b_pod_unlock(p);
    critical_section();
    b_write_unlock(p);
    critical_section();
    b_nestedp2m_unlock(d);
}

/*
 * d->page_alloc_lock as the page allocator takes it under the PoD code: an
 * external lock declaring its place with the pre/post/unlock hooks.  The
 * floor is the spinlock alone.
 */
BENCH_OP op_order(struct domain *d, struct p2m_domain *p)
{
    b_page_alloc_pre(d);
    spin_lock(&d->page_alloc_lock);
    b_page_alloc_post(d);
    critical_section();
    b_page_alloc_unlock(d);
    spin_unlock(&d->page_alloc_lock);
}

static void hold_nothing(struct domain *d, struct p2m_domain *p)
{
}

static void hold_write(struct domain *d, struct p2m_domain *p)
{
    b_write_lock(p);
}

static void release_write(struct domain *d, struct p2m_domain *p)
{
    b_write_unlock(p);
}

static void hold_paging(struct domain *d, struct p2m_domain *p)
{
    b_paging_lock(d);
}

static void release_paging(struct domain *d, struct p2m_domain *p)
{
    b_paging_unlock(d);
}

typedef void bench_fn_t(struct domain *d, struct p2m_domain *p);

static const struct bench_op {
    const char *name;
    bench_fn_t *run, *setup, *teardown;
} bench_ops[] = {
    { "write", op_write, hold_nothing, hold_nothing },
    /* The same operation, with the p2m write lock already held. */
    { "write-relock", op_write, hold_write, release_write },
    { "recursive", op_recursive, hold_paging, release_paging },
    { "read", op_read, hold_nothing, hold_nothing },
    { "nested4", op_nested4, hold_nothing, hold_nothing },
    { "order", op_order, hold_nothing, hold_nothing },
};

/* A guest, not the control domain: no bias on its locks. */
static struct domain dom;
static struct p2m_domain host_p2m;

/*
 * Reached through a volatile pointer, so that the compiler cannot fold the
 * objects' addresses or contents into the loop.
 */
static struct domain *volatile dom_ptr = &dom;
static struct p2m_domain *volatile p2m_ptr = &host_p2m;

static void bench_init(void)
{
    memset(&dom, 0, sizeof(dom));
    memset(&host_p2m, 0, sizeof(host_p2m));
    dom.domain_id = 1;
    b_lock_init(&dom.arch.paging.lock);
    b_lock_init(&dom.arch.nested_p2m_lock);
    b_lock_init(&dom.arch.altp2m_list_lock);
    spin_lock_init(&dom.page_alloc_lock);
    b_rwlock_init(&host_p2m.lock);
    b_lock_init(&host_p2m.pod.lock);
    host_p2m.domain = &dom;
}

static void run_loop(bench_fn_t *fn, unsigned long n)
{
    struct domain *d = dom_ptr;
    struct p2m_domain *p = p2m_ptr;
    unsigned long i;

    for ( i = 0; i < n; i++ )
        fn(d, p);
}

static unsigned int nr_dumps;
static const char *callgrind_out;

/* The instruction count of the dump just written: its "totals:" line. */
static unsigned long long dump_total(void)
{
    char path[4096], line[256];
    unsigned long long total = 0;
    bool found = false;
    FILE *f;

    snprintf(path, sizeof(path), "%s.%u", callgrind_out, ++nr_dumps);
    f = fopen(path, "r");
    if ( !f )
    {
        fprintf(stderr, "bench-micro: cannot read %s: %s (is it callgrind's "
                "--callgrind-out-file?)\n", path, strerror(errno));
        exit(1);
    }
    while ( fgets(line, sizeof(line), f) )
        if ( sscanf(line, "totals: %llu", &total) == 1 )
            found = true;
    fclose(f);
    if ( !found )
    {
        fprintf(stderr, "bench-micro: no totals line in %s\n", path);
        exit(1);
    }
    return total;
}

static unsigned long long counted_loop(bench_fn_t *fn, unsigned long n,
                                       const char *name)
{
    CALLGRIND_ZERO_STATS;
    run_loop(fn, n);
    CALLGRIND_DUMP_STATS_AT(name);
    return dump_total();
}

/* Instructions per call of fn, fixed costs cancelled. */
static double per_call(const struct bench_op *op, unsigned long n)
{
    struct domain *d = dom_ptr;
    struct p2m_domain *p = p2m_ptr;
    unsigned long long once, twice;

    op->setup(d, p);
    run_loop(op->run, 1);       /* first-touch effects stay out */
    once = counted_loop(op->run, n, op->name);
    twice = counted_loop(op->run, 2 * n, op->name);
    op->teardown(d, p);

    return (double)(twice - once) / n;
}

static unsigned int nr_passes, nr_failures;

static void smoke(unsigned long n)
{
    struct domain *d = dom_ptr;
    struct p2m_domain *p = p2m_ptr;
    unsigned int i;

    for ( i = 0; i < ARRAY_SIZE(bench_ops); i++ )
    {
        const struct bench_op *op = &bench_ops[i];
        bool clean;

        op->setup(d, p);
        run_loop(op->run, n);
        op->teardown(d, p);
        clean = b_level() == 0 && !dom.arch.paging.lock.lock.locked &&
                !dom.arch.nested_p2m_lock.lock.locked &&
                !host_p2m.pod.lock.lock.locked &&
                host_p2m.lock.lock.writer < 0 && !host_p2m.lock.lock.readers &&
                !dom.page_alloc_lock.locked;
        printf("CHECK %s.%s: %s after %lu calls\n", bench_impl, op->name,
               clean ? "PASS every lock released" : "FAIL a lock is held",
               n);
        if ( clean )
            nr_passes++;
        else
            nr_failures++;
    }
}

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--iterations N] [--callgrind-out FILE]\n",
            prog);
    exit(2);
}

int main(int argc, char **argv)
{
    unsigned long iterations = 1000;
    double empty;
    unsigned int i;
    int a;

    for ( a = 1; a < argc; a++ )
    {
        char *end;

        if ( a + 1 >= argc )
            usage(argv[0]);
        if ( !strcmp(argv[a], "--iterations") )
        {
            iterations = strtoul(argv[++a], &end, 0);
            if ( *end || !iterations || iterations > 100000000 )
                usage(argv[0]);
        }
        else if ( !strcmp(argv[a], "--callgrind-out") )
            callgrind_out = argv[++a];
        else
            usage(argv[0]);
    }

    bench_init();

    if ( !RUNNING_ON_VALGRIND )
    {
        smoke(iterations);
        printf("%u passed, %u failed\n", nr_passes, nr_failures);
        return !!nr_failures;
    }
    if ( !callgrind_out )
    {
        fprintf(stderr, "bench-micro: under valgrind, --callgrind-out must "
                "name callgrind's --callgrind-out-file\n");
        return 2;
    }

    /* The first dump carries costs of its own; it is not used. */
    counted_loop(op_empty, 1, "warm-up");
    empty = per_call(&(const struct bench_op){ "empty", op_empty,
                                                hold_nothing, hold_nothing },
                     iterations);

    printf("impl %s\n", bench_impl);
    printf("loop_overhead %.3f\n", empty);
    for ( i = 0; i < ARRAY_SIZE(bench_ops); i++ )
        printf("op %s %.3f\n", bench_ops[i].name,
               per_call(&bench_ops[i], iterations) - empty);
#if defined(BENCH_FLOOR)
    printf("state_bytes_per_cpu 0\n");
#elif defined(BENCH_XEN)
    printf("state_bytes_per_cpu %zu\n", sizeof(per_cpu(mm_lock_level, 0)));
#else
    printf("state_bytes_per_cpu %zu\n", sizeof(struct mm_lock_cpu));
#endif

    return 0;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
