/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The order model's report: the figures that model-search.c saved for each
 * header variant, read back, printed as one table with the real flows and
 * the smallest counterexamples, and the assertions on them.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static const char *const cycle_kind_words[NR_CYC_KINDS] = {
    [CYC_DISTINCT] = "distinct classes",
    [CYC_SAME] = "one class on two or three domains",
    [CYC_PAGE] = "page-sharing locks (no domain in the key; any policy)",
};

#define MAX_REPORTED 12
static struct figures reported[MAX_REPORTED];
static unsigned int nr_reported;

/* A counterexample's next line, into the first free slot (if any is). */
static void add_cx_line(char (*cx)[LINE_LEN], const char *val)
{
    unsigned int i;

    for ( i = 0; i < MAX_CX_LINES; i++ )
        if ( !cx[i][0] )
        {
            snprintf(cx[i], LINE_LEN, "%s", val);
            return;
        }
}

void model_read_figures(const char *path, const char *rename)
{
    FILE *in = fopen(path, "r");
    char line[LINE_LEN + 64];
    struct figures *f = NULL;
    bool first = true;
    unsigned int lines = 0;

    if ( !in )
    {
        fprintf(stderr, "model: cannot read %s: %s (run the model first)\n",
                path, strerror(errno));
        exit(2);
    }
    while ( fgets(line, sizeof(line), in) )
    {
        char *val = strchr(line, ' ');
        unsigned int k, i;
        char key[32];

        line[strcspn(line, "\n")] = '\0';
        if ( !strcmp(line, "end") )
        {
            f = NULL;
            continue;
        }
        if ( !val )
            goto bad;
        *val++ = '\0';
        if ( !strcmp(line, "policy") )
        {
            if ( nr_reported == MAX_REPORTED )
                goto bad;
            f = &reported[nr_reported++];
            memset(f, 0, sizeof(*f));
            for ( i = 0; i < NR_FLOWS; i++ )
                f->flow_ok[i] = -2;
            snprintf(f->name, sizeof(f->name), "%s",
                     first && rename ? rename : val);
            first = false;
            continue;
        }
        if ( !f )
            goto bad;
        lines++;
#define NUM(field)                              \
        if ( !strcmp(line, #field) )            \
        {                                       \
            f->field = strtod(val, NULL);       \
            continue;                           \
        }
        NUM(real) NUM(k) NUM(doms) NUM(dm) NUM(templates) NUM(instances)
        NUM(wellformed) NUM(accepted) NUM(rejected) NUM(anomalies)
        NUM(mismatches) NUM(seqs) NUM(review_shape) NUM(seconds)
#undef NUM
        if ( !strcmp(line, "label") )
        {
            snprintf(f->label, sizeof(f->label), "%s", val);
            continue;
        }
        if ( !strcmp(line, "flow") )
        {
            char *sp = strrchr(val, ' ');

            if ( !sp )
                goto bad;
            *sp++ = '\0';
            for ( i = 0; i < NR_FLOWS; i++ )
                if ( !strcmp(flows[i].id, val) )
                    f->flow_ok[i] = atoi(sp);
            continue;
        }
        for ( k = 0; k < NR_CYC_KINDS; k++ )
        {
            snprintf(key, sizeof(key), "pairs_%s", cycle_kind_names[k]);
            if ( !strcmp(line, key) )
                f->pairs[k] = strtoul(val, NULL, 10);
            snprintf(key, sizeof(key), "cyc2_%s", cycle_kind_names[k]);
            if ( !strcmp(line, key) )
                f->cyc2[k] = strtoul(val, NULL, 10);
            snprintf(key, sizeof(key), "cyc3_%s", cycle_kind_names[k]);
            if ( !strcmp(line, key) )
                f->cyc3[k] = strtoul(val, NULL, 10);
            snprintf(key, sizeof(key), "cx2_%s", cycle_kind_names[k]);
            if ( !strcmp(line, key) )
                add_cx_line(f->cx2[k], val);
            snprintf(key, sizeof(key), "cx3_%s", cycle_kind_names[k]);
            if ( !strcmp(line, key) )
                add_cx_line(f->cx3[k], val);
        }
    }
    fclose(in);
    if ( first || f || !lines )
        goto bad_file;
    return;

 bad:
    fclose(in);
 bad_file:
    fprintf(stderr, "model: %s is not a complete figures file\n", path);
    exit(2);
}

static const struct figures *figures_of(const char *name)
{
    unsigned int i;

    for ( i = 0; i < nr_reported; i++ )
        if ( !strcmp(reported[i].name, name) )
            return &reported[i];

    return NULL;
}

static unsigned int nr_passed, nr_failed;

static void check(bool ok, const char *what)
{
    printf("%s %s\n", ok ? "PASS" : "FAIL", what);
    if ( ok )
        nr_passed++;
    else
        nr_failed++;
}

static bool no_deadlock(const struct figures *f, enum cycle_kind k)
{
    return !f->pairs[k] && !f->cyc2[k] && !f->cyc3[k];
}

static int flow_index(const char *id)
{
    unsigned int i;

    for ( i = 0; i < NR_FLOWS; i++ )
        if ( !strcmp(flows[i].id, id) )
            return i;

    return -1;
}

static bool flow_is(const struct figures *f, const char *id, int verdict)
{
    int i = flow_index(id);

    return f && i >= 0 && f->flow_ok[i] == verdict;
}

static void print_cx_block(const char (*cx)[LINE_LEN], const char *indent)
{
    unsigned int i;

    for ( i = 0; i < MAX_CX_LINES && cx[i][0]; i++ )
        printf("%s%s\n", indent, cx[i]);
}

/* Column heads of the flow table: "ours-" goes from the model's name. */
static const char *short_name(const char *name)
{
    return strncmp(name, "ours-", 5) ? name : name + 5;
}

static void print_table(void)
{
    unsigned int i, k;

    printf("\n== undetected deadlocks, K=%u, %u domains (d0 the control "
           "domain): %lu templates,\n   %lu well-formed instances (template, "
           "caller, subject)\n", reported[0].k, reported[0].doms,
           reported[0].templates, reported[0].wellformed);
    printf("   accepted: instances the policy does not BUG on; seqs: "
           "distinct accepted lock\n   sequences; 2 instances: deadlocking "
           "pairs of them (distinct lock cycles);\n   3 instances: distinct "
           "3-lock cycles; page: page-sharing locks only\n\n");
    printf("%-16s %-6s %8s %5s | %-25s | %-13s | %s\n", "", "", "", "",
           "2 instances", "3 instances", "page");
    printf("%-16s %-6s %8s %5s | %-13s %-11s | %-6s %-6s | %s\n", "policy",
           "code", "accepted", "seqs", "distinct", "same class", "distinct",
           "same", "2 / 3");
    for ( i = 0; i < nr_reported; i++ )
    {
        const struct figures *f = &reported[i];
        char d2[32], s2[32], pg[32];

        snprintf(d2, sizeof(d2), "%lu (%lu)", f->pairs[CYC_DISTINCT],
                 f->cyc2[CYC_DISTINCT]);
        snprintf(s2, sizeof(s2), "%lu (%lu)", f->pairs[CYC_SAME],
                 f->cyc2[CYC_SAME]);
        snprintf(pg, sizeof(pg), "%lu (%lu) / %lu", f->pairs[CYC_PAGE],
                 f->cyc2[CYC_PAGE], f->cyc3[CYC_PAGE]);
        printf("%-16s %-6s %8lu %5lu | %-13s %-11s | %-6lu %-6lu | %s\n",
               f->name, f->real ? "header" : "MODEL", f->accepted, f->seqs,
               d2, s2, f->cyc3[CYC_DISTINCT], f->cyc3[CYC_SAME], pg);
    }
    printf("\n");
    for ( i = 0; i < nr_reported; i++ )
        printf("   %-16s %s\n", reported[i].name, reported[i].label);
    printf("\n   page-sharing locks have no domain in the checker's key; "
           "share_pages() is\n   the one path that holds two, and takes them "
           "in mfn order\n");

    printf("\n== real flows: accepted (ok) or BUG per policy\n\n%-24s",
           "flow");
    for ( i = 0; i < nr_reported; i++ )
        printf(" %-11s", short_name(reported[i].name));
    printf("\n");
    for ( k = 0; k < NR_FLOWS; k++ )
    {
        printf("%-24s", flows[k].id);
        for ( i = 0; i < nr_reported; i++ )
        {
            int v = reported[i].flow_ok[k];

            printf(" %-11s", v == 1 ? "ok" : v == 0 ? "BUG" :
                            v == -1 ? "anomaly" : "?");
        }
        printf("\n");
    }
    printf("\n");
    for ( k = 0; k < NR_FLOWS; k++ )
        printf("   %-24s %s\n", flows[k].id, flows[k].desc);

    printf("\n== smallest counterexamples (levels as the policy sees "
           "them)\n");
    for ( i = 0; i < nr_reported; i++ )
        for ( k = 0; k < NR_CYC_KINDS; k++ )
        {
            const struct figures *f = &reported[i];

            /* Page-sharing cycles look the same under every policy. */
            if ( k == CYC_PAGE && i )
                continue;
            if ( f->cx2[k][0][0] )
            {
                printf("\n%s, 2 instances, %s:\n", f->name,
                       cycle_kind_words[k]);
                print_cx_block(f->cx2[k], "   ");
            }
            if ( f->cx3[k][0][0] && k != CYC_PAGE )
            {
                printf("\n%s, 3 instances, %s:\n", f->name,
                       cycle_kind_words[k]);
                print_cx_block(f->cx3[k], "   ");
            }
        }
    printf("\n");
}

/* What our header must show; also run against current-bias, it fails. */
static bool ours_is_safe(const struct figures *f)
{
    return f && no_deadlock(f, CYC_DISTINCT) && no_deadlock(f, CYC_SAME);
}

int model_report(void)
{
    const struct figures *ours = figures_of("ours");
    const struct figures *nobias = figures_of("nobias");
    const struct figures *cur = figures_of("current");
    const struct figures *xen = figures_of("xen-4.17");
    const struct figures *notb = figures_of("ours-no-tiebreak");
    const struct figures *dm = figures_of("ours-dm");
    const struct figures *notiers = figures_of("notiers-dm");
    const struct figures *xendm = figures_of("xen-4.17-dm");
    unsigned int i;
    char what[160];

    if ( !nr_reported )
    {
        fprintf(stderr, "model: --report needs figures files\n");
        return 2;
    }
    for ( i = 1; i < nr_reported; i++ )
        if ( reported[i].k != reported[0].k ||
             reported[i].doms != reported[0].doms )
        {
            fprintf(stderr, "model: %s was run with K=%u and %u domains, "
                    "%s with K=%u and %u\n", reported[i].name,
                    reported[i].k, reported[i].doms, reported[0].name,
                    reported[0].k, reported[0].doms);
            return 2;
        }

    print_table();

    printf("== assertions\n");
    for ( i = 0; i < nr_reported; i++ )
    {
        snprintf(what, sizeof(what), "%.32s: every well-formed instance "
                 "ends in ok or BUG (%lu anomalies)", reported[i].name,
                 reported[i].anomalies);
        check(!reported[i].anomalies, what);
    }
    check(ours && !ours->mismatches, "ours: the model of our rule agrees "
          "with the header on every instance");
    check(ours && no_deadlock(ours, CYC_DISTINCT), "ours: no undetected "
          "deadlock among distinct classes (2 and 3 instances)");
    check(ours && no_deadlock(ours, CYC_SAME), "ours: no undetected "
          "deadlock on one class across domains (domid tie-break)");
    check(nobias && no_deadlock(nobias, CYC_DISTINCT) &&
          no_deadlock(nobias, CYC_SAME), "nobias: no undetected deadlock "
          "either (one global order, no bias)");
    check(cur && cur->pairs[CYC_DISTINCT] && cur->review_shape,
          "current: undetected deadlocks, in the review's H1/H2 shape");
    check(cur && !ours_is_safe(cur), "negative control: the assertions on "
          "ours fail against current-bias");
    check(notb && notb->pairs[CYC_SAME] && !notb->pairs[CYC_DISTINCT],
          "ours-no-tiebreak (model): the tie-break is what closes the "
          "same-class deadlocks");
    check(flow_is(ours, "logdirty-pvh-dom0", 1) &&
          flow_is(ours, "logdirty-pvh-dom0-read", 1),
          "ours accepts paging_log_dirty_op from a PVH dom0 (write, read)");
    check(flow_is(nobias, "logdirty-pvh-dom0", 0) &&
          flow_is(nobias, "logdirty-pvh-dom0-read", 0),
          "nobias rejects paging_log_dirty_op from a PVH dom0 (write, read)");
    check(flow_is(cur, "logdirty-pvh-dom0", 1) &&
          flow_is(cur, "logdirty-disaggregated", 1),
          "current accepts log-dirty from dom0 and from a non-control "
          "toolstack domain");
    check(flow_is(ours, "logdirty-disaggregated", 0),
          "ours rejects log-dirty from a non-control toolstack domain "
          "(as upstream)");
    check(flow_is(ours, "pod-populate", 1) &&
          flow_is(ours, "altp2m-propagate", 1) &&
          flow_is(ours, "shadow-fault", 1) &&
          flow_is(ours, "shadow-fault-read", 1) &&
          flow_is(ours, "nested-p2m", 1) &&
          flow_is(ours, "sharing-domid-order", 1),
          "ours accepts PoD, altp2m, shadow, nested p2m, mem_sharing flows");
    check(flow_is(ours, "sharing-reverse-order", 0),
          "ours rejects two p2m locks in decreasing domid order");
    if ( xen )
        check(xen->pairs[CYC_SAME] && flow_is(xen, "sharing-reverse-order", 1),
              "xen-4.17: equal levels pass, so same-class deadlocks go "
              "undetected");


    /* Device models (--dm: d1 is d2's device model, its id the lower). */
    check(dm && dm->dm && !dm->mismatches, "ours-dm: the model of our rule "
          "(with tiers) agrees with the header on every instance");
    check(dm && no_deadlock(dm, CYC_DISTINCT), "ours-dm: no undetected "
          "deadlock among distinct classes (2 and 3 instances)");
    check(dm && no_deadlock(dm, CYC_SAME), "ours-dm: no undetected "
          "deadlock on one class across domains");
    check(flow_is(dm, "dirty-vram-dm", 1) &&
          flow_is(dm, "access-multi-dm-view0", 1) &&
          flow_is(dm, "access-multi-dm-view1", 1),
          "ours-dm accepts track_dirty_vram and set_access_multi (views 0 "
          "and 1) from a device model on its target");
    check(flow_is(dm, "dirty-vram-dom0", 1) &&
          flow_is(dm, "access-multi-dom0-view1", 1) &&
          flow_is(ours, "dirty-vram-dom0", 1) &&
          flow_is(ours, "access-multi-dom0-view1", 1),
          "ours and ours-dm accept both flows from a PVH dom0");
    check(flow_is(ours, "dirty-vram-dm", 0) &&
          flow_is(ours, "access-multi-dm-view1", 0),
          "ours rejects both flows from a domU that is no device model");
    check(flow_is(dm, "logdirty-pvh-dom0", 1) &&
          flow_is(dm, "logdirty-disaggregated", 0),
          "ours-dm keeps ours' verdicts on log-dirty (PVH dom0 accepted, "
          "a non-control toolstack domain rejected)");
    check(notiers && no_deadlock(notiers, CYC_DISTINCT) &&
          no_deadlock(notiers, CYC_SAME), "notiers-dm: no undetected "
          "deadlock either (one global order, no device-model tier)");
    check(flow_is(notiers, "dirty-vram-dm", 0) &&
          flow_is(notiers, "access-multi-dm-view0", 0) &&
          flow_is(notiers, "access-multi-dm-view1", 0),
          "notiers-dm (the checker without tiers) BUGs on both flows from a "
          "device model with the lower id");
    if ( xendm )
        check(flow_is(xendm, "dirty-vram-dm", 1) &&
              flow_is(xendm, "access-multi-dm-view0", 1) &&
              flow_is(xendm, "access-multi-dm-view1", 0),
              "xen-4.17-dm: accepts view 0 (equal levels pass), BUGs on "
              "view 1 (altp2m 40 above p2m 16)");

    printf("%u passed, %u failed\n", nr_passed, nr_failed);

    return !!nr_failed;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
