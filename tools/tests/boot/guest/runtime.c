/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the freestanding test guests share whatever their mode (runtime.h):
 * formatting on the console, shutdown, sleep.  pvh.c and pv.c provide the
 * hypercalls, the console and the time of a PVH and of a PV guest.
 */
#include "runtime.h"

/* 64-bit by 32-bit division without libgcc: two 32-bit divl steps. */
uint64_t div64(uint64_t n, uint32_t d)
{
    uint32_t hi = n >> 32, q_hi = hi / d, rem = hi % d, q_lo;

    asm ( "divl %[d]"
          : "=a" (q_lo), "=d" (rem)
          : [d] "rm" (d), "0" ((uint32_t)n), "1" (rem) );

    return ((uint64_t)q_hi << 32) | q_lo;
}

void put_str(const char *s)
{
    while ( *s )
        put_char(*s++);
}

void put_dec(uint32_t v)
{
    char buf[11];
    unsigned int i = sizeof(buf);

    buf[--i] = '\0';
    do {
        buf[--i] = '0' + v % 10;
        v /= 10;
    } while ( v );
    put_str(&buf[i]);
}

void put_signed(int32_t v)
{
    if ( v < 0 )
    {
        put_char('-');
        put_dec(-(uint32_t)v);
    }
    else
        put_dec(v);
}

void put_hex(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    int shift;

    for ( shift = 28; shift >= 0; shift -= 4 )
        put_char(digits[(v >> shift) & 0xf]);
}

void put_field(const char *name, uint32_t v)
{
    put_char(' ');
    put_str(name);
    put_char('=');
    put_dec(v);
}

long shutdown(uint32_t reason)
{
    struct sched_shutdown arg = { .reason = reason };

    return hypercall2(HYPERCALL_SCHED_OP, SCHEDOP_SHUTDOWN,
                      (unsigned long)&arg);
}

void __attribute__((noreturn)) crash(const char *why)
{
    put_str(guest_name);
    put_str(": FATAL ");
    put_str(why);
    put_char('\n');
    if ( hypercall_page[0] )
        shutdown(SHUTDOWN_CRASH);
    for ( ;; )
        asm volatile ( "hlt" );
}

void sleep_ms(uint32_t ms)
{
    struct sched_poll poll = {
        .nr_ports = 0,
        .timeout = now_ns() + (uint64_t)ms * 1000000U,
    };

    hypercall2(HYPERCALL_SCHED_OP, SCHEDOP_POLL, (unsigned long)&poll);
}

uint32_t strlen_of(const char *s)
{
    uint32_t n = 0;

    while ( s[n] )
        n++;

    return n;
}

int streq(const char *a, const char *b)
{
    while ( *a && *a == *b )
    {
        a++;
        b++;
    }

    return *a == *b;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
