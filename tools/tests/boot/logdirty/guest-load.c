/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading one of our freestanding PVH guests (guest/) by hand, for the
 * clients that run one (test-dm, test-flows): its ELF image copied into
 * a domain that the caller created and populated, a start_info block, and
 * every vCPU's CPU state at the PVH entry (logdirty.h).
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "logdirty.h"

#include <xen/arch-x86/hvm/start_info.h>
#include <xen/hvm/save.h>

#define CMDLINE_OFFSET      0x100
#define MAX_IMAGE           (1 << 20)

#define X86_CR0_PE          0x00000001
#define X86_CR0_ET          0x00000010

void *map_frames(uint32_t domid, xen_pfn_t first, unsigned int nr)
{
    static xen_pfn_t pfns[GUEST_LOAD_MAX_MIB * PAGES_PER_MIB];
    static int errs[ARRAY_SIZE(pfns)];
    unsigned int i;
    void *p;

    if ( nr > ARRAY_SIZE(pfns) )
    {
        errno = E2BIG;
        return NULL;
    }
    for ( i = 0; i < nr; i++ )
    {
        pfns[i] = first + i;
        errs[i] = 0;
    }
    p = xenforeignmemory_map(fmem, domid, PROT_READ | PROT_WRITE, nr, pfns,
                             errs);
    for ( i = 0; p && i < nr; i++ )
        if ( errs[i] )
        {
            xenforeignmemory_unmap(fmem, p, nr);
            errno = -errs[i];
            return NULL;
        }

    return p;
}

uint32_t load_elf(uint32_t domid, const char *path, unsigned long mib)
{
    FILE *f = fopen(path, "rb");
    static unsigned char image[MAX_IMAGE];
    size_t size;
    const Elf32_Ehdr *eh = (const void *)image;
    unsigned int i;

    if ( !f )
    {
        printf("cannot open %s: %s\n", path, strerror(errno));
        return 0;
    }
    size = fread(image, 1, sizeof(image), f);
    fclose(f);
    if ( size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
         eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_machine != EM_386 ||
         eh->e_phoff + (size_t)eh->e_phnum * sizeof(Elf32_Phdr) > size )
    {
        printf("%s is not a 32-bit x86 ELF image\n", path);
        return 0;
    }

    for ( i = 0; i < eh->e_phnum; i++ )
    {
        const Elf32_Phdr *ph =
            (const void *)(image + eh->e_phoff + i * sizeof(Elf32_Phdr));
        xen_pfn_t first = ph->p_paddr >> XC_PAGE_SHIFT;
        unsigned int offset = ph->p_paddr & (XC_PAGE_SIZE - 1);
        unsigned int nr = (offset + ph->p_memsz + XC_PAGE_SIZE - 1) >>
                          XC_PAGE_SHIFT;
        unsigned char *p;

        if ( ph->p_type != PT_LOAD )
            continue;
        if ( ph->p_filesz > ph->p_memsz ||
             ph->p_offset + ph->p_filesz > size ||
             ph->p_paddr + (uint64_t)ph->p_memsz > (mib << 20) )
        {
            printf("%s: segment %u does not fit\n", path, i);
            return 0;
        }
        p = map_frames(domid, first, nr);
        if ( !p )
        {
            printf("mapping d%u frames %#lx+%u: %s\n", domid,
                   (unsigned long)first, nr, strerror(errno));
            return 0;
        }
        memset(p, 0, (size_t)nr << XC_PAGE_SHIFT);
        memcpy(p + offset, image + ph->p_offset, ph->p_filesz);
        xenforeignmemory_unmap(fmem, p, nr);
    }

    return eh->e_entry;
}

