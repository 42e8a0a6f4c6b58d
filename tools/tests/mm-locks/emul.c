/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The definitions behind emul.h: the simulated CPUs, printk into a buffer
 * the tests read back, BUG() and friends as longjmp()s, and the debug-key
 * table.
 */
#include "emul.h"

unsigned int emul_cpu;
jmp_buf *emul_catch;
struct vcpu emul_vcpu[EMUL_NR_CPUS] = { { 0 }, { 1 }, { 2 }, { 3 } };
#ifdef EMUL_CURRENT_BIAS
const struct domain *emul_current_domain;
#endif

static char log_buf[1 << 16];
static size_t log_len;

void emul_printk(const char *fmt, ...)
{
    va_list ap;
    int n;

    if ( log_len >= sizeof(log_buf) - 1 )
        return;
    va_start(ap, fmt);
    n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, ap);
    va_end(ap);
    if ( n > 0 )
        log_len += n;
    if ( log_len >= sizeof(log_buf) )
        log_len = sizeof(log_buf) - 1;
}

const char *emul_log(void)
{
    return log_buf;
}

void emul_log_clear(void)
{
    log_len = 0;
    log_buf[0] = '\0';
}

void emul_throw(enum emul_event ev, const char *what)
{
    if ( !emul_catch )
    {
        fprintf(stderr, "emul: %s outside a guarded call\n%s", what,
                log_buf);
        abort();
    }
    longjmp(*emul_catch, ev);
}

static keyhandler_fn_t *key_handlers[256];

void register_keyhandler(unsigned char key, keyhandler_fn_t *fn,
                         const char *desc, bool diagnostic)
{
    (void)desc;
    (void)diagnostic;
    key_handlers[key] = fn;
}

keyhandler_fn_t *emul_keyhandler(unsigned char key)
{
    return key_handlers[key];
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
