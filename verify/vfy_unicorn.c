/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_unicorn.c - the Unicorn engine as an independent x86 MMU: setting
 * the CPU up (long mode, 4-level paging), one access per run as real
 * guest code, what the run showed.  The memory side is in
 * vfy_unicorn_mem.c.
 *
 * A run:  restore a clean context (Unicorn 2.1.1 turns a second #PF in
 *         one context into a #DF: do_interrupt never runs, so the CPU's
 *         "previous exception" is never cleared), set CR0.WP, EFER.NXE and
 *         CR3 (the CR3 write flushes the TLB), then
 *   CPL 0:  KCODE+op; jmp r8 ........................ -> KCODE+CODE_DONE
 *   CPL 3:  KCODE+sysretq -> UCODE+op; jmp r8 ....... -> UCODE+CODE_DONE
 *   fetch:  ...+jmp rbx -> frame: mov rax, imm64; jmp r8 -> ...+CODE_DONE
 * CODE_DONE holds an int3, which the interrupt hook takes as the end of
 * the run.  Ending at a stop address instead (uc_emu_start's until) costs
 * a translation on every run: Unicorn 2.1.1 translates the code at the
 * stop address into an exit each time and drops the code around the
 * byte before it afterwards (resume_all_vcpus); ending at an int3 runs
 * code translated once, about 20 times faster.  The stop address given
 * to uc_emu_start is one no run reaches (UCODE+CODE_NEVER: in the user
 * page, as after the run Unicorn translates the byte before it at the
 * run's CPL, and a supervisor page would set CR2).  The end of a fetch
 * is in the code page, not in the fetched page: with it in the fetched
 * page Unicorn 2.1.1 reports a CR2 nine bytes past the faulting address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify/vfy_bits.h"
#include "verify/vfy_unicorn_priv.h"

#define CR0_PE   VFY_BIT(0)
#define CR0_WP   VFY_BIT(16)
#define CR0_PG   VFY_BIT(31)
#define CR4_PAE  VFY_BIT(5)
#define EFER_SCE VFY_BIT(0)
#define EFER_LME VFY_BIT(8)
#define EFER_LMA VFY_BIT(10)
#define EFER_NXE VFY_BIT(11)

#define MSR_EFER         UINT32_C(0xc0000080)
#define MSR_STAR         UINT32_C(0xc0000081)
/* SYSRET to CPL 3 loads CS = STAR[63:48] + 16 | 3, SS = STAR[63:48] + 8 | 3. */
#define STAR_SYSRET_BASE UINT64_C(0x10)

#define STUB_ENTRY       (VFY_BIT(0) | VFY_BIT(1) | VFY_BIT(2) | VFY_BIT(5)) /* P RW US A */
#define STUB_KCODE_ENTRY (VFY_BIT(0) | VFY_BIT(5))                           /* P A */
#define STUB_UCODE_ENTRY (VFY_BIT(0) | VFY_BIT(2) | VFY_BIT(5))              /* P US A */

/* The code KCODE and UCODE hold, by offset (see the file comment). */
static const struct {
	unsigned off;
	uint8_t len;
	uint8_t bytes[6];
} uc_code[] = {
	{ CODE_READ, 6, { 0x48, 0x8b, 0x03, 0x41, 0xff, 0xe0 } },   /* mov rax, [rbx]; jmp r8 */
	{ CODE_WRITE, 6, { 0x48, 0x89, 0x13, 0x41, 0xff, 0xe0 } },  /* mov [rbx], rdx; jmp r8 */
	{ CODE_FETCH, 2, { 0xff, 0xe3 } },                          /* jmp rbx */
	{ CODE_INVLPG, 6, { 0x0f, 0x01, 0x3b, 0x41, 0xff, 0xe0 } }, /* invlpg [rbx]; jmp r8 */
	{ CODE_CR3, 6, { 0x0f, 0x22, 0xdb, 0x41, 0xff, 0xe0 } },    /* mov cr3, rbx; jmp r8 */
	{ CODE_SYSRET, 3, { 0x48, 0x0f, 0x07 } },                   /* sysretq */
	{ CODE_CPUID, 2, { 0x0f, 0xa2 } },                          /* cpuid */
	{ CODE_DONE, 1, { 0xcc } },                                 /* int3: the end of a run */
};

static void
uc_hook_intr(uc_engine *engine, uint32_t intno, void *arg)
{
	struct vfy_uc *u = arg;

	if (intno == VFY_UC_VEC_BP)
		u->done = true;
	else
		u->last_vector = (int)intno;
	uc_emu_stop(engine);
}

static int
uc_reg_set(struct vfy_uc *u, int reg, uint64_t v)
{
	uc_err e = uc_reg_write(u->uc, reg, &v);

	return e == UC_ERR_OK ? 0 : uc_fail(u, e, "uc_reg_write");
}

static uint64_t
uc_reg_get(struct vfy_uc *u, int reg)
{
	uint64_t v = 0;

	uc_reg_read(u->uc, reg, &v);
	return v;
}

static int
uc_msr_set(struct vfy_uc *u, uint32_t rid, uint64_t v)
{
	uc_x86_msr msr = { .rid = rid, .value = v };
	uc_err e = uc_reg_write(u->uc, UC_X86_REG_MSR, &msr);

	return e == UC_ERR_OK ? 0 : uc_fail(u, e, "uc_reg_write (MSR)");
}

static uint64_t
uc_msr_get(struct vfy_uc *u, uint32_t rid)
{
	uc_x86_msr msr = { .rid = rid, .value = 0 };

	uc_reg_read(u->uc, UC_X86_REG_MSR, &msr);
	return msr.value;
}

/*
 * Run from @start until @until or the int3 at CODE_DONE (u->done);
 * u->last_vector says whether another exception stopped it.
 */
static int
uc_exec(struct vfy_uc *u, uint64_t start, uint64_t until)
{
	uc_err e;

	u->last_vector = -1;
	u->done = false;
	e = uc_emu_start(u->uc, start, until, 0, 0);
	return e == UC_ERR_OK ? 0 : uc_fail(u, e, "uc_emu_start");
}

/* ---- open ---- */

/* Map the stub pages and write their tables and code. */
static int
uc_stub_setup(struct vfy_uc *u)
{
	const uint64_t s = VFY_UC_STUB_HPA;
	/* PML4[0x1ff] -> PDPT[0] -> PD[0] -> PT[0] KCODE, PT[1] UCODE */
	const struct {
		uint64_t at, e;
	} ent[] = {
		{ STUB_PML4 + 8 * 0x1ff, (s + STUB_PDPT) | STUB_ENTRY },
		{ STUB_PDPT, (s + STUB_PD) | STUB_ENTRY },
		{ STUB_PD, (s + STUB_PT) | STUB_ENTRY },
		{ STUB_PT, (s + STUB_KCODE) | STUB_KCODE_ENTRY },
		{ STUB_PT + 8, (s + STUB_UCODE) | STUB_UCODE_ENTRY },
	};
	uint8_t page[UC_PAGE];
	unsigned i;
	uc_err e;

	e = uc_mem_map(u->uc, s, STUB_SIZE, UC_PROT_ALL);
	for (i = 0; e == UC_ERR_OK && i < sizeof(ent) / sizeof(ent[0]); i++)
		e = uc_mem_write(u->uc, s + ent[i].at, &ent[i].e, 8);
	memset(page, 0xf4, sizeof(page)); /* hlt */
	for (i = 0; i < sizeof(uc_code) / sizeof(uc_code[0]); i++)
		memcpy(page + uc_code[i].off, uc_code[i].bytes, uc_code[i].len);
	if (e == UC_ERR_OK)
		e = uc_mem_write(u->uc, s + STUB_KCODE, page, UC_PAGE);
	if (e == UC_ERR_OK)
		e = uc_mem_write(u->uc, s + STUB_UCODE, page, UC_PAGE);
	return e == UC_ERR_OK ? 0 : uc_fail(u, e, "stub setup");
}

/* CPUID leaf @leaf, paging still off (the code runs at its physical address). */
static int
uc_cpuid(struct vfy_uc *u, uint32_t leaf, uint64_t *eax, uint64_t *edx)
{
	uint64_t at = VFY_UC_STUB_HPA + STUB_KCODE + CODE_CPUID;

	if (uc_reg_set(u, UC_X86_REG_RAX, leaf) != 0 || uc_reg_set(u, UC_X86_REG_RCX, 0) != 0 ||
	    uc_exec(u, at, at + 2) != 0)
		return -1;
	*eax = uc_reg_get(u, UC_X86_REG_RAX);
	*edx = uc_reg_get(u, UC_X86_REG_RDX);
	return 0;
}

static int
uc_cpu_probe(struct vfy_uc *u)
{
	uint64_t eax, edx;

	if (uc_cpuid(u, 0x80000001u, &eax, &edx) != 0)
		return -1;
	u->cpu.pdpe1gb = (edx & VFY_BIT(26)) != 0;
	u->cpu.nx = (edx & VFY_BIT(20)) != 0;
	if (uc_cpuid(u, 0x80000008u, &eax, &edx) != 0)
		return -1;
	u->cpu.maxphyaddr = (unsigned)(eax & 0xff);
	if (u->cpu.maxphyaddr < 36 || u->cpu.maxphyaddr > 52) {
		snprintf(u->err, sizeof(u->err), "CPUID MAXPHYADDR %u", u->cpu.maxphyaddr);
		return -1;
	}
	return 0;
}

/* Long mode with 4-level paging on the stub's own PML4; save it as the base. */
static int
uc_paging_on(struct vfy_uc *u)
{
	uint64_t efer = uc_msr_get(u, MSR_EFER) | EFER_LME | EFER_SCE;
	uc_err e;

	if (uc_reg_set(u, UC_X86_REG_CR4, uc_reg_get(u, UC_X86_REG_CR4) | CR4_PAE) != 0 ||
	    uc_msr_set(u, MSR_EFER, efer) != 0 ||
	    uc_msr_set(u, MSR_STAR, STAR_SYSRET_BASE << 48) != 0 ||
	    uc_reg_set(u, UC_X86_REG_CR3, VFY_UC_STUB_HPA + STUB_PML4) != 0 ||
	    uc_reg_set(u, UC_X86_REG_CR0, uc_reg_get(u, UC_X86_REG_CR0) | CR0_PE | CR0_PG) != 0)
		return -1;
	if ((uc_msr_get(u, MSR_EFER) & (EFER_LME | EFER_LMA)) != (EFER_LME | EFER_LMA)) {
		snprintf(u->err, sizeof(u->err), "EFER 0x%llx: long mode not active",
		         (unsigned long long)uc_msr_get(u, MSR_EFER));
		return -1;
	}
	e = uc_context_alloc(u->uc, &u->base);
	if (e == UC_ERR_OK)
		e = uc_context_alloc(u->uc, &u->cur);
	if (e == UC_ERR_OK)
		e = uc_context_save(u->uc, u->base);
	return e == UC_ERR_OK ? 0 : uc_fail(u, e, "uc_context");
}

static const char *const uc_model_names[] = {
	[VFY_UC_CPU_SKYLAKE_SERVER] = "Skylake-Server",
	[VFY_UC_CPU_QEMU64] = "qemu64",
};

static int
uc_engine_open(struct vfy_uc *u, enum vfy_uc_cpu_model model)
{
	int cpu = model == VFY_UC_CPU_QEMU64 ? UC_CPU_X86_QEMU64 : UC_CPU_X86_SKYLAKE_SERVER;
	uc_err e;

	e = uc_open(UC_ARCH_X86, UC_MODE_64, &u->uc);
	if (e != UC_ERR_OK)
		return uc_fail(u, e, "uc_open");
	e = uc_ctl_set_cpu_model(u->uc, cpu);
	if (e == UC_ERR_OK)
		e = uc_ctl_tlb_mode(u->uc, UC_TLB_CPU);
	if (e == UC_ERR_OK) /* 2.1.1 leaks 32 bytes per hook, even after uc_close() */
		e = uc_hook_add(u->uc, &u->intr, UC_HOOK_INTR, (void *)uc_hook_intr, u, 1, 0);
	if (e != UC_ERR_OK)
		return uc_fail(u, e, "uc_ctl / uc_hook_add");
	u->cpu.model = uc_model_names[model];
	if (uc_stub_setup(u) != 0 || uc_cpu_probe(u) != 0)
		return -1;
	return uc_paging_on(u);
}

int
vfy_uc_open(struct vfy_uc **out, enum vfy_uc_cpu_model model, char *err, size_t errlen)
{
	struct vfy_uc *u = calloc(1, sizeof(*u));

	*out = NULL;
	if (u == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (uc_engine_open(u, model) != 0) {
		snprintf(err, errlen, "unicorn: %s", u->err);
		vfy_uc_close(u);
		return -1;
	}
	*out = u;
	return 0;
}

void
vfy_uc_close(struct vfy_uc *u)
{
	if (u == NULL)
		return;
	if (u->base != NULL)
		uc_context_free(u->base);
	if (u->cur != NULL)
		uc_context_free(u->cur);
	if (u->uc != NULL)
		uc_close(u->uc);
	uc_pages_free(u);
	free(u);
}

const struct vfy_uc_cpu *
vfy_uc_cpu(const struct vfy_uc *u)
{
	return &u->cpu;
}

const char *
vfy_uc_error(const struct vfy_uc *u)
{
	return u->err;
}

/* ---- a run ---- */

/* Offset of the code for @access in KCODE/UCODE. */
static unsigned
uc_op(unsigned access)
{
	if (access == VFY_ACC_READ)
		return CODE_READ;
	return access == VFY_ACC_WRITE ? CODE_WRITE : CODE_FETCH;
}

static bool
uc_canonical(uint64_t va)
{
	uint64_t top = va >> 47;

	return top == 0 || top == (UINT64_C(1) << 17) - 1;
}

/* Is @req one the engine can run?  0, or -1 with the reason. */
static int
uc_check_req(struct vfy_uc *u, const struct vfy_uc_req *req)
{
	unsigned need = req->access == VFY_ACC_FETCH ? FETCH_LEN : 8;
	const char *why = NULL;

	if (req->access != VFY_ACC_READ && req->access != VFY_ACC_WRITE &&
	    req->access != VFY_ACC_FETCH)
		why = "access must be one of read, write, fetch";
	else if ((req->gva & (UC_PAGE - 1)) + need > UC_PAGE)
		why = "the access does not fit in its page";
	else if (!uc_canonical(req->gva))
		why = "gva is not canonical";
	else if (req->keep_tlb && !u->have_cur)
		why = "keep_tlb without an earlier run";
	else if (req->keep_tlb && (req->cr3 != u->cur_cr3 || req->cr0_wp != u->cur_wp ||
	                           req->efer_nxe != u->cur_nxe))
		why = "keep_tlb with another CR3, CR0.WP or EFER.NXE";
	else if (req->keep_tlb && uc_stub_slot(req->gva) != u->cur_slot)
		why = "keep_tlb with the stub in another PML4 slot";
	if (why == NULL)
		return 0;
	snprintf(u->err, sizeof(u->err), "%s (gva 0x%llx)", why, (unsigned long long)req->gva);
	return -1;
}

/*
 * The CPU for @req: the base context with CR0.WP, EFER.NXE and CR3 set
 * and the TLB flushed, saved as u->cur; with keep_tlb, u->cur as it was.
 */
static int
uc_cpu_ready(struct vfy_uc *u, const struct vfy_uc_req *req)
{
	uint64_t cr0, efer;
	uc_err e;

	if (req->keep_tlb) {
		e = uc_context_restore(u->uc, u->cur);
		return e == UC_ERR_OK ? 0 : uc_fail(u, e, "uc_context_restore");
	}
	e = uc_context_restore(u->uc, u->base);
	if (e != UC_ERR_OK)
		return uc_fail(u, e, "uc_context_restore");
	cr0 = (uc_reg_get(u, UC_X86_REG_CR0) & ~CR0_WP) | (req->cr0_wp ? CR0_WP : 0);
	efer = (uc_msr_get(u, MSR_EFER) & ~EFER_NXE) | (req->efer_nxe ? EFER_NXE : 0);
	if (uc_reg_set(u, UC_X86_REG_CR0, cr0) != 0 || uc_msr_set(u, MSR_EFER, efer) != 0 ||
	    uc_reg_set(u, UC_X86_REG_CR3, req->cr3) != 0)
		return -1;
	e = uc_ctl_flush_tlb(u->uc);
	if (e == UC_ERR_OK)
		e = uc_context_save(u->uc, u->cur);
	if (e != UC_ERR_OK)
		return uc_fail(u, e, "uc_context_save");
	u->have_cur = true;
	u->cur_cr3 = req->cr3;
	u->cur_wp = req->cr0_wp;
	u->cur_nxe = req->efer_nxe;
	u->cur_slot = uc_stub_slot(req->gva);
	return 0;
}

/* Execute @req's access (see the file comment); *@until is where it stops. */
static int
uc_access(struct vfy_uc *u, const struct vfy_uc_req *req, uint64_t *until)
{
	uint64_t kcode = uc_stub_va(uc_stub_slot(req->gva));
	uint64_t code = kcode + (req->user ? UC_PAGE : 0);
	unsigned op = uc_op(req->access);
	uint64_t start = req->user ? kcode + CODE_SYSRET : code + op;

	*until = code + CODE_DONE;
	if (uc_reg_set(u, UC_X86_REG_RBX, req->gva) != 0 ||
	    uc_reg_set(u, UC_X86_REG_RDX, VFY_UC_WRITE_TAG) != 0 ||
	    uc_reg_set(u, UC_X86_REG_R8, code + CODE_DONE) != 0 ||
	    uc_reg_set(u, UC_X86_REG_RCX, code + op) != 0 ||
	    uc_reg_set(u, UC_X86_REG_R11, 0x2) != 0 || uc_reg_set(u, UC_X86_REG_RAX, 0) != 0)
		return -1;
	return uc_exec(u, start, kcode + UC_PAGE + CODE_NEVER);
}

/* Read back each loaded level's entry (the A/D bits the CPU set). */
static int
uc_read_back(struct vfy_uc *u, struct vfy_uc_result *res)
{
	int level;
	uc_err e;

	for (level = VFY_LEVEL_PML4E; level >= res->stop_level; level--) {
		if (!res->lv[level].loaded)
			continue;
		e = uc_mem_read(u->uc, res->lv[level].hpa, &res->lv[level].after, 8);
		if (e != UC_ERR_OK)
			return uc_fail(u, e, "uc_mem_read (entry)");
		if (res->lv[level].after != res->lv[level].before)
			uc_host_sync(u, res->lv[level].hpa);
	}
	return 0;
}

/*
 * Does a read of @req->gva at CPL 0 fault too?  Then the #PF was P=0 or
 * RSVD=1 (SDM 3A 4.6: without SMAP or PKE a supervisor read is denied by
 * nothing else); if not, a protection fault.  Leaves the TLB flushed.
 */
static int
uc_probe_faults(struct vfy_uc *u, const struct vfy_uc_req *req, const struct vfy_uc_result *res,
                bool *faults)
{
	struct vfy_uc_req p = *req;
	uint64_t until;
	int level;
	uc_err e;

	p.access = VFY_ACC_READ;
	p.user = false;
	e = uc_context_restore(u->uc, u->cur);
	if (e == UC_ERR_OK)
		e = uc_ctl_flush_tlb(u->uc);
	if (e != UC_ERR_OK)
		return uc_fail(u, e, "probe");
	if (uc_access(u, &p, &until) != 0)
		return -1;
	*faults = u->last_vector == VFY_UC_VEC_PF && uc_reg_get(u, UC_X86_REG_CR2) == req->gva;
	for (level = VFY_LEVEL_PML4E; level >= res->stop_level; level--)
		if (res->lv[level].loaded)
			uc_host_sync(u, res->lv[level].hpa); /* A the probe set */
	e = uc_ctl_flush_tlb(u->uc);
	return e == UC_ERR_OK ? 0 : uc_fail(u, e, "uc_ctl_flush_tlb");
}

/* The #PF error code, inferred (see struct vfy_uc_result). */
static int
uc_infer_ec(struct vfy_uc *u, const struct vfy_uc_req *req, struct vfy_uc_result *res)
{
	bool faults = false;

	res->ec_inferred = true;
	res->ec_known = VFY_PF_W | VFY_PF_U | VFY_PF_I;
	res->error_code = (req->access == VFY_ACC_WRITE ? VFY_PF_W : 0) |
	                  (req->user ? VFY_PF_U : 0) |
	                  (req->access == VFY_ACC_FETCH && req->efer_nxe ? VFY_PF_I : 0);
	if (req->keep_tlb)
		return 0;
	if (uc_probe_faults(u, req, res, &faults) != 0)
		return -1;
	if (faults) {
		res->ec_p_eq_rsvd = true;
		return 0;
	}
	res->ec_known |= VFY_PF_P | VFY_PF_RSVD;
	res->error_code |= VFY_PF_P;
	return 0;
}

/* What the run showed: fault, CR2, error code, entries, frame. */
static int
uc_outcome(struct vfy_uc *u, const struct vfy_uc_req *req, uint64_t until,
           struct vfy_uc_result *res)
{
	uint64_t rax = uc_reg_get(u, UC_X86_REG_RAX), rip = uc_reg_get(u, UC_X86_REG_RIP);

	res->fault = u->last_vector >= 0;
	if (uc_read_back(u, res) != 0)
		return -1;
	if (!res->fault) {
		if (!u->done || rip != until + 1) {
			snprintf(u->err, sizeof(u->err), "stopped at rip 0x%llx, not 0x%llx",
			         (unsigned long long)rip, (unsigned long long)until + 1);
			return -1;
		}
		uc_identify(u, req, rax, res);
		return 0;
	}
	res->vector = (unsigned)u->last_vector;
	if (res->vector != VFY_UC_VEC_PF)
		return 0;
	res->cr2 = uc_reg_get(u, UC_X86_REG_CR2);
	return uc_infer_ec(u, req, res);
}

int
vfy_uc_run(struct vfy_uc *u, const struct vfy_mem *mem, const struct vfy_uc_req *req,
           struct vfy_uc_result *res)
{
	uint64_t until;
	int rc;

	memset(res, 0, sizeof(*res));
	res->stop_level = VFY_LEVEL_PML4E;
	u->err[0] = '\0';
	rc = uc_check_req(u, req);
	if (rc == 0)
		rc = uc_load(u, mem, req, res);
	if (rc == 0)
		rc = uc_cpu_ready(u, req);
	if (rc == 0)
		rc = uc_access(u, req, &until);
	if (rc == 0)
		rc = uc_outcome(u, req, until, res);
	if (rc != 0)
		snprintf(res->why, sizeof(res->why), "%s", u->err);
	return rc;
}

/* ---- guest invalidations ---- */

/* Run the CPL 0 instruction at @op (to CODE_DONE) with RBX = @rbx in u->cur. */
static int
uc_kernel_op(struct vfy_uc *u, unsigned op, uint64_t rbx)
{
	uint64_t kcode = uc_stub_va(u->cur_slot);
	uc_err e;

	if (!u->have_cur) {
		snprintf(u->err, sizeof(u->err), "no earlier run");
		return -1;
	}
	e = uc_context_restore(u->uc, u->cur);
	if (e != UC_ERR_OK)
		return uc_fail(u, e, "uc_context_restore");
	if (uc_reg_set(u, UC_X86_REG_RBX, rbx) != 0 ||
	    uc_reg_set(u, UC_X86_REG_R8, kcode + CODE_DONE) != 0 ||
	    uc_exec(u, kcode + op, kcode + UC_PAGE + CODE_NEVER) != 0)
		return -1;
	if (u->last_vector >= 0 || !u->done) {
		snprintf(u->err, sizeof(u->err), "exception %d", u->last_vector);
		return -1;
	}
	e = uc_context_save(u->uc, u->cur);
	return e == UC_ERR_OK ? 0 : uc_fail(u, e, "uc_context_save");
}

int
vfy_uc_invlpg(struct vfy_uc *u, uint64_t gva)
{
	return uc_kernel_op(u, CODE_INVLPG, gva);
}

/*
 * MOV CR3 as the guest does it (flushes the TLB).  The PML4 page at @cr3
 * must have been loaded by an earlier run; it gets the stub's slot.
 */
int
vfy_uc_write_cr3(struct vfy_uc *u, uint64_t cr3)
{
	if (uc_page_find(u, cr3 & VFY_ADDR_4K) == NULL) {
		snprintf(u->err, sizeof(u->err), "CR3 0x%llx: PML4 page not loaded",
		         (unsigned long long)cr3);
		return -1;
	}
	if (uc_stub_slot_write(u, cr3 & VFY_ADDR_4K, u->cur_slot) != 0 ||
	    uc_kernel_op(u, CODE_CR3, cr3) != 0)
		return -1;
	u->cur_cr3 = cr3;
	return 0;
}

/* ---- comparing ---- */

bool
vfy_uc_ec_matches(const struct vfy_uc_result *res, uint32_t ec)
{
	if ((ec & res->ec_known) != (res->error_code & res->ec_known))
		return false;
	if (res->ec_p_eq_rsvd)
		return ((ec & VFY_PF_P) != 0) == ((ec & VFY_PF_RSVD) != 0);
	return true;
}
