/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap.h - the machine-dependent layer of the eptsim VM: one pmap, two
 * page-table formats.
 *
 * A pmap translates an input address to a host-physical address (hpa)
 * through a 4-level radix tree of 4 KiB tables.  The input address is a
 * guest-virtual address (gva) for a regular x86 pmap and a guest-physical
 * address (gpa) for an EPT pmap; the code says "va" for either.
 *
 *   63      48 47    39 38    30 29    21 20    12 11       0
 *  +----------+--------+--------+--------+--------+----------+
 *  | sign ext | PML4   | PDPT   | PD     | PT     | offset   |
 *  +----------+--------+--------+--------+--------+----------+
 *               level 3  level 2  level 1  level 0
 *
 * The format is data: every pmap carries its own vocabulary (pmap_bits[],
 * the cache-bit arrays, protection codes), filled at pmap_pinit() from the
 * tables in pmap_formats.c.  One walker and one enter/remove/protect path
 * serve both formats.  pmap/ is freestanding: it uses only the compiler's
 * <stdint.h>, <stddef.h> and <stdbool.h>, and reaches the platform through
 * the link-time seam in pmap_plat.h.
 *
 * Concurrency: a pmap is used by one thread at a time; the caller locks.
 */
#ifndef EPTSIM_PMAP_H
#define EPTSIM_PMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t pmap_pte_t;
typedef uint8_t vm_prot_t;

/* Error codes returned by pmap calls (errno values, no libc needed). */
#define PMAP_OK     0
#define PMAP_EFAULT 14 /* not a fault this layer can fix */
#define PMAP_ENOMEM 12 /* a page-table or pv page could not be had */
#define PMAP_EINVAL 22 /* request the pmap cannot express */

/* Protection, as the VM says it (BSD VM_PROT_*). */
#define VM_PROT_NONE    0x00
#define VM_PROT_READ    0x01
#define VM_PROT_WRITE   0x02
#define VM_PROT_EXECUTE 0x04
#define VM_PROT_ALL     0x07

#define PMAP_PAGE_SHIFT 12
#define PMAP_PAGE_SIZE  (1ul << PMAP_PAGE_SHIFT)
#define PMAP_PDE_SHIFT  21
#define PMAP_PDE_SIZE   (1ul << PMAP_PDE_SHIFT)
#define PMAP_NPTE       512 /* entries per table */

/* Levels of the radix tree; a leaf at level L maps (4 KiB << 9L). */
enum pmap_level {
	PMAP_LEVEL_4K = 0,
	PMAP_LEVEL_2M = 1,
	PMAP_LEVEL_1G = 2,
	PMAP_LEVEL_512G = 3,
	PMAP_NLEVELS = 4,
};

/* Address-space limits.  x86 addresses must be canonical (SDM 3A 4.5). */
#define PMAP_USER_MAX   0x0000800000000000ul /* end of the x86 user half */
#define PMAP_KERNEL_MIN 0xffff800000000000ul /* start of the x86 kernel half */
#define PMAP_GPA_LIMIT  0x0001000000000000ul /* 4-level EPT: 48-bit gpa */

enum pmap_type {
	PMAP_TYPE_X86 = 1, /* SDM 3A ch. 4, 4-level paging */
	PMAP_TYPE_EPT = 2, /* SDM 3C ch. 29, 4-level EPT */
};

/* pmap_pinit() flags (FreeBSD names; EPT only except SUPERPAGE). */
#define PMAP_PDE_SUPERPAGE      0x01 /* 2 MiB leaves allowed */
#define PMAP_EMULATE_AD_BITS    0x02 /* EPT without hardware A/D (EPTP bit 6 clear) */
#define PMAP_SUPPORTS_EXEC_ONLY 0x04 /* EPT XWR=100 legal (VPID_CAP bit 0) */

