/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough of the hypervisor to compile mm-locks.h (ours or Xen's) and
 * mm-locks.c in user space: spinlocks with their recursion fields, percpu
 * rwlocks, per-CPU variables for several simulated CPUs, struct domain with
 * the control, hardware and xenstore flags and the device model's target,
 * printk captured, and BUG(), panic() and
 * ASSERT() turned into longjmp()s so a test can see them and go on.
 *
 * Simulated CPUs run one at a time: taking a lock that another CPU holds
 * cannot wait, so it longjmp()s with EMUL_BLOCK instead.
 */
#ifndef EMUL_H
#define EMUL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMUL_NR_CPUS 4

/* How a guarded call ended. */
enum emul_event {
    EMUL_OK,
    EMUL_BUG,       /* BUG() or BUG_ON() */
    EMUL_PANIC,     /* panic() */
    EMUL_ASSERT,    /* ASSERT() failed */
    EMUL_BLOCK,     /* would wait for a lock held elsewhere, or deadlock */
};

extern unsigned int emul_cpu;
extern jmp_buf *emul_catch;
void emul_printk(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
void __attribute__((noreturn)) emul_throw(enum emul_event ev,
                                          const char *what);
/* What printk() wrote since the last clear. */
const char *emul_log(void);
void emul_log_clear(void);

#define always_inline       inline __attribute__((always_inline))
#define noreturn            __attribute__((noreturn))
#define cf_check
#define __init
#define likely(x)           __builtin_expect(!!(x), 1)
#define unlikely(x)         __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a)       (sizeof(a) / sizeof((a)[0]))
#define ACCESS_ONCE(x)      (*(volatile __typeof__(x) *)&(x))
#define BUILD_BUG_ON(c)     _Static_assert(!(c), #c)
#define evaluate_nospec(c)  (c)
#define block_lock_speculation() ((void)0)

#define printk(fmt, ...)    emul_printk(fmt, ##__VA_ARGS__)
#define panic(fmt, ...)     ({ emul_printk("Panic: " fmt, ##__VA_ARGS__); \
                               emul_throw(EMUL_PANIC, "panic"); })
#define BUG()               ({ emul_printk("Xen BUG at %s:%d\n", __FILE__, \
                                           __LINE__);                      \
                               emul_throw(EMUL_BUG, "BUG"); })
