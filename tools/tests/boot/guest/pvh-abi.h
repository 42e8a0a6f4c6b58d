/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The handful of Xen ABI numbers the test guests rely on, named
 * after the public interface they come from (xen/include/public/).  Kept
 * here so that the guest builds with nothing but the host compiler.
 */
#ifndef TEST_GUEST_PVH_ABI_H
#define TEST_GUEST_PVH_ABI_H

/* elfnote.h */
#define ELFNOTE_GUEST_OS            6
#define ELFNOTE_PHYS32_ENTRY        18

/* arch-x86/cpuid.h: hypervisor leaves, and the leaf naming the MSR. */
#define CPUID_XEN_FIRST_BASE        0x40000000U
#define CPUID_XEN_LAST_BASE         0x40010000U
#define CPUID_XEN_BASE_STRIDE       0x100U
#define CPUID_XEN_HYPERCALL_LEAF    2

/* xen.h: hypercall numbers; each stub is 32 bytes into the page. */
#define HYPERCALL_STUB_SIZE         32
#define HYPERCALL_VCPU_OP           24
#define HYPERCALL_SCHED_OP          29
#define HYPERCALL_EVENT_CHANNEL_OP  32
#define HYPERCALL_HVM_OP            34
#define HYPERCALL_DM_OP             41
#define DOMID_SELF                  0x7ff0

/* sched.h */
#define SCHEDOP_SHUTDOWN            2
#define SCHEDOP_POLL                3
#define SHUTDOWN_POWEROFF           0
#define SHUTDOWN_REBOOT             1
#define SHUTDOWN_SUSPEND            2
#define SHUTDOWN_CRASH              3

/* vcpu.h, hvm/hvm_vcpu.h: bringing up a PVH guest's secondary vCPUs. */
#define VCPUOP_INITIALISE           0
#define VCPUOP_UP                   1
#define VCPU_HVM_MODE_32B           0

/* event_channel.h */
#define EVTCHNOP_SEND               4

/* hvm/hvm_op.h, hvm/params.h */
#define HVMOP_GET_PARAM             1
#define HVMOP_GET_TIME              10
#define HVM_PARAM_STORE_PFN         1
#define HVM_PARAM_STORE_EVTCHN      2

/* hvm/dm_op.h */
#define XEN_DMOP_TRACK_DIRTY_VRAM   7

/* io/xs_wire.h */
#define XS_READ                     2
#define XS_WRITE                    11
#define XS_ERROR                    16
#define XENSTORE_RING_SIZE          1024

/* hvm/start_info.h */
#define START_INFO_MAGIC            0x336ec578U
#define MEMMAP_TYPE_RAM             1

/* arch-x86/xen.h: the HVM debug console, echoed to Xen's own console. */
#define DEBUGCON_PORT               0xe9

#ifdef __ASSEMBLER__
/* One note in the section Xen's ELF loaders read. */
#define ELFNOTE(type, desc)                 \
    .pushsection .note.Xen, "a", @note;     \
    .balign 4;                              \
    .long 2f - 1f;                          \
    .long 4f - 3f;                          \
    .long type;                             \
1:  .asciz "Xen";                           \
2:  .balign 4;                              \
3:  desc;                                   \
4:  .balign 4;                              \
    .popsection
#else
#include <stdint.h>

struct start_info
{
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;          /* version >= 1 */
    uint32_t memmap_entries;        /* version >= 1 */
    uint32_t reserved;
};

struct memmap_entry
{
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

/* A handle is a pointer: 4 bytes for a PVH guest, 8 for a PV one. */
struct sched_poll
{
    unsigned long ports;
    uint32_t nr_ports;
    uint64_t timeout;
};

struct sched_shutdown
{
    uint32_t reason;
};

struct hvm_get_time
{
    uint64_t now;
};

struct hvm_param
{
    uint16_t domid;
    uint32_t index;
    uint64_t value;
};

/* vcpu_hvm_context with the 32-bit registers; 64-bit ones share them. */
struct vcpu_hvm_context
{
    uint32_t mode;
    uint32_t pad;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi, eip, eflags;
    uint32_t cr0, cr3, cr4;
    uint32_t pad1;
    uint64_t efer;
    uint32_t cs_base, ds_base, ss_base, es_base, tr_base;
    uint32_t cs_limit, ds_limit, ss_limit, es_limit, tr_limit;
    uint16_t cs_ar, ds_ar, ss_ar, es_ar, tr_ar;
    uint16_t pad2[3];
};
_Static_assert(sizeof(struct vcpu_hvm_context) == 128,
               "vcpu_hvm_context is 128 bytes in hvm/hvm_vcpu.h");

struct evtchn_send
{
    uint32_t port;
};

/* A 32-bit caller's xen_dm_op_buf: a 4-byte handle and a 4-byte size. */
struct dm_op_buf
{
    uint32_t addr;
    uint32_t size;
};

struct dm_op_track_dirty_vram
{
    uint32_t op;
    uint32_t pad;
    uint32_t nr;
    uint32_t pad2;
    uint64_t first_pfn;
};

struct xenstore_ring
{
    char req[XENSTORE_RING_SIZE];
    char rsp[XENSTORE_RING_SIZE];
    uint32_t req_cons, req_prod;
    uint32_t rsp_cons, rsp_prod;
    uint32_t server_features;
    uint32_t connection;
    uint32_t error;
};

struct xenstore_msg
{
    uint32_t type;
    uint32_t req_id;
    uint32_t tx_id;
    uint32_t len;
};
#endif /* __ASSEMBLER__ */

#endif /* TEST_GUEST_PVH_ABI_H */

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
