/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_var.h - pmap/'s private interfaces: the entry bits of both formats,
 * the walker, pv entries, resource reservations and invalidation batches.
 */
#ifndef EPTSIM_PMAP_VAR_H
#define EPTSIM_PMAP_VAR_H

#include "pmap.h"
#include "pmap_plat.h"

#define PMAP_PANIC(...) pmap_plat_panic(__VA_ARGS__)

/*
 * x86 4-level paging entry bits, SDM 3A 4.5, tables 4-15 to 4-20.
 *
 *  63  62..52 51........12 11..9 8 7    6 5 4   3   2   1  0
 * +--+-------+------------+-----+-+----+-+-+---+---+---+--+-+
 * |XD| avail |   frame    |avail|G|PS/ |D|A|PCD|PWT|U/S|RW|P|
 * |  |       | (PDE: 12=PAT)    | |PAT |
 */
#define X86_PG_V       (1ul << 0)
#define X86_PG_RW      (1ul << 1)
#define X86_PG_U       (1ul << 2)
#define X86_PG_PWT     (1ul << 3)
#define X86_PG_PCD     (1ul << 4)
#define X86_PG_A       (1ul << 5)
#define X86_PG_M       (1ul << 6)
#define X86_PG_PS      (1ul << 7)
#define X86_PG_PTE_PAT (1ul << 7) /* in a 4 KiB PTE */
#define X86_PG_G       (1ul << 8)
#define X86_PG_AVAIL1  (1ul << 9)
#define X86_PG_AVAIL2  (1ul << 10)
#define X86_PG_AVAIL3  (1ul << 11)
#define X86_PG_PDE_PAT (1ul << 12) /* in a 2 MiB PDE */
#define X86_PG_NX      (1ul << 63)

/*
 * The PAT MSR the x86 format assumes (SDM 3A 12.12.2).  PAT index =
 * PAT*4 + PCD*2 + PWT; entry i is byte i of IA32_PAT:
 *   0 WB  1 WT  2 UC-  3 UC  4 WP  5 WC  6 UC-  7 UC
 */
#define X86_PAT_MSR 0x0007010500070406ul

/*
 * EPT entry bits, SDM 3C 29.3.2, tables 29-1 to 29-6 (leaf-only fields:
 * memory type, ignore-PAT, dirty).  Bits 10, 11 and 52..57 are ignored by
 * the CPU (bit 10 only while mode-based execute control is off) and hold
 * software state.
 *
 *  63 ..... 54 53 52 51.......12 11 10 9 8 7  6   5..3  2 1 0
 * +--------+--+--+--+-----------+--+--+-+-+--+----+-----+-+-+-+
 * |        |RW|V |a3|   frame   |a2|a1|D|A|PS|IPAT|memty|X|W|R|
 *           emul                                  (leaf)
 */
#define EPT_PG_READ          (1ul << 0)
#define EPT_PG_WRITE         (1ul << 1)
#define EPT_PG_EXECUTE       (1ul << 2)
#define EPT_PG_MEMTYPE_SHIFT 3
#define EPT_PG_MEMTYPE_MASK  (7ul << EPT_PG_MEMTYPE_SHIFT)
#define EPT_PG_IGNORE_PAT    (1ul << 6)
#define EPT_PG_PS            (1ul << 7)
#define EPT_PG_A             (1ul << 8)
#define EPT_PG_M             (1ul << 9)
#define EPT_PG_AVAIL1        (1ul << 10)
#define EPT_PG_AVAIL2        (1ul << 11)
#define EPT_PG_AVAIL3        (1ul << 52)
#define EPT_PG_EMUL_V        (1ul << 53) /* soft valid, A/D emulation */
#define EPT_PG_EMUL_RW       (1ul << 54) /* soft writable, A/D emulation */
#define EPT_PG_RWX           (EPT_PG_READ | EPT_PG_WRITE | EPT_PG_EXECUTE)