bool write_start_info(uint32_t domid, const char *cmdline)
{
    struct hvm_start_info *si = map_frames(domid, GUEST_START_INFO_GFN, 1);

    if ( !si )
        return false;
    memset(si, 0, XC_PAGE_SIZE);
    si->magic = XEN_HVM_START_MAGIC_VALUE;
    si->version = 0;
    si->cmdline_paddr = (GUEST_START_INFO_GFN << XC_PAGE_SHIFT) +
                        CMDLINE_OFFSET;
    snprintf((char *)si + CMDLINE_OFFSET, XC_PAGE_SIZE - CMDLINE_OFFSET,
             "%s", cmdline);
    xenforeignmemory_unmap(fmem, si, 1);

    return true;
}

struct cpu_record {
    struct hvm_save_descriptor d;
    HVM_SAVE_TYPE(CPU) cpu;
};

/* One vCPU at the PVH entry, its own registers from r (may be NULL). */
static void entry_record(struct cpu_record *rec, unsigned int vcpu,
                         uint32_t entry, const struct vcpu_entry *r)
{
    HVM_SAVE_TYPE(CPU) *cpu = &rec->cpu;

    /* A vCPU that is down has no CPU record to start from: build one. */
    memset(rec, 0, sizeof(*rec));
    rec->d.typecode = HVM_SAVE_CODE(CPU);
    rec->d.instance = vcpu;
    rec->d.length = HVM_SAVE_LENGTH(CPU);
    cpu->cr0 = X86_CR0_PE | X86_CR0_ET;
    cpu->cr4 = 0;
    cpu->msr_efer = 0;
    cpu->rip = entry;
    cpu->rbx = GUEST_START_INFO_GFN << XC_PAGE_SHIFT;
    if ( r )
    {
        cpu->rsi = r->esi;
        cpu->rdi = r->edi;
        cpu->rbp = r->ebp;
    }
    cpu->rflags = 2;
    cpu->dr6 = 0xffff0ff0;
    cpu->dr7 = 0x00000400;
    cpu->cs_base = cpu->ds_base = cpu->es_base = 0;
    cpu->ss_base = cpu->tr_base = 0;
    cpu->cs_limit = cpu->ds_limit = cpu->es_limit = ~0u;
    cpu->ss_limit = ~0u;
    cpu->tr_limit = 0x67;
    cpu->cs_arbytes = 0xc9b;
    cpu->ds_arbytes = cpu->es_arbytes = cpu->ss_arbytes = 0xc93;
    cpu->tr_arbytes = 0x8b;
}

bool set_entry_state(uint32_t domid, uint32_t entry, unsigned int nr_vcpus,
                     const struct vcpu_entry *regs)
{
    struct head {
        struct hvm_save_descriptor d;
        HVM_SAVE_TYPE(HEADER) header;
    } *head;
    struct hvm_save_descriptor *end;
    struct cpu_record *recs;
    int full_size = xc_domain_hvm_getcontext(xch, domid, NULL, 0);
    size_t size = sizeof(*head) + nr_vcpus * sizeof(*recs) + sizeof(*end);
    uint8_t *full, *ctx;
    unsigned int i;
    bool ok;

    if ( full_size <= 0 || !(full = calloc(1, full_size)) )
        return false;
    ctx = calloc(1, size);
    ok = ctx && xc_domain_hvm_getcontext(xch, domid, full, full_size) > 0;
    if ( ok )
        memcpy(ctx, full, sizeof(*head));
    free(full);
    if ( !ok )
    {
        free(ctx);
        return false;
    }

    head = (void *)ctx;
    recs = (void *)(head + 1);
    for ( i = 0; i < nr_vcpus; i++ )
        entry_record(&recs[i], i, entry, regs ? &regs[i] : NULL);
    end = (void *)(recs + nr_vcpus);
    end->typecode = HVM_SAVE_CODE(END);
    end->instance = 0;
    end->length = 0;

    ok = !xc_domain_hvm_setcontext(xch, domid, ctx, size);
    free(ctx);

    return ok;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * indent-tabs-mode: nil
 * End:
 */
