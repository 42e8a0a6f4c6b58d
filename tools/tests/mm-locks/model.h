/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The order model's two halves: the search (model-search.c), one binary
 * per header variant, which saves what it found as figures, and the report
 * (model-report.c), which reads the figures of every variant back, prints
 * the table and asserts the outcome.  model-main.c has the options.
 */
#ifndef MODEL_H
#define MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "checker.h"

#ifndef MODEL_VARIANT
#error "MODEL_VARIANT names the header variant this binary is linked with"
#endif

#define MAX_K           4
#define DEFAULT_K       3
#define DEFAULT_DOMS    4
#define MAX_DOMS        CHK_NR_DOMS
#define LINE_LEN        160
#define MAX_CX_LINES    24

struct step {
    uint8_t cls, dom, inst, mode;       /* mode: enum chk_mode */
};

/* Which undetected deadlocks: by the classes of the locks in the cycle. */
enum cycle_kind {
    CYC_DISTINCT,       /* at least two classes */
    CYC_SAME,           /* one class, locks of different domains */
    CYC_PAGE,           /* page-sharing locks only: no domain in the key */
    NR_CYC_KINDS
};

extern const char *const cycle_kind_names[NR_CYC_KINDS];

/*
 * Real flows, as the hypervisor takes their locks.  Slot 0 is the control
 * domain (d0), slots 1 and 2 are domUs (d1, d2); with --dm, d1 is d2's
 * device model.
 */
#define MAX_FLOW_STEPS 6
#define NR_FLOWS       16
struct flow {
    const char *id;
    const char *desc;
    unsigned int caller;
    unsigned int nr;
    struct step s[MAX_FLOW_STEPS];
};

extern const struct flow flows[NR_FLOWS];

/* What one policy's run found: saved by --save, read by --report. */
struct figures {
    char name[32];
    char label[96];
    bool real;                      /* the header's code, not a model */
    unsigned long templates, instances, wellformed, accepted, rejected;
    unsigned long anomalies, mismatches, seqs;
    unsigned long pairs[NR_CYC_KINDS];  /* accepted sequence pairs */
    unsigned long cyc2[NR_CYC_KINDS];   /* distinct 2-lock cycles */
    unsigned long cyc3[NR_CYC_KINDS];   /* distinct 3-lock cycles */
    bool review_shape;
    int flow_ok[NR_FLOWS];
    char cx2[NR_CYC_KINDS][MAX_CX_LINES][LINE_LEN];
    char cx3[NR_CYC_KINDS][MAX_CX_LINES][LINE_LEN];
    unsigned int k, doms;
    bool dm;                        /* run with --dm */
    double seconds;
};

/* Acquisitions per template, domains (the control domain included). */
extern unsigned int model_k, model_doms;
/* --dm: slot MODEL_DM_SLOT is the device model of slot MODEL_DM_TARGET. */
extern bool model_dm;
#define MODEL_DM_SLOT   1
#define MODEL_DM_TARGET 2

/* Run this binary's variant; with SAVE, write its figures there. */
void model_search(const char *save);
/* Read one figures file; RENAME, if set, names its first policy. */
void model_read_figures(const char *path, const char *rename);
/* The table over the figures read, and the assertions: 0 if all pass. */
int model_report(void);

#endif /* MODEL_H */

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