/* EPTP fields, SDM 3C 25.6.11. */
#define EPTP_MEMTYPE_WB 6ul
#define EPTP_WALK_4     (3ul << 3)
#define EPTP_AD_ENABLE  (1ul << 6)

/* Frame bits 51:12 of a 4 KiB leaf or table entry, 51:21 of a 2 MiB leaf. */
#define PMAP_FRAME_4K 0x000ffffffffff000ul
#define PMAP_FRAME_2M 0x000fffffffe00000ul

/* The pmap's pointer to @hpa: the direct map's window when it holds it, else the seam. */
static inline void *
pmap_phys(uint64_t hpa)
{
	if (hpa - pmap_dmap.hpa < pmap_dmap.len)
		return pmap_dmap.va + (hpa - pmap_dmap.hpa);
	return pmap_plat_phys_to_virt(hpa);
}

static inline pmap_pte_t *
pmap_table(uint64_t hpa)
{
	return (pmap_pte_t *)pmap_phys(hpa);
}

static inline unsigned
pmap_index(uint64_t va, int level)
{
	return (unsigned)(va >> (PMAP_PAGE_SHIFT + 9 * level)) & (PMAP_NPTE - 1);
}

static inline uint64_t
pmap_level_size(int level)
{
	return 1ul << (PMAP_PAGE_SHIFT + 9 * level);
}

/* The frame a leaf at @level maps. */
static inline uint64_t
pmap_leaf_frame(pmap_pte_t pte, int level)
{
	return pte & (level == PMAP_LEVEL_4K ? PMAP_FRAME_4K : PMAP_FRAME_2M);
}

/*
 * Does the pmap hold a mapping or a table in this entry?  For EPT with
 * hardware A/D this is pmap_ept_present(); with emulated A/D the soft V
 * bit, since R is withheld until the first access.
 */
static inline bool
pmap_pte_valid(const struct pmap *pm, pmap_pte_t pte)
{
	return (pte & pm->pm_valid_mask) != 0;
}

/* Is this valid entry at @level a leaf (a page) rather than a table? */
static inline bool
pmap_pte_is_leaf(const struct pmap *pm, pmap_pte_t pte, int level)
{
	return level == PMAP_LEVEL_4K || (pte & pm->pmap_bits[PMAP_BIT_PS]) != 0;
}

static inline bool
pmap_is_ept(const struct pmap *pm)
{
	return pm->pm_type == PMAP_TYPE_EPT;
}

/* pmap_formats.c */
void pmap_format_apply(struct pmap *pm, enum pmap_type type, uint32_t flags);
bool pmap_memattr_valid(int ma);

/* pmap_pte.c */
pmap_pte_t pmap_pte_encode(const struct pmap *pm, const struct pmap_mapping *m);
void pmap_pte_decode(const struct pmap *pm, pmap_pte_t pte, int level, struct pmap_mapping *m);
vm_prot_t pmap_pte_prot(const struct pmap *pm, pmap_pte_t pte);
pmap_pte_t pmap_pte_set_prot(const struct pmap *pm, pmap_pte_t pte, vm_prot_t prot);
bool pmap_safe_to_clear_referenced(const struct pmap *pm, pmap_pte_t pte);

/*
 * Resources an operation takes before it changes anything, so that a
 * failure leaves the pmap as it was.
 */
#define PMAP_RESV_PTP 4
struct pmap_resv {
	uint64_t ptp_hpa[PMAP_RESV_PTP];
	uint32_t nptp;
	uint32_t pv_new_chunks;
};

/* pmap_resv.c */
int pmap_resv_get(struct pmap *pm, struct pmap_resv *r, uint32_t nptp, uint32_t npv);
uint64_t pmap_resv_take_ptp(struct pmap *pm, struct pmap_resv *r);
void pmap_resv_cancel(struct pmap *pm, struct pmap_resv *r);
void pmap_resv_done(struct pmap *pm, struct pmap_resv *r);