/* Roles of the bits in an entry: index of pmap_bits[]. */
enum pmap_bit {
	PMAP_BIT_TYPE,    /* not a bit: holds enum pmap_type */
	PMAP_BIT_V,       /* valid */
	PMAP_BIT_RW,      /* writable */
	PMAP_BIT_U,       /* user */
	PMAP_BIT_A,       /* accessed */
	PMAP_BIT_M,       /* modified (dirty) */
	PMAP_BIT_PS,      /* page size: leaf above level 0 */
	PMAP_BIT_G,       /* global */
	PMAP_BIT_W,       /* wired (avail1) */
	PMAP_BIT_MANAGED, /* managed: has a pv entry (avail2) */
	PMAP_BIT_DEVICE,  /* device memory (avail3) */
	PMAP_BIT_N,       /* uncacheable */
	PMAP_BIT_NX,      /* no-execute; 0 where the format says "no X" instead */
	PMAP_BIT_COUNT,
};

/*
 * Memory attributes.  The values are the x86 memory-type encodings, which
 * the PAT (SDM 3A 12.12.2, table 12-10) and the EPT memory type (SDM 3C
 * 29.3.7) share, so one value names the type in both formats.
 */
enum pmap_memattr {
	PMAP_MA_UC = 0,
	PMAP_MA_WC = 1,
	PMAP_MA_WT = 4,
	PMAP_MA_WP = 5,
	PMAP_MA_WB = 6,
	PMAP_MA_UC_MINUS = 7, /* PAT only; EPT says UC */
	PMAP_MA_COUNT = 8,    /* array size; 2 and 3 are reserved */
};

/* pmap_enter() flags: the access that caused the fault plus these. */
#define PMAP_ENTER_WIRED     0x0100
#define PMAP_ENTER_UNMANAGED 0x0200 /* RAM without a pv entry */
#define PMAP_ENTER_DEVICE    0x0400 /* device memory: unmanaged, may be outside RAM */

struct pmap;

/* A pv entry: one mapping of a physical page. */
struct pmap_pv {
	struct pmap_pv *pv_next;
	struct pmap *pv_pmap;
	uint64_t pv_va;
};

/*
 * The pmap's part of a physical page, embedded by the platform in its own
 * page structure and found with pmap_plat_page_lookup().
 */
struct pmap_page {
	struct pmap_pv *pv_list;    /* 4 KiB mappings of this page */
	struct pmap_pv *pv_list_2m; /* 2 MiB mappings based at this page */
	uint64_t hpa;
	uint32_t ptp_refs;    /* page-table page: number of valid entries */
	uint32_t flags;       /* PMAP_PAGE_*: set by the pmap, cleared by the VM */
	uint32_t pv_wired;    /* wired leaves on pv_list */
	uint32_t pv_wired_2m; /* wired leaves on pv_list_2m */
};

#define PMAP_PAGE_DIRTY      0x1 /* a removed or downgraded mapping was dirty */
#define PMAP_PAGE_REFERENCED 0x2 /* a removed mapping was accessed */

struct pmap_stats {
	uint64_t resident_count; /* 4 KiB pages mapped (a 2 MiB leaf counts 512) */
	uint64_t wired_count;    /* 4 KiB pages wired */
	uint64_t ptp_count;      /* page-table pages, the root included */
	uint64_t pv_chunks;      /* pages holding pv entries */
	uint64_t pv_used;        /* pv entries in use */
};

struct pmap {
	/* The vocabulary (see pmap_formats.c). */
	pmap_pte_t pmap_bits[PMAP_BIT_COUNT];
	pmap_pte_t pmap_cache_bits[2][PMAP_MA_COUNT]; /* [PTE or PDE][memattr] */
	pmap_pte_t pmap_cache_mask[2];                /* [PTE or PDE] */
	pmap_pte_t protection_codes[VM_PROT_ALL + 1]; /* permission field per VM_PROT */
	pmap_pte_t pm_prot_mask;                      /* every bit of any protection code */
	pmap_pte_t pm_valid_mask;                     /* the pmap's "a mapping is here" */
	pmap_pte_t pm_nonleaf_bits;                   /* entry that points to a table */
	enum pmap_type pm_type;
	uint32_t pm_flags;

	uint64_t pm_root_hpa; /* PML4 table */
	uint64_t pm_hw_root;  /* CR3 value or EPTP */
	struct pmap_stats pm_stats;

	struct pmap_pv *pm_pv_free; /* free pv entries */
	uint64_t pm_pv_chunk_hpa;   /* first pv chunk page; chained */

