/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * sim_mmu.c - accesses by the simulated CPUs (see mmu.h).
 */
#include <stdio.h>

#include "pmap/pmap.h"
#include "sim/mmu.h"
#include "sim/report.h"
#include "sim/vm.h"
#include "verify/vfy_walk.h"

#define SIM_ACCESS_TRIES 4

/* Is @hpa an aligned word of RAM (what sim_phys_ptr() would give a pointer to)? */
static bool
sim_mem_word(const struct sim_phys *sp, uint64_t hpa)
{
	return (hpa >> PMAP_PAGE_SHIFT) < sp->npages && (hpa & 7) == 0;
}

static bool
sim_mem_read64(void *ctx, uint64_t hpa, uint64_t *val)
{
	struct sim_phys *sp = ctx;

	if (!sim_mem_word(sp, hpa))
		return false;
	*val = *(uint64_t *)(sp->mem + hpa);
	return true;
}

static bool
sim_mem_write64(void *ctx, uint64_t hpa, uint64_t val)
{
	struct sim_phys *sp = ctx;

	if (!sim_mem_word(sp, hpa))
		return false;
	*(uint64_t *)(sp->mem + hpa) = val;
	return true;
}

static unsigned
sim_acc(vm_prot_t access)
{
	return ((access & VM_PROT_READ) ? VFY_ACC_READ : 0) |
	       ((access & VM_PROT_WRITE) ? VFY_ACC_WRITE : 0) |
	       ((access & VM_PROT_EXECUTE) ? VFY_ACC_FETCH : 0);
}

/* A walk's words in sim's terms. */
static void
sim_walk_from_x86(const struct vfy_x86_result *r, struct sim_walk *w)
{
	int l;

	w->ok = r->outcome == VFY_X86_OK;
	w->misconfig = r->outcome == VFY_X86_RESERVED || r->outcome == VFY_X86_BAD_MEMORY;
	w->hpa = r->hpa;
	w->page_size = r->page_size;
	w->r = r->r, w->w = r->w, w->x = r->x, w->u = r->u;
	w->dirty = r->dirty;
	w->memtype = r->memtype;
	w->level = r->level;
	for (l = 0; l < 4; l++)
		w->entries[l] = r->entries[l];
	w->outcome = w->ok ? NULL : vfy_x86_outcome_name(r->outcome);
	w->reason = r->reason;
}

static void
sim_walk_x86(struct sim *s, struct pmap *pm, uint64_t va, unsigned acc, bool user, bool set_ad,
             struct sim_walk *w)
{
	struct vfy_mem mem = { sim_mem_read64, set_ad ? sim_mem_write64 : NULL, s->sp, 52 };
	struct vfy_x86_ctl ctl = { true, true, set_ad, false, SIM_PAT_MSR };
	struct vfy_x86_result r;

	vfy_walk_x86(&mem, pm->pm_hw_root, va, acc, user, &ctl, &r);
	sim_walk_from_x86(&r, w);
}

static void
sim_walk_from_ept(const struct pmap *pm, const struct vfy_ept_result *r, struct sim_walk *w)
{
	int l;

	w->ok = r->outcome == VFY_EPT_OK;
	w->misconfig = r->outcome == VFY_EPT_MISCONFIG || r->outcome == VFY_EPT_BAD_MEMORY;
	w->hpa = r->hpa;
	w->page_size = r->page_size;
	w->r = r->r, w->w = r->w, w->x = r->x, w->u = true;
	/* Without EPT A/D a write needs no walk to set D. */
	w->dirty = r->dirty || (pm->pm_flags & PMAP_EMULATE_AD_BITS);
	w->memtype = r->memtype;
	w->level = r->level;
	for (l = 0; l < 4; l++)
		w->entries[l] = r->entries[l];
	w->outcome = w->ok ? NULL : vfy_ept_outcome_name(r->outcome);
	w->reason = r->reason;
}

