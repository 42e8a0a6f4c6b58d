/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dirty-guest: a PVH guest whose vCPUs dirty memory without end.
 *
 * The test client in dom0 (flows/test-flows.c, case smp) loads it and
 * starts every vCPU at the entry itself (there is no SMP bring-up here),
 * each with its own registers:
 *   %esi  the vCPU's index (below MAX_VCPUS)
 *   %edi  the physical address of the vCPU's part of the area
 *   %ebp  the number of pages in that part
 * head.S gives every vCPU the same boot stack; they push the same values
 * there, so guest_main() below moves each to its own stack before any C
 * runs.  Each vCPU then loops forever over the pages of its part, storing
 * in each the tag DIRTY_TAG | index and a sequence number that grows by
 * one a page, and sleeps NAP_MS (SCHEDOP_poll) every PAGES_PER_NAP pages
 * so that dom0 gets its CPU time under QEMU's TCG.  dom0 reads the area
 * through a foreign mapping.
 */
#include <stdint.h>
#include "runtime.h"

const char guest_name[] = "dirty-guest";

#define MAX_VCPUS           2
#define STACK_SHIFT         14
#define PAGE_SIZE           4096
#define PAGES_PER_NAP       4
#define NAP_MS              2
#define DIRTY_TAG           0xd1e70000U

#define STR_(x)             #x
#define STR(x)              STR_(x)

uint8_t vcpu_stacks[MAX_VCPUS << STACK_SHIFT] __attribute__((aligned(16)));
void __attribute__((noreturn)) vcpu_main(uint32_t index, uint32_t base,
                                         uint32_t pages);
static volatile uint32_t hypercalls_ready;

/* Called by head.S on the shared boot stack: its start_info is unused. */
asm ( "    .text\n"
      "    .globl guest_main\n"
      "guest_main:\n"
      "    cmp     $" STR(MAX_VCPUS) ", %esi\n"
      "    jae     2f\n"
      "    lea     1(%esi), %eax\n"
      "    shl     $" STR(STACK_SHIFT) ", %eax\n"
      "    lea     vcpu_stacks(%eax), %esp\n"
      "    push    %ebp\n"
      "    push    %edi\n"
      "    push    %esi\n"
      "    call    vcpu_main\n"
      "2:  hlt\n"
      "    jmp     2b\n" );

void vcpu_main(uint32_t index, uint32_t base, uint32_t pages)
{
    uint32_t seq = 0, i;

    /* vCPU 0 has Xen fill the hypercall page; the others wait for it. */
    if ( index == 0 )
    {
        setup_hypercall_page();
        barrier();
        hypercalls_ready = 1;
        put_str("dirty-guest: start");
        put_field("base", base);
        put_field("pages", pages);
        put_char('\n');
    }
    else
        while ( !hypercalls_ready )
            asm volatile ( "pause" ::: "memory" );

    for ( ;; )
        for ( i = 0; i < pages; i++ )
        {
            volatile uint32_t *p = (void *)(base + i * PAGE_SIZE);

            p[0] = DIRTY_TAG | index;
            p[1] = ++seq;
            if ( (i + 1) % PAGES_PER_NAP == 0 )
                sleep_ms(NAP_MS);
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
