/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_range.c - operations on a range [sva, eva): remove, protect,
 * unwire.  A 2 MiB leaf the range only partly covers is demoted first;
 * the tables and pv entries for that are taken before anything changes,
 * so a range operation either completes or returns PMAP_ENOMEM with the
 * pmap untouched.
 *
 *        sva                                          eva
 *   |.....[====|==========|==========|==========|====).....|
 *   2M leaf cut: demoted    whole leaves: as they are   cut: demoted
 */
#include "pmap_var.h"

/*
 * An operation on one valid leaf, reached by @p.  Returns true when it
 * cleared the leaf (pmap_leaf_clear): the walk drops the table's count.
 */
typedef bool pmap_leaf_op(struct pmap *pm, struct pmap_path *p, uint64_t va, uint32_t arg,
                          struct pmap_inval *iv);

/* A walk over [sva, last], table by table. */
struct pmap_range_walk {
	struct pmap *pm;
	uint64_t sva, last;
	pmap_leaf_op *op;
	uint32_t arg;
	struct pmap_inval *iv;
	struct pmap_path p;
};

struct pmap_edges {
	uint64_t va[2];
	int n;
};

/* The 2 MiB leaves at the ends of [sva, last] that the range cuts. */
static void
pmap_range_edges(struct pmap *pm, uint64_t sva, uint64_t last, struct pmap_edges *e, uint32_t *npv)
{
	uint64_t ends[2] = { sva, last };
	struct pmap_path p;
	int i;

	e->n = 0;
	*npv = 0;
	for (i = 0; i < 2; i++) {
		uint64_t base = ends[i] & ~(PMAP_PDE_SIZE - 1);
		pmap_pte_t pde;

		if (i == 1 && e->n == 1 && e->va[0] == base)
			continue;
		if (pmap_walk(pm, base, PMAP_LEVEL_2M, &p) != PMAP_LEVEL_2M)
			continue;
		pde = *p.pte[PMAP_LEVEL_2M];
		if (!pmap_pte_valid(pm, pde) || !pmap_pte_is_leaf(pm, pde, PMAP_LEVEL_2M))
			continue;
		if (base >= sva && base + (PMAP_PDE_SIZE - 1) <= last)
			continue;
		e->va[e->n++] = base;
		*npv += pmap_demote_pv_cost(pm, pde);
	}
}

static void
pmap_range_check(const struct pmap *pm, uint64_t sva, uint64_t last, const char *who)
{
	pmap_check_va(pm, sva, who);
	pmap_check_va(pm, last, who);
	if (last < sva || ((sva | (last + 1)) & (PMAP_PAGE_SIZE - 1)) != 0 ||
	    (!pmap_is_ept(pm) && (sva < PMAP_USER_MAX) != (last < PMAP_USER_MAX)))
		PMAP_PANIC("%s: bad range sva=%#lx eva=%#lx", who, sva, last + 1);
}

/*
 * The va of entry @i of a table at @level that maps from @base; in the
 * x86 root, entries 256 and up map the kernel half (sign-extended, SDM 3A
 * 4.5).
 */
static uint64_t
pmap_range_va(const struct pmap *pm, uint64_t base, unsigned i, int level)
{
	uint64_t va = base + ((uint64_t)i << (PMAP_PAGE_SHIFT + 9 * level));

	if (level == PMAP_NLEVELS - 1 && !pmap_is_ept(pm) && (va & (1ul << 47)) != 0)
		va |= ~(PMAP_GPA_LIMIT - 1);
	return va;
}

/* Are the eight entries at @pte (8-aligned) all invalid?  One test for eight. */
static bool
pmap_range_none8(const struct pmap *pm, const pmap_pte_t *pte)
{
	return ((pte[0] | pte[1] | pte[2] | pte[3] | pte[4] | pte[5] | pte[6] | pte[7]) &
	        pm->pm_valid_mask) == 0;
}

static bool pmap_range_table(struct pmap_range_walk *w, uint64_t table, int level, uint64_t base);

/*
 * Visit the valid entry @ptep (in @table at @level, for @va): a leaf goes
 * to the operation, a table is walked.  Returns true when the entry was
 * cleared: a leaf the operation cleared, or a table the walk emptied,
 * which is unlinked here and freed after the flush.
 */
