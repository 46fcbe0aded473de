/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_full.c - when to check what.
 *
 * After each event (incremental): the addresses the event touched, in
 * every pmap of its vmspace, and the TLB entries of those pmaps.  At a
 * CHECK event and at the end (full): every leaf of every pmap, the
 * structural invariants, every TLB; in convert mode, each regular pmap is
 * converted to EPT and the two compared leaf by leaf.
 */
#include "sim/mmu.h"
#include "sim/report.h"
#include "sim/vm.h"
#include "verify/vfy_check.h"

/*
 * Does the EPT pass over [sva, eva) have anything left to find?  Not
 * when, without the structure checks, the x86 pass found every page of
 * the range translated in both formats: every EPT entry the pass would
 * visit is then on the walk of one of those pages (present, its table in
 * RAM: no "table frame" to report), the leaf it reaches is that walk's,
 * and the pass skips the pages the x86 pass checked.
 */
static bool
vfy_ept_pass_needed(const struct vfy_walkers *wk, uint64_t sva, uint64_t eva, bool structure)
{
	return structure || !wk->x86_done || wk->both_ok != (eva - sva) >> PMAP_PAGE_SHIFT;
}

/* [sva, eva), page-aligned, in @vs's pmaps, through @wk (initialised for @vs). */
static void
vfy_check_walkers(struct sim *s, struct sim_vmspace *vs, struct vfy_walkers *wk, uint64_t sva,
                  uint64_t eva, bool structure, struct vfy_writers *writers)
{
	if (vs->has_x86) {
		vfy_check_tables(s, vs, wk, &vs->x86, sva, eva, structure, writers);
		wk->x86_done = !wk->x86_lost;
	}
	if (vs->has_ept && vfy_ept_pass_needed(wk, sva, eva, structure))
		vfy_check_tables(s, vs, wk, &vs->ept, sva, eva, structure, writers);
}

/* [sva, eva), page-aligned, in @vs's pmaps. */
static void
vfy_check_space(struct sim *s, struct sim_vmspace *vs, uint64_t sva, uint64_t eva, bool structure,
                struct vfy_writers *writers)
{
	struct vfy_walkers wk;

	vfy_walkers_init(s, vs, &wk);
	vfy_check_walkers(s, vs, &wk, sva, eva, structure, writers);
	vfy_walkers_fini(&wk);
}

/*
 * The walkers of the checks after one event: the tables do not change
 * while they run, so the checks of one vmspace share their cursors.
 */
struct vfy_event_walkers {
	struct sim_vmspace *vs; /* whose walkers @wk are, or NULL */
	struct vfy_walkers wk;
};

/*
 * [sva, eva), page-aligned, in @vs's pmaps, then the TLB entries caching
 * it, walked through the same cursors: an entry's walk is mostly one the
 * check has just done.
 */
static void
vfy_check_range(struct sim *s, struct vfy_event_walkers *ew, struct sim_vmspace *vs, uint64_t sva,
                uint64_t eva)
{
	struct vfy_walkers *wk = &ew->wk;

	if (ew->vs == vs) {
		vfy_walkers_range(wk);
	} else {
		if (ew->vs != NULL)
			vfy_walkers_fini(wk);
		vfy_walkers_init(s, vs, wk);
		ew->vs = vs;
	}
	vfy_check_walkers(s, vs, wk, sva, eva, false, NULL);
	(void)sim_tlb_check_walkers(s, vs, sva, eva, vs->has_x86 ? &wk->x86 : NULL,
	                            vs->has_ept ? &wk->ept : NULL);
}

/*
 * Convert @vs's x86 pmap into @ept, paging out to make room as a kernel
 * would; false when memory cannot be had even then.
 */
static bool
vfy_convert(struct sim *s, struct sim_vmspace *vs, struct pmap *ept,
            struct pmap_convert_report *rep)
{
	uint32_t flags =
	    PMAP_PDE_SUPERPAGE |
	    (s->cfg.ad == SIM_AD_EMULATED ? PMAP_EMULATE_AD_BITS : PMAP_SUPPORTS_EXEC_ONLY);
	int error;

