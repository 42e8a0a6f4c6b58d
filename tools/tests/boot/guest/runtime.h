/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the freestanding PVH test guests share (runtime.c): the hypercall
 * page, the HVM debug console, time, sleep and shutdown.  Each program
 * names itself in guest_name, which prefixes its fatal messages.
 */
#ifndef TEST_GUEST_RUNTIME_H
#define TEST_GUEST_RUNTIME_H

#include <stdint.h>
#include "pvh-abi.h"

#define barrier()           asm volatile ( "" ::: "memory" )

extern const char guest_name[];
extern uint8_t hypercall_page[];

long hypercall2(unsigned int nr, uint32_t a1, uint32_t a2);
long hypercall3(unsigned int nr, uint32_t a1, uint32_t a2, uint32_t a3);
void setup_hypercall_page(void);

void put_char(char c);
void put_str(const char *s);
void put_dec(uint32_t v);
void put_signed(int32_t v);
void put_hex(uint32_t v);
void put_field(const char *name, uint32_t v);

uint64_t div64(uint64_t n, uint32_t d);
uint64_t now_ns(void);
void sleep_ms(uint32_t ms);
uint64_t hvm_param(uint32_t index);
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
