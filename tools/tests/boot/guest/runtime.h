/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the freestanding test guests share: the platform, pvh.c for a PVH
 * guest or pv.c for a 64-bit PV one, gives the hypercalls, the console,
 * time and what a guest that migrates needs; runtime.c the rest.  Each
 * program names itself in guest_name, which prefixes its fatal messages.
 */
#ifndef TEST_GUEST_RUNTIME_H
#define TEST_GUEST_RUNTIME_H

#include <stdint.h>
#include "pvh-abi.h"

#define barrier()           asm volatile ( "" ::: "memory" )

extern const char guest_name[];
extern uint8_t hypercall_page[];

/* pvh.c or pv.c */
long hypercall2(unsigned int nr, unsigned long a1, unsigned long a2);
long hypercall3(unsigned int nr, unsigned long a1, unsigned long a2,
                unsigned long a3);
void put_char(char c);
uint64_t now_ns(void);
void platform_init(const void *start_info);
/* Whether the console prefixes each line with "(dN) " on its own. */
extern const int console_names_domain;
uint32_t ram_kib(void);
unsigned long pfn_of(const void *p);
void xenstore_find(volatile struct xenstore_ring **ring, uint32_t *port);
/* SHUTDOWN_suspend: 0 once resumed as a new domain, else cancelled. */
long suspend_self(void);

/* pvh.c only (a PV guest here runs on one vCPU) */
/* Starts vCPU cpu at entry(cpu) on the stack below stack_top. */
long vcpu_start(unsigned int cpu, void (*entry)(uint32_t),
                uint32_t *stack_top);
void setup_hypercall_page(void);
uint64_t hvm_param(uint32_t index);

/* runtime.c */
void put_str(const char *s);
void put_dec(uint32_t v);
void put_signed(int32_t v);
void put_hex(uint32_t v);
void put_field(const char *name, uint32_t v);
uint64_t div64(uint64_t n, uint32_t d);
void sleep_ms(uint32_t ms);
long shutdown(uint32_t reason);
void __attribute__((noreturn)) crash(const char *why);
uint32_t strlen_of(const char *s);
int streq(const char *a, const char *b);

#endif /* TEST_GUEST_RUNTIME_H */

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
