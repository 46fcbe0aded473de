/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_enter.c - insert or change one mapping, 4 KiB or 2 MiB.
 */
#include "pmap_var.h"

/*
 * Put @npte at the leaf of @p, which reaches @va's entry at the leaf
 * level, whatever stands there now.
 */
static void
pmap_enter_leaf(struct pmap *pm, struct pmap_path *p, uint64_t va, pmap_pte_t npte,
                struct pmap_inval *iv)
{
	const pmap_pte_t *bits = pm->pmap_bits;
	pmap_pte_t old = *p->pte[p->level];
	int level = p->level;

	if (!pmap_pte_valid(pm, old)) {
		pmap_leaf_install(pm, p, va, npte);
	} else if (!pmap_pte_is_leaf(pm, old, level)) {
		pmap_leaf_clear_table(pm, p, va, iv);
		pmap_leaf_install(pm, p, va, npte);
	} else if (pmap_leaf_frame(old, level) != pmap_leaf_frame(npte, level) ||
	           ((old ^ npte) & bits[PMAP_BIT_MANAGED]) != 0) {
		pmap_leaf_replace(pm, p, va, npte, iv);
	} else {
		/* Same page: A/D stay; a dirty page losing write goes to the VM. */
		if (npte & bits[PMAP_BIT_RW])
			npte |= old & (bits[PMAP_BIT_A] | bits[PMAP_BIT_M]);
		else
			pmap_leaf_note_ad(pm, old & ~bits[PMAP_BIT_A], level);
		pmap_leaf_update(pm, p->pte[level], npte, va, level, iv);
	}
}

/*
 * Install the leaf entry @npte for @va at @level, taking first every table
 * and pv entry it may need.  Returns PMAP_ENOMEM with @pm unchanged when
 * they cannot be had.
 */
int
pmap_enter_pte(struct pmap *pm, uint64_t va, pmap_pte_t npte, int level)
{
	struct pmap_path p;
	struct pmap_resv r;
	struct pmap_inval iv;
	int reached = pmap_walk(pm, va, level, &p);
	bool demote = reached > level && pmap_pte_valid(pm, *p.pte[reached]);
	uint32_t nptp = (uint32_t)(reached - level);
	uint32_t npv = (npte & pm->pmap_bits[PMAP_BIT_MANAGED]) ? 1 : 0;
	int error;

	if (demote)
		npv += pmap_demote_pv_cost(pm, *p.pte[reached]);
	error = pmap_resv_get(pm, &r, nptp, npv);
	if (error != PMAP_OK)
		return error;
	pmap_inval_init(&iv, pm);
	if (demote)
		pmap_demote(pm, &p, va, &r, &iv);
	else if (reached > level)
		pmap_walk_install(pm, va, level, &p, &r);
	pmap_enter_leaf(pm, &p, va, npte, &iv);
	pmap_inval_flush(&iv);
	pmap_resv_done(pm, &r);
	return PMAP_OK;
}

static void
pmap_enter_check(struct pmap *pm, uint64_t va, uint64_t hpa, vm_prot_t prot, enum pmap_memattr ma,
                 enum pmap_level psize)
{
	uint64_t mask = pmap_level_size(psize) - 1;

	pmap_check_va(pm, va, "pmap_enter");
	if ((va & mask) != 0 || (hpa & mask) != 0 || (hpa & ~PMAP_FRAME_4K) != 0)
		PMAP_PANIC("pmap_enter: misaligned va=%#lx hpa=%#lx level=%d", va, hpa, psize);
	if (prot == VM_PROT_NONE || (prot & ~VM_PROT_ALL) != 0)
		PMAP_PANIC("pmap_enter: bad prot=%#x va=%#lx", prot, va);
	if (!pmap_memattr_valid(ma))
		PMAP_PANIC("pmap_enter: bad memattr=%d va=%#lx", ma, va);
}

/*
 * Map @va to @hpa with @prot, as a 4 KiB or (PMAP_PDE_SUPERPAGE pmaps) a
 * 2 MiB leaf, replacing what was there and demoting a 2 MiB leaf a 4 KiB
 * entry falls in.  @flags holds the faulting access (VM_PROT_*) and
 * PMAP_ENTER_WIRED / _UNMANAGED / _DEVICE.  The new entry is accessed;
 * it is modified when the access writes, or when it is writable and
 * unmanaged (nobody would count its dirtiness).  Managed pages get a pv
 * entry.  Returns PMAP_OK, PMAP_ENOMEM (nothing changed) or PMAP_EINVAL
 * (2 MiB in a pmap without superpages).
 */
int
pmap_enter(struct pmap *pm, uint64_t va, uint64_t hpa, vm_prot_t prot, uint32_t flags,
           enum pmap_memattr ma, enum pmap_level psize)
{
	struct pmap_mapping m;

	if (psize != PMAP_LEVEL_4K &&
	    (psize != PMAP_LEVEL_2M || (pm->pm_flags & PMAP_PDE_SUPERPAGE) == 0))
		return PMAP_EINVAL;
	pmap_enter_check(pm, va, hpa, prot, ma, psize);
	m.hpa = hpa;
	m.level = psize;
	m.prot = prot;
	m.memattr = ma;
	m.managed = (flags & (PMAP_ENTER_UNMANAGED | PMAP_ENTER_DEVICE)) == 0;
	m.device = (flags & PMAP_ENTER_DEVICE) != 0;
	m.wired = (flags & PMAP_ENTER_WIRED) != 0;
	m.accessed = true;
	m.modified = (prot & VM_PROT_WRITE) != 0 && ((flags & VM_PROT_WRITE) != 0 || !m.managed);
	m.user = !pmap_is_ept(pm) && va < PMAP_USER_MAX;
	m.global = false;
	if (m.managed)
		(void)pmap_page_of(hpa, "pmap_enter");
	return pmap_enter_pte(pm, va, pmap_pte_encode(pm, &m), psize);
}
