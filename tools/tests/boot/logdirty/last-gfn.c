/* SPDX-License-Identifier: GPL-2.0-only */
/* Marking the highest gfn through XEN_DMOP_modified_memory. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "logdirty.h"

/*
 * XEN_DMOP_modified_memory must accept an extent that ends at the
 * highest gfn (4.17 compares the exclusive end with it and refuses), and
 * must refuse one that goes past it.
 */
void run_last_gfn(void)
{
    static const xen_pfn_t high[] = { 0x100000 }; /* 4 GiB */
    struct logdirty_guest lg;
    struct bitmap_diff d;
    unsigned int pass;
    long long rc;
    int e;

    for ( pass = 0; pass < 2; pass++ )
    {
        const char *kind = pass ? "sparse" : "flat";
        char name[96];
        xen_pfn_t max;

        snprintf(name, sizeof(name), "lastgfn.%s", kind);
        if ( !logdirty_guest_setup_checked(&lg, name, 16, pass ? high : NULL,
                                           pass ? 1 : 0, true) )
            continue;
        max = lg.g.max_gfn;

        snprintf(name, sizeof(name), "lastgfn.highest.%s.mark", kind);
        rc = xendevicemodel_modified_memory(dmod, lg.g.domid, max, 1);
        e = rc < 0 ? errno : 0;
        check(rc == 0, name, "gfn %#lx (the highest): rc=%lld errno=%s",
              (unsigned long)max, rc, errno_name(e));
        if ( rc == 0 )
            set_gfn(lg.want, max);

        if ( !pass )
        {
            snprintf(name, sizeof(name), "lastgfn.highest.%s.mark-extent",
                     kind);
            rc = xendevicemodel_modified_memory(dmod, lg.g.domid, max - 9,
                                                10);
            e = rc < 0 ? errno : 0;
            check(rc == 0, name, "gfns %#lx-%#lx: rc=%lld errno=%s",
                  (unsigned long)max - 9, (unsigned long)max, rc,
                  errno_name(e));
            for ( xen_pfn_t g = max - 9; rc == 0 && g <= max; g++ )
                set_gfn(lg.want, g);
        }

        /* A hole below the highest gfn is accepted and not reported. */
        if ( pass )
        {
            rc = xendevicemodel_modified_memory(dmod, lg.g.domid,
                                                lg.g.low_pages + 100, 1);
            e = rc < 0 ? errno : 0;
            check(rc == 0, "lastgfn.other.sparse.mark-hole",
                  "unpopulated gfn %#lx: rc=%lld errno=%s",
                  lg.g.low_pages + 100, rc, errno_name(e));
        }

        snprintf(name, sizeof(name), "lastgfn.highest.%s.clean", kind);
        logdirty_guest_clean_matches(&lg, lg.want, &d);
        check(!d.missing && !d.extra && d.expected == (pass ? 1 : 10),
              name, "expected=%lu got=%lu missing=%lu extra=%lu "
              "highest-reported=%s", d.expected, d.got, d.missing, d.extra,
              test_gfn(lg.bm.bits, max) ? "yes" : "no");

        snprintf(name, sizeof(name), "lastgfn.past.%s.one-past", kind);
        rc = xendevicemodel_modified_memory(dmod, lg.g.domid, max + 1, 1);
        e = rc < 0 ? errno : 0;
        check(rc < 0 && e == EINVAL, name,
              "gfn %#lx: rc=%lld errno=%s (want EINVAL)",
              (unsigned long)max + 1, rc, errno_name(e));

        snprintf(name, sizeof(name), "lastgfn.past.%s.extent-across", kind);
        rc = xendevicemodel_modified_memory(dmod, lg.g.domid, max - 1, 3);
        e = rc < 0 ? errno : 0;
        check(rc < 0 && e == EINVAL, name,
              "gfns %#lx-%#lx: rc=%lld errno=%s (want EINVAL)",
              (unsigned long)max - 1, (unsigned long)max + 1, rc,
              errno_name(e));
        logdirty_guest_teardown(&lg);
    }
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
