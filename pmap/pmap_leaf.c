/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_leaf.c - one leaf's life: install, update in place, clear.  Every
 * operation goes through these, so counts, pv entries, A/D transfer and
 * invalidation are done in one place for both formats.
 */
#include "pmap_var.h"

static uint64_t
pmap_leaf_npages(int level)
{
	return pmap_level_size(level) >> PMAP_PAGE_SHIFT;
}

/*
 * The EPT permission rule, SDM 3C 29.3.3.1: XWR = 010 or 110 is a
 * misconfiguration, and XWR = 100 is one without execute-only support.
 * No EPT entry the pmap writes may break it.
 */
static void
pmap_leaf_check(const struct pmap *pm, pmap_pte_t pte, uint64_t va)
{
	bool exec_only = (pm->pm_flags & PMAP_SUPPORTS_EXEC_ONLY) != 0;

	if (!pmap_is_ept(pm))
		return;
	if (pmap_ept_misconfigured_perm(pte, exec_only))
		PMAP_PANIC("pmap_leaf_check: EPT misconfiguration va=%#lx pte=%#lx xwr=%lx", va,
		           pte, pte & EPT_PG_RWX);
}

/*
 * The managed leaf @pte at @level comes (@delta 1) or goes (-1): if it is
 * wired, so does its page's wired pv count.
 */
static void
pmap_leaf_wire_pv(const struct pmap *pm, pmap_pte_t pte, int level, int delta)
{
	const pmap_pte_t *bits = pm->pmap_bits;

	if ((pte & bits[PMAP_BIT_W]) == 0 || (pte & bits[PMAP_BIT_MANAGED]) == 0)
		return;
	pmap_pv_wire(pmap_page_of(pmap_leaf_frame(pte, level), "pmap_leaf_wire_pv"), level, delta);
}

/* Install the leaf @pte at @p's deepest level, where no entry is valid. */
void
pmap_leaf_install(struct pmap *pm, struct pmap_path *p, uint64_t va, pmap_pte_t pte)
{
	int level = p->level;
	uint64_t n = pmap_leaf_npages(level);

	pmap_leaf_check(pm, pte, va);
	*p->pte[level] = pte;
	pmap_ptp_ref(p, level);
	pm->pm_stats.resident_count += n;
	if (pte & pm->pmap_bits[PMAP_BIT_W])
		pm->pm_stats.wired_count += n;
	if (pte & pm->pmap_bits[PMAP_BIT_MANAGED])
		pmap_pv_insert(pm, pmap_page_of(pmap_leaf_frame(pte, level), "pmap_leaf_install"),
		               va & ~(pmap_level_size(level) - 1), level);
	pmap_leaf_wire_pv(pm, pte, level, 1);
}

/*
 * A managed leaf goes away or loses A/D: tell every page it covers that it
 * was referenced (A) or dirtied (M), so the VM does not lose that.
 */
void
pmap_leaf_note_ad(const struct pmap *pm, pmap_pte_t pte, int level)
{
	uint32_t flags = 0;
	uint64_t hpa = pmap_leaf_frame(pte, level), i;

	if ((pte & pm->pmap_bits[PMAP_BIT_MANAGED]) == 0)
		return;
	if (pte & pm->pmap_bits[PMAP_BIT_M])
		flags |= PMAP_PAGE_DIRTY;
	if (pte & pm->pmap_bits[PMAP_BIT_A])
		flags |= PMAP_PAGE_REFERENCED;
	if (flags == 0)
		return;
	for (i = 0; i < pmap_leaf_npages(level); i++)
		pmap_page_of(hpa + (i << PMAP_PAGE_SHIFT), "pmap_leaf_note_ad")->flags |= flags;
}

/*
 * Clear the leaf at @p's deepest level: counts, pv, A/D to the pages,
 * invalidation.  The table's count is the caller's.
 */
void
pmap_leaf_clear(struct pmap *pm, struct pmap_path *p, uint64_t va, struct pmap_inval *iv)
{
	int level = p->level;
	pmap_pte_t pte = *p->pte[level];
	uint64_t n = pmap_leaf_npages(level);

	va &= ~(pmap_level_size(level) - 1);
	*p->pte[level] = 0;
	pmap_inval_add(iv, va);
	pm->pm_stats.resident_count -= n;
	if (pte & pm->pmap_bits[PMAP_BIT_W])
		pm->pm_stats.wired_count -= n;
	if (pte & pm->pmap_bits[PMAP_BIT_MANAGED]) {
		pmap_pv_remove(pm, pmap_page_of(pmap_leaf_frame(pte, level), "pmap_leaf_clear"), va,
		               level);
		if (!iv->forget_ad)
			pmap_leaf_note_ad(pm, pte, level);
	}
	pmap_leaf_wire_pv(pm, pte, level, -1);
}

