/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_walk.c - the one walker, for both formats, and page-table page
 * reference counts.
 *
 * A table page's pmap_page.ptp_refs counts its valid entries.  A table
 * whose count drops to zero is unlinked from its parent and freed after
 * the call's invalidation (the root is never freed before pmap_release).
 */
#include "pmap_var.h"

/* Empty until the platform sets it (pmap_plat.h). */
struct pmap_dmap pmap_dmap;

/*
 * Check that @va is an address @pm can translate: canonical for x86
 * (SDM 3A 4.5: bits 63:47 equal), below 2^48 for 4-level EPT.
 */
void
pmap_check_va(const struct pmap *pm, uint64_t va, const char *who)
{
	bool ok;

	if (pmap_is_ept(pm))
		ok = va < PMAP_GPA_LIMIT;
	else
		ok = va < PMAP_USER_MAX || va >= PMAP_KERNEL_MIN;
	if (!ok)
		PMAP_PANIC("%s: address outside the %s space va=%#lx", who,
		           pmap_is_ept(pm) ? "EPT" : "x86", va);
}

/*
 * Walk @va from the root down to @target.  Fills @p at each level reached
 * and returns the deepest: @target, or a higher level holding an invalid
 * entry or a leaf.  Allocates nothing.
 */
int
pmap_walk(const struct pmap *pm, uint64_t va, int target, struct pmap_path *p)
{
	uint64_t table = pm->pm_root_hpa;
	int level;

	for (level = PMAP_NLEVELS - 1;; level--) {
		pmap_pte_t *pte = &pmap_table(table)[pmap_index(va, level)];

		p->pte[level] = pte;
		p->table_hpa[level] = table;
		p->level = level;
		if (level == target || !pmap_pte_valid(pm, *pte) ||
		    pmap_pte_is_leaf(pm, *pte, level))
			return level;
		table = *pte & PMAP_FRAME_4K;
	}
}

/* Number of tables pmap_walk_install() would add to reach @target. */
int
pmap_walk_missing(const struct pmap *pm, uint64_t va, int target)
{
	struct pmap_path p;
	int level = pmap_walk(pm, va, target, &p);

	if (level == target || pmap_pte_valid(pm, *p.pte[level]))
		return 0;
	return level - target;
}

void
pmap_ptp_ref(struct pmap_path *p, int level)
{
	pmap_page_of(p->table_hpa[level], "pmap_ptp_ref")->ptp_refs++;
}

/*
 * Walk to @target, installing the missing tables from @r.  Panics if a
 * leaf stands above @target: the caller demotes first.
 */
void
pmap_walk_install(struct pmap *pm, uint64_t va, int target, struct pmap_path *p,
                  struct pmap_resv *r)
{
	int level;

	while ((level = pmap_walk(pm, va, target, p)) != target) {
		pmap_pte_t *pte = p->pte[level];

		if (pmap_pte_valid(pm, *pte))
			PMAP_PANIC("pmap_walk_install: leaf above target va=%#lx level=%d "
			           "target=%d pte=%#lx",
			           va, level, target, *pte);
		*pte = pmap_resv_take_ptp(pm, r) | pm->pm_nonleaf_bits;
		pmap_ptp_ref(p, level);
		pm->pm_stats.ptp_count++;
	}
}

/*
 * A valid entry at @level of @p was cleared.  Drop the table's count and
 * free every table the drop empties, bottom up.
 */
void
pmap_ptp_unref(struct pmap *pm, struct pmap_path *p, int level, struct pmap_inval *iv)
{
	for (; level < PMAP_NLEVELS - 1; level++) {
		uint64_t table = p->table_hpa[level];
		struct pmap_page *pg = pmap_page_of(table, "pmap_ptp_unref");

		if (pg->ptp_refs == 0)
			PMAP_PANIC("pmap_ptp_unref: count underflow table=%#lx level=%d", table,
			           level);
		if (--pg->ptp_refs != 0)
			return;
		*p->pte[level + 1] = 0;
		pm->pm_stats.ptp_count--;
		pmap_inval_free_page(iv, table);
	}
	pmap_page_of(p->table_hpa[level], "pmap_ptp_unref")->ptp_refs--;
}