	while ((error = pmap_pinit(ept, PMAP_TYPE_EPT, flags, vs)) == PMAP_ENOMEM)
		if (sim_pageout(s, 0) == 0)
			return false;
	while ((error = pmap_convert_to_ept(&vs->x86, ept, 0, PMAP_USER_MAX, rep)) == PMAP_ENOMEM)
		if (sim_pageout(s, 0) == 0)
			break;
	if (error != PMAP_OK)
		pmap_release(ept);
	return error == PMAP_OK;
}

/*
 * A real x86 pmap always maps the kernel half (shared PML4 slots), which a
 * conversion of the user range must leave out.  The simulated ones map
 * nothing there, so for the conversion check one kernel page (read-only,
 * unmanaged: the local APIC page, outside the simulated RAM by default)
 * stands in for it.  False when no page table can be had for it.
 */
#define VFY_KERNEL_VA  PMAP_KERNEL_MIN
#define VFY_KERNEL_HPA 0xfee00000ul

static bool
vfy_kernel_plant(struct sim *s, struct sim_vmspace *vs)
{
	int error;

	while ((error = pmap_enter(&vs->x86, VFY_KERNEL_VA, VFY_KERNEL_HPA, VM_PROT_READ,
	                           PMAP_ENTER_DEVICE, PMAP_MA_UC, PMAP_LEVEL_4K)) == PMAP_ENOMEM)
		if (sim_pageout(s, 0) == 0)
			break;
	return error == PMAP_OK;
}

/*
 * @ept, converted from a user range, holds nothing at or above the x86
 * user limit: the PML4 entries from 256 up (gpa 0x800000000000 and up,
 * where the kernel half's entries land when copied index for index).
 */
void
vfy_check_user_only(struct sim *s, struct sim_vmspace *vs, struct pmap *ept)
{
	const uint64_t *root = sim_phys_ptr(s->sp, ept->pm_root_hpa);
	unsigned i;

	for (i = PMAP_NPTE / 2; root != NULL && i < PMAP_NPTE; i++)
		if (root[i] != 0)
			sim_diverge(s, vs, (uint64_t)i << 39, "converted kernel address",
			            "the EPT conversion of the user range has PML4 entry %u = %#lx "
			            "(gpa %#lx and up, the x86 kernel half)",
			            i, root[i], (uint64_t)i << 39);
}

/*
 * The conversion of @vs's x86 pmap, as the pair mode checks its two
 * pmaps: every x86 page against the converted walk (the same frame, write,
 * execute and memory type, none missing), then every converted leaf against
 * the VM, with x86's own precision (no execute-only), and the converted
 * pmap's structure.  The converted pmap's A/D bits are copies: it is emptied without handing
 * them to the pages, which would tell the pageout daemon of accesses that
 * never happened.
 */
static void
vfy_check_converted(struct sim *s, struct sim_vmspace *vs)
{
	struct pmap_convert_report rep;
	struct sim_vmspace view = *vs;
	struct vfy_walkers wk;
	bool planted = vfy_kernel_plant(s, vs);

	if (!vfy_convert(s, vs, &view.ept, &rep)) {
		if (planted)
			(void)pmap_remove(&vs->x86, VFY_KERNEL_VA, VFY_KERNEL_VA + PMAP_PAGE_SIZE);
		sim_fail(s, "converting vmspace %u to EPT: physical memory is full", vs->id);
		return;
	}
	if (planted)
		(void)pmap_remove(&vs->x86, VFY_KERNEL_VA, VFY_KERNEL_VA + PMAP_PAGE_SIZE);
	view.has_ept = true;
	view.converted = true;
	vfy_check_user_only(s, &view, &view.ept);
	vfy_walkers_init(s, &view, &wk);
	vfy_check_tables(s, &view, &wk, &view.x86, 0, PMAP_USER_MAX, false, NULL);
	wk.x86_done = !wk.x86_lost;
	vfy_check_tables(s, &view, &wk, &view.ept, 0, PMAP_USER_MAX, true, NULL);
	vfy_walkers_fini(&wk);
	s->stats.converted_leaves += rep.leaves[0] + rep.leaves[1];
	(void)pmap_remove_forget_ad(&view.ept, 0, PMAP_USER_MAX);
	pmap_release(&view.ept);
}