/* Remove the leaf at @p's deepest level and free the tables it empties. */
void
pmap_leaf_remove(struct pmap *pm, struct pmap_path *p, uint64_t va, struct pmap_inval *iv)
{
	pmap_leaf_clear(pm, p, va, iv);
	pmap_ptp_unref(pm, p, p->level, iv);
}

/*
 * Replace the leaf at @p's deepest level with @pte, for another frame (or
 * the same one with another managed bit): the old mapping goes completely.
 */
void
pmap_leaf_replace(struct pmap *pm, struct pmap_path *p, uint64_t va, pmap_pte_t pte,
                  struct pmap_inval *iv)
{
	pmap_leaf_clear(pm, p, va, iv);
	pmap_page_of(p->table_hpa[p->level], "pmap_leaf_replace")->ptp_refs--;
	pmap_leaf_install(pm, p, va, pte);
}

/*
 * Rewrite the leaf at @ptep in place (same frame, same level).  Adjusts
 * the wired count and invalidates when a right, A or M goes away.  Moving
 * A/D to the pages is the caller's business.
 */
void
pmap_leaf_update(struct pmap *pm, pmap_pte_t *ptep, pmap_pte_t npte, uint64_t va, int level,
                 struct pmap_inval *iv)
{
	const pmap_pte_t *bits = pm->pmap_bits;
	pmap_pte_t old = *ptep, lost = old & ~npte;
	uint64_t n = pmap_leaf_npages(level);

	pmap_leaf_check(pm, npte, va);
	*ptep = npte;
	if ((old ^ npte) & bits[PMAP_BIT_W]) {
		pmap_leaf_wire_pv(pm, old, level, -1);
		pmap_leaf_wire_pv(pm, npte, level, 1);
		if (npte & bits[PMAP_BIT_W])
			pm->pm_stats.wired_count += n;
		else
			pm->pm_stats.wired_count -= n;
	}
	/* XD going away adds a right (SDM 3A 4.10.4.3: no flush needed). */
	if ((lost & ((pm->pm_prot_mask & ~bits[PMAP_BIT_NX]) | bits[PMAP_BIT_A] |
	             bits[PMAP_BIT_M])) != 0 ||
	    (npte & ~old & bits[PMAP_BIT_NX]) != 0)
		pmap_inval_add(iv, va & ~(pmap_level_size(level) - 1));
}

/*
 * Empty the page table under the (non-leaf) PDE at @p's deepest level,
 * removing its leaves, and free it.  The PDE is left invalid and the PD's
 * count is the caller's.
 */
void
pmap_leaf_clear_table(struct pmap *pm, struct pmap_path *p, uint64_t va, struct pmap_inval *iv)
{
	int level = p->level;
	uint64_t pt_hpa = *p->pte[level] & PMAP_FRAME_4K;
	uint64_t base = va & ~(pmap_level_size(level) - 1);
	struct pmap_path sub = *p;
	unsigned i;

	if (level != PMAP_LEVEL_2M)
		PMAP_PANIC("pmap_leaf_clear_table: level=%d va=%#lx", level, va);
	sub.level = PMAP_LEVEL_4K;
	sub.table_hpa[0] = pt_hpa;
	for (i = 0; i < PMAP_NPTE; i++) {
		sub.pte[0] = &pmap_table(pt_hpa)[i];
		if (pmap_pte_valid(pm, *sub.pte[0]))
			pmap_leaf_clear(pm, &sub, base + ((uint64_t)i << PMAP_PAGE_SHIFT), iv);
	}
	*p->pte[level] = 0;
	pmap_page_of(pt_hpa, "pmap_leaf_clear_table")->ptp_refs = 0;
	pm->pm_stats.ptp_count--;
	pmap_inval_free_page(iv, pt_hpa);
	pmap_page_of(p->table_hpa[level], "pmap_leaf_clear_table")->ptp_refs--;
}