static bool
pmap_range_entry(struct pmap_range_walk *w, pmap_pte_t *ptep, uint64_t table, int level,
                 uint64_t va)
{
	struct pmap *pm = w->pm;
	uint64_t child;

	if (pmap_pte_is_leaf(pm, *ptep, level)) {
		w->p.pte[level] = ptep;
		w->p.table_hpa[level] = table;
		w->p.level = level;
		return w->op(pm, &w->p, va, w->arg, w->iv);
	}
	child = *ptep & PMAP_FRAME_4K;
	if (!pmap_range_table(w, child, level - 1, va))
		return false;
	*ptep = 0;
	pm->pm_stats.ptp_count--;
	pmap_inval_free_page(w->iv, child);
	return true;
}

/*
 * Walk the entries of the table @table at @level (mapping from @base)
 * that [sva, last] covers, skipping invalid ones (eight at a time where
 * they are aligned and all invalid), and drop its count once
 * by the entries cleared.  The walk stops early when the count reaches
 * zero (nothing valid is left).  Returns true when the walk emptied a
 * table below the root: the caller unlinks it.
 */
static bool
pmap_range_table(struct pmap_range_walk *w, uint64_t table, int level, uint64_t base)
{
	struct pmap *pm = w->pm;
	pmap_pte_t *pt = pmap_table(table);
	struct pmap_page *pg = pmap_page_of(table, "pmap_range_table");
	uint64_t span = pmap_level_size(level) * PMAP_NPTE;
	unsigned i = base < w->sva ? pmap_index(w->sva, level) : 0;
	unsigned end = w->last - base >= span - 1 ? PMAP_NPTE - 1 : pmap_index(w->last, level);
	uint32_t refs = pg->ptp_refs, left = refs;

	while (i <= end) {
		if ((i & 7) == 0 && end - i >= 7 && pmap_range_none8(pm, &pt[i])) {
			i += 8;
			continue;
		}
		if (pmap_pte_valid(pm, pt[i]) &&
		    pmap_range_entry(w, &pt[i], table, level, pmap_range_va(pm, base, i, level))) {
			if (left == 0)
				PMAP_PANIC("pmap_range_table: count underflow table=%#lx level=%d",
				           table, level);
			if (--left == 0)
				break;
		}
		i++;
	}
	if (left == refs)
		return false;
	pg->ptp_refs = left;
	return left == 0 && level != PMAP_NLEVELS - 1;
}

/* Walk [sva, last] from the root, applying @op to every valid leaf. */
static void
pmap_range_walk(struct pmap *pm, uint64_t sva, uint64_t last, pmap_leaf_op *op, uint32_t arg,
                struct pmap_inval *iv)
{
	struct pmap_range_walk w;

	w.pm = pm;
	w.sva = sva;
	w.last = last;
	w.op = op;
	w.arg = arg;
	w.iv = iv;
	(void)pmap_range_table(&w, pm->pm_root_hpa, PMAP_NLEVELS - 1, 0);
}

/*
 * Apply @op to every valid leaf in [sva, eva), eva exclusive (0 is the top
 * of the 64-bit space).  Ranges are page aligned and, for x86, stay in one
 * canonical half.  Tables are walked once each, table by table; the ones
 * a removal empties are freed after the flush.
 */
static int
pmap_range_apply(struct pmap *pm, uint64_t sva, uint64_t eva, pmap_leaf_op *op, uint32_t arg,
                 const char *who)
{
	uint64_t last = eva - 1;
	struct pmap_edges e;
	struct pmap_resv r;
	struct pmap_inval iv;
	struct pmap_path p;
	uint32_t npv;
	int i, error;

	if (sva == eva)
		return PMAP_OK; /* [sva, sva) is empty */
	pmap_range_check(pm, sva, last, who);
	pmap_range_edges(pm, sva, last, &e, &npv);
	error = pmap_resv_get(pm, &r, (uint32_t)e.n, npv);
	if (error != PMAP_OK)
		return error;
	pmap_inval_init(&iv, pm);
	for (i = 0; i < e.n; i++) {
		(void)pmap_walk(pm, e.va[i], PMAP_LEVEL_2M, &p);
		pmap_demote(pm, &p, e.va[i], &r, &iv);
	}
	pmap_range_walk(pm, sva, last, op, arg, &iv);
	pmap_inval_flush(&iv);
	pmap_resv_done(pm, &r);
	return PMAP_OK;
}

