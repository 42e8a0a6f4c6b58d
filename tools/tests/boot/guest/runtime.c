/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The runtime of the freestanding PVH test guests (runtime.h).  They run
 * in 32-bit protected mode with paging off and interrupts off, so an
 * address is a physical address and a pointer fits a hypercall argument.
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

long hypercall2(unsigned int nr, uint32_t a1, uint32_t a2)
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

long hypercall3(unsigned int nr, uint32_t a1, uint32_t a2, uint32_t a3)
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

/* 64-bit by 32-bit division without libgcc: two 32-bit divl steps. */
uint64_t div64(uint64_t n, uint32_t d)
{
    uint32_t hi = n >> 32, q_hi = hi / d, rem = hi % d, q_lo;

    asm ( "divl %[d]"
          : "=a" (q_lo), "=d" (rem)
          : [d] "rm" (d), "0" ((uint32_t)n), "1" (rem) );

    return ((uint64_t)q_hi << 32) | q_lo;
}

void put_char(char c)
{
    outb(DEBUGCON_PORT, c);
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

    return hypercall2(HYPERCALL_SCHED_OP, SCHEDOP_SHUTDOWN, (uint32_t)&arg);
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

void sleep_ms(uint32_t ms)
{
    struct sched_poll poll = {
        .nr_ports = 0,
        .timeout = now_ns() + (uint64_t)ms * 1000000U,
    };

    hypercall2(HYPERCALL_SCHED_OP, SCHEDOP_POLL, (uint32_t)&poll);
}

uint64_t hvm_param(uint32_t index)
{
    struct hvm_param p = { .domid = DOMID_SELF, .index = index };

    if ( hypercall2(HYPERCALL_HVM_OP, HVMOP_GET_PARAM, (uint32_t)&p) )
        crash("HVMOP_get_param failed");

    return p.value;
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
