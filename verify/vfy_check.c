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
#include "verify/vfy_bits.h"
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

/*
 * Can @pm's entries say execute-only in @vs?  Not a conversion's EPT pmap:
 * it is copied from x86, where every present entry is readable (SDM 3A
 * 4.6.1), so --x arrives as r-x, x86's own loss.
 */
static inline bool
vfy_exec_only(const struct sim_vmspace *vs, const struct pmap *pm)
{
	return (pm->pm_flags & PMAP_SUPPORTS_EXEC_ONLY) != 0 && !vs->converted;
}

/* What the VM holds at an address (sim_vm_resident), asked once for both formats. */
struct vfy_truth {
	bool resident;
	uint64_t hpa;
	vm_prot_t max;
	enum pmap_memattr ma;
};

/* What vfy_check_walk() finds, one bit each (none: the walk agrees with the VM). */
#define VFY_NOT_RESIDENT 0x01u
#define VFY_WRONG_FRAME  0x02u
#define VFY_RIGHTS       0x04u
#define VFY_MEMTYPE      0x08u
#define VFY_SUPERVISOR   0x10u

/*
 * The walk @w of @pm against the VM's @t: not resident or the wrong frame
 * (nothing else asked then), else rights beyond the VM's, the memory
 * type, and U/S in x86.
 */
static inline unsigned
vfy_walk_faults(const struct pmap *pm, bool exec_only, const struct sim_walk *w,
                const struct vfy_truth *t)
{
	unsigned f = 0;

	if (!t->resident)
		return VFY_NOT_RESIDENT;
	if ((w->hpa & ~(PMAP_PAGE_SIZE - 1)) != t->hpa)
		return VFY_WRONG_FRAME;
	if (vfy_rights_excess(w, t->max, exec_only) != NULL)
		f |= VFY_RIGHTS;
	if (pm->pm_type == PMAP_TYPE_EPT ? w->memtype != vfy_ept_type(t->ma) : w->memtype != t->ma)
		f |= VFY_MEMTYPE;
	if (pm->pm_type == PMAP_TYPE_X86 && !w->u)
		f |= VFY_SUPERVISOR;
	return f;
}

/* Report the faults @f of vfy_walk_faults(). */
static void
vfy_report_walk(struct sim *s, struct sim_vmspace *vs, struct pmap *pm, uint64_t va,
                const struct sim_walk *w, const struct vfy_truth *t, unsigned f)
{
	const char *fmt = pm->pm_type == PMAP_TYPE_EPT ? "EPT" : "x86";
	bool exec_only = vfy_exec_only(vs, pm);
	vm_prot_t max = t->max;

	if (f & VFY_NOT_RESIDENT)
		sim_diverge(s, vs, va, "mapped without the VM",
		            "%s maps %#lx to hpa %#lx, but the VM holds no page there", fmt, va,
		            w->hpa);
	if (f & VFY_WRONG_FRAME)
		sim_diverge(s, vs, va, "wrong frame", "%s maps %#lx to hpa %#lx, the VM has %#lx",
		            fmt, va, w->hpa, t->hpa);
	if (f & VFY_RIGHTS)
		sim_diverge(s, vs, va, "rights", "%s grants %c%c%c, the VM at most %c%c%c: %s", fmt,
		            vfy_c(w->r, 'r'), vfy_c(w->w, 'w'), vfy_c(w->x, 'x'),
		            vfy_c(max & VM_PROT_READ, 'r'), vfy_c(max & VM_PROT_WRITE, 'w'),
		            vfy_c(max & VM_PROT_EXECUTE, 'x'),
		            vfy_rights_excess(w, max, exec_only));
	if (f & VFY_MEMTYPE)
		sim_diverge(s, vs, va, "memory type", "%s says type %u, the VM's mapping %u", fmt,
		            w->memtype, t->ma);
	if (f & VFY_SUPERVISOR)
		sim_diverge(s, vs, va, "supervisor page", "x86 maps user %#lx without U/S", va);
}

static inline void
vfy_check_walk(struct sim *s, struct sim_vmspace *vs, struct pmap *pm, uint64_t va,
               const struct sim_walk *w, const struct vfy_truth *t)
{
	unsigned f = vfy_walk_faults(pm, vfy_exec_only(vs, pm), w, t);

	if (f != 0)
		vfy_report_walk(s, vs, pm, va, w, t, f);
}

/* Where the formats disagree, the first difference found. */
enum vfy_pair_fault {
	VFY_PAIR_SAME,
	VFY_PAIR_EPT_ONLY,
	VFY_PAIR_X86_ONLY,
	VFY_PAIR_FRAME,
	VFY_PAIR_WRITE,
	VFY_PAIR_EXEC,
	VFY_PAIR_MEMTYPE,
};

