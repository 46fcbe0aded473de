/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_demote.c - split a 2 MiB leaf into a table of 512 4 KiB leaves that
 * say the same thing (SDM 3A 4.10.2.3: the old large-page translation is
 * invalidated, since both may be cached).
 */
#include "pmap_var.h"

/* pv entries a demotion of the 2 MiB leaf @pde needs: one per 4 KiB page. */
uint32_t
pmap_demote_pv_cost(const struct pmap *pm, pmap_pte_t pde)
{
	return (pde & pm->pmap_bits[PMAP_BIT_MANAGED]) ? PMAP_NPTE : 0;
}

/* Move the superpage's pv entry, and its wiring, to its 512 pages. */
static void
pmap_demote_pv(struct pmap *pm, uint64_t base_va, uint64_t hpa, bool wired)
{
	struct pmap_page *pg = pmap_page_of(hpa, "pmap_demote");
	unsigned i;

	pmap_pv_remove(pm, pg, base_va, PMAP_LEVEL_2M);
	if (wired)
		pmap_pv_wire(pg, PMAP_LEVEL_2M, -1);
	for (i = 0; i < PMAP_NPTE; i++) {
		uint64_t off = (uint64_t)i << PMAP_PAGE_SHIFT;

		pg = pmap_page_of(hpa + off, "pmap_demote");
		pmap_pv_insert(pm, pg, base_va + off, PMAP_LEVEL_4K);
		if (wired)
			pmap_pv_wire(pg, PMAP_LEVEL_4K, 1);
	}
}

/*
 * Demote the 2 MiB leaf at @p's level 1 for @va, with a table and pv
 * entries reserved in @r.  On return @p reaches @va's new 4 KiB leaf.
 */
void
pmap_demote(struct pmap *pm, struct pmap_path *p, uint64_t va, struct pmap_resv *r,
            struct pmap_inval *iv)
{
	pmap_pte_t pde = *p->pte[PMAP_LEVEL_2M], pte0, *pt;
	uint64_t base_va = va & ~(PMAP_PDE_SIZE - 1), pt_hpa;
	struct pmap_mapping m;
	unsigned i;

	if (p->level != PMAP_LEVEL_2M || !pmap_pte_valid(pm, pde) ||
	    !pmap_pte_is_leaf(pm, pde, PMAP_LEVEL_2M))
		PMAP_PANIC("pmap_demote: no 2M leaf va=%#lx level=%d pde=%#lx", va, p->level, pde);
	pmap_pte_decode(pm, pde, PMAP_LEVEL_2M, &m);
	if (m.prot == VM_PROT_NONE || m.memattr == PMAP_MA_COUNT)
		PMAP_PANIC("pmap_demote: undecodable pde=%#lx va=%#lx", pde, va);
	m.level = PMAP_LEVEL_4K;
	pte0 = pmap_pte_encode(pm, &m);
	pt_hpa = pmap_resv_take_ptp(pm, r);
	pt = pmap_table(pt_hpa);
	for (i = 0; i < PMAP_NPTE; i++)
		pt[i] = pte0 + ((uint64_t)i << PMAP_PAGE_SHIFT);
	pmap_page_of(pt_hpa, "pmap_demote")->ptp_refs = PMAP_NPTE;
	if (m.managed)
		pmap_demote_pv(pm, base_va, m.hpa, m.wired);
	*p->pte[PMAP_LEVEL_2M] = pt_hpa | pm->pm_nonleaf_bits;
	pm->pm_stats.ptp_count++;
	pmap_inval_add(iv, base_va);
	p->level = PMAP_LEVEL_4K;
	p->table_hpa[PMAP_LEVEL_4K] = pt_hpa;
	p->pte[PMAP_LEVEL_4K] = &pt[pmap_index(va, PMAP_LEVEL_4K)];
}
