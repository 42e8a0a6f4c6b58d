/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a 64-bit PV test guest needs of Xen's ABI beyond pvh-abi.h, named
 * after the public interface it comes from (xen/include/public/), with the
 * layouts of a 64-bit guest.
 */
#ifndef TEST_GUEST_PV_ABI_H
#define TEST_GUEST_PV_ABI_H

/* elfnote.h */
#define ELFNOTE_ENTRY               1
#define ELFNOTE_HYPERCALL_PAGE      2
#define ELFNOTE_VIRT_BASE           3
#define ELFNOTE_PADDR_OFFSET        4
#define ELFNOTE_XEN_VERSION         5
#define ELFNOTE_LOADER              8

/* xen.h */
#define HYPERCALL_UPDATE_VA_MAPPING 14
#define UVMF_INVLPG                 2
/* arch-x86/xen-x86_64.h: the read-only machine-to-phys table. */
#define MACH2PHYS_VIRT_START        0xffff800000000000UL

/* x86 page-table entry bits */
#define PTE_PRESENT                 0x001UL
#define PTE_RW                      0x002UL
#define PTE_USER                    0x004UL
#define PTE_ACCESSED                0x020UL
#define PTE_DIRTY                   0x040UL

#ifndef __ASSEMBLER__
#include <stdint.h>

struct pv_start_info
{
    char magic[32];                 /* "xen-<version>-<platform>" */
    unsigned long nr_pages;
    unsigned long shared_info;      /* machine address */
    uint32_t flags;
    unsigned long store_mfn;
    uint32_t store_evtchn;
    unsigned long console_mfn;
    uint32_t console_evtchn;
    unsigned long pt_base;
    unsigned long nr_pt_frames;
    unsigned long mfn_list;         /* virtual address of the p2m */
    unsigned long mod_start;
    unsigned long mod_len;
    char cmd_line[1024];
    unsigned long first_p2m_pfn;
    unsigned long nr_p2m_frames;
};
_Static_assert(sizeof(struct pv_start_info) == 1168,
               "start_info is 1168 bytes for a 64-bit guest");

struct vcpu_time_info
{
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    int8_t flags;
    uint8_t pad1[2];
};

struct vcpu_info
{
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;
    unsigned long evtchn_pending_sel;
    unsigned long cr2, pad;
    struct vcpu_time_info time;
};

#define XEN_LEGACY_MAX_VCPUS        32

struct shared_info
{
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    unsigned long evtchn_pending[64];
    unsigned long evtchn_mask[64];
    uint32_t wc_version, wc_sec, wc_nsec, wc_sec_hi;
    /* arch_shared_info */
    unsigned long max_pfn;
    unsigned long pfn_to_mfn_frame_list_list;
    unsigned long nmi_reason;
    unsigned long p2m_cr3;
    unsigned long p2m_vaddr;
    unsigned long p2m_generation;
};
_Static_assert(__builtin_offsetof(struct shared_info, max_pfn) == 3088,
               "arch_shared_info is at 3088 for a 64-bit guest");

/* io/console.h */
struct xencons_interface
{
    char in[1024];
    char out[2048];
    uint32_t in_cons, in_prod;
    uint32_t out_cons, out_prod;
};
#endif /* __ASSEMBLER__ */

#endif /* TEST_GUEST_PV_ABI_H */

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
