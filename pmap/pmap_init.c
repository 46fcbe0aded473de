/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_init.c - a pmap's birth and death, and looking a mapping up.
 */
#include "pmap_var.h"

static void
pmap_stats_zero(struct pmap_stats *s)
{
	s->resident_count = 0;
	s->wired_count = 0;
	s->ptp_count = 0;
	s->pv_chunks = 0;
	s->pv_used = 0;
}

/*
 * Make @pm an empty pmap of @type: its vocabulary, and a root table.
 * @flags: PMAP_PDE_SUPERPAGE for either type; PMAP_EMULATE_AD_BITS and
 * PMAP_SUPPORTS_EXEC_ONLY for EPT.  The EPTP asks for 4 levels, WB
 * paging structures and, unless emulated, A/D flags (SDM 3C 25.6.11).
 * @plat is the platform's cookie.  Returns PMAP_OK, PMAP_EINVAL (bad
 * type or flags) or PMAP_ENOMEM (no root page; @pm not usable).
 */
int
pmap_pinit(struct pmap *pm, enum pmap_type type, uint32_t flags, void *plat)
{
	uint32_t ept_only = PMAP_EMULATE_AD_BITS | PMAP_SUPPORTS_EXEC_ONLY;
	uint32_t known = PMAP_PDE_SUPERPAGE | ept_only;

	if ((type != PMAP_TYPE_X86 && type != PMAP_TYPE_EPT) || (flags & ~known) != 0 ||
	    (type == PMAP_TYPE_X86 && (flags & ept_only) != 0))
		return PMAP_EINVAL;
	pmap_format_apply(pm, type, flags);
	pmap_stats_zero(&pm->pm_stats);
	pm->pm_pv_free = NULL;
	pm->pm_pv_chunk_hpa = 0;
	pm->pm_plat = plat;
	if (pmap_plat_page_alloc(pm, &pm->pm_root_hpa) != PMAP_OK)
		return PMAP_ENOMEM;
	pmap_page_of(pm->pm_root_hpa, "pmap_pinit")->ptp_refs = 0;
	pm->pm_stats.ptp_count = 1;
	pm->pm_hw_root = pm->pm_root_hpa;
	if (type == PMAP_TYPE_EPT) {
		pm->pm_hw_root |= EPTP_MEMTYPE_WB | EPTP_WALK_4;
		if ((flags & PMAP_EMULATE_AD_BITS) == 0)
			pm->pm_hw_root |= EPTP_AD_ENABLE;
	}
	return PMAP_OK;
}

/*
 * Remove every mapping of @pm, free every table and pv chunk, and make
 * the CPUs forget it (one full flush).  @pm is dead after.
 */
void
pmap_release(struct pmap *pm)
{
	struct pmap_inval iv;
	struct pmap_stats *s = &pm->pm_stats;

	pmap_inval_init(&iv, pm);
	pmap_inval_all(&iv);
	pmap_remove_all(pm, &iv);
	pmap_inval_free_page(&iv, pm->pm_root_hpa);
	pmap_inval_flush(&iv);
	s->ptp_count--;
	pmap_pv_release(pm);
	if (s->resident_count != 0 || s->wired_count != 0 || s->ptp_count != 0)
		PMAP_PANIC("pmap_release: leftovers resident=%lu wired=%lu ptp=%lu",
		           s->resident_count, s->wired_count, s->ptp_count);
	pm->pm_root_hpa = 0;
	pm->pm_hw_root = 0;
}

/* Decode the mapping of @va into @m; false when @va is not mapped. */
bool
pmap_lookup(struct pmap *pm, uint64_t va, struct pmap_mapping *m)
{
	struct pmap_path p;
	int level;

	pmap_check_va(pm, va, "pmap_lookup");
	level = pmap_walk(pm, va, PMAP_LEVEL_4K, &p);
	if (!pmap_pte_valid(pm, *p.pte[level]))
		return false;
	pmap_pte_decode(pm, *p.pte[level], level, m);
	return true;
}

/* The hpa @va translates to; false when @va is not mapped. */
bool
pmap_extract(struct pmap *pm, uint64_t va, uint64_t *hpa)
{
	struct pmap_mapping m;

	if (!pmap_lookup(pm, va, &m))
		return false;
	*hpa = m.hpa + (va & (pmap_level_size(m.level) - 1));
	return true;
}
