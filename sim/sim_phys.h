/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * sim_phys.h - the simulated machine's physical memory, and the pmap
 * platform seam (pmap/pmap_plat.h) implemented on it.
 *
 * RAM is frames [1, npages): frame 0 is never handed out (hpa 0 ends the
 * pmap's chains) and addresses past RAM are device memory, with no page.
 * Backing store is reserved, not committed: only touched frames cost host
 * memory.  Frames are poisoned on free and zeroed on allocation (unless
 * the caller fills them whole: sim_phys_alloc_raw); the allocation order
 * is shuffled by a seed, so runs are reproducible and still do not depend
 * on frames coming out in address order.
 */
#ifndef EPTSIM_SIM_PHYS_H
#define EPTSIM_SIM_PHYS_H

#include <stdint.h>

#include "pmap/pmap.h"

#define SIM_POISON 0xa5

struct sim_obj;

struct sim_page {
	struct pmap_page md;
	uint32_t allocated; /* handed out by sim_phys_alloc */
	/*
	 * verify/vfy_tables.c: the full check (sim_phys.writer_epoch) that
	 * found this frame writable from vmspace writer_vm - 1 (both fields
	 * in padding: the page stays 96 bytes).
	 */
	uint32_t writer_epoch;
	/* The VM's part (sim/vm_*.c); obj is NULL for tables, pv chunks, free frames. */
	struct sim_obj *obj;
	uint64_t pindex;
	bool dirty_truth; /* written through a simulated MMU since it was last clean */
	bool ref_truth;   /* accessed through a simulated MMU since the last ts_referenced */
	bool busy;        /* held by vm_fault: the pageout daemon passes it by */
	uint32_t writer_vm;
	struct sim_page *clock_next, *clock_prev; /* pageout's circular queue */
	struct sim_page *obj_next, *obj_prev;     /* the object's resident pages */
};

/* Counters of seam calls, for tests, benchmarks and reports. */
struct sim_phys_stats {
	uint64_t allocs, frees, alloc_failures;
	uint64_t in_use, peak_in_use;
	uint64_t invlpg, invltlb, invept;
};

/* Invalidation hooks: the TLB model plugs in here (NULL: only counted). */
struct sim_inval_hooks {
	void (*invlpg)(void *ctx, struct pmap *pm, uint64_t va);
	void (*invltlb)(void *ctx, struct pmap *pm);
	void (*invept)(void *ctx, struct pmap *pm, uint64_t eptp);
	/* Before a page the pmap allocated goes back to the allocator. */
	void (*page_free)(void *ctx, struct pmap *pm, uint64_t hpa);
	void *ctx;
};

struct sim_phys {
	uint64_t npages;
	uint64_t nalloc; /* frames [1, nalloc) are the allocator's */
	uint8_t *mem;
	struct sim_page *pages;
	uint64_t *free_stack;
	uint64_t nfree;
	uint64_t fail_at;  /* fail the fail_at'th allocation attempt (0: never) */
	uint64_t attempts; /* allocation attempts so far */
	/* The last full check's epoch (sim_page.writer_epoch), 0: none yet. */
	uint32_t writer_epoch;
	struct sim_phys_stats stats;
	struct sim_inval_hooks hooks;
};

/*
 * Create a machine with @npages frames of RAM, the first @nalloc of them
 * handed out by the allocator in an order shuffled by @seed (0: address
 * order); the rest are RAM the caller places by hand (e.g. aligned 2 MiB
 * runs).  Makes it the machine the seam serves.  Returns NULL when the
 * host cannot reserve the memory.
 */
struct sim_phys *sim_phys_create(uint64_t npages, uint64_t nalloc, uint64_t seed);
void sim_phys_destroy(struct sim_phys *sp);

/* The machine the seam serves. */
struct sim_phys *sim_phys_current(void);

/* Allocate a zeroed frame (0 and no frame when RAM is full or failing). */
uint64_t sim_phys_alloc(struct sim_phys *sp);
/*
 * A frame whose contents the caller overwrites whole: not zeroed, so a
 * frame used before still holds the poison it got when freed.
 */
uint64_t sim_phys_alloc_raw(struct sim_phys *sp);
void sim_phys_free(struct sim_phys *sp, uint64_t hpa);

/* Host pointer to @hpa, NULL outside RAM (inline: every table read comes here). */
static inline void *
sim_phys_ptr(struct sim_phys *sp, uint64_t hpa)
{
	if ((hpa >> PMAP_PAGE_SHIFT) >= sp->npages)
		return NULL;
	return sp->mem + hpa;
}

/* The frame holding @hpa, NULL outside RAM. */
static inline struct sim_page *
sim_phys_page(struct sim_phys *sp, uint64_t hpa)
{
	if ((hpa >> PMAP_PAGE_SHIFT) >= sp->npages)
		return NULL;
	return &sp->pages[hpa >> PMAP_PAGE_SHIFT];
}

/* Make the @nth allocation attempt from now fail (0: none). */
void sim_phys_fail_nth(struct sim_phys *sp, uint64_t nth);

#endif /* EPTSIM_SIM_PHYS_H */