static void
sim_walk_ept(struct sim *s, struct pmap *pm, uint64_t va, unsigned acc, bool set_ad,
             struct sim_walk *w)
{
	struct vfy_mem mem = { sim_mem_read64, set_ad ? sim_mem_write64 : NULL, s->sp, 52 };
	struct vfy_ept_caps caps = { (pm->pm_flags & PMAP_SUPPORTS_EXEC_ONLY) != 0, false };
	struct vfy_ept_result r;

	vfy_walk_ept(&mem, pm->pm_hw_root, va, acc, &caps, &r);
	sim_walk_from_ept(pm, &r, w);
}

static void
sim_walk_any(struct sim *s, struct pmap *pm, uint64_t va, unsigned acc, bool user, bool set_ad,
             struct sim_walk *w)
{
	if (pm->pm_type == PMAP_TYPE_EPT)
		sim_walk_ept(s, pm, va, acc, set_ad, w);
	else
		sim_walk_x86(s, pm, va, acc, user, set_ad, w);
	w->page_va = va & ~(w->page_size ? w->page_size - 1 : PMAP_PAGE_SIZE - 1);
}

void
sim_mmu_walk(struct sim *s, struct pmap *pm, uint64_t va, struct sim_walk *w)
{
	sim_walk_any(s, pm, va, 0, true, false, w);
}

/* The same memory, rights and PAT as sim_mmu_walk's, behind cursors. */
void
sim_walker_init(struct sim *s, struct sim_walker *wk, struct pmap *pm)
{
	wk->pm = pm;
	wk->mem = (struct vfy_mem){ sim_mem_read64, NULL, s->sp, 52 };
	wk->ctl = (struct vfy_x86_ctl){ true, true, false, false, SIM_PAT_MSR };
	wk->caps = (struct vfy_ept_caps){ (pm->pm_flags & PMAP_SUPPORTS_EXEC_ONLY) != 0, false };
	if (pm->pm_type == PMAP_TYPE_EPT)
		vfy_ept_cursor_init(&wk->ept, &wk->mem, pm->pm_hw_root, &wk->caps);
	else
		vfy_x86_cursor_init(&wk->x86, &wk->mem, pm->pm_hw_root, true, &wk->ctl);
}

/*
 * Through the cursor: a walk of @va, or its last result when @va is in
 * that result's region (vfy_walk.h), the translation's offset within the
 * page then moved to @va's.
 */
void
sim_walker_walk(struct sim_walker *wk, uint64_t va, struct sim_walk *w)
{
	if (wk->pm->pm_type == PMAP_TYPE_EPT)
		sim_walk_from_ept(wk->pm, vfy_ept_cursor_result(&wk->ept, va), w);
	else
		sim_walk_from_x86(vfy_x86_cursor_result(&wk->x86, va), w);
	w->hpa = vfy_region_hpa(w->hpa, w->page_size, va);
	w->page_va = va & ~(w->page_size ? w->page_size - 1 : PMAP_PAGE_SIZE - 1);
}

const char *
sim_walk_describe(const struct sim_walk *w, char *buf, size_t len)
{
	if (w->ok)
		snprintf(buf, len, "hpa %#lx %c%c%c%s %luK", w->hpa, w->r ? 'r' : '-',
		         w->w ? 'w' : '-', w->x ? 'x' : '-', w->u ? "" : " supervisor",
		         w->page_size >> 10);
	else
		snprintf(buf, len, "%s%s%s", w->outcome, w->reason ? ": " : "",
		         w->reason ? w->reason : "");
	return buf;
}

static bool
sim_tlb_allows(const struct sim_tlb_entry *t, vm_prot_t access)
{
	if ((access & VM_PROT_READ) && !t->r)
		return false;
	if ((access & VM_PROT_WRITE) && !t->w)
		return false;
	return !((access & VM_PROT_EXECUTE) && !t->x);
}

/* What one try at an access did. */
enum sim_try {
	SIM_TRY_OK,         /* translated (*hpa) */
	SIM_TRY_TLB_FAULT,  /* a TLB entry refused it */
	SIM_TRY_WALK_FAULT, /* the tables refused it */
	SIM_TRY_INVALID,    /* an EPT misconfiguration or a reserved bit (reported) */
};

/*
 * One try: the TLB, else a walk that fills it.  On a fault the CPU then
 * drops the address's TLB entries.
 */