	void *pm_plat; /* the platform's cookie (which CPUs, which TLBs) */
};

/*
 * A mapping, decoded from an entry into format-free terms.  pmap_enter()
 * builds one; pmap_lookup() and the converter read one.
 */
struct pmap_mapping {
	pmap_pte_t pte; /* the raw leaf entry (decode only; encode ignores it) */
	uint64_t hpa;   /* frame of the leaf (its first byte) */
	enum pmap_level level;
	vm_prot_t prot;
	enum pmap_memattr memattr;
	bool accessed, modified;
	bool wired, managed, device;
	bool user, global; /* x86 only */
};

/*
 * The EPT "present" rule, SDM 3C 29.3.2: an entry is present when any of
 * R (bit 0), W (bit 1), X (bit 2) is set; there is no P bit.
 */
static inline bool
pmap_ept_present(pmap_pte_t pte)
{
	return (pte & 0x7) != 0;
}

/*
 * SDM 3C 29.3.3.1: a present entry with W but not R (XWR = 010 or 110) is
 * an EPT misconfiguration, and so is XWR = 100 unless the CPU supports
 * execute-only translations.
 */
static inline bool
pmap_ept_misconfigured_perm(pmap_pte_t pte, bool exec_only)
{
	return (pte & 0x3) == 0x2 || (!exec_only && (pte & 0x7) == 0x4);
}

/* pmap_init.c */
int pmap_pinit(struct pmap *pm, enum pmap_type type, uint32_t flags, void *plat);
void pmap_release(struct pmap *pm);
bool pmap_lookup(struct pmap *pm, uint64_t va, struct pmap_mapping *m);
bool pmap_extract(struct pmap *pm, uint64_t va, uint64_t *hpa);

/* pmap_enter.c */
int pmap_enter(struct pmap *pm, uint64_t va, uint64_t hpa, vm_prot_t prot, uint32_t flags,
               enum pmap_memattr ma, enum pmap_level psize);

/* pmap_range.c */
int pmap_remove(struct pmap *pm, uint64_t sva, uint64_t eva);
int pmap_protect(struct pmap *pm, uint64_t sva, uint64_t eva, vm_prot_t prot);
int pmap_unwire(struct pmap *pm, uint64_t sva, uint64_t eva);
/* pmap_remove() for leaves whose A/D was copied from another pmap (a conversion). */
int pmap_remove_forget_ad(struct pmap *pm, uint64_t sva, uint64_t eva);

/* pmap_page.c */
void pmap_page_protect(struct pmap_page *pg, vm_prot_t prot);
bool pmap_is_modified(struct pmap_page *pg);
void pmap_clear_modify(struct pmap_page *pg);
int pmap_ts_referenced(struct pmap_page *pg);
int pmap_page_mapping_count(struct pmap_page *pg);
int pmap_page_wired_mappings(struct pmap_page *pg);

/* pmap_ad.c */
int pmap_emulate_ad(struct pmap *pm, uint64_t va, vm_prot_t ftype);

/* pmap_convert.c */
enum pmap_loss {
	PMAP_LOSS_NONLEAF_CACHE, /* PWT/PCD on a table entry: EPT tables hold none */
	PMAP_LOSS_SUPERVISOR,    /* user-range leaf without U: EPT has no U/S */
	PMAP_LOSS_GLOBAL,        /* G: EPT has no global pages */
	PMAP_LOSS_UC_MINUS,      /* PAT UC-: EPT has UC only */
	PMAP_LOSS_COUNT,
};

struct pmap_convert_report {
	uint64_t leaves[2];                      /* converted leaves: [4K], [2M] */
	uint64_t lost[PMAP_LOSS_COUNT];          /* entries that lost something */
	uint64_t first_lost_va[PMAP_LOSS_COUNT]; /* the first such entry's va */
};

int pmap_convert_to_ept(struct pmap *src, struct pmap *dst, uint64_t sva, uint64_t eva,
                        struct pmap_convert_report *rep);
const char *pmap_loss_name(enum pmap_loss loss);

#endif /* EPTSIM_PMAP_H */
