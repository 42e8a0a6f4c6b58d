/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Order model of the mm lock-order checker: `model [-k K] [-d DOMS] [--dm]
 * [--save FILE]` searches (model-search.c), `model --report FILE...`
 * reports (model-report.c).
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: model [-k K] [-d DOMS] [--dm] [--save FILE]\n"
            "       model --report [--as NAME] FILE [[--as NAME] FILE]...\n"
            "  -k K        acquisitions per template, 1..%u (default %u)\n"
            "  -d DOMS     domains, the control domain included, 3..%u "
            "(default %u)\n"
            "  --dm        d1 is d2's device model (d1->target = d2); the "
            "policies'\n"
            "              names get -dm\n"
            "  --save FILE write this variant's figures to FILE\n"
            "  --report    print the table over saved figures, assert the "
            "outcome,\n"
            "              exit non-zero if an assertion fails\n"
            "  --as NAME   report the next file's header policy as NAME "
            "(negative controls)\n"
            "This binary judges the '%s' header variant.\n",
            MAX_K, DEFAULT_K, MAX_DOMS, DEFAULT_DOMS, MODEL_VARIANT);
}

static unsigned int parse_uint(const char *s, const char *what,
                               unsigned int lo, unsigned int hi)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if ( errno || end == s || *end || v < lo || v > hi )
    {
        fprintf(stderr, "model: %s must be %u..%u, not '%s'\n", what, lo, hi,
                s);
        exit(2);
    }

    return v;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "save", required_argument, NULL, 's' },
        { "report", no_argument, NULL, 'r' },
        { "as", required_argument, NULL, 'a' },
        { "dm", no_argument, NULL, 'm' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *save = NULL, *rename = NULL;
    bool do_report = false;
    int c;

    /* '-' keeps file operands in order with the --as before them. */
    while ( (c = getopt_long(argc, argv, "-k:d:h", opts, NULL)) != -1 )
    {
        switch ( c )
        {
        case 'k':
            model_k = parse_uint(optarg, "K", 1, MAX_K);
            break;
        case 'd':
            model_doms = parse_uint(optarg, "DOMS", 3, MAX_DOMS);
            break;
        case 's':
            save = optarg;
            break;
        case 'r':
            do_report = true;
            break;
        case 'm':
            model_dm = true;
            break;
        case 'a':
            rename = optarg;
            break;
        case 1:
            if ( !do_report )
            {
                fprintf(stderr, "model: unexpected argument '%s'\n", optarg);
                usage(stderr);
                return 2;
            }
            model_read_figures(optarg, rename);
            rename = NULL;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }

    if ( do_report )
        return model_report();

    model_search(save);

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