static enum sim_try
sim_mmu_try(struct sim *s, struct sim_vmspace *vs, struct pmap *pm, unsigned cpu, uint64_t va,
            vm_prot_t access, bool user, uint64_t *hpa)
{
	struct sim_tlb_entry *t = sim_tlb_lookup(s, cpu, pm, va);
	struct sim_walk w;
	char desc[160];

	s->stats.accesses++;
	if (t != NULL && !sim_tlb_allows(t, access))
		return SIM_TRY_TLB_FAULT; /* spurious if the tables allow it */
	if (t != NULL && (!(access & VM_PROT_WRITE) || t->dirty)) {
		s->stats.tlb_hits++;
		*hpa = t->hpa + (va - t->va);
		return SIM_TRY_OK;
	}
	s->stats.walks++;
	sim_walk_any(s, pm, va, sim_acc(access), user, true, &w);
	if (w.misconfig) {
		sim_diverge(s, vs, va, "invalid entry", "%s access by cpu %u: %s",
		            access == VM_PROT_WRITE ? "write" : "read/fetch", cpu,
		            sim_walk_describe(&w, desc, sizeof(desc)));
		return SIM_TRY_INVALID;
	}
	if (!w.ok)
		return SIM_TRY_WALK_FAULT;
	sim_tlb_fill(s, cpu, pm, va, &w);
	*hpa = w.hpa;
	return SIM_TRY_OK;
}

/*
 * A fault from a TLB entry that grants less than the tables do now (a
 * rights upgrade the CPU has not seen): spurious, absorbed by the fault
 * handler (SDM 3A 4.10.4.3).  Asked only after a fault from the TLB: a
 * fault from a walk is never spurious, as the same walk of the same
 * tables would refuse the access again (the A bits it may have set on the
 * way grant nothing).
 */
static bool
sim_mmu_spurious(struct sim *s, struct pmap *pm, uint64_t va, vm_prot_t access, bool user)
{
	struct sim_walk w;

	sim_walk_any(s, pm, va, sim_acc(access), user, false, &w);
	return w.ok;
}

/* The ground truth a successful access leaves on its page. */
static void
sim_mmu_touch(struct sim *s, uint64_t hpa, vm_prot_t access)
{
	struct sim_page *pg = sim_phys_page(s->sp, hpa);

	if (pg == NULL || pg->obj == NULL)
		return;
	pg->ref_truth = true;
	if (access & VM_PROT_WRITE)
		pg->dirty_truth = true;
}

enum sim_access_result
sim_mmu_access(struct sim *s, struct sim_vmspace *vs, struct pmap *pm, unsigned cpu, uint64_t va,
               vm_prot_t access, bool user, uint64_t *hpa)
{
	enum sim_access_result res;
	enum sim_try r;
	int tries;

	for (tries = 0; tries < SIM_ACCESS_TRIES; tries++) {
		r = sim_mmu_try(s, vs, pm, cpu, va, access, user, hpa);
		if (r == SIM_TRY_OK) {
			sim_mmu_touch(s, *hpa, access);
			return SIM_ACCESS_OK;
		}
		if (r == SIM_TRY_INVALID)
			return SIM_ACCESS_EFAULT;
		sim_tlb_drop_va(s, cpu, pm, va);
		if (r == SIM_TRY_TLB_FAULT && sim_mmu_spurious(s, pm, va, access, user)) {
			s->stats.spurious_faults++;
			continue; /* the handler finds nothing to do; the retry walks */
		}
		if (pmap_emulate_ad(pm, va, access) == PMAP_OK) {
			s->stats.emulated_ad++;
			continue;
		}
		res = sim_vm_fault(s, vs, va, access);
		if (res != SIM_ACCESS_OK)
			return res;
	}
	sim_diverge(s, vs, va, "fault loop", "%s by cpu %u still faults after %d resolved faults",
	            access == VM_PROT_WRITE     ? "write"
	            : access == VM_PROT_EXECUTE ? "fetch"
	                                        : "read",
	            cpu, SIM_ACCESS_TRIES);
	return SIM_ACCESS_EFAULT;
}
