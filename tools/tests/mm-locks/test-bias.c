/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who gets which tier, tested against the real header through checker.h.
 * Only is_control_domain() domains get the control-domain tier (2): not a
 * domU, not a device model, not a hardware domain split off from the
 * control domain.  Only a domain with a target, another domain's device
 * model, gets tier 1: not the split hardware domain, not xenstore's domain,
 * not a domain that is merely some device model's target.  And nothing a
 * guest can reach may change a lock's rank: it depends on its tier, its
 * class and its domain id, and a guest sets none of them.
 *
 * A case is one row of output: a combination of domain roles (and of the
 * domain making the call), checked over every class and several domain
 * ids.  A failing case prints its first failing check.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "checker.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Which build of the header this is: fuzz.mk builds several. */
#ifndef BIAS_VARIANT
#define BIAS_VARIANT "ours"
#endif

/*
 * Slots: 0 the control domain (id 7), 1 and 2 the domains under test,
 * 3 a plain domU (id 9) for them to be device models of.
 */
#define SLOT_CONTROL    0
#define SLOT_A          1
#define SLOT_B          2
#define SLOT_DOMU       3
#define CONTROL_DOMID   7
#define DOMU_DOMID      9

enum target { NO_TARGET, TARGET_DOMU, TARGET_CONTROL };

struct role {
    bool control, hardware;
    enum target target;
    bool xenstore;      /* XEN_DOMCTL_CDF_xs_domain */
    bool targeted;      /* the plain domU is its device model */
};

/* Every flag combination; those without control are what guests are. */
static const struct role roles[] = {
    { false, false, NO_TARGET },
    { false, true,  NO_TARGET },
    { false, false, TARGET_DOMU },
    { false, false, TARGET_CONTROL },
    { false, true,  TARGET_DOMU },
    { false, true,  TARGET_CONTROL },
    { false, false, NO_TARGET, true },
    { false, false, NO_TARGET, false, true },
    { false, true,  NO_TARGET, false, true },
    { true,  false, NO_TARGET },
    { true,  true,  NO_TARGET },
    { true,  false, TARGET_DOMU },
    { true,  true,  TARGET_DOMU },
    { true,  false, TARGET_CONTROL },
    { true,  true,  TARGET_CONTROL },
};
#define NR_GUEST_ROLES 9

/* Ids a domain under test may have; 0 too, as dom0 need not be control. */
static const unsigned int test_domids[] = { 0, 1, 5, 0x7fef };

/* Failing cases a group prints before it only counts them. */
#define MAX_SHOWN 4

static unsigned int cases_passed, cases_failed, shown;
static bool case_ok;
static char case_why[256];

static const char *role_name(const struct role *r)
{
    static char buf[128];

    snprintf(buf, sizeof(buf), "%s%s%s%s",
             r->control ? (r->hardware ? "control+hardware domain (dom0)"
                                       : "control domain (split)")
                        : (r->hardware ? "hardware domain (split)" : "domU"),
             r->target == TARGET_DOMU ? ", device model of a domU" :
             r->target == TARGET_CONTROL ? ", device model of the control "
                                           "domain" : "",
             r->xenstore ? ", xenstore's domain" : "",
             r->targeted ? ", target of a device model" : "");

    return buf;
}

/* The tier the rule gives a role: 2 control, 1 has a target, else 0. */
static unsigned int role_tier(const struct role *r)
{
    return r->control ? 2 : r->target != NO_TARGET;
}

/* What the header adds to a role's class levels. */
static unsigned int role_raise(const struct role *r)
{
    unsigned int tier = role_tier(r);

    return tier == 2 ? chk_bias() : tier == 1 ? chk_dm_bias() : 0;
}

static const char *const tier_words[] = {
    "tier 0", "tier 1 (device model)", "tier 2 (control)",
};

