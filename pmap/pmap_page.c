/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_page.c - operations on a physical page across every pmap that maps
 * it, x86 and EPT alike, found through its pv entries: the 4 KiB
 * mappings on the page itself and the 2 MiB mappings on the page that
 * starts its 2 MiB frame.
 *
 * A 2 MiB leaf is handled whole: write-protecting or removing it for one
 * of its pages does so for all 512 (legal: the pmap may always hold less
 * than the VM allows), and clearing its A or M records that state on the
 * other 511 pages first, so nothing the VM needs is lost.
 */
#include "pmap_var.h"

struct pmap_page_walk;
typedef void pmap_page_op(struct pmap_page_walk *w, struct pmap_path *p, uint64_t va);

/*
 * A page's pv list may alternate between pmaps; one batch per pmap keeps
 * the call at one flush per pmap (one INVEPT for an EPT pmap) as long as
 * no more than PMAP_PAGE_BATCHES pmaps map the page.
 */
#define PMAP_PAGE_BATCHES 4

struct pmap_page_walk {
	struct pmap_page *pg;
	pmap_page_op *op;
	struct pmap *pm;       /* the pmap of the current pv entry */
	struct pmap_inval *iv; /* and its batch */
	struct pmap_inval batch[PMAP_PAGE_BATCHES];
	unsigned nbatch, evict;
	int result;
};

/* Find the leaf a pv entry names; it must map @pg. */
static void
pmap_page_find(struct pmap_page_walk *w, struct pmap_pv *pv, int level, struct pmap_path *p)
{
	struct pmap *pm = pv->pv_pmap;
	uint64_t hpa;

	if (pmap_walk(pm, pv->pv_va, level, p) != level || !pmap_pte_valid(pm, *p->pte[level]))
		PMAP_PANIC("pmap_page: pv without a leaf va=%#lx hpa=%#lx level=%d", pv->pv_va,
		           w->pg->hpa, level);
	hpa = pmap_leaf_frame(*p->pte[level], level);
	if (hpa != (w->pg->hpa & ~(pmap_level_size(level) - 1)))
		PMAP_PANIC("pmap_page: pv names another frame va=%#lx hpa=%#lx pte=%#lx", pv->pv_va,
		           w->pg->hpa, *p->pte[level]);
}

/* Make @pm's batch the current one, flushing another pmap's if all are taken. */
static void
pmap_page_switch(struct pmap_page_walk *w, struct pmap *pm)
{
	unsigned i;

	w->pm = pm;
	for (i = 0; i < w->nbatch; i++) {
		if (w->batch[i].pm == pm) {
			w->iv = &w->batch[i];
			return;
		}
	}
	if (w->nbatch < PMAP_PAGE_BATCHES) {
		i = w->nbatch++;
	} else {
		i = w->evict++ % PMAP_PAGE_BATCHES;
		pmap_inval_flush(&w->batch[i]);
	}
	w->iv = &w->batch[i];
	pmap_inval_init(w->iv, pm);
}

static void
pmap_page_list(struct pmap_page_walk *w, struct pmap_pv *pv, int level)
{
	struct pmap_path p;
	struct pmap_pv *next;

	for (; pv != NULL && w->result >= 0; pv = next) {
		next = pv->pv_next;
		if (pv->pv_pmap != w->pm)
			pmap_page_switch(w, pv->pv_pmap);
		pmap_page_find(w, pv, level, &p);
		w->op(w, &p, pv->pv_va);
	}
}

/* Run @op on every leaf mapping @pg; returns the walk's result. */
static int
pmap_page_apply(struct pmap_page *pg, pmap_page_op *op)
{
	struct pmap_page *base = pmap_plat_page_lookup(pg->hpa & ~(PMAP_PDE_SIZE - 1));
	struct pmap_page_walk w;
	unsigned i;

	/* Field by field: an initializer would zero iv with a memset call. */
	w.pg = pg;
	w.op = op;
	w.pm = NULL;
	w.iv = NULL;
	w.nbatch = 0;
	w.evict = 0;
	w.result = 0;

	pmap_page_list(&w, pg->pv_list, PMAP_LEVEL_4K);
	if (base != NULL)
		pmap_page_list(&w, base->pv_list_2m, PMAP_LEVEL_2M);
	for (i = 0; i < w.nbatch; i++)
		pmap_inval_flush(&w.batch[i]);
	return w.result;
}

/* For a 2 MiB leaf, hand @flags to its pages other than @pg. */
static void
pmap_page_note_others(struct pmap_page_walk *w, pmap_pte_t pte, int level, uint32_t flags)
{
	uint64_t hpa = pmap_leaf_frame(pte, level), i;

	if (level == PMAP_LEVEL_4K)
		return;
	for (i = 0; i < PMAP_NPTE; i++) {
		uint64_t page = hpa + (i << PMAP_PAGE_SHIFT);

		if (page != w->pg->hpa)
			pmap_page_of(page, "pmap_page_note_others")->flags |= flags;
	}
}

