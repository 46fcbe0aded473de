/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * mmu.h - the simulated CPUs: per-cpu TLBs and accesses through them.
 *
 * An access looks in the CPU's TLB first; on a miss the reference walker
 * (verify/, written from the SDM) walks the pmap's tables and sets A/D as
 * the hardware would, and the translation is cached.  Entries go only when
 * the pmap invalidates through the seam (INVLPG, full flush, INVEPT) or
 * when the CPU faults on the address (SDM 3A 4.10.4.1, 3C 29.4.3): a pmap
 * that forgets an invalidation leaves a stale entry that grants more than
 * its tables, which sim_tlb_check() reports.
 */
#ifndef EPTSIM_SIM_MMU_H
#define EPTSIM_SIM_MMU_H

#include <stddef.h>

#include "sim/sim.h"
#include "verify/vfy_walk.h"

/* The PAT every simulated CPU is programmed with: the one pmap/ assumes. */
#define SIM_PAT_MSR 0x0007010500070406ul

struct sim_walk {
	bool ok;        /* a translation exists */
	bool misconfig; /* EPT misconfiguration (or x86 reserved bit) */
	uint64_t hpa;   /* translation of va */
	uint64_t page_va, page_size;
	bool r, w, x, u;
	bool dirty;
	uint8_t memtype; /* x86: PAT type; EPT: leaf memory type */
	int level;
	uint64_t entries[4];
	const char *outcome; /* the walker's outcome name when not ok (NULL when ok) */
	const char *reason;  /* and why, when it has a reason (NULL otherwise) */
};

/* "hpa 0x... rw- 4K", or "VIOLATION: PDE not present (XWR=000)": for reports. */
const char *sim_walk_describe(const struct sim_walk *w, char *buf, size_t len);

/* Walk @pm's tables for @va with no side effect. */
void sim_mmu_walk(struct sim *s, struct pmap *pm, uint64_t va, struct sim_walk *w);

/*
 * Walks of one pmap, with no side effect, while its tables do not change
 * (a check): each gives what sim_mmu_walk() gives, reading only the
 * entries below the last walk's path that differ (vfy_walk.h cursors).
 * An address in the region of the cursor's last result (the same
 * entries read) is given the last walk with its hpa and page_va moved,
 * without a walk.  Not to be moved once initialised.
 */
struct sim_walker {
	struct pmap *pm;
	struct vfy_mem mem;
	struct vfy_x86_ctl ctl;
	struct vfy_ept_caps caps;
	struct vfy_x86_cursor x86;
	struct vfy_ept_cursor ept;
};

void sim_walker_init(struct sim *s, struct sim_walker *wk, struct pmap *pm);
void sim_walker_walk(struct sim_walker *wk, uint64_t va, struct sim_walk *w);

/* How many of @wk's walks were given from its cursor's last result. */
static inline uint64_t
sim_walker_reused(const struct sim_walker *wk)
{
	return wk->pm->pm_type == PMAP_TYPE_EPT ? wk->ept.hits : wk->x86.hits;
}

/*
 * @access (one VM_PROT bit) to @va by @cpu through @pm, in user mode when
 * @user, faulting into the VM and retrying as a CPU and a kernel would.
 * Returns OK with the byte's hpa, SEGV, or EFAULT (s->fatal set when the
 * replay cannot go on).
 */
enum sim_access_result sim_mmu_access(struct sim *s, struct sim_vmspace *vs, struct pmap *pm,
                                      unsigned cpu, uint64_t va, vm_prot_t access, bool user,
                                      uint64_t *hpa);

/* sim_tlb.c */
void sim_tlb_init(struct sim *s);
struct sim_tlb_entry *sim_tlb_lookup(struct sim *s, unsigned cpu, struct pmap *pm, uint64_t va);
void sim_tlb_fill(struct sim *s, unsigned cpu, struct pmap *pm, uint64_t va,
                  const struct sim_walk *w);
void sim_tlb_drop_va(struct sim *s, unsigned cpu, struct pmap *pm, uint64_t va);
void sim_tlb_drop_pmap(struct sim *s, struct pmap *pm);
/* Before @vs is freed: its pmaps' entries go, whatever the pmap flushed. */
void sim_tlb_forget_vmspace(struct sim *s, struct sim_vmspace *vs);
/*
 * Report every TLB entry of @vs's pmaps (every pmap's when NULL) caching
 * an address in [sva, eva) that grants more than its tables.
 */
uint64_t sim_tlb_check(struct sim *s, struct sim_vmspace *vs, uint64_t sva, uint64_t eva);
/*
 * sim_tlb_check(), the entries of @x86's and @ept's pmaps walked through
 * those cursors (either NULL: plain walks), which may have walked the
 * same tables before (a check of the range): the same reports, in the
 * same order, without walking again the tables above neighbouring
 * entries.  The tables must not have changed since their init.
 */
uint64_t sim_tlb_check_walkers(struct sim *s, struct sim_vmspace *vs, uint64_t sva, uint64_t eva,
                               struct sim_walker *x86, struct sim_walker *ept);

#endif /* EPTSIM_SIM_MMU_H */
