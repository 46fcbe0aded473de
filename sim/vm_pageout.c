/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vm_pageout.c - the pageout daemon: a clock over the resident pages,
 * using only the pmap's page-level calls (the pv lists):
 *   pmap_ts_referenced  referenced since the last pass: second chance;
 *   pmap_is_modified    dirty: launder (save, then pmap_clear_modify);
 *   pmap_page_protect   clean and unreferenced: unmap everywhere, free.
 * Wired pages (any wired mapping) are skipped.  What the pmap answers is
 * checked against what the simulated MMUs did to the page (the ground
 * truth kept in sim_page): a dirty page the pmap calls clean would lose
 * data, and is reported as a divergence.
 */
#include <stdlib.h>

#include "sim/report.h"
#include "sim/vm.h"
#include "verify/vfy_check.h"

void
sim_clock_insert(struct sim *s, struct sim_page *pg)
{
	if (s->clock == NULL) {
		pg->clock_next = pg->clock_prev = pg;
		s->clock = pg;
		return;
	}
	pg->clock_next = s->clock;
	pg->clock_prev = s->clock->clock_prev;
	pg->clock_prev->clock_next = pg;
	s->clock->clock_prev = pg;
}

void
sim_clock_remove(struct sim *s, struct sim_page *pg)
{
	if (pg->clock_next == pg) {
		s->clock = NULL;
	} else {
		pg->clock_prev->clock_next = pg->clock_next;
		pg->clock_next->clock_prev = pg->clock_prev;
		if (s->clock == pg)
			s->clock = pg->clock_next;
	}
	pg->clock_next = pg->clock_prev = NULL;
}

static bool
sim_page_wired(struct sim_page *pg)
{
	return pmap_page_wired_mappings(&pg->md) > 0;
}

/* Is @pg dirty by the pmap's account?  Checked against the truth. */
static bool
sim_pageout_dirty(struct sim *s, struct sim_page *pg)
{
	bool dirty = pmap_is_modified(&pg->md) || (pg->md.flags & PMAP_PAGE_DIRTY);

	if (pg->dirty_truth && !dirty)
		sim_diverge_page(s, pg, "lost dirty bit",
		                 "the page was written through a simulated MMU since it was "
		                 "last clean, but pmap_is_modified says clean");
	return dirty;
}

/* Was @pg referenced since the last pass?  Clears the state. */
static bool
sim_pageout_referenced(struct sim *s, struct sim_page *pg)
{
	bool ref = pmap_ts_referenced(&pg->md) > 0 || (pg->md.flags & PMAP_PAGE_REFERENCED);

	vfy_check_rearmed(s, pg, false);

	if (pg->ref_truth && !ref)
		sim_diverge_page(s, pg, "lost reference",
		                 "the page was accessed through a simulated MMU since the last "
		                 "scan, but pmap_ts_referenced counts nothing");
	pg->ref_truth = false;
	pg->md.flags &= ~PMAP_PAGE_REFERENCED;
	return ref;
}

/* Room for one more touched address; false when host memory runs out. */
static bool
sim_touched_room(struct sim *s)
{
	size_t cap = s->touched_cap ? 2 * s->touched_cap : 256;
	struct sim_touched *t;

	if (s->ntouched < s->touched_cap)
		return true;
	if ((t = realloc(s->touched, cap * sizeof(*t))) == NULL)
		return false;
	s->touched = t;
	s->touched_cap = cap;
	return true;
}

/*
 * Remember where @pg is mapped: the pageout may change those addresses.
 * The check covers every pmap of the vmspace, so a vmspace's second pmap
 * (pair mode) mapping the same address adds nothing.
 */
static void
sim_pageout_touch(struct sim *s, struct sim_page *pg)
{
	struct sim_touched *last;
	struct pmap_pv *pv;

	if (s->cfg.check != SIM_CHECK_INCREMENTAL)
		return; /* no check, or a full one after every event */
	for (pv = pg->md.pv_list; pv != NULL && !s->touched_overflow; pv = pv->pv_next) {
		last = s->ntouched ? &s->touched[s->ntouched - 1] : NULL;
		if (last != NULL && last->vs == pv->pv_pmap->pm_plat && last->va == pv->pv_va)
			continue;
		if (!sim_touched_room(s)) {
			s->touched_overflow = true;
			return;
		}
		s->touched[s->ntouched].vs = pv->pv_pmap->pm_plat;
		s->touched[s->ntouched++].va = pv->pv_va;
	}
}

/* One page under the hand: returns true when it was freed. */
static bool
sim_pageout_one(struct sim *s, struct sim_page *pg)
{
	if (pg->busy) /* a fault is entering or copying it */
		return false;
	sim_pageout_touch(s, pg);
	if (sim_page_wired(pg) || sim_pageout_referenced(s, pg))
		return false;
	if (sim_pageout_dirty(s, pg)) {
		sim_obj_save_page(s, pg);
		pmap_clear_modify(&pg->md);
		vfy_check_rearmed(s, pg, true);
		pg->md.flags &= ~PMAP_PAGE_DIRTY;
		pg->dirty_truth = false;
		return false;
	}
	/* Clean: its contents are in the swap store or are the backing's. */
	sim_obj_free_page(s, pg);
	s->stats.pageouts++;
	return true;
}

/*
 * Scan @scan resident pages (0: until one page is freed or every page was
 * seen twice).  Returns the number of pages freed.
 */
uint64_t
sim_pageout(struct sim *s, uint64_t scan)
{
	uint64_t seen = 0, freed = 0, limit = scan ? scan : 2 * s->resident + 2;
	struct sim_page *pg;

	while (s->clock != NULL && seen < limit && !(scan == 0 && freed > 0)) {
		pg = s->clock;
		s->clock = pg->clock_next;
		seen++;
		if (sim_pageout_one(s, pg))
			freed++;
	}
	s->stats.pageout_scanned += seen;
	return freed;
}
