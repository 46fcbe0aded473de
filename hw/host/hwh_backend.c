/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwh_backend.c - the runner's backend (hw/runner/hwr_backend.h) on the
 * simulator: frames and the pmap seam from sim/sim_phys.c, accesses
 * through the verify/ reference walkers (which set A/D as the CPU does,
 * SDM 3A 4.8, 3C 29.3.5) behind the sim/ TLB model (entries stay until
 * the pmap invalidates them or the CPU faults on the address).
 *
 * The TLB behaves as Bochs's and QEMU's do: a cached translation that
 * allows the access is used, even when the tables have since lost the
 * right (a missing invalidation shows); one that does not allow it, or a
 * write through an entry cached clean, walks the tables again, so a
 * rights upgrade never faults spuriously.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/host/hwh.h"
#include "hw/runner/hwr.h"
#include "hw/runner/hwr_backend.h"
#include "sim/mmu.h"
#include "sim/sim.h"
#include "verify/vfy_walk.h"

/* SDM 3C table 28-7: bit 7 guest-linear address valid, bit 8 its translation. */
#define HWH_EPTQ_LINEAR 0x180ul

static struct sim *hwh_sim;
static FILE *hwh_out;
static struct pmap *hwh_pm; /* the runner's, between hwr_setup and hwr_teardown */
static hwh_record_hook *hwh_hook;
static void *hwh_hook_arg;

static bool
hwh_read64(void *ctx, uint64_t hpa, uint64_t *val)
{
	uint64_t *p = sim_phys_ptr(ctx, hpa);

	if (p == NULL || (hpa & 7) != 0)
		return false;
	*val = *p;
	return true;
}

static bool
hwh_write64(void *ctx, uint64_t hpa, uint64_t val)
{
	uint64_t *p = sim_phys_ptr(ctx, hpa);

	if (p == NULL || (hpa & 7) != 0)
		return false;
	*p = val;
	return true;
}

static unsigned
hwh_acc(int access)
{
	return (access == HWOPS_ACC_READ ? VFY_ACC_READ : 0) |
	       (access == HWOPS_ACC_WRITE ? VFY_ACC_WRITE : 0) |
	       (access == HWOPS_ACC_FETCH ? VFY_ACC_FETCH : 0);
}

/* The x86 walk, CR0.WP and EFER.NXE set as the kernel sets them. Returns -1 on a model error. */
static int
hwh_walk_x86(struct pmap *pm, uint64_t va, int access, int user, struct sim_walk *w,
             struct hwr_fault *f)
{
	struct vfy_mem mem = { hwh_read64, hwh_write64, hwh_sim->sp, 52 };
	struct vfy_x86_ctl ctl = { true, true, true, false, SIM_PAT_MSR };
	struct vfy_x86_result r;

	vfy_walk_x86(&mem, pm->pm_hw_root, va, hwh_acc(access), user != 0, &ctl, &r);
	if (r.outcome == VFY_X86_BAD_MEMORY)
		return -1;
	if (r.outcome != VFY_X86_OK) {
		*f = (struct hwr_fault){ HWR_FAULT_PF, r.error_code, va };
		return 0;
	}
	*w = (struct sim_walk){ .ok = true,
		                .hpa = r.hpa,
		                .page_size = r.page_size,
		                .r = r.r,
		                .w = r.w,
		                .x = r.x,
		                .u = r.u,
		                .dirty = r.dirty };
	return 0;
}

/* The EPT walk; A/D set only when the EPTP enables them (bit 6). */
static int
hwh_walk_ept(struct pmap *pm, uint64_t gpa, int access, struct sim_walk *w, struct hwr_fault *f)
{
	struct vfy_mem mem = { hwh_read64, hwh_write64, hwh_sim->sp, 52 };
	struct vfy_ept_caps caps = { (pm->pm_flags & PMAP_SUPPORTS_EXEC_ONLY) != 0, false };
	struct vfy_ept_result r;

	vfy_walk_ept(&mem, pm->pm_hw_root, gpa, hwh_acc(access), &caps, &r);
	if (r.outcome == VFY_EPT_BAD_MEMORY)
		return -1;
	if (r.outcome == VFY_EPT_MISCONFIG) {
		*f = (struct hwr_fault){ HWR_FAULT_MISCONFIG, 0, gpa };
		return 0;
	}
	if (r.outcome != VFY_EPT_OK) {
		*f = (struct hwr_fault){ HWR_FAULT_PF, r.exit_qual | HWH_EPTQ_LINEAR, gpa };
		return 0;
	}
	/* Without EPT A/D no walk is needed to set D: a clean entry is as good. */
	*w = (struct sim_walk){ .ok = true,
		                .hpa = r.hpa,
		                .page_size = r.page_size,
		                .r = r.r,
		                .w = r.w,
		                .x = r.x,
		                .u = true,
		                .dirty = r.dirty || (pm->pm_flags & PMAP_EMULATE_AD_BITS) };
	return 0;
}

static bool
hwh_tlb_allows(const struct sim_tlb_entry *t, int access)
{
	if (access == HWOPS_ACC_READ)
		return t->r;
	if (access == HWOPS_ACC_WRITE)
		return t->w && t->dirty;
	return t->x;
}

