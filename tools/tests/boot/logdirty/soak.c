/* SPDX-License-Identifier: GPL-2.0-only */
/* Soak: one thread marks pages dirty while another runs CLEAN rounds. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logdirty.h"

/*
 * Each mark gets a window of CLEAN rounds that may report it: from the
 * first round that had not finished when the mark was issued, to the first
 * round that started after the mark returned. A mark whose window closes
 * unreported is a lost dirty bit. One outstanding mark per page keeps the
 * bookkeeping exact.
 */
#define SOAK_IN_FLIGHT UINT32_MAX

struct soak {
    pthread_mutex_t lock;
    const struct guest *g;
    uint32_t started, finished;      /* CLEAN rounds */
    uint32_t *window_lo, *window_hi; /* lo == 0: no outstanding mark */
    bool *reported_in_flight;
    volatile bool stop;
    unsigned long marked, reported, lost, spurious, mark_errors;
    xen_pfn_t first_lost, first_spurious;
    int mark_errno;
};

static void *soak_marker_main(void *arg)
{
    struct soak *s = arg;
    xendevicemodel_handle *own = xendevicemodel_open(quiet_logger, 0);
    uint64_t state = 0x50a4;
    xen_pfn_t last = s->g->low_pages - 1;

    if ( !own )
    {
        s->mark_errors++;
        s->mark_errno = errno;
        return NULL;
    }
    while ( !s->stop )
    {
        xen_pfn_t gfn = prng_next(&state) % last;
        int rc;

        pthread_mutex_lock(&s->lock);
        if ( s->window_lo[gfn] )
        {
            pthread_mutex_unlock(&s->lock);
            continue;
        }
        s->window_lo[gfn] = s->finished + 1;
        s->window_hi[gfn] = SOAK_IN_FLIGHT;
        pthread_mutex_unlock(&s->lock);

        rc = xendevicemodel_modified_memory(own, s->g->domid, gfn, 1);

        pthread_mutex_lock(&s->lock);
        if ( rc )
        {
            if ( s->mark_errors++ == 0 )
                s->mark_errno = errno;
            s->window_lo[gfn] = 0;
        }
        else
        {
            s->marked++;
            if ( s->reported_in_flight[gfn] )
                s->window_lo[gfn] = 0;
            else
                s->window_hi[gfn] = s->started + 1;
        }
        s->reported_in_flight[gfn] = false;
        pthread_mutex_unlock(&s->lock);
    }
    xendevicemodel_close(own);
    return NULL;
}

/* Account CLEAN round k's bitmap; called with the lock held. */
static void soak_account(struct soak *s, uint32_t k, const unsigned long *bm)
{
    unsigned long nr = s->g->low_pages, gfn;

    for ( gfn = 0; gfn < nr; gfn++ )
    {
        if ( !(gfn % BITS_PER_LONG) && !bm[gfn / BITS_PER_LONG] )
        {
            gfn += BITS_PER_LONG - 1;
            continue;
        }
        if ( !test_gfn(bm, gfn) )
            continue;
        s->reported++;
        if ( s->window_lo[gfn] && s->window_lo[gfn] <= k &&
             s->window_hi[gfn] >= k )
        {
            if ( s->window_hi[gfn] == SOAK_IN_FLIGHT )
                s->reported_in_flight[gfn] = true;
            else
                s->window_lo[gfn] = 0;
        }
        else if ( s->spurious++ == 0 )
            s->first_spurious = gfn;
    }
    for ( gfn = 0; gfn < nr; gfn++ )
        if ( s->window_lo[gfn] && s->window_hi[gfn] != SOAK_IN_FLIGHT &&
             s->window_hi[gfn] <= k )
        {
            if ( s->lost++ == 0 )
                s->first_lost = gfn;
            s->window_lo[gfn] = 0;
        }
}

void run_soak(unsigned int seconds, unsigned long mib)
{
    struct soak s = { .lock = PTHREAD_MUTEX_INITIALIZER };
    struct logdirty_guest lg;
    xc_shadow_op_stats_t st;
    pthread_t marker;
    unsigned long clean_errors = 0;
    int clean_errno = 0;
    double t0, end, next_progress;

    printf("soak: one thread marks pages, another CLEANs, for %u s\n",
           seconds);
    if ( !logdirty_guest_setup_checked(&lg, "soak", mib, NULL, 0, true) )
        return;
    s.g = &lg.g;
    s.window_lo = calloc(lg.nr_gfns, sizeof(*s.window_lo));
    s.window_hi = calloc(lg.nr_gfns, sizeof(*s.window_hi));
    s.reported_in_flight = calloc(lg.nr_gfns, sizeof(bool));
    if ( !s.window_lo || !s.window_hi || !s.reported_in_flight ||
         pthread_create(&marker, NULL, soak_marker_main, &s) )
    {
        fail("CHECK soak.setup: FAIL no memory or thread\n");
        goto out;
    }

    t0 = now_seconds();
    end = t0 + seconds;
    next_progress = t0 + 10;
    watchdog_arm("soak.no-hang", seconds + 120);
    for ( ;; )
    {
        bool last = now_seconds() >= end;
        long long rc;

        if ( last )
        {
            /* The final round must see every mark: stop marking first. */
            s.stop = true;
            pthread_join(marker, NULL);
        }
        pthread_mutex_lock(&s.lock);
        s.started++;
        pthread_mutex_unlock(&s.lock);

        rc = logdirty_op(lg.g.domid, XEN_DOMCTL_SHADOW_OP_CLEAN, &lg.bm, &st);

        pthread_mutex_lock(&s.lock);
        s.finished = s.started;
        if ( rc < 0 )
        {
            if ( clean_errors++ == 0 )
                clean_errno = errno;
        }
        else
            soak_account(&s, s.finished, lg.bm.bits);
        pthread_mutex_unlock(&s.lock);

        if ( last )
            break;
        if ( now_seconds() >= next_progress )
        {
            printf("soak: %.0f s, %u rounds, %lu marked, %lu reported\n",
                   now_seconds() - t0, s.finished, s.marked, s.reported);
            next_progress += 10;
        }
    }
    watchdog_disarm();

    printf("soak: rounds %u, pages marked %lu, pages reported %lu, "
           "pages lost %lu\n", s.finished, s.marked, s.reported, s.lost);
    check(s.finished > 1 && s.marked > 0 && !s.lost && !s.spurious &&
          !s.mark_errors && !clean_errors && s.reported == s.marked,
          "soak.no-lost-bits",
          "seconds=%.0f rounds=%u marked=%lu reported=%lu lost=%lu "
          "first_lost=%#lx spurious=%lu first_spurious=%#lx "
          "mark_errors=%lu(%s) clean_errors=%lu(%s)",
          now_seconds() - t0, s.finished, s.marked, s.reported, s.lost,
          s.lost ? (unsigned long)s.first_lost : 0, s.spurious,
          s.spurious ? (unsigned long)s.first_spurious : 0, s.mark_errors,
          errno_name(s.mark_errno), clean_errors, errno_name(clean_errno));
 out:
    free(s.window_lo);
    free(s.window_hi);
    free(s.reported_in_flight);
    logdirty_guest_teardown(&lg);
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