/* pmap_pv.c */
int pmap_pv_reserve(struct pmap *pm, uint32_t npv, uint32_t *new_chunks);
void pmap_pv_unreserve(struct pmap *pm, uint32_t new_chunks);
void pmap_pv_insert(struct pmap *pm, struct pmap_page *pg, uint64_t va, int level);
void pmap_pv_remove(struct pmap *pm, struct pmap_page *pg, uint64_t va, int level);
void pmap_pv_wire(struct pmap_page *pg, int level, int delta);
void pmap_pv_trim(struct pmap *pm, uint64_t keep_chunks);
void pmap_pv_release(struct pmap *pm);
struct pmap_page *pmap_page_of(uint64_t hpa, const char *who);

/*
 * An invalidation batch: the gvas (x86) or the fact (EPT) that one call
 * changed, flushed once before the call returns.  Page-table pages freed
 * by the call are freed only after the flush.
 */
#define PMAP_INVAL_MAX 32 /* x86: past this many pages, one full flush */
struct pmap_inval {
	struct pmap *pm;
	uint32_t count;
	bool full;
	uint64_t va[PMAP_INVAL_MAX];
	uint64_t free_hpa; /* pages to free after the flush, chained */
	bool forget_ad;    /* removed leaves' A/D is not theirs: keep it from the pages */
};

/* pmap_inval.c */
void pmap_inval_init(struct pmap_inval *iv, struct pmap *pm);
void pmap_inval_add(struct pmap_inval *iv, uint64_t va);
void pmap_inval_all(struct pmap_inval *iv);
void pmap_inval_free_page(struct pmap_inval *iv, uint64_t hpa);
void pmap_inval_flush(struct pmap_inval *iv);

/* A walk: the entry and the table holding it, at each level reached. */
struct pmap_path {
	pmap_pte_t *pte[PMAP_NLEVELS];
	uint64_t table_hpa[PMAP_NLEVELS];
	int level; /* deepest level reached */
};

/* pmap_walk.c */
int pmap_walk(const struct pmap *pm, uint64_t va, int target, struct pmap_path *p);
int pmap_walk_missing(const struct pmap *pm, uint64_t va, int target);
void pmap_walk_install(struct pmap *pm, uint64_t va, int target, struct pmap_path *p,
                       struct pmap_resv *r);
void pmap_ptp_ref(struct pmap_path *p, int level);
void pmap_ptp_unref(struct pmap *pm, struct pmap_path *p, int level, struct pmap_inval *iv);
void pmap_check_va(const struct pmap *pm, uint64_t va, const char *who);

/* pmap_leaf.c: one leaf's life, shared by every operation. */
void pmap_leaf_install(struct pmap *pm, struct pmap_path *p, uint64_t va, pmap_pte_t pte);
void pmap_leaf_clear(struct pmap *pm, struct pmap_path *p, uint64_t va, struct pmap_inval *iv);
void pmap_leaf_remove(struct pmap *pm, struct pmap_path *p, uint64_t va, struct pmap_inval *iv);
void pmap_leaf_note_ad(const struct pmap *pm, pmap_pte_t pte, int level);
void pmap_leaf_replace(struct pmap *pm, struct pmap_path *p, uint64_t va, pmap_pte_t pte,
                       struct pmap_inval *iv);
void pmap_leaf_clear_table(struct pmap *pm, struct pmap_path *p, uint64_t va,
                           struct pmap_inval *iv);
void pmap_leaf_update(struct pmap *pm, pmap_pte_t *ptep, pmap_pte_t npte, uint64_t va, int level,
                      struct pmap_inval *iv);

/* pmap_range.c */
void pmap_remove_all(struct pmap *pm, struct pmap_inval *iv);

/* pmap_enter.c */
int pmap_enter_pte(struct pmap *pm, uint64_t va, pmap_pte_t npte, int level);

/* pmap_demote.c */
uint32_t pmap_demote_pv_cost(const struct pmap *pm, pmap_pte_t pde);
void pmap_demote(struct pmap *pm, struct pmap_path *p, uint64_t va, struct pmap_resv *r,
                 struct pmap_inval *iv);

#endif /* EPTSIM_PMAP_VAR_H */