int
hwr_access(struct pmap *pm, uint64_t va, int access, int user, uint64_t wval, uint64_t *rval,
           struct hwr_fault *f)
{
	struct sim_tlb_entry *t = sim_tlb_lookup(hwh_sim, 0, pm, va);
	struct sim_walk w = { 0 };
	uint64_t hpa, *p;
	int error;

	*f = (struct hwr_fault){ HWR_FAULT_NONE, 0, 0 };
	if (t != NULL && hwh_tlb_allows(t, access)) {
		hpa = t->hpa + (va - t->va);
	} else {
		if (pm->pm_type == PMAP_TYPE_EPT)
			error = hwh_walk_ept(pm, va, access, &w, f);
		else
			error = hwh_walk_x86(pm, va, access, user, &w, f);
		if (error != 0)
			return error;
		if (f->faulted != HWR_FAULT_NONE) {
			sim_tlb_drop_va(hwh_sim, 0, pm, va);
			return 0;
		}
		sim_tlb_fill(hwh_sim, 0, pm, va, &w);
		hpa = w.hpa;
	}
	p = sim_phys_ptr(hwh_sim->sp, hpa);
	if (p == NULL)
		return -1;
	if (access == HWOPS_ACC_WRITE)
		*p = wval;
	else
		*rval = *p;
	return 0;
}

/*
 * The reserved region: one wired page at 0, accessed once, so PML4E 0
 * and PDPTE 0 carry A as the kernel's own reserved mappings leave them.
 */
int
hwr_setup(struct pmap *pm, const struct hwops_header *h)
{
	struct hwr_fault f;
	uint64_t hpa, val;

	(void)h;
	hwh_pm = pm;
	if (hwr_frame_alloc(&hpa) != 0 ||
	    pmap_enter(pm, 0, hpa, VM_PROT_ALL,
	               VM_PROT_ALL | PMAP_ENTER_WIRED | PMAP_ENTER_UNMANAGED, PMAP_MA_WB,
	               PMAP_LEVEL_4K) != PMAP_OK)
		return -1;
	if (hwr_access(pm, 0, HWOPS_ACC_READ, 1, 0, &val, &f) != 0 || f.faulted)
		return -1;
	return 0;
}

void
hwr_teardown(struct pmap *pm)
{
	hwh_pm = NULL;
	(void)pmap_unwire(pm, 0, PMAP_PAGE_SIZE);
	(void)pmap_remove(pm, 0, PMAP_PAGE_SIZE);
}

void
hwr_emit(const char *line)
{
	fprintf(hwh_out, "%s\n", line);
	if (hwh_hook != NULL && hwh_pm != NULL && line[0] == 'R')
		hwh_hook(hwh_hook_arg, line, hwh_pm);
}

void
hwh_describe_walk(struct pmap *pm, uint64_t va, FILE *out)
{
	struct sim_walk w;
	char buf[256];
	int l;

	sim_mmu_walk(hwh_sim, pm, va, &w);
	fprintf(out, "  %s tables (%s %#lx): %s\n", pm->pm_type == PMAP_TYPE_EPT ? "EPT" : "x86",
	        pm->pm_type == PMAP_TYPE_EPT ? "EPTP" : "CR3", pm->pm_hw_root,
	        sim_walk_describe(&w, buf, sizeof(buf)));
	for (l = 3; l >= 0 && l >= w.level; l--) {
		if (pm->pm_type == PMAP_TYPE_EPT)
			vfy_describe_ept_entry(l, w.entries[l], buf, sizeof(buf));
		else
			vfy_describe_x86_entry(l, w.entries[l], buf, sizeof(buf));
		fprintf(out, "    %s\n", buf);
	}
}

int
hwr_frame_alloc(uint64_t *hpa)
{
	*hpa = sim_phys_alloc(hwh_sim->sp);
	return *hpa == 0 ? -1 : 0;
}

int
hwh_run(const void *list, size_t len, FILE *out, uint32_t flags)
{
	return hwh_run_hook(list, len, out, flags, NULL, NULL);
}

int
hwh_run_hook(const void *list, size_t len, FILE *out, uint32_t flags, hwh_record_hook *hook,
             void *arg)
{
	const struct hwops_header *h = list;
	struct sim *s = calloc(1, sizeof(*s));
	int status;

	if (s == NULL)
		return -1;
	s->sp = sim_phys_create(HWH_RAM_PAGES, HWH_RAM_PAGES, 0);
	if (s->sp == NULL) {
		free(s);
		return -1;
	}
	sim_tlb_init(s);
	if ((flags & HWH_HONOUR_SKIP_INVAL) && len >= sizeof(*h) && (h->flags & HWOPS_F_SKIP_INVAL))
		s->cfg.inject |= SIM_INJECT_SKIP_INVAL;
	hwh_sim = s;
	hwh_out = out;
	hwh_hook = hook;
	hwh_hook_arg = arg;
	status = hwr_run(list, len);
	hwh_hook = NULL;
	hwh_sim = NULL;
	sim_phys_destroy(s->sp);
	free(s);
	return status;
}
