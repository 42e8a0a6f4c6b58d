/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mig-guest: a PVH guest for live-migration tests.
 *
 * It sweeps a memory area page by page without end.  On each visit it
 * first checks that the page still holds what the previous sweep wrote,
 * then writes this sweep's pattern.  A page that migration lost, or sent
 * in a stale version, therefore shows up as a mismatch on the next sweep
 * after the guest resumes.  Every pattern word depends on the sweep number
 * and the page, so stale and misplaced pages are both caught.
 *
 * After each sweep it prints one line on the HVM debug console (port 0xe9,
 * which Xen copies into its console ring, readable with `xl dmesg`):
 *   mig-guest: pass=N counter=PAGES csum=XXXXXXXX bad=MISMATCHES suspends=S
 * The whole state lives in guest memory, so the figures carry on across
 * migration, save and restore.
 *
 * The toolstack asks a PVH guest to suspend through xenstore: it writes
 * "suspend" to control/shutdown and waits for the guest to clear the node
 * and suspend itself.  So the guest reads that node every few batches over
 * the xenstore ring, and obeys "suspend", "poweroff" and "reboot".
 *
 * It sleeps between small batches of pages (SCHEDOP_poll with a timeout,
 * no event channel bound) so that it dirties memory at a modest rate (one
 * sweep of 8 MiB in about 7 s) and leaves the emulated CPUs to dom0: a
 * guest that dirties faster than an emulated dom0 can send keeps every
 * live round at the whole area, and its own share of the CPUs grows when
 * the host is busy.  It never enables interrupts.
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

#define PAGE_WORDS          1024
#define AREA_PAGES          (AREA_MIB * 256)
#define MISMATCHES_SHOWN    8
#define XENSTORE_POLL_MS    2
#define XENSTORE_WAIT_MS    30000

static uint32_t area[AREA_PAGES][PAGE_WORDS]
    __attribute__((aligned(4096)));

static uint32_t counter;        /* pages visited since boot */
static uint32_t csum;           /* sum of every word verified since boot */
static uint32_t mismatches;     /* words that did not hold what we wrote */
static uint32_t suspends;       /* times the guest came back from suspend */

static volatile struct xenstore_ring *xs_ring;
static uint32_t xs_port;
static uint32_t xs_req_id;

/* The ring stays where it is across migration; the port may not. */
static void xenstore_connect(void)
{
    uint32_t ring_pfn = hvm_param(HVM_PARAM_STORE_PFN);

    xs_ring = (volatile void *)(ring_pfn << 12);
    xs_port = hvm_param(HVM_PARAM_STORE_EVTCHN);
}

static void xenstore_notify(void)
{
    struct evtchn_send send = { .port = xs_port };

    hypercall2(HYPERCALL_EVENT_CHANNEL_OP, EVTCHNOP_SEND, (uint32_t)&send);
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

static void report_status(uint32_t pass)
{
    put_str("mig-guest:");
    put_field("pass", pass);
    put_field("counter", counter);
    put_str(" csum=");
    put_hex(csum);
    put_field("bad", mismatches);
    put_field("suspends", suspends);
    put_char('\n');
}

static void suspend(uint32_t pass)
{
    uint64_t before = now_ns();
    long rc;

    rc = shutdown(SHUTDOWN_SUSPEND);
    suspends++;
    xenstore_connect();

    /* rc != 0: the suspend was cancelled and we carry on where we were. */
    put_str("mig-guest: resumed");
    put_field("rc", rc);
    put_field("pass", pass);
    put_field("suspends", suspends);
    put_field("down_ms", div64(now_ns() - before, 1000000U));
    put_char('\n');
}

/* Carries out a request the toolstack left in control/shutdown. */
static void check_control(uint32_t pass)
{
    char cmd[32], reply[16];

    if ( xenstore_request(XS_READ, "control/shutdown", NULL,
                          cmd, sizeof(cmd)) != XS_READ || !cmd[0] )
        return;

    /* Acknowledge by clearing the node, as the toolstack waits for. */
    put_str("mig-guest: control/shutdown=");
    put_str(cmd);
    put_char('\n');
    if ( xenstore_request(XS_WRITE, "control/shutdown", "",
                          reply, sizeof(reply)) == XS_ERROR )
        crash("cannot acknowledge control/shutdown");

    if ( streq(cmd, "suspend") )
        suspend(pass);
    else if ( streq(cmd, "poweroff") || streq(cmd, "halt") )
    {
        report_status(pass);
        shutdown(SHUTDOWN_POWEROFF);
    }
    else if ( streq(cmd, "reboot") )
        shutdown(SHUTDOWN_REBOOT);
}

static uint32_t pattern_seed(uint32_t pass, uint32_t page)
{
    return (pass * 0x9e3779b1U) ^ (page * 0x85ebca6bU) ^ 0xa5a5a5a5U;
}

static void verify_page(uint32_t pass, uint32_t page)
{
    uint32_t seed = pattern_seed(pass, page);
    const uint32_t *w = area[page];
    unsigned int i;

    for ( i = 0; i < PAGE_WORDS; i++ )
    {
        uint32_t want = seed ^ (i * 0x01000193U);

        csum += w[i];
        if ( w[i] == want )
            continue;
        if ( mismatches++ < MISMATCHES_SHOWN )
        {
            put_str("mig-guest: MISMATCH");
            put_field("pass", pass);
            put_field("page", page);
            put_field("word", i);
            put_str(" got=");
            put_hex(w[i]);
            put_str(" want=");
            put_hex(want);
            put_char('\n');
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

static void report_start(const struct start_info *si)
{
    uint32_t ram_kib = 0;

    if ( si->magic != START_INFO_MAGIC )
        crash("bad start_info magic");

    if ( si->version >= 1 && si->memmap_paddr )
    {
        const struct memmap_entry *e =
            (const void *)(uint32_t)si->memmap_paddr;
        unsigned int i;

        for ( i = 0; i < si->memmap_entries; i++ )
            if ( e[i].type == MEMMAP_TYPE_RAM )
                ram_kib += e[i].size >> 10;
    }

    put_str("mig-guest: start");
    put_str(" area=0x");
    put_hex((uint32_t)area);
    put_field("area_mib", AREA_MIB);
    put_field("pages", AREA_PAGES);
    put_field("ram_kib", ram_kib);
    put_field("step_pages", PAGES_PER_STEP);
    put_field("step_ms", STEP_MS);
    put_field("xenstore_port", xs_port);
    put_char('\n');
}

void guest_main(const struct start_info *si)
{
    uint32_t pass, page, steps = 0;

    setup_hypercall_page();
    xenstore_connect();
    report_start(si);

    for ( pass = 0; ; pass++ )
    {
        for ( page = 0; page < AREA_PAGES; page++ )
        {
            /* Pass 0 finds the area zeroed by the loader: nothing to check. */
            if ( pass )
                verify_page(pass - 1, page);
            fill_page(pass, page);
            counter++;
            if ( (page + 1) % PAGES_PER_STEP )
                continue;
            sleep_ms(STEP_MS);
            if ( ++steps % CONTROL_EVERY_STEPS == 0 )
                check_control(pass);
        }
        report_status(pass + 1);
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
