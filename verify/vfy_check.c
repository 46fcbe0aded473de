/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_check.c - one address, both formats, and the VM's ground truth.
 *
 * For every mapped address: each format's walk gives the frame the VM
 * holds there; no format grants a right the VM withholds (write to a
 * copy-on-write or read-only page, execute without X); the memory types
 * agree (UC- in x86 is UC in EPT); and in pair mode the two formats agree
 * with each other, EPT holding no more than x86.  EPT may hold less: with
 * emulated A/D, R and W wait for the first access.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/mmu.h"
#include "sim/report.h"
#include "sim/vm.h"
#include "verify/vfy_check.h"

static char
vfy_c(bool b, char c)
{
	return b ? c : '-';
}

/* EPT has no UC-; everything else is the same number in both formats. */
static uint8_t
vfy_ept_type(uint8_t pat_type)
{
	return pat_type == PMAP_MA_UC_MINUS ? PMAP_MA_UC : pat_type;
}

/* May a walk's rights stand where the VM allows at most @max? */
static const char *
vfy_rights_excess(const struct sim_walk *w, vm_prot_t max, bool exec_only)
{
	if (w->w && !(max & VM_PROT_WRITE))
		return "writable where the VM forbids writing (read-only or copy-on-write)";
	if (w->x && !(max & VM_PROT_EXECUTE))
		return "executable where the VM forbids execution";
	/* Neither format says write-only; x86 cannot say execute-only. */
	if (w->r && max == VM_PROT_NONE)
		return "readable where the VM allows nothing";
	if (w->r && exec_only && max == VM_PROT_EXECUTE)
		return "readable where the VM allows execution only";
	return NULL;
}

/* What the VM holds at an address (sim_vm_resident), asked once for both formats. */
struct vfy_truth {
	bool resident;
	uint64_t hpa;
	vm_prot_t max;
	enum pmap_memattr ma;
};

static void
vfy_check_walk(struct sim *s, struct sim_vmspace *vs, struct pmap *pm, uint64_t va,
               const struct sim_walk *w, const struct vfy_truth *t)
{
	const char *fmt = pm->pm_type == PMAP_TYPE_EPT ? "EPT" : "x86";
	bool exec_only = (pm->pm_flags & PMAP_SUPPORTS_EXEC_ONLY) != 0;
	enum pmap_memattr ma = t->ma;
	vm_prot_t max = t->max;
	uint64_t hpa = t->hpa;
	const char *why;

	if (!t->resident) {
		sim_diverge(s, vs, va, "mapped without the VM",
		            "%s maps %#lx to hpa %#lx, but the VM holds no page there", fmt, va,
		            w->hpa);
		return;
	}
	if ((w->hpa & ~(PMAP_PAGE_SIZE - 1)) != hpa) {
		sim_diverge(s, vs, va, "wrong frame", "%s maps %#lx to hpa %#lx, the VM has %#lx",
		            fmt, va, w->hpa, hpa);
		return;
	}
	if ((why = vfy_rights_excess(w, max, exec_only)) != NULL)
		sim_diverge(s, vs, va, "rights", "%s grants %c%c%c, the VM at most %c%c%c: %s", fmt,
		            vfy_c(w->r, 'r'), vfy_c(w->w, 'w'), vfy_c(w->x, 'x'),
		            vfy_c(max & VM_PROT_READ, 'r'), vfy_c(max & VM_PROT_WRITE, 'w'),
		            vfy_c(max & VM_PROT_EXECUTE, 'x'), why);
	if (pm->pm_type == PMAP_TYPE_EPT ? w->memtype != vfy_ept_type(ma) : w->memtype != ma)
		sim_diverge(s, vs, va, "memory type", "%s says type %u, the VM's mapping %u", fmt,
		            w->memtype, ma);
	if (pm->pm_type == PMAP_TYPE_X86 && !w->u)
		sim_diverge(s, vs, va, "supervisor page", "x86 maps user %#lx without U/S", va);
}

/* Pair and convert modes: the EPT pmap @ept says what x86 says, or less. */
void
vfy_check_pair(struct sim *s, struct sim_vmspace *vs, struct pmap *ept, uint64_t va,
               const struct sim_walk *x, const struct sim_walk *e)
{
	bool emulated = (ept->pm_flags & PMAP_EMULATE_AD_BITS) != 0;

	if (!e->ok)
		return;
	if (!x->ok) {
		/* x86 may hold less only where a pageout pass took it (emulated A/D). */
		if (!emulated)
			sim_diverge(s, vs, va, "formats disagree",
			            "EPT maps %#lx to hpa %#lx, x86 maps nothing", va, e->hpa);
		return;
	}
	if (e->hpa != x->hpa)
		sim_diverge(s, vs, va, "formats disagree", "x86 maps hpa %#lx, EPT hpa %#lx",
		            x->hpa, e->hpa);
	else if (e->w != x->w && (e->w || !emulated))
		sim_diverge(s, vs, va, "formats disagree", "x86 %swritable, EPT %swritable",
		            x->w ? "" : "not ", e->w ? "" : "not ");
	else if (e->x != x->x)
		sim_diverge(s, vs, va, "formats disagree", "x86 %sexecutable, EPT %sexecutable",
		            x->x ? "" : "not ", e->x ? "" : "not ");
	else if (e->memtype != vfy_ept_type(x->memtype))
		sim_diverge(s, vs, va, "formats disagree", "x86 memory type %u, EPT %u", x->memtype,
		            e->memtype);
}

