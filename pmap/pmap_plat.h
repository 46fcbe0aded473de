/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_plat.h - the link-time seam between pmap/ and its platform.
 *
 * pmap/ calls nothing else.  The simulator (sim/sim_plat.c), the bare-metal
 * kernel (hw/) and the unit tests each link their own definitions; the
 * freestanding check (tests/pmap/freestanding.sh) proves with `nm -u` that
 * these are the only symbols pmap/ leaves undefined.
 */
#ifndef EPTSIM_PMAP_PLAT_H
#define EPTSIM_PMAP_PLAT_H

#include "pmap.h"

/*
 * Allocate one zeroed 4 KiB page for a page table or a pv chunk.  Returns
 * PMAP_OK and stores its hpa, or PMAP_ENOMEM and stores nothing.
 */
int pmap_plat_page_alloc(struct pmap *pm, uint64_t *hpa);

/* Free a page from pmap_plat_page_alloc(); its contents are garbage. */
void pmap_plat_page_free(struct pmap *pm, uint64_t hpa);

/* The pmap's pointer to physical memory (a direct map).  Never NULL for RAM. */
void *pmap_plat_phys_to_virt(uint64_t hpa);

/*
 * The direct map's linear window, like a kernel's DMAP range: when the
 * platform maps [hpa, hpa + len) at va, it says so here (at start-up, and
 * again whenever the mapping changes) and the pmap translates those
 * addresses inline; every other hpa, and every hpa while len is 0 (the
 * default), goes through pmap_plat_phys_to_virt().  A window covers only
 * what pmap_plat_phys_to_virt() would map: the pmap trusts it as it
 * trusts the seam.
 */
struct pmap_dmap {
	uint64_t hpa, len;
	char *va;
};
extern struct pmap_dmap pmap_dmap;

/*
 * The pmap_page of the physical page holding @hpa, or NULL when @hpa is not
 * RAM the platform manages (device memory).  Page-table pages are RAM.
 */
struct pmap_page *pmap_plat_page_lookup(uint64_t hpa);

/*
 * Invalidation, called before the pmap call that changed the tables
 * returns.  x86: INVLPG of one gva on every CPU where @pm is active, or a
 * full non-global flush (SDM 3A 4.10.4.1).  EPT: INVEPT single-context
 * with @eptp (SDM 3C 29.4.3.1).
 */
void pmap_plat_invlpg(struct pmap *pm, uint64_t va);
void pmap_plat_invltlb(struct pmap *pm);
void pmap_plat_invept(struct pmap *pm, uint64_t eptp);

/*
 * A broken invariant.  @fmt is "function: condition" followed by the
 * values that show why (printf conversions, uint64_t as %lx).
 */
__attribute__((noreturn, format(printf, 1, 2))) void pmap_plat_panic(const char *fmt, ...);

#endif /* EPTSIM_PMAP_PLAT_H */
