/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The platform of a 64-bit PV test guest (runtime.h).  It runs in the
 * mapping the domain builder made: its image and what the builder put
 * after it (the p2m, start_info, the xenstore and console rings) at
 * virtual = pseudo-physical address (VIRT_BASE 0), events masked and no
 * trap table, so that any fault ends the domain.
 *
 * What the toolstack needs of a PV guest to save it, and what the guest
 * must redo once restored, as Linux does around its suspend:
 * - the p2m published through shared_info (max_pfn and the frame list
 *   list, the tree of the MFNs of the p2m's own pages), since the saver
 *   reads the p2m to know the guest's frames;
 * - no mapping of a frame that is not the guest's own when it suspends:
 *   the saver rewrites every page-table entry to a pfn and fails on one
 *   it cannot (shared_info's frame), so the guest maps its own page back
 *   over shared_info first;
 * - the start_info MFN in the third argument of SCHEDOP_shutdown, where
 *   the restorer finds start_info to rewrite, and start_info's xenstore
 *   and console frames given as pfns, which the restorer reads them as.
 * After a resume every MFN is new (the restorer has rewritten the p2m
 * and start_info), while every pfn, and so every address, is the same.
 */
#include <stddef.h>
#include "runtime.h"
#include "pv-abi.h"

uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

/* Under shared_info while it is mapped; the guest's own page when not. */
static uint8_t shared_info_page[4096] __attribute__((aligned(4096)));
static unsigned long p2m_frame_list[512] __attribute__((aligned(4096)));
static unsigned long p2m_frame_list_list[512] __attribute__((aligned(4096)));

static struct pv_start_info *boot_info;
static const unsigned long *p2m;
static volatile struct shared_info *shared;
static volatile struct xencons_interface *cons;
static uint32_t cons_port;

const int console_names_domain = 0;

long hypercall2(unsigned int nr, unsigned long a1, unsigned long a2)
{
    return hypercall3(nr, a1, a2, 0);
}

/* Xen may clobber every argument register, used or not (debug builds). */
long hypercall3(unsigned int nr, unsigned long a1, unsigned long a2,
                unsigned long a3)
{
    register unsigned long rdi asm ( "rdi" ) = a1;
    register unsigned long rsi asm ( "rsi" ) = a2;
    register unsigned long rdx asm ( "rdx" ) = a3;
    long ret;

    asm volatile ( "call *%[stub]"
                   : "=a" (ret), "+r" (rdi), "+r" (rsi), "+r" (rdx)
                   : [stub] "r" (&hypercall_page[nr * HYPERCALL_STUB_SIZE])
                   : "memory", "rcx", "r8", "r9", "r10", "r11" );

    return ret;
}

unsigned long pfn_of(const void *p)
{
    return (unsigned long)p >> 12;
}

static unsigned long mfn_of(const void *p)
{
    return p2m[pfn_of(p)];
}

static unsigned long mfn_to_pfn(unsigned long mfn)
{
    const unsigned long *m2p = (const void *)MACH2PHYS_VIRT_START;

    return m2p[mfn];
}

static void *mfn_to_virt(unsigned long mfn)
{
    return (void *)(mfn_to_pfn(mfn) << 12);
}

static void map_at(void *va, unsigned long maddr)
{
    if ( hypercall3(HYPERCALL_UPDATE_VA_MAPPING, (unsigned long)va,
                    maddr | PTE_PRESENT | PTE_RW | PTE_ACCESSED | PTE_DIRTY,
                    UVMF_INVLPG) )
        crash("update_va_mapping failed");
}

static void notify(uint32_t port)
{
    struct evtchn_send send = { .port = port };

    hypercall2(HYPERCALL_EVENT_CHANNEL_OP, EVTCHNOP_SEND,
               (unsigned long)&send);
}

void put_char(char c)
{
    if ( !cons )
        return;
    while ( cons->out_prod - cons->out_cons >= sizeof(cons->out) )
    {
        notify(cons_port);
        sleep_ms(1);
    }
    cons->out[cons->out_prod % sizeof(cons->out)] = c;
    barrier();
    cons->out_prod++;
    if ( c == '\n' )
        notify(cons_port);
}

uint64_t now_ns(void)
{
    const volatile struct vcpu_time_info *t = &shared->vcpu_info[0].time;
    uint32_t version, lo, hi, mul;
    uint64_t stamp, system_time, delta;
    int8_t shift;

    do {
        version = t->version;
        barrier();
        asm volatile ( "rdtsc" : "=a" (lo), "=d" (hi) );
        stamp = t->tsc_timestamp;
        system_time = t->system_time;
        mul = t->tsc_to_system_mul;
        shift = t->tsc_shift;
        barrier();
    } while ( (version & 1) || version != t->version );

    delta = (((uint64_t)hi << 32) | lo) - stamp;
    delta = shift >= 0 ? delta << shift : delta >> -shift;

    return system_time + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

/* The p2m, as the toolstack's saver looks for it (see the top). */
static void publish_p2m(void)
{
    unsigned long pages = (boot_info->nr_pages + 511) / 512, i;

    if ( pages > 512 )
        crash("too much memory for one p2m frame list page");
    for ( i = 0; i < pages; i++ )
        p2m_frame_list[i] = mfn_of(&p2m[i * 512]);
    p2m_frame_list_list[0] = mfn_of(p2m_frame_list);
    shared->max_pfn = boot_info->nr_pages;
    barrier();
    shared->pfn_to_mfn_frame_list_list = mfn_of(p2m_frame_list_list);
}

static void connect(void)
{
    map_at(shared_info_page, boot_info->shared_info);
    shared = (volatile void *)shared_info_page;
    publish_p2m();
    cons = mfn_to_virt(boot_info->console_mfn);
    cons_port = boot_info->console_evtchn;
}

void platform_init(const void *start_info)
{
    boot_info = (void *)start_info;
    if ( boot_info->magic[0] != 'x' || boot_info->magic[1] != 'e' ||
         boot_info->magic[2] != 'n' )
        crash("bad start_info magic");
    p2m = (const void *)boot_info->mfn_list;
    connect();
}

uint32_t ram_kib(void)
{
    return boot_info->nr_pages * 4;
}

void xenstore_find(volatile struct xenstore_ring **ring, uint32_t *port)
{
    *ring = mfn_to_virt(boot_info->store_mfn);
    *port = boot_info->store_evtchn;
}

long suspend_self(void)
{
    struct sched_shutdown arg = { .reason = SHUTDOWN_SUSPEND };
    long rc;

    shared = NULL;
    map_at(shared_info_page, mfn_of(shared_info_page) << 12);
    boot_info->store_mfn = mfn_to_pfn(boot_info->store_mfn);
    boot_info->console_mfn = mfn_to_pfn(boot_info->console_mfn);
    rc = hypercall3(HYPERCALL_SCHED_OP, SCHEDOP_SHUTDOWN,
                    (unsigned long)&arg, mfn_of(boot_info));
    if ( rc )
    {
        /* Cancelled: the same frames, which no restorer has rewritten. */
        boot_info->store_mfn = p2m[boot_info->store_mfn];
        boot_info->console_mfn = p2m[boot_info->console_mfn];
    }
    connect();

    return rc;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