void
vfy_walkers_init(struct sim *s, struct sim_vmspace *vs, struct vfy_walkers *wk)
{
	wk->x86_done = wk->x86_lost = false;
	wk->x86_ok = wk->ok_inline;
	wk->capok = sizeof(wk->ok_inline) / sizeof(wk->ok_inline[0]);
	wk->nok = wk->nextok = 0;
	wk->both_ok = 0;
	if (vs->has_x86)
		sim_walker_init(s, &wk->x86, &vs->x86);
	if (vs->has_ept)
		sim_walker_init(s, &wk->ept, &vs->ept);
}

void
vfy_walkers_fini(struct vfy_walkers *wk)
{
	if (wk->x86_ok != wk->ok_inline)
		free(wk->x86_ok);
	wk->x86_ok = NULL;
}

/* Both formats' walks of @va against the VM's @t, and each other. */
static void
vfy_check_truth(struct sim *s, struct sim_vmspace *vs, uint64_t va, const struct sim_walk *x,
                const struct sim_walk *e, const struct vfy_truth *t)
{
	if (vs->has_x86 && x->ok)
		vfy_check_walk(s, vs, &vs->x86, va, x, t);
	if (vs->has_ept && e->ok)
		vfy_check_walk(s, vs, &vs->ept, va, e, t);
	if (vs->has_x86 && vs->has_ept)
		vfy_check_pair(s, vs, &vs->ept, va, x, e);
}

void
vfy_check_walked(struct sim *s, struct sim_vmspace *vs, uint64_t va, const struct sim_walk *x,
                 const struct sim_walk *e)
{
	struct vfy_truth t;

	s->stats.checks++;
	if ((vs->has_x86 && x->ok) || (vs->has_ept && e->ok))
		t.resident = sim_vm_resident(s, vs, va, &t.hpa, &t.max, &t.ma);
	vfy_check_truth(s, vs, va, x, e, &t);
}

/* Pages from @va (page-aligned) to the end of @w's page, or @n if fewer. */
static uint64_t
vfy_pages_left(const struct sim_walk *w, uint64_t va, uint64_t n)
{
	uint64_t left = (w->page_va + w->page_size - va) >> PMAP_PAGE_SHIFT;

	return left < n ? left : n;
}

/*
 * What vfy_check_walked() finds at each page of a run from @va, its walks
 * at the other pages being @x and @e moved by the page's offset (each
 * format's leaf goes on).  Every question asked of a page compares a
 * walk's rights and type, which are the same at every page of the run,
 * with the VM's, which sim_vm_resident_run() says are the same, and the
 * frames, which all move by the same offset: each page gets the answers
 * @va gets.  So when @va is found clean and the VM's pages run on, so
 * do the checked pages, up to @eva.
 */
uint64_t
vfy_check_run(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t eva,
              const struct sim_walk *x, const struct sim_walk *e)
{
	uint64_t before = s->report->divergences, n = 1;
	struct vfy_truth t = { .resident = false };

	s->stats.checks++;
	if ((vs->has_x86 && x->ok) || (vs->has_ept && e->ok))
		t.resident = sim_vm_resident_run(s, vs, va, eva, &t.hpa, &t.max, &t.ma, &n);
	vfy_check_truth(s, vs, va, x, e, &t);
	if (n <= 1 || !t.resident || s->report->divergences != before)
		return 1;
	if (vs->has_x86 && !x->ok)
		return 1;
	if (vs->has_ept && !e->ok)
		return 1;
	if (vs->has_x86)
		n = vfy_pages_left(x, va, n);
	if (vs->has_ept)
		n = vfy_pages_left(e, va, n);
	s->stats.checks += n - 1;
	return n;
}

void
vfy_check_va(struct sim *s, struct sim_vmspace *vs, uint64_t va)
{
	struct sim_walk x, e;

	x.ok = e.ok = false;
	if (vs->has_x86)
		sim_mmu_walk(s, &vs->x86, va, &x);
	if (vs->has_ept)
		sim_mmu_walk(s, &vs->ept, va, &e);
	vfy_check_walked(s, vs, va, &x, &e);
}

/* Do @n bytes at two physical addresses agree?  Not when either is not RAM. */
static bool
vfy_bytes_equal(struct sim *s, uint64_t a, uint64_t b, uint64_t n)
{
	const void *pa = sim_phys_ptr(s->sp, a), *pb = sim_phys_ptr(s->sp, b);

	return pa != NULL && pb != NULL && memcmp(pa, pb, n) == 0;
}

/*
 * The bytes a copy routine reached at @hpa (RAM) against the VM's page and,
 * in pair mode, the EPT path.
 */
void
vfy_check_copy(struct sim *s, struct sim_vmspace *vs, uint64_t va, uint64_t hpa, uint64_t n)
{
	enum pmap_memattr ma;
	struct sim_walk e;
	uint64_t vm_hpa;
	vm_prot_t max;

	if (s->cfg.check == SIM_CHECK_NONE)
		return;
	if (!sim_vm_resident(s, vs, va, &vm_hpa, &max, &ma) ||
	    !vfy_bytes_equal(s, hpa, vm_hpa + (va & (PMAP_PAGE_SIZE - 1)), n))
		sim_diverge(s, vs, va, "copy bytes",
		            "the copy routine reached hpa %#lx; the VM's page is not there", hpa);
	if (!(vs->has_x86 && vs->has_ept))
		return;
	sim_mmu_walk(s, &vs->ept, va, &e);
	if (e.ok && !vfy_bytes_equal(s, hpa, e.hpa, n))
		sim_diverge(s, vs, va, "copy bytes",
		            "%lu bytes at %#lx differ between the x86 path (hpa %#lx) and the "
		            "EPT path (hpa %#lx)",
		            n, va, hpa, e.hpa);
}