/* @arg: the leaves' A/D is not theirs (see pmap_remove_forget_ad). */
static bool
pmap_remove_op(struct pmap *pm, struct pmap_path *p, uint64_t va, uint32_t arg,
               struct pmap_inval *iv)
{
	iv->forget_ad = arg != 0;
	pmap_leaf_clear(pm, p, va, iv);
	return true;
}

/*
 * Remove every mapping in [sva, eva), freeing the tables that empties.
 * Returns PMAP_OK, or PMAP_ENOMEM (nothing changed) when a 2 MiB leaf the
 * range cuts cannot be demoted.
 */
int
pmap_remove(struct pmap *pm, uint64_t sva, uint64_t eva)
{
	return pmap_range_apply(pm, sva, eva, pmap_remove_op, 0, "pmap_remove");
}

/*
 * pmap_remove() for leaves whose A/D bits were copied from elsewhere (a
 * conversion rolled back): the pages are not told they were referenced or
 * dirtied by them.
 */
int
pmap_remove_forget_ad(struct pmap *pm, uint64_t sva, uint64_t eva)
{
	return pmap_range_apply(pm, sva, eva, pmap_remove_op, 1, "pmap_remove");
}

/*
 * Take away the rights not in @arg (a VM_PROT) from one leaf; never add
 * one.  Losing write moves a dirty bit to the pages; losing every right
 * removes the leaf.
 */
static bool
pmap_protect_op(struct pmap *pm, struct pmap_path *p, uint64_t va, uint32_t arg,
                struct pmap_inval *iv)
{
	pmap_pte_t *ptep = p->pte[p->level], pte = *ptep;
	pmap_pte_t m_bit = pm->pmap_bits[PMAP_BIT_M];
	vm_prot_t old = pmap_pte_prot(pm, pte), nprot = old & (vm_prot_t)arg;

	if (nprot == old)
		return false;
	if ((nprot & (VM_PROT_READ | VM_PROT_EXECUTE)) == 0) {
		pmap_leaf_clear(pm, p, va, iv);
		return true;
	}
	pte = pmap_pte_set_prot(pm, pte, nprot);
	if ((nprot & VM_PROT_WRITE) == 0 && (pte & m_bit) != 0) {
		pmap_leaf_note_ad(pm, pte & ~pm->pmap_bits[PMAP_BIT_A], p->level);
		pte &= ~m_bit;
	}
	pmap_leaf_update(pm, ptep, pte, va, p->level, iv);
	return false;
}

/*
 * Reduce the rights of [sva, eva) to at most @prot (BSD pmap_protect).
 * @prot without read or execute removes the range.  An empty range
 * (sva == eva) is a no-op for every range operation.
 */
int
pmap_protect(struct pmap *pm, uint64_t sva, uint64_t eva, vm_prot_t prot)
{
	if ((prot & (VM_PROT_READ | VM_PROT_EXECUTE)) == 0)
		return pmap_remove(pm, sva, eva);
	return pmap_range_apply(pm, sva, eva, pmap_protect_op, prot, "pmap_protect");
}

static bool
pmap_unwire_op(struct pmap *pm, struct pmap_path *p, uint64_t va, uint32_t arg,
               struct pmap_inval *iv)
{
	pmap_pte_t *ptep = p->pte[p->level], w = pm->pmap_bits[PMAP_BIT_W];

	if ((*ptep & w) == 0)
		PMAP_PANIC("pmap_unwire: not wired va=%#lx pte=%#lx level=%d", va, *ptep, p->level);
	pmap_leaf_update(pm, ptep, *ptep & ~w, va, p->level, iv);
	return false;
}

/* Clear the wired bit of every mapping in [sva, eva); each must be wired. */
int
pmap_unwire(struct pmap *pm, uint64_t sva, uint64_t eva)
{
	return pmap_range_apply(pm, sva, eva, pmap_unwire_op, 0, "pmap_unwire");
}

/*
 * Remove every mapping of @pm, in both x86 halves, freeing every table
 * but the root (pmap_release).
 */
void
pmap_remove_all(struct pmap *pm, struct pmap_inval *iv)
{
	pmap_range_walk(pm, 0, ~0ul, pmap_remove_op, 0, iv);
}
