/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PVH guests' platform (runtime.h).  They run in 32-bit protected mode
 * with paging off and interrupts off, so an address is a physical address
 * and a pointer fits a hypercall argument.
 */
#include "runtime.h"

uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

static inline void outb(uint16_t port, uint8_t val)
{
    asm volatile ( "outb %0, %1" :: "a" (val), "Nd" (port) );
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b,
                         uint32_t *c, uint32_t *d)
{
    asm volatile ( "cpuid"
                   : "=a" (*a), "=b" (*b), "=c" (*c), "=d" (*d)
                   : "0" (leaf), "2" (0) );
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
    asm volatile ( "wrmsr"
                   :: "c" (msr), "a" ((uint32_t)val),
                      "d" ((uint32_t)(val >> 32)) );
}

long hypercall2(unsigned int nr, unsigned long a1, unsigned long a2)
{
    long ret;
    uint32_t clobber_b, clobber_c;

    asm volatile ( "call *%[stub]"
                   : "=a" (ret), "=b" (clobber_b), "=c" (clobber_c)
                   : [stub] "r" (&hypercall_page[nr * HYPERCALL_STUB_SIZE]),
                     "1" (a1), "2" (a2)
                   : "memory", "edx", "esi", "edi" );

    return ret;
}

long hypercall3(unsigned int nr, unsigned long a1, unsigned long a2,
                unsigned long a3)
{
    long ret;
    uint32_t clobber_b, clobber_c, clobber_d;

    asm volatile ( "call *%[stub]"
                   : "=a" (ret), "=b" (clobber_b), "=c" (clobber_c),
                     "=d" (clobber_d)
                   : [stub] "r" (&hypercall_page[nr * HYPERCALL_STUB_SIZE]),
                     "1" (a1), "2" (a2), "3" (a3)
                   : "memory", "esi", "edi" );

    return ret;
}

void put_char(char c)
{
    outb(DEBUGCON_PORT, c);
}

void setup_hypercall_page(void)
{
    uint32_t base, eax, ebx, ecx, edx;

    for ( base = CPUID_XEN_FIRST_BASE; base < CPUID_XEN_LAST_BASE;
          base += CPUID_XEN_BASE_STRIDE )
    {
        cpuid(base, &eax, &ebx, &ecx, &edx);
        /* "XenVMMXenVMM" */
        if ( ebx == 0x566e6558U && ecx == 0x65584d4dU &&
             edx == 0x4d4d566eU && eax >= base + CPUID_XEN_HYPERCALL_LEAF )
            break;
    }
    if ( base >= CPUID_XEN_LAST_BASE )
        crash("not running on Xen");

    cpuid(base + CPUID_XEN_HYPERCALL_LEAF, &eax, &ebx, &ecx, &edx);
    wrmsr(ebx, (uint32_t)hypercall_page);
    if ( !hypercall_page[0] )
        crash("Xen did not fill the hypercall page");
}

uint64_t now_ns(void)
{
    struct hvm_get_time t = { 0 };

    if ( hypercall2(HYPERCALL_HVM_OP, HVMOP_GET_TIME, (uint32_t)&t) )
        crash("HVMOP_get_time failed");

    return t.now;
}

uint64_t hvm_param(uint32_t index)
{
    struct hvm_param p = { .domid = DOMID_SELF, .index = index };

    if ( hypercall2(HYPERCALL_HVM_OP, HVMOP_GET_PARAM, (uint32_t)&p) )
        crash("HVMOP_get_param failed");

    return p.value;
}

/* The guest's memory map, for its report. */
static const struct start_info *boot_info;

const int console_names_domain = 1;     /* Xen's ring prefixes (dN) */

void platform_init(const void *start_info)
{
    boot_info = start_info;
    if ( boot_info->magic != START_INFO_MAGIC )
        crash("bad start_info magic");
    setup_hypercall_page();
}

uint32_t ram_kib(void)
{
    const struct memmap_entry *e =
        (const void *)(uint32_t)boot_info->memmap_paddr;
    uint32_t kib = 0;
    unsigned int i;

    if ( boot_info->version < 1 || !boot_info->memmap_paddr )
        return 0;
    for ( i = 0; i < boot_info->memmap_entries; i++ )
        if ( e[i].type == MEMMAP_TYPE_RAM )
            kib += e[i].size >> 10;

    return kib;
}

unsigned long pfn_of(const void *p)
{
    return (uint32_t)p >> 12;
}

/* The ring stays where it is across migration; the port may not. */
void xenstore_find(volatile struct xenstore_ring **ring, uint32_t *port)
{
    *ring = (volatile void *)((uint32_t)hvm_param(HVM_PARAM_STORE_PFN) << 12);
    *port = hvm_param(HVM_PARAM_STORE_EVTCHN);
}

long suspend_self(void)
{
    return shutdown(SHUTDOWN_SUSPEND);
}

/* In 32-bit protected mode like vCPU 0 at the PVH entry, on its own stack. */
long vcpu_start(unsigned int cpu, void (*entry)(uint32_t), uint32_t *stack_top)
{
    struct vcpu_hvm_context ctx = {
        .mode = VCPU_HVM_MODE_32B,
        .eip = (uint32_t)entry,
        .eflags = 0x2,
        .cr0 = 0x11,                        /* PE, ET */
        .cs_limit = ~0U, .ds_limit = ~0U, .ss_limit = ~0U, .es_limit = ~0U,
        .tr_limit = 0x67,
        .cs_ar = 0xc9b, .ds_ar = 0xc93, .ss_ar = 0xc93, .es_ar = 0xc93,
        .tr_ar = 0x8b,
    };
    long rc;

    /* The argument, then a return address that is never used. */
    stack_top[-4] = cpu;
    stack_top[-5] = 0;
    ctx.esp = (uint32_t)&stack_top[-5];

    rc = hypercall3(HYPERCALL_VCPU_OP, VCPUOP_INITIALISE, cpu,
                    (uint32_t)&ctx);
    if ( !rc )
        rc = hypercall3(HYPERCALL_VCPU_OP, VCPUOP_UP, cpu, 0);

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