static void
pmap_page_remove_op(struct pmap_page_walk *w, struct pmap_path *p, uint64_t va)
{
	pmap_leaf_remove(w->pm, p, va, w->iv);
}

static void
pmap_page_write_op(struct pmap_page_walk *w, struct pmap_path *p, uint64_t va)
{
	struct pmap *pm = w->pm;
	pmap_pte_t pte = *p->pte[p->level], m_bit = pm->pmap_bits[PMAP_BIT_M];
	vm_prot_t prot = pmap_pte_prot(pm, pte);

	if ((prot & VM_PROT_WRITE) == 0)
		return;
	if (pte & m_bit)
		pmap_leaf_note_ad(pm, pte & ~pm->pmap_bits[PMAP_BIT_A], p->level);
	pte = pmap_pte_set_prot(pm, pte & ~m_bit, prot & ~VM_PROT_WRITE);
	pmap_leaf_update(pm, p->pte[p->level], pte, va, p->level, w->iv);
}

/*
 * Lower every mapping of @pg to @prot: without write, write access goes
 * (dirty state to the pages); without read and execute too, every
 * mapping goes (BSD pmap_page_protect).
 */
void
pmap_page_protect(struct pmap_page *pg, vm_prot_t prot)
{
	if (prot & VM_PROT_WRITE)
		return;
	if (prot & (VM_PROT_READ | VM_PROT_EXECUTE))
		(void)pmap_page_apply(pg, pmap_page_write_op);
	else
		(void)pmap_page_apply(pg, pmap_page_remove_op);
}

static void
pmap_page_modified_op(struct pmap_page_walk *w, struct pmap_path *p, uint64_t va)
{
	if (*p->pte[p->level] & w->pm->pmap_bits[PMAP_BIT_M])
		w->result = -1; /* stops the walk */
}

/* Does any mapping of @pg have its modified bit set? */
bool
pmap_is_modified(struct pmap_page *pg)
{
	return pmap_page_apply(pg, pmap_page_modified_op) != 0;
}

static void
pmap_page_clear_modify_op(struct pmap_page_walk *w, struct pmap_path *p, uint64_t va)
{
	struct pmap *pm = w->pm;
	pmap_pte_t pte = *p->pte[p->level], m_bit = pm->pmap_bits[PMAP_BIT_M];

	if ((pte & m_bit) == 0)
		return;
	pmap_page_note_others(w, pte, p->level, PMAP_PAGE_DIRTY);
	pmap_leaf_update(pm, p->pte[p->level], pte & ~m_bit, va, p->level, w->iv);
}

/* Clear the modified bit of every mapping of @pg (the VM cleaned it). */
void
pmap_clear_modify(struct pmap_page *pg)
{
	(void)pmap_page_apply(pg, pmap_page_clear_modify_op);
}

/*
 * Clear "accessed" where that is safe; where A/D emulation forbids it
 * (pmap_safe_to_clear_referenced), remove the mapping unless it is wired,
 * so the next access still shows up.
 */
static void
pmap_page_referenced_op(struct pmap_page_walk *w, struct pmap_path *p, uint64_t va)
{
	struct pmap *pm = w->pm;
	pmap_pte_t pte = *p->pte[p->level], a_bit = pm->pmap_bits[PMAP_BIT_A];

	if ((pte & a_bit) == 0)
		return;
	if (pmap_safe_to_clear_referenced(pm, pte)) {
		pmap_page_note_others(w, pte, p->level, PMAP_PAGE_REFERENCED);
		pmap_leaf_update(pm, p->pte[p->level], pte & ~a_bit, va, p->level, w->iv);
	} else if ((pte & pm->pmap_bits[PMAP_BIT_W]) == 0) {
		pmap_leaf_remove(pm, p, va, w->iv);
	} else {
		return;
	}
	w->result++;
}

/*
 * Count the mappings of @pg that were accessed since the last call, and
 * clear that state (BSD pmap_ts_referenced).
 */
int
pmap_ts_referenced(struct pmap_page *pg)
{
	return pmap_page_apply(pg, pmap_page_referenced_op);
}

static void
pmap_page_count_op(struct pmap_page_walk *w, struct pmap_path *p, uint64_t va)
{
	w->result++;
}

/* How many leaves, in every pmap, map @pg. */
int
pmap_page_mapping_count(struct pmap_page *pg)
{
	return pmap_page_apply(pg, pmap_page_count_op);
}

/*
 * How many of the leaves mapping @pg are wired (BSD
 * pmap_page_wired_mappings): the counts every leaf change keeps with the
 * pv lists (pmap_pv_wire), @pg's own 4 KiB ones and its 2 MiB frame's.
 */
int
pmap_page_wired_mappings(struct pmap_page *pg)
{
	struct pmap_page *base = pmap_plat_page_lookup(pg->hpa & ~(PMAP_PDE_SIZE - 1));

	return (int)(pg->pv_wired + (base != NULL ? base->pv_wired_2m : 0));
}
