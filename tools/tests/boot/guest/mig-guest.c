/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mig-guest: a guest for live-migration tests, built as a PVH guest
 * (pvh.c) and as a 64-bit PV guest on one vCPU (pv.c).
 *
 * It sweeps a memory area page by page without end.  On each visit it
 * first checks that the page still holds what the previous sweep wrote,
 * then writes this sweep's pattern.  A page that migration lost, or sent
 * in a stale version, therefore shows up as a mismatch on the next sweep
 * after the guest resumes.  Every pattern word depends on the sweep number
 * and the page, so stale and misplaced pages are both caught.
 *
 * After each sweep of vCPU 0 it prints one line on the HVM debug console
 * (port 0xe9, which Xen copies into its console ring, readable with
 * `xl dmesg`), with the figures of every vCPU:
 *   mig-guest: pass=N settled=M counter=PAGES csum=XXXXXXXX bad=MISMATCHES
 *              suspends=S
 * A PV guest has no debug console: it writes the same lines on its console
 * ring, which xenconsoled can log, each after "(dN) " as Xen's ring would
 * put it, N read from xenstore.  The whole state lives in guest memory, so
 * the figures carry on across migration, save and restore.
 *
 * The toolstack asks either kind of guest to suspend through xenstore: it
 * writes "suspend" to control/shutdown and waits for the guest to clear
 * the node and suspend itself.  So the guest reads that node every few
 * batches over the xenstore ring, and obeys "suspend", "poweroff" and
 * "reboot".
 *
 * It sleeps between small batches of pages (SCHEDOP_poll with a timeout,
 * no event channel bound) so that it dirties memory at a modest rate (one
 * sweep of 8 MiB in about 7 s) and leaves the emulated CPUs to dom0: a
 * guest that dirties faster than an emulated dom0 can send keeps every
 * live round at the whole area, and its own share of the CPUs grows when
 * the host is busy.  It never enables interrupts.
 *
 * Every vCPU sweeps its own part of the area.  xl starts only vCPU 0 of a
 * PVH guest, so vCPU 0 brings up the others (VCPUOP_initialise and
 * VCPUOP_up, as docs/misc/pvh.pandoc says); the toolstack then saves and
 * restores each vCPU's state with the domain's.  Each sleeps NR_VCPUS
 * times as long between batches, so that the guest as a whole dirties at
 * the same rate whatever its vCPU count.  The status line's pass is the
 * least over the vCPUs, and settled the least number of whole sweeps any
 * vCPU has finished since the guest started or last resumed.  A line is
 * written under a lock, so the vCPUs' lines do not interleave.
 */
#include <stddef.h>
#include <stdint.h>
#include "runtime.h"

const char guest_name[] = "mig-guest";

#ifndef AREA_MIB
#define AREA_MIB            8
#endif
#ifndef PAGES_PER_STEP
#define PAGES_PER_STEP      16
#endif
#ifndef STEP_MS
#define STEP_MS             50
#endif
#ifndef CONTROL_EVERY_STEPS
#define CONTROL_EVERY_STEPS 8
#endif
#ifndef NR_VCPUS
#define NR_VCPUS            2
#endif

#define PAGE_WORDS          1024
#define AREA_PAGES          (AREA_MIB * 256)
#define MISMATCHES_SHOWN    8
#define XENSTORE_POLL_MS    2
#define XENSTORE_WAIT_MS    30000

static uint32_t area[AREA_PAGES][PAGE_WORDS]
    __attribute__((aligned(4096)));

#define VCPU_PAGES          (AREA_PAGES / NR_VCPUS)
#define AP_STACK_BYTES      8192

_Static_assert(AREA_PAGES % (NR_VCPUS * PAGES_PER_STEP) == 0,
               "each vCPU sweeps a whole number of steps");

