/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Differential fuzzer of the mm lock-order checker (libFuzzer).  Each input
 * is a program of lock operations on up to three simulated CPUs and three
 * domains, one of them the control domain.  Every step runs through the
 * real header (checker.h) and through the reference model (ref-order.h);
 * they must agree on the verdict of every step (ok, BUG, panic, or "would
 * wait"), and on every CPU's level after every step.  A disagreement prints
 * the program and aborts, which libFuzzer reports as a crash.
 *
 * Input bytes:
 *   [0]  domain setup: control slot = b % 3; (b / 3) % 4 picks the
 *        hardware domain (1: split off to another slot, 2: none of the
 *        three, else the control domain); (b / 12) % 4 makes the third
 *        slot a device model (1: of the other domU, 2: of the control
 *        domain, else none)
 *   [1]  domain ids: (b % 24) picks three distinct ids, in order, from
 *        0, 1, 2 and 0x7fef
 *   then two bytes per step:
 *   [a]  bits 0-1 CPU (3 means 0), bit 2 release, bits 3-5 class,
 *        bits 6-7 mode (1 read, 2 recursive, else plain)
 *   [b]  domain slot b % 3 and table (b / 3) % 2 of the lock; for a
 *        release of a lock the CPU does not hold, the (b % held)th lock
 *        it holds instead
 *
 * Only meaningful steps are run, in both: a release with nothing held, and
 * an acquisition the model refuses (self-deadlock, re-reading, recursion
 * past its bound; see ref-order.h), are skipped.  An acquisition of a lock
 * another CPU holds runs: its order check must BUG in both, or both must
 * report that it would wait (CHK_BLOCK), which leaves no state behind.  A
 * program ends at its first BUG or panic: the state after one is
 * undefined.
 *
 * FUZZ_MM_LOCKS_TRACE=1 in the environment prints every program run, e.g.
 * to read the programs of fuzz-corpus/.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checker.h"
#include "ref-order.h"

#ifndef FUZZ_VARIANT
#define FUZZ_VARIANT "ours"
#endif
/*
 * The reference's bias: the specified one, unless the header under test is
 * known to use another (Xen 4.17's is 64), to look past it at the rest.
 */
#ifndef FUZZ_REF_BIAS
#define FUZZ_REF_BIAS REF_BIAS
#endif
#ifndef FUZZ_REF_DM_BIAS
#define FUZZ_REF_DM_BIAS REF_DM_BIAS
#endif

#define NR_CPUS     3
#define NR_DOMS     3
#define MAX_STEPS   64
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const unsigned int domid_pool[] = { 0, 1, 2, 0x7fef };

struct dom_setup {
    unsigned int domid;
    bool control, hardware;
    int target;                 /* slot, or -1 */
};

struct step {
    unsigned int cpu;
    bool acquire;
    enum chk_class c;
    unsigned int dom, inst;
    enum chk_mode mode;
    enum ref_verdict verdict;   /* the model's; REF_OK for a release */
    enum chk_result got;
    unsigned int level;         /* the model's level of the CPU after it */
};

static struct {
    unsigned long programs, steps, ok, bug_order, bug_full, panic, wait;
    unsigned long not_held, refused;
} stats;

static struct dom_setup setup[NR_DOMS];
static struct step prog[MAX_STEPS];
static unsigned int nr_steps;
static bool trace;
static struct timespec start;

static double elapsed(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);

    return (now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
}

static const char *const mode_names[] = {
    [CHK_WRITE] = "", [CHK_READ] = " read", [CHK_RECURSIVE] = " recursive",
};

static void decode_setup(const uint8_t *data, size_t size)
{
    unsigned int b0 = size > 0 ? data[0] : 0, b1 = size > 1 ? data[1] : 0;
    unsigned int ctl = b0 % 3, hw = (b0 / 3) % 4, dm = (b0 / 12) % 4;
    unsigned int other = (ctl + 1) % 3, third = (ctl + 2) % 3;
    unsigned int pool[ARRAY_SIZE(domid_pool)], left = ARRAY_SIZE(pool);
    unsigned int pick = b1 % 24, i, j;

    memcpy(pool, domid_pool, sizeof(pool));
    for ( i = 0; i < NR_DOMS; i++ )
    {
        j = pick % left;
        pick /= left;
        setup[i].domid = pool[j];
        pool[j] = pool[--left];
        setup[i].control = i == ctl;
        setup[i].hardware = hw == 1 ? i == other : hw == 2 ? false
                                                           : i == ctl;
        setup[i].target = -1;
    }
    if ( dm == 1 )
        setup[third].target = other;
    else if ( dm == 2 )
        setup[third].target = ctl;
}

static void describe_lock(char *buf, size_t len, enum chk_class c,
                          unsigned int dom, unsigned int inst)
{
    if ( c == CHK_SHARING )
        snprintf(buf, len, "%s", chk_class_names[c]);
    else
        snprintf(buf, len, "%s of d%u%s", chk_class_names[c],
                 setup[dom].domid, inst ? " (table 1)" : "");
}

static void describe_level(char *buf, size_t len, unsigned int level)
{
    bool biased = FUZZ_REF_BIAS && level > FUZZ_REF_BIAS;
    bool dm = !biased && FUZZ_REF_DM_BIAS != 0 && level > FUZZ_REF_DM_BIAS;
    unsigned int c, base = biased ? level - FUZZ_REF_BIAS :
                           dm ? level - FUZZ_REF_DM_BIAS : level;

    if ( !level )
    {
        snprintf(buf, len, "0");
        return;
    }
    for ( c = 0; c < CHK_NR_CLASSES; c++ )
        if ( ref_class_level(c) == base )
            break;
    snprintf(buf, len, "%s%s", c < CHK_NR_CLASSES ? chk_class_names[c] : "?",
             biased ? "+B" : dm ? "+D" : "");
}

static void print_setup(FILE *f)
{
    unsigned int i;

    fprintf(f, "domains:");
    for ( i = 0; i < NR_DOMS; i++ )
    {
        fprintf(f, " d%u", setup[i].domid);
        if ( setup[i].control )
            fprintf(f, " control");
        if ( setup[i].hardware )
            fprintf(f, " hardware");
        if ( setup[i].target >= 0 )
            fprintf(f, " device-model-of-d%u", setup[setup[i].target].domid);
        fprintf(f, i + 1 < NR_DOMS ? ";" : "\n");
    }
}

/* The program in test-mm-locks.c's script syntax, to paste into a case. */
static void print_script(FILE *f, unsigned int upto)
{
    static const char *const expect[] = {
        [REF_BUG_ORDER] = " !BUG", [REF_BUG_FULL] = " !BUG",
        [REF_PANIC] = " !panic", [REF_WAIT] = " !block",
    };
    unsigned int i, cpu = ~0u;
    char level[32];

    for ( i = 0; i < NR_DOMS; i++ )
    {
        fprintf(f, "dom:%u:%u:%s%s", i, setup[i].domid,
                setup[i].control ? "c" : "", setup[i].hardware ? "h" : "");
        if ( !setup[i].control && !setup[i].hardware )
            fprintf(f, "-");
        if ( setup[i].target >= 0 )
            fprintf(f, ":%d", setup[i].target);
        fprintf(f, "; ");
    }
    for ( i = 0; i < upto; i++ )
    {
        const struct step *s = &prog[i];

        if ( s->cpu != cpu )
            fprintf(f, "cpu%u; ", cpu = s->cpu);
        fprintf(f, "%c%s d%u.%u%s%s", s->acquire ? '+' : '-',
                chk_class_names[s->c], s->dom, s->inst,
                s->mode == CHK_READ ? " r" :
                s->mode == CHK_RECURSIVE && s->acquire ? " R" : "",
                s->acquire && s->verdict < ARRAY_SIZE(expect) &&
                expect[s->verdict] ? expect[s->verdict] : "");
        if ( s->verdict == REF_OK || s->verdict == REF_WAIT )
        {
            describe_level(level, sizeof(level), s->level);
            fprintf(f, "; =%s", level);
        }
        fprintf(f, i + 1 < upto ? "; " : "\n");
    }
}

static void print_program(FILE *f, unsigned int upto)
{
    unsigned int i;
    char lock[48];

    print_setup(f);
    fprintf(f, "program, steps run: %u (skipped steps not shown)\n", upto);
    for ( i = 0; i < upto; i++ )
    {
        const struct step *s = &prog[i];

        describe_lock(lock, sizeof(lock), s->c, s->dom, s->inst);
        fprintf(f, "  %2u  cpu%u %c %s%s  ->  %s, header %s, level %u\n",
                i + 1, s->cpu, s->acquire ? '+' : '-', lock,
                mode_names[s->mode], ref_verdict_names[s->verdict],
                chk_result_names[s->got], s->level);
    }
    fprintf(f, "as a test-mm-locks.c script (reference's expectations):\n  ");
    print_script(f, upto);
}

static void __attribute__((noreturn)) mismatch(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void mismatch(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "\nfuzz-mm-locks: MISMATCH between the %s header "
            "(variant %s) and the reference model, in program %lu, after "
            "%.1f s:\n  ", chk_header_name, FUZZ_VARIANT, stats.programs,
            elapsed());
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    print_program(stderr, nr_steps);
    fprintf(stderr, "header's log of the last step:\n%s\n", chk_log());
    fflush(stderr);
    abort();
}

static enum chk_result expected_result(enum ref_verdict v)
{
    switch ( v )
    {
    case REF_OK:
        return CHK_OK;
    case REF_BUG_ORDER:
    case REF_BUG_FULL:
        return CHK_BUG;
    case REF_PANIC:
        return CHK_PANIC;
    case REF_WAIT:
        return CHK_BLOCK;
    default:
        abort();
    }
}

/* What the header's log must say for a fatal verdict. */
static const char *expected_words(enum ref_verdict v)
{
    switch ( v )
    {
    case REF_BUG_ORDER:
        return "mm locking order violation";
    case REF_PANIC:
        return "already held by";
    default:
        return NULL;
    }
}

static void compare_levels(const struct step *s)
{
    unsigned int cpu, want, got;

    for ( cpu = 0; cpu < NR_CPUS; cpu++ )
    {
        chk_cpu(cpu);
        got = chk_level();
        want = ref_level(cpu);
        if ( got != want )
            mismatch("after step %u (cpu%u %c%s): CPU%u's level is %u in "
                     "the header, %u in the reference", nr_steps, s->cpu,
                     s->acquire ? '+' : '-', chk_class_names[s->c], cpu, got,
                     want);
    }
    chk_cpu(s->cpu);
}

/* Run one decoded step; false when the program must end. */
static bool run_step(struct step *s, uint8_t pick)
{
    enum chk_result want;
    const char *words;

    if ( !s->acquire && !ref_holds(s->cpu, s->c, s->dom, s->inst, &s->mode) )
    {
        unsigned int n = ref_nr_held(s->cpu);

        if ( !n )
        {
            stats.not_held++;
            return true;
        }
        ref_held(s->cpu, pick % n, &s->c, &s->dom, &s->inst, &s->mode);
    }

    if ( s->acquire )
    {
        s->verdict = ref_acquire(s->cpu, s->c, s->dom, s->inst, s->mode);
        if ( s->verdict == REF_SKIP_SELF_DEADLOCK ||
             s->verdict == REF_SKIP_MISUSE )
        {
            stats.refused++;
            return true;
        }
    }
    else
    {
        s->verdict = REF_OK;
        if ( !ref_release(s->cpu, s->c, s->dom, s->inst, s->mode) )
            abort();
    }

    prog[nr_steps++] = *s;
    stats.steps++;
    s = &prog[nr_steps - 1];
    s->level = ref_level(s->cpu);

    chk_cpu(s->cpu);
    chk_log_clear();
    s->got = s->acquire ? chk_acquire(s->c, s->dom, s->inst, s->mode)
                        : chk_release(s->c, s->dom, s->inst, s->mode);
    want = expected_result(s->verdict);
    if ( s->got != want )
        mismatch("step %u: the header says %s, the reference %s", nr_steps,
                 chk_result_names[s->got], ref_verdict_names[s->verdict]);

    switch ( s->verdict )
    {
    case REF_OK:
        stats.ok++;
        break;
    case REF_WAIT:
        stats.wait++;
        break;
    case REF_PANIC:
        stats.panic++;
        break;
    case REF_BUG_FULL:
        stats.bug_full++;
        break;
    default:
        stats.bug_order++;
        break;
    }

    if ( want == CHK_BUG || want == CHK_PANIC )
    {
        words = expected_words(s->verdict);
        if ( words && !strstr(chk_log(), words) )
            mismatch("step %u: %s without \"%s\" in the log", nr_steps,
                     chk_result_names[s->got], words);
        return false;
    }
    compare_levels(s);

    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ref_dom rdoms[REF_NR_DOMS];
    unsigned int i;
    size_t pos;

    stats.programs++;
    decode_setup(data, size);
    chk_init();
    memset(rdoms, 0, sizeof(rdoms));
    for ( i = 0; i < NR_DOMS; i++ )
    {
        chk_dom_setup(i, setup[i].domid, setup[i].control, setup[i].hardware,
                      setup[i].target);
        rdoms[i].domid = setup[i].domid;
        rdoms[i].control = setup[i].control;
        rdoms[i].device_model = setup[i].target >= 0;
    }
    /* checker.c's spare slots: never used, but keep them unprivileged. */
    for ( ; i < REF_NR_DOMS; i++ )
    {
        chk_dom_setup(i, 0x7000 + i, false, false, -1);
        rdoms[i].domid = 0x7000 + i;
    }
    ref_reset(rdoms, FUZZ_REF_BIAS, FUZZ_REF_DM_BIAS);

    nr_steps = 0;
    for ( pos = 2; pos + 1 < size && nr_steps < MAX_STEPS; pos += 2 )
    {
        uint8_t a = data[pos], b = data[pos + 1];
        struct step s = {
            .cpu = (a & 3) % NR_CPUS,
            .acquire = !(a & 4),
            .c = (a >> 3) & 7,
            .dom = b % NR_DOMS,
            .inst = (b / NR_DOMS) % CHK_NR_INST,
            .mode = (a >> 6) == 1 ? CHK_READ :
                    (a >> 6) == 2 ? CHK_RECURSIVE : CHK_WRITE,
        };

        if ( s.mode == CHK_READ && !chk_class_is_rw(s.c) )
            s.mode = CHK_WRITE;
        if ( s.mode == CHK_RECURSIVE && chk_class_is_rw(s.c) )
            s.mode = CHK_WRITE;
        ref_normalise(s.c, &s.dom, &s.inst);
        if ( !run_step(&s, b) )
            break;
    }

    if ( trace )
    {
        print_program(stdout, nr_steps);
        printf("\n");
    }

    return 0;
}

/* A mismatch aborts, so a program that gets here found none. */
static void print_stats(void)
{
    double t = elapsed();

    fprintf(stderr,
            "fuzz-mm-locks: variant %s (%s header): %lu executions in "
            "%.1f s (%.0f/s), 0 mismatches\n"
            "fuzz-mm-locks: %lu steps compared (ok %lu, BUG on order %lu, "
            "BUG on a full record %lu, panic %lu, would wait %lu); skipped "
            "%lu (nothing held %lu, refused %lu)\n",
            FUZZ_VARIANT, chk_header_name, stats.programs, t,
            t > 0 ? stats.programs / t : 0.0, stats.steps, stats.ok,
            stats.bug_order, stats.bug_full, stats.panic, stats.wait,
            stats.not_held + stats.refused, stats.not_held, stats.refused);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    unsigned int c;

    (void)argc;
    (void)argv;
    trace = getenv("FUZZ_MM_LOCKS_TRACE") != NULL;
    clock_gettime(CLOCK_MONOTONIC, &start);

    /* The reference writes the specified levels down on its own. */
    for ( c = 0; c < CHK_NR_CLASSES; c++ )
        if ( chk_class_level(c) != ref_class_level(c) )
        {
            fprintf(stderr, "fuzz-mm-locks: MISMATCH: class %s has level %u "
                    "in the header, %u in the reference\n",
                    chk_class_names[c], chk_class_level(c),
                    ref_class_level(c));
            abort();
        }
    atexit(print_stats);

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
