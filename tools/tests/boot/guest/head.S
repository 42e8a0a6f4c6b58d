/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PVH entry: Xen starts us in 32-bit protected mode with paging off, flat
 * segments, interrupts off, no stack, and %ebx holding the physical address
 * of the start_info block.
 */
#include "pvh-abi.h"

ELFNOTE(ELFNOTE_GUEST_OS, .asciz "test-guest")
ELFNOTE(ELFNOTE_PHYS32_ENTRY, .long pvh_start)

    .section .text.head, "ax", @progbits
    .code32
    .globl pvh_start
pvh_start:
    cld
    mov     $boot_stack_top, %esp
    push    %ebx
    call    guest_main
1:  hlt
    jmp     1b

    .section .bss.stack, "aw", @nobits
    .balign 16
boot_stack:
    .skip   16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