/* What one vCPU has done since boot; it alone writes it. */
struct sweeper
{
    uint32_t pass;              /* sweeps of its part finished */
    uint32_t pass_at_resume;    /* pass when the guest last resumed */
    uint32_t counter;           /* pages visited */
    uint32_t csum;              /* sum of every word verified */
    uint32_t mismatches;        /* words that did not hold what we wrote */
};

static struct sweeper sweepers[NR_VCPUS];
static uint32_t suspends;       /* times the guest came back from suspend */
static uint32_t console_busy;
static uint32_t self_domid;

#if NR_VCPUS > 1
static uint8_t ap_stacks[NR_VCPUS][AP_STACK_BYTES]
    __attribute__((aligned(16)));
#endif

static volatile struct xenstore_ring *xs_ring;
static uint32_t xs_port;
static uint32_t xs_req_id;

static void console_lock(void)
{
    while ( __atomic_exchange_n(&console_busy, 1, __ATOMIC_ACQUIRE) )
        asm volatile ( "pause" );
}

static void console_unlock(void)
{
    __atomic_store_n(&console_busy, 0, __ATOMIC_RELEASE);
}

static void xenstore_connect(void)
{
    volatile struct xenstore_ring *ring;

    xenstore_find(&ring, &xs_port);
    xs_ring = ring;
}

static void xenstore_notify(void)
{
    struct evtchn_send send = { .port = xs_port };

    hypercall2(HYPERCALL_EVENT_CHANNEL_OP, EVTCHNOP_SEND,
               (unsigned long)&send);
}

/* Waits, sleeping a little at a time, for ring space or data. */
static void xenstore_wait(const volatile uint32_t *prod,
                          const volatile uint32_t *cons, uint32_t used,
                          int want_data, uint32_t need)
{
    uint32_t waited = 0;

    for ( ;; )
    {
        uint32_t fill = *prod - *cons;

        barrier();
        if ( fill > XENSTORE_RING_SIZE )
            crash("xenstore ring indices corrupted");
        if ( want_data ? fill >= need : fill + used <= XENSTORE_RING_SIZE )
            return;
        if ( waited >= XENSTORE_WAIT_MS )
            crash("xenstore did not answer");
        sleep_ms(XENSTORE_POLL_MS);
        waited += XENSTORE_POLL_MS;
    }
}

static void xenstore_put(const void *data, uint32_t len)
{
    const char *p = data;
    uint32_t i;

    xenstore_wait(&xs_ring->req_prod, &xs_ring->req_cons, len, 0, 0);
    for ( i = 0; i < len; i++ )
        xs_ring->req[(xs_ring->req_prod + i) % XENSTORE_RING_SIZE] = p[i];
    barrier();
    xs_ring->req_prod += len;
}

static void xenstore_get(void *data, uint32_t len)
{
    char *p = data;
    uint32_t i;

    xenstore_wait(&xs_ring->rsp_prod, &xs_ring->rsp_cons, 0, 1, len);
    for ( i = 0; i < len; i++ )
        p[i] = xs_ring->rsp[(xs_ring->rsp_cons + i) % XENSTORE_RING_SIZE];
    barrier();
    xs_ring->rsp_cons += len;
}

/*
 * One request (path, NUL, value) and its reply; the reply's payload is
 * NUL-terminated in buf.  Returns the reply's message type.
 */
static uint32_t xenstore_request(uint32_t type, const char *path,
                                 const char *value, char *buf, uint32_t size)
{
    uint32_t path_len = strlen_of(path) + 1;
    uint32_t value_len = value ? strlen_of(value) : 0;
    struct xenstore_msg msg = {
        .type = type, .req_id = ++xs_req_id, .len = path_len + value_len,
    };
    char discard;
    uint32_t i;

    xenstore_put(&msg, sizeof(msg));
    xenstore_put(path, path_len);
    xenstore_put(value, value_len);
    xenstore_notify();

    xenstore_get(&msg, sizeof(msg));
    for ( i = 0; i < msg.len; i++ )
    {
        if ( i + 1 < size )
            xenstore_get(&buf[i], 1);
        else
            xenstore_get(&discard, 1);
    }
    buf[i < size ? i : size - 1] = '\0';
    xenstore_notify();

    return msg.type;
}

