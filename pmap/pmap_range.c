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

typedef void pmap_leaf_op(struct pmap *pm, struct pmap_path *p, uint64_t va, uint32_t arg,
                          struct pmap_inval *iv);

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
 * Apply @op to every valid leaf in [sva, eva), eva exclusive (0 is the top
 * of the 64-bit space).  Ranges are page aligned and, for x86, stay in one
 * canonical half.
 */
static int
pmap_range_apply(struct pmap *pm, uint64_t sva, uint64_t eva, pmap_leaf_op *op, uint32_t arg,
                 const char *who)
{
	uint64_t last = eva - 1, va, step;
	struct pmap_edges e;
	struct pmap_resv r;
	struct pmap_inval iv;
	struct pmap_path p;
	uint32_t npv;
	int i, level, error;

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
	for (va = sva;; va += step) {
		level = pmap_walk(pm, va, PMAP_LEVEL_4K, &p);
		if (pmap_pte_valid(pm, *p.pte[level]))
			op(pm, &p, va, arg, &iv);
		step = pmap_level_size(level) - (va & (pmap_level_size(level) - 1));
		if (last - va < step)
			break;
	}
	pmap_inval_flush(&iv);
	pmap_resv_done(pm, &r);
	return PMAP_OK;
}

/* @arg: the leaves' A/D is not theirs (see pmap_remove_forget_ad). */
static void
pmap_remove_op(struct pmap *pm, struct pmap_path *p, uint64_t va, uint32_t arg,
               struct pmap_inval *iv)
{
	iv->forget_ad = arg != 0;
	pmap_leaf_remove(pm, p, va, iv);
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
static void
pmap_protect_op(struct pmap *pm, struct pmap_path *p, uint64_t va, uint32_t arg,
                struct pmap_inval *iv)
{
	pmap_pte_t *ptep = p->pte[p->level], pte = *ptep;
	pmap_pte_t m_bit = pm->pmap_bits[PMAP_BIT_M];
	vm_prot_t old = pmap_pte_prot(pm, pte), nprot = old & (vm_prot_t)arg;

	if (nprot == old)
		return;
	if ((nprot & (VM_PROT_READ | VM_PROT_EXECUTE)) == 0) {
		pmap_leaf_remove(pm, p, va, iv);
		return;
	}
	pte = pmap_pte_set_prot(pm, pte, nprot);
	if ((nprot & VM_PROT_WRITE) == 0 && (pte & m_bit) != 0) {
		pmap_leaf_note_ad(pm, pte & ~pm->pmap_bits[PMAP_BIT_A], p->level);
		pte &= ~m_bit;
	}
	pmap_leaf_update(pm, ptep, pte, va, p->level, iv);
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

static void
pmap_unwire_op(struct pmap *pm, struct pmap_path *p, uint64_t va, uint32_t arg,
               struct pmap_inval *iv)
{
	pmap_pte_t *ptep = p->pte[p->level], w = pm->pmap_bits[PMAP_BIT_W];

	if ((*ptep & w) == 0)
		PMAP_PANIC("pmap_unwire: not wired va=%#lx pte=%#lx level=%d", va, *ptep, p->level);
	pmap_leaf_update(pm, ptep, *ptep & ~w, va, p->level, iv);
}

/* Clear the wired bit of every mapping in [sva, eva); each must be wired. */
int
pmap_unwire(struct pmap *pm, uint64_t sva, uint64_t eva)
{
	return pmap_range_apply(pm, sva, eva, pmap_unwire_op, 0, "pmap_unwire");
}