static void case_begin(void)
{
    case_ok = true;
    case_why[0] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
check(bool ok, const char *fmt, ...)
{
    va_list ap;

    if ( ok || !case_ok )
    {
        case_ok = case_ok && ok;
        return;
    }
    case_ok = false;
    va_start(ap, fmt);
    vsnprintf(case_why, sizeof(case_why), fmt, ap);
    va_end(ap);
}

/* quiet: print only a failure (the group prints a summary). */
static void case_end(bool quiet, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void case_end(bool quiet, const char *fmt, ...)
{
    va_list ap;

    if ( case_ok )
        cases_passed++;
    else
        cases_failed++;
    if ( quiet && (case_ok || shown++ >= MAX_SHOWN) )
        return;
    printf("%s ", case_ok ? "PASS" : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if ( !case_ok )
        printf(": %s", case_why);
    printf("\n");
}

static int target_slot(enum target t)
{
    return t == TARGET_DOMU ? SLOT_DOMU : t == TARGET_CONTROL ? SLOT_CONTROL
                                                              : -1;
}

/* A fresh host: the control domain, a plain domU, and the two under test. */
static void host(const struct role *a, unsigned int domid_a,
                 const struct role *b, unsigned int domid_b)
{
    chk_init();
    chk_dom_setup(SLOT_CONTROL, CONTROL_DOMID, true, true, -1);
    chk_dom_setup(SLOT_DOMU, DOMU_DOMID, false, false, -1);
    chk_dom_setup(SLOT_A, domid_a, a->control, a->hardware,
                  target_slot(a->target));
    chk_dom_setup(SLOT_B, domid_b, b->control, b->hardware,
                  target_slot(b->target));
    chk_dom_xenstore(SLOT_A, a->xenstore);
    chk_dom_xenstore(SLOT_B, b->xenstore);
    if ( a->targeted || b->targeted )
        chk_dom_setup(SLOT_DOMU, DOMU_DOMID, false, false,
                      a->targeted ? SLOT_A : SLOT_B);
    chk_cpu(0);
}

static bool has_domain(enum chk_class c)
{
    return c != CHK_SHARING;
}

/* Taking the first lock of a pair failed: no verdict on the second. */
#define FIRST_REFUSED (-1)

/* Take x then y on a fresh CPU; the outcome of y. */
static int pair(enum chk_class cx, unsigned int x, enum chk_class cy,
                unsigned int y)
{
    if ( chk_acquire(cx, x, 0, CHK_WRITE) != CHK_OK )
        return FIRST_REFUSED;

    return chk_acquire(cy, y, 0, CHK_WRITE);
}

static const char *result_name(int r)
{
    return r == FIRST_REFUSED ? "first lock refused" : chk_result_names[r];
}

/*
 * 1. The level of each lock: its class level, plus the control-domain bias
 * exactly when its domain is the control domain, plus the device-model
 * tier exactly when it is some other domain's device model.
 */
static void test_levels(void)
{
    unsigned int i, d, max = 0;
    enum chk_class c;

    printf("== only is_control_domain() domains get tier 2, only domains "
           "with a target\n   tier 1 (every class, domain ids 0 1 5 "
           "32751)\n");

    case_begin();
    for ( c = 0; c < CHK_NR_CLASSES; c++ )
        if ( chk_class_level(c) > max )
            max = chk_class_level(c);
    check(chk_bias() > max, "bias %u does not exceed the top class level %u",
          chk_bias(), max);
    case_end(false, "the bias (%u) exceeds every class level (top %u)",
             chk_bias(), max);

    case_begin();
    check(chk_dm_bias() > max, "device-model tier %u does not exceed the top "
          "class level %u", chk_dm_bias(), max);
    check(chk_bias() > chk_dm_bias() + max, "bias %u does not exceed the "
          "device-model tier's top level %u", chk_bias(),
          chk_dm_bias() + max);
    case_end(false, "the device-model tier (%u) exceeds every class level, "
             "and the bias every\n     device-model level", chk_dm_bias());

    for ( i = 0; i < ARRAY_SIZE(roles); i++ )
    {
        const struct role *r = &roles[i];
        unsigned int raise = role_raise(r);

        case_begin();
        for ( d = 0; d < ARRAY_SIZE(test_domids); d++ )
            for ( c = 0; c < CHK_NR_CLASSES; c++ )
            {
                enum chk_result res;
                unsigned int want = chk_class_level(c) +
                                    (has_domain(c) ? raise : 0);

                host(r, test_domids[d], &roles[0], DOMU_DOMID + 1);
                res = chk_acquire(c, SLOT_A, 0, CHK_WRITE);
                check(res == CHK_OK, "%s of d%u: %s", chk_class_names[c],
                      test_domids[d], chk_result_names[res]);
                check(chk_level() == want, "%s of d%u: level %u, expected %u",
                      chk_class_names[c], test_domids[d], chk_level(), want);
                chk_release(c, SLOT_A, 0, CHK_WRITE);
                check(chk_level() == 0, "%s of d%u: level %u after release",
                      chk_class_names[c], test_domids[d], chk_level());
            }
        case_end(false, "%-74s %s", role_name(r), tier_words[role_tier(r)]);
    }
}

/*
 * 2. The same, seen in verdicts: a plain domU's highest lock (paging) then
 * the lowest lock (nestedp2m) of a domain in each role passes only for a
 * domain of a tier above 0, and the reverse order only for the others.  The
 * first is the shape of paging_log_dirty_op copying into dom0's buffer,
 * and of a device model's copy under its target's p2m lock.  After the
 * control domain's paging lock, every role's nestedp2m BUGs: nothing ranks
 * above the control domain.
 */
static void test_verdicts(void)
{
    unsigned int i;

    printf("== a domU's paging lock, then nestedp2m of each role "
           "(the log-dirty copy's shape);\n   the control domain's paging "
           "lock, then nestedp2m of each role\n");
    for ( i = 0; i < ARRAY_SIZE(roles); i++ )
    {
        const struct role *r = &roles[i];
        unsigned int tier = role_tier(r);
        int up, down, ctl;

        case_begin();
        host(r, 5, &roles[0], 1);
        up = pair(CHK_PAGING, SLOT_B, CHK_NESTEDP2M, SLOT_A);
        host(r, 5, &roles[0], 1);
        down = pair(CHK_NESTEDP2M, SLOT_A, CHK_PAGING, SLOT_B);
        host(r, 5, &roles[0], 1);
        ctl = pair(CHK_PAGING, SLOT_CONTROL, CHK_NESTEDP2M, SLOT_A);
        if ( tier )
        {
            check(up == CHK_OK, "domU paging then its nestedp2m: %s",
                  result_name(up));
            check(down == CHK_BUG, "its nestedp2m then domU paging: %s",
                  result_name(down));
        }
        else
        {
            check(up == CHK_BUG, "domU paging then its nestedp2m: %s",
                  result_name(up));
            check(down == CHK_OK, "its nestedp2m then domU paging: %s",
                  result_name(down));
        }
        /* Another control domain too: one tier, a lower class. */
        check(ctl == CHK_BUG, "control paging then its nestedp2m: %s",
              result_name(ctl));
        case_end(false, "%-62s %s", role_name(r),
                 tier == 2 ? "ranks above the domU and device models" :
                 tier ? "ranks above the domU, below the control domain" :
                        "ranks as a domU");
    }
}

/*
 * 3. Between two guests, whatever their flags and ids and whichever of them
 * makes the call: a lower class never ranks above a higher one, and within
 * a class the lower domain id comes first.
 */
static void check_guest_pair(unsigned int ra, unsigned int ida,
                             unsigned int rb, unsigned int idb,
                             unsigned int caller)
{
    enum chk_class ca, cb;

    for ( ca = 0; ca < CHK_NR_CLASSES; ca++ )
        for ( cb = ca; cb < CHK_NR_CLASSES; cb++ )
        {
            unsigned int ta = role_tier(&roles[ra]);
            unsigned int tb = role_tier(&roles[rb]);
            bool a_first = ta != tb ? ta < tb : cb > ca || ida < idb;
            int up, down;

            if ( !has_domain(ca) || !has_domain(cb) )
                continue;
            host(&roles[ra], ida, &roles[rb], idb);
            chk_set_caller(caller);
            up = pair(ca, SLOT_A, cb, SLOT_B);
            host(&roles[ra], ida, &roles[rb], idb);
            chk_set_caller(caller);
            down = pair(cb, SLOT_B, ca, SLOT_A);
            check(up == (a_first ? CHK_OK : CHK_BUG) &&
                  down == (a_first ? CHK_BUG : CHK_OK),
                  "%s of d%u then %s of d%u: %s; the reverse: %s",
                  chk_class_names[ca], ida, chk_class_names[cb], idb,
                  result_name(up), result_name(down));
        }
}

static void test_guest_pairs(void)
{
    static const char *const caller_names[] = {
        "A", "B", "the control domain",
    };
    static const unsigned int callers[] = { SLOT_A, SLOT_B, SLOT_CONTROL };
    unsigned int ra, rb, k, i, j, cases = 0, before = cases_failed;
    char a_name[128];

    printf("== guest A's locks never rank above guest B's lock of a higher "
           "tier or, in one\n   tier, of a higher class, and equal classes "
           "go by domain id, lower first\n   (guest roles: every flag "
           "combination without the control flag)\n");
    shown = 0;
    for ( ra = 0; ra < NR_GUEST_ROLES; ra++ )
        for ( rb = 0; rb < NR_GUEST_ROLES; rb++ )
            for ( k = 0; k < ARRAY_SIZE(callers); k++ )
            {
                case_begin();
                for ( i = 0; i < ARRAY_SIZE(test_domids); i++ )
                    for ( j = 0; j < ARRAY_SIZE(test_domids); j++ )
                        if ( i != j )
                            check_guest_pair(ra, test_domids[i], rb,
                                             test_domids[j], callers[k]);
                snprintf(a_name, sizeof(a_name), "%s",
                         role_name(&roles[ra]));
                cases++;
                case_end(true, "A %s, B %s, called by %s", a_name,
                         role_name(&roles[rb]), caller_names[k]);
            }
    printf("   %u combinations of guest roles and callers, each over %zu "
           "id pairs and\n   every class pair: %u failed\n", cases,
           ARRAY_SIZE(test_domids) * (ARRAY_SIZE(test_domids) - 1),
           cases_failed - before);
}

/*
 * 4. What a guest can vary without the toolstack: which domain calls, and
 * the CPU its vCPU runs on.  Neither may change a guest's level.
 */
static void test_guest_levels(void)
{
    unsigned int r, caller, cpu, cases = 0, before = cases_failed;
    enum chk_class c;

    printf("== a guest's level ignores the calling domain and the CPU\n");
    shown = 0;
    for ( r = 0; r < NR_GUEST_ROLES; r++ )
        for ( caller = 0; caller < CHK_NR_DOMS; caller++ )
        {
            case_begin();
            for ( cpu = 0; cpu < CHK_NR_CPUS; cpu++ )
                for ( c = 0; c < CHK_NR_CLASSES; c++ )
                {
                    enum chk_result res;

                    host(&roles[r], 5, &roles[0], 1);
                    chk_set_caller(caller);
                    chk_cpu(cpu);
                    unsigned int want = chk_class_level(c) +
                        (has_domain(c) ? role_raise(&roles[r]) : 0);

                    res = chk_acquire(c, SLOT_A, 0, CHK_WRITE);
                    check(res == CHK_OK && chk_level() == want,
                          "%s on CPU%u: %s, level %u, expected %u",
                          chk_class_names[c], cpu, chk_result_names[res],
                          chk_level(), want);
                }
            cases++;
            case_end(true, "%s, called by slot %u", role_name(&roles[r]),
                     caller);
        }
    printf("   %u combinations of guest role and caller, each on %u CPUs "
           "and every\n   class: %u failed\n", cases, CHK_NR_CPUS,
           cases_failed - before);
}

int main(void)
{
    printf("who gets the mm lock bias, against the %s header (variant %s)\n",
           chk_header_name, BIAS_VARIANT);
    test_levels();
    test_verdicts();
    test_guest_pairs();
    test_guest_levels();

    printf("== what decides a lock's rank, and who sets it\n"
           "   the class            the code path that takes the lock\n"
           "   is_control_domain()  d->is_privileged: set once, when dom0 "
           "is built at boot\n"
           "                        (CDF_privileged); no hypercall sets or "
           "clears it: tier 2\n"
           "   d->target            set once by the control domain's "
           "XEN_DOMCTL_set_target,\n"
           "                        which refuses a second target; never "
           "cleared: tier 1\n"
           "   the domain id        assigned at creation, by the toolstack "
           "or by Xen;\n"
           "                        a guest cannot choose or change it.  "
           "Equal classes of\n"
           "                        two domains of one tier go by it: lower "
           "id first\n"
           "   not inputs           the hardware-domain and xenstore flags, "
           "being a target,\n"
           "                        the calling domain and the CPU: shown "
           "above not to matter\n");

    printf("%u passed, %u failed\n", cases_passed, cases_failed);

    return cases_failed != 0;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
