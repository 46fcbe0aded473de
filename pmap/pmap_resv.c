/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_resv.c - take every page an operation may need before it changes
 * anything.  An operation that cannot have them returns PMAP_ENOMEM with
 * the pmap exactly as it was: no partial mapping, no leaked page.
 */
#include "pmap_var.h"

/*
 * Reserve @nptp page-table pages and @npv pv entries.  Returns PMAP_OK,
 * or PMAP_ENOMEM having given back everything it took.
 */
int
pmap_resv_get(struct pmap *pm, struct pmap_resv *r, uint32_t nptp, uint32_t npv)
{
	r->nptp = 0;
	r->pv_new_chunks = 0;
	if (nptp > PMAP_RESV_PTP)
		PMAP_PANIC("pmap_resv_get: %u tables asked, at most %d", nptp, PMAP_RESV_PTP);
	while (r->nptp < nptp) {
		if (pmap_plat_page_alloc(pm, &r->ptp_hpa[r->nptp]) != PMAP_OK) {
			pmap_resv_cancel(pm, r);
			return PMAP_ENOMEM;
		}
		r->nptp++;
	}
	if (npv != 0 && pmap_pv_reserve(pm, npv, &r->pv_new_chunks) != PMAP_OK) {
		pmap_resv_cancel(pm, r);
		return PMAP_ENOMEM;
	}
	return PMAP_OK;
}

/* One reserved, zeroed page-table page; the caller reserved enough. */
uint64_t
pmap_resv_take_ptp(struct pmap *pm, struct pmap_resv *r)
{
	if (r == NULL || r->nptp == 0)
		PMAP_PANIC("pmap_resv_take_ptp: none reserved pm=%p", (void *)pm);
	return r->ptp_hpa[--r->nptp];
}

/* Give back everything reserved; nothing may have been used. */
void
pmap_resv_cancel(struct pmap *pm, struct pmap_resv *r)
{
	while (r->nptp > 0)
		pmap_plat_page_free(pm, r->ptp_hpa[--r->nptp]);
	pmap_pv_unreserve(pm, r->pv_new_chunks);
	r->pv_new_chunks = 0;
}

/*
 * The operation succeeded: free the tables it did not need.  Unused pv
 * entries stay on the pmap's free list.
 */
void
pmap_resv_done(struct pmap *pm, struct pmap_resv *r)
{
	while (r->nptp > 0)
		pmap_plat_page_free(pm, r->ptp_hpa[--r->nptp]);
	r->pv_new_chunks = 0;
}