#define BUG_ON(c)           do { if ( unlikely(c) ) BUG(); } while ( 0 )
#ifdef EMUL_NDEBUG
#define ASSERT(c)           ((void)0)
#else
/* A debug build: mm-locks.c keeps its coverage tables. */
#define CONFIG_DEBUG        1
#define ASSERT(c)           do { if ( unlikely(!(c)) )                      \
                                     emul_throw(EMUL_ASSERT, #c); } while ( 0 )
#endif

/* Per-CPU variables: one array slot per simulated CPU. */
#define DECLARE_PER_CPU(type, name) extern __typeof__(type) per_cpu__##name[]
#define DEFINE_PER_CPU(type, name) \
    __typeof__(type) per_cpu__##name[EMUL_NR_CPUS]
#define per_cpu(name, cpu)  (per_cpu__##name[cpu])
#define this_cpu(name)      per_cpu(name, emul_cpu)
#define this_cpu_ptr(name)  (&this_cpu(name))
#define smp_processor_id()  emul_cpu
#define get_processor_id()  emul_cpu
#define for_each_online_cpu(c) for ( (c) = 0; (c) < EMUL_NR_CPUS; (c)++ )

struct vcpu {
    unsigned int processor;
};
extern struct vcpu emul_vcpu[EMUL_NR_CPUS];
#define current (&emul_vcpu[emul_cpu])

/* Spinlocks: Xen's recursion fields, and nothing to wait with. */
#define SPINLOCK_NO_CPU 0xfffu
typedef struct spinlock {
    bool locked;
    uint16_t recurse_cpu:12;
    uint16_t recurse_cnt:4;
} spinlock_t;

static inline void spin_lock_init(spinlock_t *l)
{
    l->locked = false;
    l->recurse_cpu = SPINLOCK_NO_CPU;
    l->recurse_cnt = 0;
}

static inline void spin_lock(spinlock_t *l)
{
    if ( l->locked )
        emul_throw(EMUL_BLOCK, "spin_lock");
    l->locked = true;
}

static inline void spin_unlock(spinlock_t *l)
{
    ASSERT(l->locked);
    l->locked = false;
}

#define DEFINE_SPINLOCK(l)  spinlock_t l = { .recurse_cpu = SPINLOCK_NO_CPU }
#define spin_lock_irqsave(l, f)      ({ (f) = 0; spin_lock(l); })
#define spin_unlock_irqrestore(l, f) ({ (void)(f); spin_unlock(l); })

/* One simulated CPU runs at a time: plain accesses are atomic enough. */
#define smp_rmb()           __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()           __atomic_thread_fence(__ATOMIC_RELEASE)
typedef struct { int counter; } atomic_t;
static inline void atomic_inc(atomic_t *v) { v->counter++; }
static inline void atomic_set(atomic_t *v, int i) { v->counter = i; }
static inline int atomic_read(const atomic_t *v) { return v->counter; }

static inline void spin_lock_recursive(spinlock_t *l)
{
    if ( l->recurse_cpu != emul_cpu )
    {
        spin_lock(l);
        l->recurse_cpu = emul_cpu;
    }
    ASSERT(l->recurse_cnt < 15);
    l->recurse_cnt++;
}

static inline void spin_unlock_recursive(spinlock_t *l)
{
    ASSERT(l->recurse_cpu == emul_cpu && l->recurse_cnt);
    if ( --l->recurse_cnt == 0 )
    {
        l->recurse_cpu = SPINLOCK_NO_CPU;
        spin_unlock(l);
    }
}

/*
 * Percpu rwlocks: a writer excludes everybody; a CPU reading one lock may
 * not read it again (Xen ASSERTs that).
 */
typedef struct percpu_rwlock {
    int writer;                         /* CPU, or -1 */
    unsigned int readers;               /* bit per reading CPU */
} percpu_rwlock_t;

#define DECLARE_PERCPU_RWLOCK_GLOBAL(name) extern int name
#define DEFINE_PERCPU_RWLOCK_GLOBAL(name) int name
#define percpu_rwlock_resource_init(l, owner) \
    ((void)(owner), (l)->writer = -1, (l)->readers = 0)

static inline void _percpu_write_lock(percpu_rwlock_t *l)
{
    if ( l->writer >= 0 || l->readers )
        emul_throw(EMUL_BLOCK, "percpu_write_lock");
    l->writer = emul_cpu;
}
#define percpu_write_lock(g, l) ((void)(g), _percpu_write_lock(l))

static inline void _percpu_write_unlock(percpu_rwlock_t *l)
{
    ASSERT(l->writer == (int)emul_cpu);
    l->writer = -1;
}
#define percpu_write_unlock(g, l) ((void)(g), _percpu_write_unlock(l))

static inline void _percpu_read_lock(percpu_rwlock_t *l)
{
    ASSERT(!(l->readers & (1u << emul_cpu)));
    if ( l->writer >= 0 )
        emul_throw(EMUL_BLOCK, "percpu_read_lock");
    l->readers |= 1u << emul_cpu;
}
#define percpu_read_lock(g, l) ((void)(g), _percpu_read_lock(l))

static inline void _percpu_read_unlock(percpu_rwlock_t *l)
{
    ASSERT(l->readers & (1u << emul_cpu));
    l->readers &= ~(1u << emul_cpu);
}
#define percpu_read_unlock(g, l) ((void)(g), _percpu_read_unlock(l))

/* The shapes the header uses, as in asm/mm.h. */
typedef struct mm_lock {
    spinlock_t lock;
    int unlock_level;
    int locker;
    const char *locker_function;
} mm_lock_t;

typedef struct mm_rwlock {
    percpu_rwlock_t lock;
    int unlock_level;
    int recurse_count;
    int locker;
    const char *locker_function;
} mm_rwlock_t;

typedef struct { unsigned long gfn; } gfn_t;
typedef uint16_t domid_t;
#define DOMID_MASK 0x7fffu

struct domain {
    domid_t domain_id;
    bool is_privileged;         /* the control domain */
    bool is_hardware;           /* the hardware domain, maybe split off */
    struct domain *target;      /* a device model's guest */
    unsigned int options;       /* XEN_DOMCTL_CDF_* */
    spinlock_t page_alloc_lock;
    struct {
        struct {
            mm_lock_t lock;
        } paging;
        mm_lock_t nested_p2m_lock;
        mm_lock_t altp2m_list_lock;
        int page_alloc_unlock_level;
    } arch;
};

/*
 * EMUL_CURRENT_BIAS turns the header into the rejected alternative, a bias
 * for the calling domain's locks, so the order model can run that policy
 * through the same checker code.
 */
#ifdef EMUL_CURRENT_BIAS
extern const struct domain *emul_current_domain;
static inline bool is_control_domain(const struct domain *d)
{
    return d == emul_current_domain;
}
#else
static inline bool is_control_domain(const struct domain *d)
{
    return evaluate_nospec(d->is_privileged);
}
#endif

#define XEN_DOMCTL_CDF_xs_domain (1U << 4)
static inline bool is_xenstore_domain(const struct domain *d)
{
    return d->options & XEN_DOMCTL_CDF_xs_domain;
}

struct p2m_domain {
    mm_rwlock_t lock;
    struct domain *domain;
    unsigned int defer_flush;
    bool is_alt;
    struct {
        mm_lock_t lock;
    } pod;
};

#define p2m_is_altp2m(p) ((p)->is_alt)
void p2m_unlock_and_tlb_flush(struct p2m_domain *p2m);

typedef void keyhandler_fn_t(unsigned char key);
void register_keyhandler(unsigned char key, keyhandler_fn_t *fn,
                         const char *desc, bool diagnostic);
/* The handler registered for a debug key, or NULL. */
keyhandler_fn_t *emul_keyhandler(unsigned char key);
#define __initcall(fn) int (*emul_initcall_##fn)(void) = fn

#define CONFIG_HVM 1

#endif /* EMUL_H */

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
