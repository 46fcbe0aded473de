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
 *
 * The entry checked is the one the reference walk (sim_mmu_walk) ends at.
 * That walk reads the entries from the root down and ends at the first
 * that is not present, is malformed, or is a leaf (SDM 3A 4.5, 3C
 * 29.3.2); whether it goes on past a present non-leaf entry depends on
 * the entry's value, its level and the format alone (reserved bits, EPT
 * XWR rules), and on the next table being memory.  So a walk is made
 * once per such value: the values the walker went past are remembered
 * (vfy_rearm_memo), and a later descent whose entries are all remembered
 * values ends where the walk would, at an entry that is not present or
 * has PS (bit 7, both formats) or at the PTE.  Any other entry falls back
 * to the walk, which then teaches its path.
 */
#include "sim/mmu.h"
#include "verify/vfy_bits.h"
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

/*
 * Present non-leaf entries the reference walker went past, by walker
 * setup (x86; EPT with or without execute-only) and level: a pure
 * function of those, so one memo serves every simulation.
 */
#define VFY_REARM_SLOTS 4096

static struct vfy_rearm_slot {
	uint64_t entry;
	uint32_t key; /* vfy_rearm_key(); 0: empty */
} vfy_rearm_memo[VFY_REARM_SLOTS];

static uint32_t
vfy_rearm_key(const struct pmap *pm, int level)
{
	uint32_t setup = pm->pm_type != PMAP_TYPE_EPT               ? 1
	                 : (pm->pm_flags & PMAP_SUPPORTS_EXEC_ONLY) ? 2
	                                                            : 3;

	return setup << 2 | (uint32_t)level; /* level 1..3: never 0 */
}

static struct vfy_rearm_slot *
vfy_rearm_slot(uint64_t entry, uint32_t key)
{
	uint64_t h = (entry ^ key) * 0x9e3779b97f4a7c15ul;

	return &vfy_rearm_memo[h >> 52];
}

/* SDM 3A 4.5 (P, bit 0) and 3C 29.3.2 (any of XWR, bits 2:0). */
static bool
vfy_rearm_present(const struct pmap *pm, uint64_t e)
{
	return (e & (pm->pm_type == PMAP_TYPE_EPT ? 0x7 : 0x1)) != 0;
}

/*
 * The entry the reference walk of @va ends at, from remembered values;
 * false when an entry on the way is not one (or a table is not memory).
 */
static bool
vfy_rearm_descend(struct sim *s, const struct pmap *pm, uint64_t va, uint64_t *entry)
{
	const struct sim_phys *sp = s->sp;
	uint64_t table = pm->pm_hw_root & VFY_ADDR_4K, hpa, e;
	const struct vfy_rearm_slot *slot;
	uint32_t key;
	int level;

	for (level = VFY_LEVEL_PML4E;; level--) {
		hpa = table | ((va >> (12 + 9 * level)) & 511) << 3;
		if ((hpa >> PMAP_PAGE_SHIFT) >= sp->npages)
			return false;
		e = *(const uint64_t *)(sp->mem + hpa);
		if (!vfy_rearm_present(pm, e) || level == VFY_LEVEL_PTE ||
		    (level != VFY_LEVEL_PML4E && (e & VFY_BIT(7)))) {
			*entry = e;
			return true;
		}
		key = vfy_rearm_key(pm, level);
		slot = vfy_rearm_slot(e, key);
		if (slot->entry != e || slot->key != key)
			return false;
		table = e & VFY_ADDR_4K;
	}
}

/* The reference walk of @va; remembers the entries it went past. */
static uint64_t
vfy_rearm_walk(struct sim *s, struct pmap *pm, uint64_t va)
{
	struct sim_walk w;
	struct vfy_rearm_slot *slot;
	int level;

	sim_mmu_walk(s, pm, va, &w);
	for (level = VFY_LEVEL_PML4E; level > w.level; level--) {
		slot = vfy_rearm_slot(w.entries[level], vfy_rearm_key(pm, level));
		slot->entry = w.entries[level];
		slot->key = vfy_rearm_key(pm, level);
	}
	return w.entries[w.level];
}

static void
vfy_rearmed_one(struct sim *s, struct sim_page *pg, struct pmap *pm, uint64_t va, bool dirty)
{
	struct vfy_ad_bit b = vfy_ad_bit(pm, dirty);
	uint64_t leaf;

	if (!vfy_rearm_descend(s, pm, va, &leaf))
		leaf = vfy_rearm_walk(s, pm, va);
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
