/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwr_fault.c - an ACCESS op and the runner's fault path, decided as a
 * kernel's vm_fault would (hw/DESIGN.md, "The runner's fault path"):
 *   EPT with emulated A/D: pmap_emulate_ad() first (SDM 3C 29.3.5 absent);
 *   outside every region, or against its prot: SIGSEGV, no retry;
 *   a present page the region allows more on: pmap_enter() the same frame
 *   with the region's prot (an upgrade, or a spurious fault);
 *   not present: the page's frame (hwr_frames.c), else a new zeroed one,
 *   pmap_enter(), retry.
 */
#include "hw/runner/hwr_var.h"

enum hwr_fix {
	HWR_FIX_RETRY,
	HWR_FIX_SEGV,
};

/* pmap_enter() flags for a page of @r faulted by @access. */
static uint32_t
hwr_enter_flags(const struct hwr_region *r, int access)
{
	return (uint32_t)access | ((r->memattr & HWOPS_MA_DEVICE) ? PMAP_ENTER_DEVICE : 0);
}

/*
 * Resolve a fault by @access at @va.  Returns HWR_FIX_RETRY or
 * HWR_FIX_SEGV, or a negated hwr_status when the runner cannot go on.
 */
static int
hwr_fix(struct hwr_state *st, uint64_t va, int access)
{
	uint64_t page = va & ~(PMAP_PAGE_SIZE - 1), hpa;
	struct hwr_region *r;
	struct pmap_mapping m;

	if ((st->pm.pm_flags & PMAP_EMULATE_AD_BITS) &&
	    pmap_emulate_ad(&st->pm, page, (vm_prot_t)access) == PMAP_OK)
		return HWR_FIX_RETRY;
	r = hwr_region_find(st, va);
	if (r == 0 || (r->prot & access) != access)
		return HWR_FIX_SEGV;
	if (pmap_lookup(&st->pm, page, &m)) {
		hpa = m.hpa;
	} else if ((hpa = hwr_frame_find(st, page)) == 0) {
		if (hwr_frame_alloc(&hpa) != 0)
			return -HWR_E_NOMEM;
		hwr_frame_remember(st, page, hpa);
	}
	if (pmap_enter(&st->pm, page, hpa, r->prot, hwr_enter_flags(r, access),
	               (enum pmap_memattr)(r->memattr & HWOPS_MA_MASK), PMAP_LEVEL_4K) != PMAP_OK)
		return -HWR_E_PMAP;
	return HWR_FIX_RETRY;
}

/* Note the first fault's code and address in @rec. */
static void
hwr_note_fault(struct hwr_record *rec, const struct hwr_fault *f)
{
	if (rec->faults++ == 0) {
		rec->code = f->code;
		rec->addr = f->addr;
	}
}

/*
 * Perform @op (an ACCESS), fixing faults as the kernel would, at most
 * HWR_MAX_RETRIES times.  Fills @rec; returns an hwr_status.
 */
int
hwr_op_access(struct hwr_state *st, const struct hwops_op *op, struct hwr_record *rec)
{
	int write = op->access == HWOPS_ACC_WRITE;
	uint64_t rval = 0;
	struct hwr_fault f;
	int tries, fix;

	for (tries = 0;; tries++) {
		if (hwr_access(&st->pm, op->va, op->access, op->user, op->arg, &rval, &f) != 0)
			return HWR_E_BACKEND;
		if (f.faulted == HWR_FAULT_NONE) {
			rec->val = write ? op->arg : rval;
			return HWR_OK;
		}
		hwr_note_fault(rec, &f);
		if (f.faulted == HWR_FAULT_MISCONFIG) {
			rec->out = HWR_OUT_MISCONFIG;
			return HWR_OK;
		}
		if (tries == HWR_MAX_RETRIES)
			return HWR_E_LOOP;
		fix = hwr_fix(st, op->va, op->access);
		if (fix < 0)
			return -fix;
		if (fix == HWR_FIX_SEGV) {
			rec->out = HWR_OUT_SEGV;
			return HWR_OK;
		}
	}
}
