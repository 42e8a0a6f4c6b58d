/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The table of `make bench-micro`: instructions per mm lock operation of
 * the floor, Xen 4.17's header and ours, each in the release and the debug
 * configuration, with the ratios ours/xen and ours/floor.
 *
 * Usage: bench-micro-table DIR
 *   DIR/<impl>-<config>.txt is the output of bench-micro for that variant
 *   under callgrind (impl: floor, xen, ours; config: release, debug).
 *
 * The cost targets of the checker (ours/xen per operation) are printed as
 * met or missed; they never change the exit status, which only says
 * whether every figure was there.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *name, *what;
} ops[] = {
    { "write", "p2m write lock + unlock" },
    { "write-relock", "p2m write re-lock + unlock (held)" },
    { "recursive", "paging recursive re-lock + unlock" },
    { "read", "p2m read lock + unlock" },
    { "nested4", "4 classes nested, then unlocked" },
    { "order", "page_alloc pre/post/unlock + lock" },
};

enum impl { FLOOR, XEN, OURS, NR_IMPLS };
static const char *const impl_names[NR_IMPLS] = { "floor", "xen", "ours" };

static const struct config {
    const char *name, *title;
    double target;              /* ours/xen at most */
} configs[] = {
    { "release", "release (ASSERTs off)", 1.00 },
    { "debug", "debug (ASSERTs on)", 1.50 },
};

struct figures {
    double op[ARRAY_SIZE(ops)];
    unsigned long state_bytes;
};

static struct figures fig[ARRAY_SIZE(configs)][NR_IMPLS];

static int load(const char *dir, unsigned int c, enum impl i)
{
    char path[4096], line[256], name[64];
    bool seen[ARRAY_SIZE(ops)] = { false }, state = false;
    struct figures *f = &fig[c][i];
    unsigned int k;
    double v;
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s-%s.txt", dir, impl_names[i],
             configs[c].name);
    fp = fopen(path, "r");
    if ( !fp )
    {
        fprintf(stderr, "bench-micro-table: cannot read %s\n", path);
        return -1;
    }
    while ( fgets(line, sizeof(line), fp) )
    {
        if ( sscanf(line, "state_bytes_per_cpu %lu", &f->state_bytes) == 1 )
            state = true;
        if ( sscanf(line, "op %63s %lf", name, &v) != 2 )
            continue;
        for ( k = 0; k < ARRAY_SIZE(ops); k++ )
            if ( !strcmp(name, ops[k].name) )
            {
                f->op[k] = v;
                seen[k] = true;
            }
    }
    fclose(fp);

    for ( k = 0; k < ARRAY_SIZE(ops); k++ )
        if ( !seen[k] )
        {
            fprintf(stderr, "bench-micro-table: %s has no figure for %s\n",
                    path, ops[k].name);
            return -1;
        }
    if ( !state )
    {
        fprintf(stderr, "bench-micro-table: %s has no state_bytes_per_cpu\n",
                path);
        return -1;
    }
    return 0;
}

static double ratio(double a, double b)
{
    return b > 0 ? a / b : 0;
}

int main(int argc, char **argv)
{
    unsigned int c, i, k;

    if ( argc != 2 )
    {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    for ( c = 0; c < ARRAY_SIZE(configs); c++ )
        for ( i = 0; i < NR_IMPLS; i++ )
            if ( load(argv[1], c, i) )
                return 1;

    printf("Instructions per operation (callgrind; loop and call overhead "
           "subtracted)\n");
    for ( c = 0; c < ARRAY_SIZE(configs); c++ )
    {
        printf("\n%-36s %6s %6s %6s %8s %10s\n", configs[c].title, "floor",
               "xen", "ours", "ours/xen", "ours/floor");
        for ( k = 0; k < ARRAY_SIZE(ops); k++ )
        {
            double fl = fig[c][FLOOR].op[k], xn = fig[c][XEN].op[k];
            double ou = fig[c][OURS].op[k];

            printf("%-36s %6.1f %6.1f %6.1f %8.2f %10.2f\n", ops[k].what,
                   fl, xn, ou, ratio(ou, xn), ratio(ou, fl));
        }
    }

    printf("\nHeld-lock state per CPU: ours %lu bytes (struct mm_lock_cpu),"
           " xen %lu bytes (int mm_lock_level)\n",
           fig[0][OURS].state_bytes, fig[0][XEN].state_bytes);

    printf("\nTargets (ours/xen, per operation; reported, not enforced):\n");
    for ( c = 0; c < ARRAY_SIZE(configs); c++ )
    {
        unsigned int missed = 0;

        printf("  %-8s <= %.2f:", configs[c].name, configs[c].target);
        for ( k = 0; k < ARRAY_SIZE(ops); k++ )
        {
            double r = ratio(fig[c][OURS].op[k], fig[c][XEN].op[k]);

            /* Counts are exact: a ratio over the target by any amount. */
            if ( r > configs[c].target + 1e-9 )
                printf("%s %s %.2f", missed++ ? "," : " missed by",
                       ops[k].name, r);
        }
        printf("%s\n", missed ? "" : " met by every operation");
    }

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