/* Is the x86 leaf of the walk @x accessed?  A is bit 5 at every level (SDM 3A tables 4-15..4-19).
 */
static inline bool
vfy_x86_accessed(const struct sim_walk *x)
{
	return (x->entries[x->level] & VFY_BIT(5)) != 0;
}

/*
 * Pair and convert modes: the EPT pmap @ept says what x86 says, or less.
 * x86 may hold less only where a pageout pass took it (emulated A/D).  A
 * conversion (@converted) holds every page x86 translates, but with
 * emulated A/D a page whose x86 leaf is not accessed arrives without R
 * (not present until its first access, pmap_emulate_ad).
 */
static inline enum vfy_pair_fault
vfy_pair_fault(const struct pmap *ept, bool converted, const struct sim_walk *x,
               const struct sim_walk *e)
{
	bool emulated = (ept->pm_flags & PMAP_EMULATE_AD_BITS) != 0;

	if (!e->ok)
		return converted && x->ok && (!emulated || vfy_x86_accessed(x)) ? VFY_PAIR_X86_ONLY
		                                                                : VFY_PAIR_SAME;
	if (!x->ok)
		return emulated ? VFY_PAIR_SAME : VFY_PAIR_EPT_ONLY;
	if (e->hpa != x->hpa)
		return VFY_PAIR_FRAME;
	if (e->w != x->w && (e->w || !emulated))
		return VFY_PAIR_WRITE;
	if (e->x != x->x)
		return VFY_PAIR_EXEC;
	if (e->memtype != vfy_ept_type(x->memtype))
		return VFY_PAIR_MEMTYPE;
	return VFY_PAIR_SAME;
}

static void
vfy_report_pair(struct sim *s, struct sim_vmspace *vs, uint64_t va, const struct sim_walk *x,
                const struct sim_walk *e, enum vfy_pair_fault f)
{
	switch (f) {
	case VFY_PAIR_SAME:
		break;
	case VFY_PAIR_EPT_ONLY:
		sim_diverge(s, vs, va, "formats disagree",
		            "EPT maps %#lx to hpa %#lx, x86 maps nothing", va, e->hpa);
		break;
	case VFY_PAIR_X86_ONLY:
		sim_diverge(s, vs, va, "formats disagree",
		            "x86 maps %#lx to hpa %#lx, its EPT conversion maps nothing", va,
		            x->hpa);
		break;
	case VFY_PAIR_FRAME:
		sim_diverge(s, vs, va, "formats disagree", "x86 maps hpa %#lx, EPT hpa %#lx",
		            x->hpa, e->hpa);
		break;
	case VFY_PAIR_WRITE:
		sim_diverge(s, vs, va, "formats disagree", "x86 %swritable, EPT %swritable",
		            x->w ? "" : "not ", e->w ? "" : "not ");
		break;
	case VFY_PAIR_EXEC:
		sim_diverge(s, vs, va, "formats disagree", "x86 %sexecutable, EPT %sexecutable",
		            x->x ? "" : "not ", e->x ? "" : "not ");
		break;
	case VFY_PAIR_MEMTYPE:
		sim_diverge(s, vs, va, "formats disagree", "x86 memory type %u, EPT %u", x->memtype,
		            e->memtype);
		break;
	}
}

void
vfy_check_pair(struct sim *s, struct sim_vmspace *vs, struct pmap *ept, uint64_t va,
               const struct sim_walk *x, const struct sim_walk *e)
{
	enum vfy_pair_fault f = vfy_pair_fault(ept, vs->converted, x, e);

	if (f != VFY_PAIR_SAME)
		vfy_report_pair(s, vs, va, x, e, f);
}

void
vfy_walkers_range(struct vfy_walkers *wk)
{
	wk->x86_done = wk->x86_lost = false;
	wk->nok = wk->nextok = 0;
	wk->both_ok = 0;
}

void
vfy_walkers_init(struct sim *s, struct sim_vmspace *vs, struct vfy_walkers *wk)
{
	wk->x86_ok = wk->ok_inline;
	wk->capok = sizeof(wk->ok_inline) / sizeof(wk->ok_inline[0]);
	vfy_walkers_range(wk);
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

/*
 * Both formats' walks of @va against the VM's @t, and each other.  A
 * conversion's x86 walk was checked against the VM by the pass before it.
 */
static void
vfy_check_truth(struct sim *s, struct sim_vmspace *vs, uint64_t va, const struct sim_walk *x,
                const struct sim_walk *e, const struct vfy_truth *t)
{
	if (vs->has_x86 && x->ok && !vs->converted)
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