/* The other vCPUs' figures are read as they stand: each is one word. */
/*
 * Every line starts so, with the domain's id where the console does not
 * add it, so that a line says which domain (which end of a migration)
 * wrote it.
 */
static void put_prefix(void)
{
    if ( !console_names_domain )
    {
        put_str("(d");
        put_dec(self_domid);
        put_str(") ");
    }
    put_str("mig-guest:");
}

/* Our own domain's id, from xenstore (a relative path is our home). */
static void learn_domid(void)
{
    char buf[16];
    uint32_t id = 0;
    const char *p;

    if ( xenstore_request(XS_READ, "domid", NULL, buf, sizeof(buf)) !=
         XS_READ )
        crash("cannot read domid from xenstore");
    for ( p = buf; *p >= '0' && *p <= '9'; p++ )
        id = id * 10 + (*p - '0');
    self_domid = id;
}

static void report_status(void)
{
    uint32_t pass = ~0U, settled = ~0U, counter = 0, csum = 0, bad = 0;
    unsigned int cpu;

    for ( cpu = 0; cpu < NR_VCPUS; cpu++ )
    {
        const volatile struct sweeper *s = &sweepers[cpu];
        uint32_t done = s->pass;

        if ( done < pass )
            pass = done;
        if ( done - s->pass_at_resume < settled )
            settled = done - s->pass_at_resume;
        counter += s->counter;
        csum += s->csum;
        bad += s->mismatches;
    }

    console_lock();
    put_prefix();
    put_field("pass", pass);
    put_field("settled", settled);
    put_field("counter", counter);
    put_str(" csum=");
    put_hex(csum);
    put_field("bad", bad);
    put_field("suspends", suspends);
    put_char('\n');
    console_unlock();
}

static void suspend(void)
{
    uint64_t before = now_ns();
    unsigned int cpu;
    long rc;

    rc = suspend_self();
    suspends++;
    xenstore_connect();
    learn_domid();
    /*
     * The other vCPUs run again from here on too: a sweep one of them
     * finishes before this read counts for nothing, which only delays
     * settling.
     */
    for ( cpu = 0; cpu < NR_VCPUS; cpu++ )
        sweepers[cpu].pass_at_resume =
            ((volatile struct sweeper *)&sweepers[cpu])->pass;

    /* rc != 0: the suspend was cancelled and we carry on where we were. */
    console_lock();
    put_prefix();
    put_str(" resumed");
    put_field("rc", rc);
    put_field("pass", sweepers[0].pass);
    put_field("suspends", suspends);
    put_field("down_ms", div64(now_ns() - before, 1000000U));
    put_char('\n');
    console_unlock();
}

/* Carries out a request the toolstack left in control/shutdown. */
static void check_control(void)
{
    char cmd[32], reply[16];

    if ( xenstore_request(XS_READ, "control/shutdown", NULL,
                          cmd, sizeof(cmd)) != XS_READ || !cmd[0] )
        return;

    /* Acknowledge by clearing the node, as the toolstack waits for. */
    console_lock();
    put_prefix();
    put_str(" control/shutdown=");
    put_str(cmd);
    put_char('\n');
    console_unlock();
    if ( xenstore_request(XS_WRITE, "control/shutdown", "",
                          reply, sizeof(reply)) == XS_ERROR )
        crash("cannot acknowledge control/shutdown");

    if ( streq(cmd, "suspend") )
        suspend();
    else if ( streq(cmd, "poweroff") || streq(cmd, "halt") )
    {
        report_status();
        shutdown(SHUTDOWN_POWEROFF);
    }
    else if ( streq(cmd, "reboot") )
        shutdown(SHUTDOWN_REBOOT);
}