/*
 * Epochs number the full checks of a machine from 1; after 2^32 - 1 of
 * them every mark is cleared and the count starts again, so a mark left
 * by an earlier check never carries this check's epoch.
 */
void
vfy_writers_begin(struct sim *s, struct vfy_writers *wr)
{
	struct sim_phys *sp = s->sp;
	uint64_t i;

	if (++sp->writer_epoch == 0) {
		for (i = 0; i < sp->npages; i++)
			sp->pages[i].writer_epoch = sp->pages[i].writer_vm = 0;
		sp->writer_epoch = 1;
	}
	wr->epoch = sp->writer_epoch;
	sim_hash_init(&wr->far);
}

void
vfy_writers_end(struct vfy_writers *wr)
{
	sim_hash_fini(&wr->far);
}

struct vfy_full {
	struct sim *s;
	struct vfy_writers writers;
};

static void
vfy_full_space(uint64_t key, void *val, void *arg)
{
	struct vfy_full *f = arg;
	struct sim_vmspace *vs = val;

	(void)key;
	vfy_check_space(f->s, vs, 0, sim_vm_user_limit(f->s, vs), true, &f->writers);
	if (f->s->cfg.mode == SIM_MODE_CONVERT)
		vfy_check_converted(f->s, vs);
}

void
vfy_check_full(struct sim *s)
{
	struct vfy_full f = { .s = s };

	if (s->cfg.check == SIM_CHECK_NONE && s->cfg.mode != SIM_MODE_CONVERT)
		return;
	vfy_writers_begin(s, &f.writers);
	sim_hash_each(&s->vmspaces, vfy_full_space, &f);
	vfy_writers_end(&f.writers);
	sim_tlb_check(s, NULL, 0, UINT64_MAX);
	s->stats.full_checks++;
}

/* The range an event touched in its vmspace, [va, va + len). */
static void
vfy_event_range(const struct trace_event *ev, uint64_t *sva, uint64_t *eva)
{
	*sva = ev->va & ~(PMAP_PAGE_SIZE - 1);
	*eva = ev->va + (ev->len ? ev->len : 1);
	*eva = (*eva + PMAP_PAGE_SIZE - 1) & ~(PMAP_PAGE_SIZE - 1);
}

/*
 * The addresses the pageout daemon changed during the event: each page it
 * scanned, where the pv lists said it was mapped before the scan (a page
 * mapped more than that is reached by the next full check).
 */
static void
vfy_check_touched(struct sim *s, struct vfy_event_walkers *ew)
{
	size_t i;

	for (i = 0; i < s->ntouched; i++) {
		struct sim_touched *t = &s->touched[i];

		vfy_check_range(s, ew, t->vs, t->va, t->va + PMAP_PAGE_SIZE);
	}
}

/*
 * The pages an event may have changed: its range for map operations and
 * accesses, the whole vmspace for fork and exec, and wherever the pageout
 * daemon touched pages (everything when host memory ran out recording them).
 */
void
vfy_check_event(struct sim *s, const struct trace_event *ev)
{
	struct sim_vmspace *vs = sim_vmspace_find(s, ev->vm), *child;
	struct vfy_event_walkers ew;
	uint64_t sva = 0, eva;

	ew.vs = NULL; /* (not the whole struct: its walkers are set as needed) */
	if (s->cfg.check == SIM_CHECK_FULL || s->touched_overflow) {
		vfy_check_full(s);
		return;
	}
	vfy_check_touched(s, &ew);
	if (vs != NULL && ev->op != TRACE_VMSPACE_CREATE && ev->op != TRACE_SCHED) {
		/* else nothing mapped changed (exit: the leak check is at the end) */
		eva = sim_vm_user_limit(s, vs);
		if (ev->op == TRACE_FORK && (child = sim_vmspace_find(s, ev->child)) != NULL)
			vfy_check_space(s, child, 0, sim_vm_user_limit(s, child), false, NULL);
		if (ev->op != TRACE_FORK && ev->op != TRACE_EXEC)
			vfy_event_range(ev, &sva, &eva);
		vfy_check_range(s, &ew, vs, sva, eva);
	}
	if (ew.vs != NULL)
		vfy_walkers_fini(&ew.wk);
}
