/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_ad.c - the A/D emulation fault handler for EPT pmaps whose CPU has
 * no EPT accessed/dirty flags (EPTP bit 6 clear, SDM 3C 29.3.5).
 *
 * In that format "accessed" is the R permission and "modified" the W
 * permission (pmap_formats.c), so the first read of a page, or the first
 * write, takes an EPT violation.  The hypervisor calls pmap_emulate_ad()
 * with the faulting gpa before treating the exit as a real fault.
 */
#include "pmap_var.h"

/*
 * Grant the access @ftype (one of VM_PROT_READ, _WRITE, _EXECUTE) if the
 * mapping allows it and only A/D emulation withheld it: a read sets A (R);
 * a write sets A and M together (R|W), so XWR = 010 never appears; an
 * execute sets A, X being the mapping's own.  Adds rights only, so needs
 * no invalidation.  Returns PMAP_OK when the access may be retried, or
 * PMAP_EFAULT when the fault is the VM's (no mapping, no such right, or
 * a pmap without emulation).
 */
int
pmap_emulate_ad(struct pmap *pm, uint64_t va, vm_prot_t ftype)
{
	const pmap_pte_t *bits = pm->pmap_bits;
	struct pmap_path p;
	pmap_pte_t *ptep, set = bits[PMAP_BIT_A];
	vm_prot_t prot;
	int level;

	if ((pm->pm_flags & PMAP_EMULATE_AD_BITS) == 0)
		return PMAP_EFAULT;
	pmap_check_va(pm, va, "pmap_emulate_ad");
	level = pmap_walk(pm, va, PMAP_LEVEL_4K, &p);
	ptep = p.pte[level];
	if (!pmap_pte_valid(pm, *ptep))
		return PMAP_EFAULT;
	prot = pmap_pte_prot(pm, *ptep);
	if ((prot & ftype) != ftype)
		return PMAP_EFAULT;
	if (ftype & VM_PROT_WRITE)
		set |= bits[PMAP_BIT_M];
	*ptep |= set;
	return PMAP_OK;
}
