/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 64-bit PV entry: Xen starts us in long mode in the builder's page
 * tables (virtual = pseudo-physical, VIRT_BASE 0), with %rsi holding the
 * virtual address of start_info.  The notes are what libxc's ELF loader
 * reads to build a PV domain.
 */
#include "pvh-abi.h"
#include "pv-abi.h"

ELFNOTE(ELFNOTE_GUEST_OS, .asciz "test-guest")
ELFNOTE(ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
ELFNOTE(ELFNOTE_LOADER, .asciz "generic")
ELFNOTE(ELFNOTE_VIRT_BASE, .quad 0)
ELFNOTE(ELFNOTE_PADDR_OFFSET, .quad 0)
ELFNOTE(ELFNOTE_ENTRY, .quad pv_start)
ELFNOTE(ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page)

    .section .text.head, "ax", @progbits
    .code64
    .globl pv_start
pv_start:
    cld
    lea     boot_stack_top(%rip), %rsp
    mov     %rsi, %rdi
    call    guest_main
1:  jmp     1b

    .section .bss.stack, "aw", @nobits
    .balign 16
boot_stack:
    .skip   16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