static uint32_t pattern_seed(uint32_t pass, uint32_t page)
{
    return (pass * 0x9e3779b1U) ^ (page * 0x85ebca6bU) ^ 0xa5a5a5a5U;
}

static void verify_page(struct sweeper *s, uint32_t pass, uint32_t page)
{
    uint32_t seed = pattern_seed(pass, page);
    const uint32_t *w = area[page];
    unsigned int i;

    for ( i = 0; i < PAGE_WORDS; i++ )
    {
        uint32_t want = seed ^ (i * 0x01000193U);

        s->csum += w[i];
        if ( w[i] == want )
            continue;
        if ( s->mismatches++ < MISMATCHES_SHOWN )
        {
            console_lock();
            put_prefix();
            put_str(" MISMATCH");
            put_field("vcpu", s - sweepers);
            put_field("pass", pass);
            put_field("page", page);
            put_field("word", i);
            put_str(" got=");
            put_hex(w[i]);
            put_str(" want=");
            put_hex(want);
            put_char('\n');
            console_unlock();
        }
    }
}

static void fill_page(uint32_t pass, uint32_t page)
{
    uint32_t seed = pattern_seed(pass, page);
    uint32_t *w = area[page];
    unsigned int i;

    for ( i = 0; i < PAGE_WORDS; i++ )
        w[i] = seed ^ (i * 0x01000193U);
}

static void report_start(void)
{
    console_lock();
    put_prefix();
    put_str(" start");
    put_field("area_pfn", pfn_of(area));
    put_field("area_mib", AREA_MIB);
    put_field("pages", AREA_PAGES);
    put_field("vcpus", NR_VCPUS);
    put_field("ram_kib", ram_kib());
    put_field("step_pages", PAGES_PER_STEP);
    put_field("step_ms", STEP_MS);
    put_field("xenstore_port", xs_port);
    put_char('\n');
    console_unlock();
}

/* Sweeps vCPU cpu's part of the area without end; a vCPU's entry. */
static void __attribute__((noreturn)) sweep(uint32_t cpu)
{
    struct sweeper *s = &sweepers[cpu];
    uint32_t first = cpu * VCPU_PAGES, page, steps = 0;

    for ( ;; )
    {
        for ( page = first; page < first + VCPU_PAGES; page++ )
        {
            /* Pass 0 finds the area zeroed by the loader: nothing to check. */
            if ( s->pass )
                verify_page(s, s->pass - 1, page);
            fill_page(s->pass, page);
            s->counter++;
            if ( (page + 1) % PAGES_PER_STEP )
                continue;
            sleep_ms(STEP_MS * NR_VCPUS);
            if ( cpu == 0 && ++steps % CONTROL_EVERY_STEPS == 0 )
                check_control();
        }
        /* What report_status() reads of another vCPU is whole words. */
        __atomic_store_n(&s->pass, s->pass + 1, __ATOMIC_RELEASE);
        if ( cpu == 0 )
            report_status();
    }
}

#if NR_VCPUS > 1
static void start_secondary(unsigned int cpu)
{
    long rc = vcpu_start(cpu, sweep,
                         (uint32_t *)&ap_stacks[cpu][AP_STACK_BYTES]);

    if ( rc )
    {
        put_prefix();
        put_str(" vCPU ");
        put_dec(cpu);
        put_str(" did not come up:");
        put_field("rc", -(uint32_t)rc);
        put_char('\n');
        crash("a vCPU did not come up (is vcpus in the config too small?)");
    }
}
#endif

void guest_main(const void *start_info)
{
    platform_init(start_info);
    xenstore_connect();
    learn_domid();
    report_start();
#if NR_VCPUS > 1
    for ( unsigned int cpu = 1; cpu < NR_VCPUS; cpu++ )
        start_secondary(cpu);
#endif
    sweep(0);
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
