/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_unicorn_oracle.c - the replay's accesses executed again by
 * Unicorn's x86 CPU, one engine per simulated CPU (see the header for the
 * rules and why).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/mmu.h"
#include "sim/report.h"
#include "sim/vm.h"
#include "verify/vfy_bits.h"
#include "verify/vfy_unicorn.h"
#include "verify/vfy_unicorn_oracle.h"

#define ENTRY_A VFY_BIT(5)
#define ENTRY_D VFY_BIT(6)

struct uco_cpu {
	struct vfy_uc *uc;
	struct pmap *pm; /* the x86 pmap loaded (CR3), NULL: the next run is fresh */
};

struct vfy_uco {
	struct sim_oracle hooks;
	struct uco_cpu cpu[SIM_MAX_CPUS];
	struct sim *s; /* the machine of the replay under way */
	struct vfy_uco_stats st;
};

/* Entry writes the SDM walker makes, kept aside (its prediction of A/D). */
struct uco_overlay {
	struct sim_phys *sp;
	uint64_t hpa[4], val[4];
	unsigned n;
};

/* One access as executed. */
struct uco_acc {
	unsigned cpu;
	uint64_t va;     /* as the replay made it */
	uint64_t probe;  /* what the engine executes: va, kept inside its page */
	unsigned access; /* VFY_ACC_* */
	bool user;
	enum sim_access_result sim_r;
	uint64_t sim_hpa;
};

static double
uco_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- memory ---- */

static bool
uco_read64(void *ctx, uint64_t hpa, uint64_t *val)
{
	struct uco_overlay *ov = ctx;
	uint64_t *p;
	unsigned i;

	for (i = 0; i < ov->n; i++) {
		if (ov->hpa[i] == hpa) {
			*val = ov->val[i];
			return true;
		}
	}
	p = sim_phys_ptr(ov->sp, hpa);
	if (p == NULL || (hpa & 7) != 0)
		return false;
	*val = *p;
	return true;
}

static bool
uco_write64(void *ctx, uint64_t hpa, uint64_t val)
{
	struct uco_overlay *ov = ctx;
	unsigned i;

	for (i = 0; i < ov->n && ov->hpa[i] != hpa; i++)
		continue;
	if (i == 4)
		return false;
	ov->hpa[i] = hpa;
	ov->val[i] = val;
	ov->n += i == ov->n;
	return true;
}

/* ---- words ---- */

static const char *
uco_acc_name(unsigned access)
{
	if (access == VFY_ACC_WRITE)
		return "write";
	return access == VFY_ACC_FETCH ? "fetch" : "read";
}

static const char *
uco_walk_text(const struct vfy_x86_result *w, char *buf, size_t len)
{
	if (w->outcome == VFY_X86_OK)
		snprintf(buf, len, "frame %#lx", w->hpa & VFY_ADDR_4K);
	else
		snprintf(buf, len, "%s ec=%#x%s%s", vfy_x86_outcome_name(w->outcome), w->error_code,
		         w->reason != NULL ? ": " : "", w->reason != NULL ? w->reason : "");
	return buf;
}

static const char *
uco_uc_text(const struct vfy_uc_result *r, char *buf, size_t len)
{
	if (!r->fault)
		snprintf(buf, len, "frame %#lx", r->frame);
	else if (r->vector == VFY_UC_VEC_PF)
		snprintf(buf, len, "#PF ec=%#x (known %#x%s)", r->error_code, r->ec_known,
		         r->ec_p_eq_rsvd ? ", P=RSVD" : "");
	else
		snprintf(buf, len, "vector %u", r->vector);
	return buf;
}

