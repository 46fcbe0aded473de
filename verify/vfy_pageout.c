/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_pageout.c - the pageout daemon's calls leave the next access
 * visible.  After pmap_ts_referenced() no mapping of the page may still
 * say "accessed", and after pmap_clear_modify() none may still say
 * "dirty": otherwise the next reference or write leaves no trace, the
 * page looks referenced for ever or is never seen dirty again.  The
 * entries are read through the reference walkers, bits from the SDM:
 *
 *   format                      accessed           dirty
 *   x86 (3A table 4-19)         A, bit 5           D, bit 6
 *   EPT, A/D on (3C 29.3.5)     A, bit 8           D, bit 9
 *   EPT, A/D off (EPTP bit 6)   R, bit 0: only a   W, bit 1: only a
 *                               faulting read is   faulting write is
 *                               seen               seen
 *
 * The daemon skips wired pages before either call, so no mapping here is
 * one a pmap may keep as it is.
 */
#include "sim/mmu.h"
#include "sim/report.h"
#include "sim/vm.h"
#include "verify/vfy_check.h"

#define VFY_EPTP_AD (1ul << 6) /* SDM 3C 25.6.11: EPT A/D flags enabled */

struct vfy_ad_bit {
	uint64_t bit;
	const char *name;
};

/* The bit of @pm's leaves that records an access (@dirty: a write). */
static struct vfy_ad_bit
vfy_ad_bit(const struct pmap *pm, bool dirty)
{
	if (pm->pm_type != PMAP_TYPE_EPT)
		return dirty ? (struct vfy_ad_bit){ 1ul << 6, "D" }
		             : (struct vfy_ad_bit){ 1ul << 5, "A" };
	if (pm->pm_hw_root & VFY_EPTP_AD)
		return dirty ? (struct vfy_ad_bit){ 1ul << 9, "D" }
		             : (struct vfy_ad_bit){ 1ul << 8, "A" };
	return dirty ? (struct vfy_ad_bit){ 1ul << 1, "W, A/D emulated" }
	             : (struct vfy_ad_bit){ 1ul << 0, "R, A/D emulated" };
}

static void
vfy_rearmed_one(struct sim *s, struct sim_page *pg, struct pmap *pm, uint64_t va, bool dirty)
{
	struct vfy_ad_bit b = vfy_ad_bit(pm, dirty);
	struct sim_walk w;
	uint64_t leaf;

	sim_mmu_walk(s, pm, va, &w);
	leaf = w.entries[w.level];
	if ((leaf & b.bit) == 0)
		return;
	sim_diverge(s, pm->pm_plat, va,
	            dirty ? "dirty after clear_modify" : "accessed after ts_referenced",
	            "%s leaf %#lx of page %#lx keeps %s after %s: the next %s will not be seen",
	            pm->pm_type == PMAP_TYPE_EPT ? "EPT" : "x86", leaf, pg->md.hpa, b.name,
	            dirty ? "pmap_clear_modify" : "pmap_ts_referenced", dirty ? "write" : "access");
}

void
vfy_check_rearmed(struct sim *s, struct sim_page *pg, bool dirty)
{
	uint64_t base_hpa = pg->md.hpa & ~(PMAP_PDE_SIZE - 1);
	struct sim_page *base = sim_phys_page(s->sp, base_hpa);
	struct pmap_pv *pv;

	if (s->cfg.check == SIM_CHECK_NONE)
		return;
	for (pv = pg->md.pv_list; pv != NULL; pv = pv->pv_next)
		vfy_rearmed_one(s, pg, pv->pv_pmap, pv->pv_va, dirty);
	for (pv = base != NULL ? base->md.pv_list_2m : NULL; pv != NULL; pv = pv->pv_next)
		vfy_rearmed_one(s, pg, pv->pv_pmap, pv->pv_va + (pg->md.hpa - base_hpa), dirty);
}
