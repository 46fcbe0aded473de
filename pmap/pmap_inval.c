/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_inval.c - invalidation batches.
 *
 * Every change that removes a right, changes a frame or clears A/D is
 * added to the call's batch; pmap_inval_flush() runs before the call
 * returns:
 *   x86  INVLPG per page (SDM 3A 4.10.4.1; also drops paging-structure
 *        caches), or one full flush past PMAP_INVAL_MAX pages;
 *   EPT  one INVEPT single-context with the pmap's EPTP (SDM 3C 29.4.3.1),
 *        which drops every guest-physical and combined mapping it tagged.
 * Page-table pages unlinked by the call are freed after the flush, so no
 * CPU can walk a page that has been reused.
 */
#include "pmap_var.h"

void
pmap_inval_init(struct pmap_inval *iv, struct pmap *pm)
{
	iv->pm = pm;
	iv->count = 0;
	iv->full = false;
	iv->free_hpa = 0;
	iv->forget_ad = false;
}

void
pmap_inval_add(struct pmap_inval *iv, uint64_t va)
{
	if (iv->full)
		return;
	if (iv->count == PMAP_INVAL_MAX) {
		iv->full = true;
		return;
	}
	iv->va[iv->count++] = va;
}

void
pmap_inval_all(struct pmap_inval *iv)
{
	iv->full = true;
}

/* Free @hpa after the flush; the chain runs through the page itself. */
void
pmap_inval_free_page(struct pmap_inval *iv, uint64_t hpa)
{
	*(uint64_t *)pmap_phys(hpa) = iv->free_hpa;
	iv->free_hpa = hpa;
}

static void
pmap_inval_hw(struct pmap_inval *iv)
{
	struct pmap *pm = iv->pm;
	uint32_t i;

	if (pmap_is_ept(pm)) {
		if (iv->full || iv->count != 0)
			pmap_plat_invept(pm, pm->pm_hw_root);
	} else if (iv->full) {
		pmap_plat_invltlb(pm);
	} else {
		for (i = 0; i < iv->count; i++)
			pmap_plat_invlpg(pm, iv->va[i]);
	}
}

/* Invalidate, then free the deferred pages; @iv is empty again after. */
void
pmap_inval_flush(struct pmap_inval *iv)
{
	uint64_t hpa;

	if (iv->free_hpa != 0)
		iv->full = iv->full || iv->count == 0;
	pmap_inval_hw(iv);
	while ((hpa = iv->free_hpa) != 0) {
		iv->free_hpa = *(uint64_t *)pmap_phys(hpa);
		pmap_plat_page_free(iv->pm, hpa);
	}
	pmap_inval_init(iv, iv->pm);
}