/* A divergence found by the oracle about @a. */
static void __attribute__((format(printf, 4, 5)))
uco_diverge(struct vfy_uco *o, struct sim_vmspace *vs, const struct uco_acc *a, const char *fmt,
            ...)
{
	char detail[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	o->st.divergences++;
	sim_diverge(o->s, vs, a->va, "unicorn oracle", "unicorn oracle: cpu %u %s %s of %#lx: %s",
	            a->cpu, a->user ? "user" : "kernel", uco_acc_name(a->access), a->probe, detail);
}

/* ---- the engine of a CPU ---- */

static struct vfy_uc *
uco_engine(struct vfy_uco *o, unsigned cpu)
{
	char err[200];
	uint64_t ram;

	if (o->cpu[cpu].uc != NULL)
		return o->cpu[cpu].uc;
	/*
	 * Skylake-Server: Unicorn's qemu64 maps 1 GiB pages its CPUID denies
	 * (vfy_unicorn-test.c).  The SDM walker of the oracle reads this
	 * CPUID; the simulated CPUs have no 1 GiB pages, and the simulator's
	 * VM never asks the pmap for one.
	 */
	if (vfy_uc_open(&o->cpu[cpu].uc, VFY_UC_CPU_SKYLAKE_SERVER, err, sizeof(err)) != 0) {
		sim_fail(o->s, "unicorn oracle: cpu %u: %s", cpu, err);
		return NULL;
	}
	if (!vfy_uc_cpu(o->cpu[cpu].uc)->nx) {
		sim_fail(o->s, "unicorn oracle: cpu %u: the engine's CPUID has no NX", cpu);
		return NULL;
	}
	/* RAM mapped up front: loading a page in a new 2 MiB chunk would flush the TLB */
	ram = o->s->sp->npages * PMAP_PAGE_SIZE;
	if (vfy_uc_premap(o->cpu[cpu].uc, ram < VFY_UC_PREMAP_MAX ? ram : VFY_UC_PREMAP_MAX) != 0) {
		sim_fail(o->s, "unicorn oracle: cpu %u: %s", cpu, vfy_uc_error(o->cpu[cpu].uc));
		return NULL;
	}
	o->st.engines++;
	return o->cpu[cpu].uc;
}

/* Run @a in @cpu's engine (fresh when the CPU was in another vmspace). */
static int
uco_run(struct vfy_uco *o, struct pmap *pm, const struct uco_acc *a, struct vfy_uc_result *res)
{
	struct uco_overlay ov = { o->s->sp, { 0 }, { 0 }, 0 };
	struct vfy_mem mem = { uco_read64, NULL, &ov, 52 };
	struct uco_cpu *c = &o->cpu[a->cpu];
	struct vfy_uc_req req = { .cr3 = pm->pm_hw_root,
		                  .gva = a->probe,
		                  .access = a->access,
		                  .user = a->user,
		                  .cr0_wp = true,
		                  .efer_nxe = true,
		                  .keep_tlb = c->pm == pm };

	if (!req.keep_tlb)
		o->st.switches++;
	c->pm = NULL;
	if (vfy_uc_run(c->uc, &mem, &req, res) != 0)
		return sim_fail(o->s, "unicorn oracle: cpu %u: %s", a->cpu, res->why);
	c->pm = pm;
	o->st.accesses++;
	return 0;
}

/*
 * A #PF where the walker allows the access: INVLPG and once more (what a
 * real CPU and its fault handler do about a TLB entry granting less).
 */
static int
uco_retry(struct vfy_uco *o, struct pmap *pm, const struct uco_acc *a, struct vfy_uc_result *res)
{
	if (vfy_uc_invlpg(o->cpu[a->cpu].uc, a->probe) != 0)
		return sim_fail(o->s, "unicorn oracle: cpu %u: INVLPG: %s", a->cpu,
		                vfy_uc_error(o->cpu[a->cpu].uc));
	if (uco_run(o, pm, a, res) != 0)
		return -1;
	if (!res->fault)
		o->st.spurious++;
	return 0;
}

/* ---- comparing ---- */

/* The walker's entry at @level after the access (SDM 3A 4.8; see the header). */
static uint64_t
uco_predict(const struct vfy_x86_result *w, const struct uco_overlay *ov, int level)
{
	unsigned i;

	if (w->outcome != VFY_X86_OK)
		return w->entries[level] | (level > w->level ? ENTRY_A : 0);
	for (i = 0; i < ov->n; i++)
		if (ov->hpa[i] == w->entry_hpa[level])
			return ov->val[i];
	return w->entries[level];
}

/*
 * The A/D bits the engine set: compared with the walker's when it set
 * any, then written back to the simulator's memory (the engine is a CPU
 * on these tables).  False after a divergence.
 */
static bool
uco_check_ad(struct vfy_uco *o, struct sim_vmspace *vs, const struct uco_acc *a,
             const struct vfy_uc_result *r, const struct vfy_x86_result *w,
             const struct uco_overlay *ov)
{
	bool walked = false;
	uint64_t *p, want;
	int l;

	for (l = VFY_LEVEL_PML4E; l >= r->stop_level; l--)
		walked |= r->lv[l].loaded && r->lv[l].after != r->lv[l].before;
	if (!walked)
		return true;
	o->st.walks++;
	for (l = VFY_LEVEL_PML4E; l >= r->stop_level; l--) {
		want = l >= w->level ? uco_predict(w, ov, l) : r->lv[l].before;
		if (r->lv[l].loaded && r->lv[l].after != want) {
			uco_diverge(o, vs, a,
			            "A/D: Unicorn left the %s at %#lx %#lx (was %#lx), the SDM "
			            "walker %#lx",
			            vfy_level_name(l), r->lv[l].hpa, r->lv[l].after,
			            r->lv[l].before, want);
			return false;
		}
	}
	for (l = VFY_LEVEL_PML4E; l >= r->stop_level; l--) {
		p = sim_phys_ptr(o->s->sp, r->lv[l].hpa);
		if (r->lv[l].loaded && p != NULL && *p == r->lv[l].before)
			*p |= r->lv[l].after & (ENTRY_A | ENTRY_D);
	}
	return true;
}

/* The engine faulted: against the walker and the simulator. */
static void
uco_check_fault(struct vfy_uco *o, struct sim_vmspace *vs, const struct uco_acc *a,
                const struct vfy_uc_result *r, const struct vfy_x86_result *w)
{
	char u[120], t[200];

	if (r->vector != VFY_UC_VEC_PF || r->cr2 != a->probe)
		uco_diverge(o, vs, a, "Unicorn raised %s, cr2 %#lx", uco_uc_text(r, u, sizeof(u)),
		            r->cr2);
	else if (w->outcome == VFY_X86_OK)
		uco_diverge(o, vs, a, "Unicorn faults (%s) where the SDM walker allows it (%s)",
		            uco_uc_text(r, u, sizeof(u)), uco_walk_text(w, t, sizeof(t)));
	else if (!vfy_uc_ec_matches(r, w->error_code))
		uco_diverge(o, vs, a, "error code: Unicorn %s, the SDM walker %s",
		            uco_uc_text(r, u, sizeof(u)), uco_walk_text(w, t, sizeof(t)));
	else if (a->sim_r == SIM_ACCESS_OK)
		uco_diverge(o, vs, a,
		            "Unicorn and the SDM walker fault (%s) but the simulator reached "
		            "hpa %#lx",
		            uco_walk_text(w, t, sizeof(t)), a->sim_hpa);
}

/* Does the VM hold @frame at @a->va, with the write allowed when @a writes? */
static bool
uco_check_vm(struct vfy_uco *o, struct sim_vmspace *vs, const struct uco_acc *a, uint64_t frame)
{
	enum pmap_memattr ma;
	vm_prot_t prot;
	uint64_t hpa;

	if (!sim_vm_resident(o->s, vs, a->va, &hpa, &prot, &ma)) {
		uco_diverge(
		    o, vs, a,
		    "Unicorn, the SDM walker and the simulator reach frame %#lx, but the VM "
		    "holds no page there",
		    frame);
		return false;
	}
	if (hpa != frame) {
		uco_diverge(
		    o, vs, a,
		    "Unicorn, the SDM walker and the simulator reach frame %#lx, but the VM "
		    "holds frame %#lx there",
		    frame, hpa);
		return false;
	}
	if (a->access == VFY_ACC_WRITE && !(prot & VM_PROT_WRITE)) {
		uco_diverge(
		    o, vs, a,
		    "Unicorn, the SDM walker and the simulator write frame %#lx, but the VM "
		    "does not allow writes there",
		    frame);
		return false;
	}
	return true;
}

/*
 * A read the simulator refused through EPT (pair mode) of a page the VM
 * makes execute-only: x86 has no execute-only pages (a present page is
 * readable, SDM 3A 4.6), so its tables allow the read.  Accepted when
 * the frame is the VM's.
 */
static bool
uco_exec_only_read(struct vfy_uco *o, struct sim_vmspace *vs, const struct uco_acc *a,
                   uint64_t frame)
{
	enum pmap_memattr ma;
	vm_prot_t prot;
	uint64_t hpa;

	if (a->access != VFY_ACC_READ || !vs->has_ept || !a->user ||
	    !sim_vm_resident(o->s, vs, a->va, &hpa, &prot, &ma) || hpa != frame ||
	    (prot & (VM_PROT_READ | VM_PROT_EXECUTE)) != VM_PROT_EXECUTE)
		return false;
	o->st.exec_only_reads++;
	return true;
}

/* The engine did not fault: against the walker, the simulator and the VM. */
static bool
uco_check_ok(struct vfy_uco *o, struct sim_vmspace *vs, const struct uco_acc *a,
             const struct vfy_uc_result *r, const struct vfy_x86_result *w)
{
	uint64_t sim_frame = a->sim_hpa & VFY_ADDR_4K;
	char t[200];

	if (!r->frame_found)
		uco_diverge(o, vs, a, "Unicorn's bytes %#lx name no frame", r->value);
	else if (w->outcome != VFY_X86_OK)
		uco_diverge(o, vs, a,
		            "stale TLB: Unicorn reaches frame %#lx, but the tables deny it (%s): "
		            "an invalidation is missing",
		            r->frame, uco_walk_text(w, t, sizeof(t)));
	else if ((w->hpa & VFY_ADDR_4K) != r->frame)
		uco_diverge(o, vs, a,
		            "stale TLB: Unicorn reaches frame %#lx, but the tables map frame %#lx: "
		            "an invalidation is missing",
		            r->frame, w->hpa & VFY_ADDR_4K);
	else if (a->sim_r != SIM_ACCESS_OK && !uco_exec_only_read(o, vs, a, r->frame))
		uco_diverge(
		    o, vs, a,
		    "Unicorn and the SDM walker reach frame %#lx, but the simulator faulted",
		    r->frame);
	else if (a->sim_r != SIM_ACCESS_OK)
		return true;
	else if (sim_frame != r->frame)
		uco_diverge(
		    o, vs, a,
		    "Unicorn and the SDM walker reach frame %#lx, but the simulator reached "
		    "hpa %#lx",
		    r->frame, a->sim_hpa);
	else
		return uco_check_vm(o, vs, a, r->frame);
	return false;
}

/* ---- the hooks ---- */

static unsigned
uco_access_type(vm_prot_t access)
{
	if (access & VM_PROT_WRITE)
		return VFY_ACC_WRITE;
	return (access & VM_PROT_EXECUTE) ? VFY_ACC_FETCH : VFY_ACC_READ;
}

/* @va, moved back so that the access fits in its 4 KiB page. */
static uint64_t
uco_probe(uint64_t va, unsigned access)
{
	uint64_t last = (va | (PMAP_PAGE_SIZE - 1)) - 15; /* room for a 13-byte fetch */

	if (access != VFY_ACC_FETCH)
		return va & ~UINT64_C(7);
	return va < last ? va : last;
}

static void
uco_check(struct vfy_uco *o, struct sim_vmspace *vs, const struct uco_acc *a)
{
	struct uco_overlay ov = { o->s->sp, { 0 }, { 0 }, 0 };
	struct vfy_mem mem = { uco_read64, uco_write64, &ov, 0 };
	struct pmap *pm = &vs->x86;
	struct vfy_uc_result r;
	struct vfy_x86_ctl ctl = { true, true, true, false, SIM_PAT_MSR };
	struct vfy_x86_result w;

	if (uco_engine(o, a->cpu) == NULL || uco_run(o, pm, a, &r) != 0)
		return;
	mem.maxphyaddr = vfy_uc_cpu(o->cpu[a->cpu].uc)->maxphyaddr;
	ctl.pdpe1gb = vfy_uc_cpu(o->cpu[a->cpu].uc)->pdpe1gb;
	vfy_walk_x86(&mem, pm->pm_hw_root, a->probe, a->access, a->user, &ctl, &w);
	if (r.fault && r.vector == VFY_UC_VEC_PF && w.outcome == VFY_X86_OK &&
	    uco_retry(o, pm, a, &r) != 0)
		return;
	o->st.faults += r.fault;
	if (!uco_check_ad(o, vs, a, &r, &w, &ov))
		return;
	if (r.fault)
		uco_check_fault(o, vs, a, &r, &w);
	else
		uco_check_ok(o, vs, a, &r, &w);
}

static void
uco_access(void *arg, struct sim *s, struct sim_vmspace *vs, unsigned cpu, uint64_t va,
           vm_prot_t access, bool user, enum sim_access_result r, uint64_t hpa)
{
	struct vfy_uco *o = arg;
	struct uco_acc a = { cpu, va, 0, uco_access_type(access), user, r, hpa };
	double t0 = uco_now();

	o->s = s;
	/* EFAULT: the simulator already reported why (an invalid entry, a fault loop). */
	if (!vs->has_x86 || r == SIM_ACCESS_EFAULT)
		return;
	a.probe = uco_probe(va, a.access);
	uco_check(o, vs, &a);
	o->st.seconds += uco_now() - t0;
}

/* The seam's INVLPG, on each CPU where @pm is loaded. */
static void
uco_invlpg(void *arg, struct pmap *pm, uint64_t va)
{
	struct vfy_uco *o = arg;
	unsigned cpu;

	for (cpu = 0; cpu < SIM_MAX_CPUS; cpu++) {
		if (o->cpu[cpu].pm != pm)
			continue;
		o->st.invlpg++;
		if (vfy_uc_invlpg(o->cpu[cpu].uc, va) != 0) {
			o->cpu[cpu].pm = NULL; /* the next run is fresh: nothing stays stale */
			sim_fail(o->s, "unicorn oracle: cpu %u: INVLPG %#lx: %s", cpu, va,
			         vfy_uc_error(o->cpu[cpu].uc));
		}
	}
}

/* The seam's full flush: MOV CR3 on each CPU where @pm is loaded. */
static void
uco_invltlb(void *arg, struct pmap *pm)
{
	struct vfy_uco *o = arg;
	unsigned cpu;

	for (cpu = 0; cpu < SIM_MAX_CPUS; cpu++) {
		if (o->cpu[cpu].pm != pm)
			continue;
		o->st.invltlb++;
		if (vfy_uc_write_cr3(o->cpu[cpu].uc, pm->pm_hw_root) != 0) {
			o->cpu[cpu].pm = NULL;
			sim_fail(o->s, "unicorn oracle: cpu %u: MOV CR3: %s", cpu,
			         vfy_uc_error(o->cpu[cpu].uc));
		}
	}
}

/* @vs goes: no CPU keeps its pmap loaded (its tables are freed and reused). */
static void
uco_gone(void *arg, struct sim_vmspace *vs)
{
	struct vfy_uco *o = arg;
	unsigned cpu;

	for (cpu = 0; cpu < SIM_MAX_CPUS; cpu++)
		if (o->cpu[cpu].pm == &vs->x86)
			o->cpu[cpu].pm = NULL;
}

/* ---- life ---- */

struct vfy_uco *
vfy_uco_create(void)
{
	struct vfy_uco *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->hooks.access = uco_access;
	o->hooks.invlpg = uco_invlpg;
	o->hooks.invltlb = uco_invltlb;
	o->hooks.gone = uco_gone;
	o->hooks.arg = o;
	return o;
}

void
vfy_uco_destroy(struct vfy_uco *o)
{
	unsigned cpu;

	if (o == NULL)
		return;
	for (cpu = 0; cpu < SIM_MAX_CPUS; cpu++)
		vfy_uc_close(o->cpu[cpu].uc);
	free(o);
}

const struct sim_oracle *
vfy_uco_hooks(struct vfy_uco *o)
{
	return &o->hooks;
}

const struct vfy_uco_stats *
vfy_uco_stats(const struct vfy_uco *o)
{
	return &o->st;
}
