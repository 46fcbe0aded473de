/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_access.c - the runner's backend (hw/runner/hwr_backend.h) in the
 * kernel, and the legacy access path.
 *
 * Legacy mode: CR3 is the runner's x86 pmap, with the kernel's PML4
 * entries 256 (direct map) and 511 (kernel image) copied in (supervisor,
 * so CPL3 cannot touch them) and cleared again in hwr_teardown(), before
 * pmap_release().  The stub page sits at va 0, in the reserved region
 * (HWOPS_RESERVED_END), entered through pmap/ itself, wired and user:
 *
 *   0x00  mov (%rdi), %rax ; int $0x80      read
 *   0x10  mov %rsi, (%rdi) ; int $0x80      write
 *   0x20  jmp *%rdi                         fetch: the target byte is
 *                                           int3 for the duration
 *
 * hwr_access() saves the kernel's context, iretqs to the stub (CPL3, or
 * CPL0 for a kernel access to a user page) with RDI = va, RSI = the value;
 * int $0x80, the int3 at the target or a #PF ends the access and resumes
 * the saved context.
 */
#include "hwk.h"
#include "hwk_vmx.h"
#include "hw/runner/hwr.h"
#include "hw/runner/hwr_backend.h"

#define VEC_BP      3
#define VEC_PF      14
#define VEC_SYSCALL 0x80
#define INT3        0xcc
#define PML4_DIRECT 256
#define PML4_KERNEL 511

struct hwk_jmp {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
};

int hwk_acc_save(struct hwk_jmp *j);
__attribute__((noreturn)) void hwk_acc_resume(struct hwk_jmp *j);
__attribute__((noreturn)) void hwk_acc_enter(uint64_t rip, uint64_t rdi, uint64_t rsi, int user);

static const uint8_t hwk_stub_code[] = {
	[0x00] = 0x48, 0x8b, 0x07, 0xcd, 0x80, /* read */
	[0x10] = 0x48, 0x89, 0x37, 0xcd, 0x80, /* write */
	[0x20] = 0xff, 0xe7,                   /* fetch */
};
static const uint64_t hwk_stub_off[] = {
	[HWOPS_ACC_READ] = 0x00,
	[HWOPS_ACC_WRITE] = 0x10,
	[HWOPS_ACC_FETCH] = 0x20,
};

/* The access in progress: what the trap hook needs and what it found. */
static struct {
	bool active;
	uint64_t va;
	struct hwk_jmp jmp;
	struct hwr_fault f;
	uint64_t rax;
} hwk_acc;

/* The op list's HWOPS_F_GUEST_AP: the EPT guest runs on the AP (hwk_apguest.c). */
static bool hwk_guest_ap;
static uint64_t hwk_stub_hpa;
static uint64_t hwk_kernel_cr3;

void
hwk_access_trap(struct hwk_trapframe *tf)
{
	uint64_t cr2;
	bool from_stub = tf->rip < PMAP_PAGE_SIZE || tf->rip - hwk_acc.va <= 1;

	if (!hwk_acc.active || !from_stub)
		return;
	if (tf->vector == VEC_PF) {
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
		hwk_acc.f = (struct hwr_fault){ HWR_FAULT_PF, tf->error, cr2 };
	} else if (tf->vector == VEC_SYSCALL ||
	           (tf->vector == VEC_BP && tf->rip == hwk_acc.va + 1)) {
		hwk_acc.rax = tf->rax;
	} else {
		return;
	}
	hwk_acc.active = false;
	hwk_acc_resume(&hwk_acc.jmp);
}

/* Make @pm the address space, the kernel's half copied in. */
static void
legacy_activate(struct pmap *pm)
{
	uint64_t *pml4 = hwk_p2v(pm->pm_root_hpa), *kpml4 = hwk_p2v(hwk_kernel_cr3);

	if ((read_cr3() & ~0xffful) == pm->pm_root_hpa)
		return;
	pml4[PML4_DIRECT] = kpml4[PML4_DIRECT];
	pml4[PML4_KERNEL] = kpml4[PML4_KERNEL];
	write_cr3(pm->pm_root_hpa);
}

/* The frame byte @va names, when @pm maps it (NULL otherwise). */
static uint8_t *
legacy_byte(struct pmap *pm, uint64_t va)
{
	uint64_t hpa;

	return pmap_extract(pm, va, &hpa) ? hwk_p2v(hpa) : NULL;
}

static int
legacy_access(struct pmap *pm, uint64_t va, int access, int user, uint64_t wval, uint64_t *rval,
              struct hwr_fault *f)
{
	uint8_t *target = NULL, saved = 0;

	legacy_activate(pm);
	if (access == HWOPS_ACC_FETCH && (target = legacy_byte(pm, va)) != NULL) {
		saved = *target;
		*target = INT3;
	}
	hwk_acc.va = va;
	hwk_acc.f = (struct hwr_fault){ HWR_FAULT_NONE, 0, 0 };
	hwk_acc.active = true;
	if (hwk_acc_save(&hwk_acc.jmp) == 0)
		hwk_acc_enter(hwk_stub_off[access], va, wval, user);
	if (target != NULL)
		*target = saved;
	*f = hwk_acc.f;
	if (f->faulted == HWR_FAULT_NONE && access == HWOPS_ACC_READ)
		*rval = hwk_acc.rax;
	if (f->faulted == HWR_FAULT_NONE && access == HWOPS_ACC_FETCH)
		*rval = *(uint64_t *)legacy_byte(pm, va);
	return 0;
}

int
hwr_access(struct pmap *pm, uint64_t va, int access, int user, uint64_t wval, uint64_t *rval,
           struct hwr_fault *f)
{
	if (access != HWOPS_ACC_READ && access != HWOPS_ACC_WRITE && access != HWOPS_ACC_FETCH)
		return -1;
	if (pm->pm_type == PMAP_TYPE_EPT && hwk_guest_ap)
		return hwk_apg_access(pm, va, access, wval, rval, f);
	if (pm->pm_type == PMAP_TYPE_EPT)
		return hwk_vmx_access(pm, va, access, wval, rval, f);
	return legacy_access(pm, va, access, user, wval, rval, f);
}

static int
legacy_setup(struct pmap *pm)
{
	struct hwr_fault f;
	uint64_t val;

	if (!hwk_page_alloc(&hwk_stub_hpa))
		return -1;
	hwk_memcpy(hwk_p2v(hwk_stub_hpa), hwk_stub_code, sizeof(hwk_stub_code));
	if (pmap_enter(pm, 0, hwk_stub_hpa, VM_PROT_ALL,
	               VM_PROT_ALL | PMAP_ENTER_WIRED | PMAP_ENTER_UNMANAGED, PMAP_MA_WB,
	               PMAP_LEVEL_4K) != PMAP_OK)
		return -1;
	if (hwr_access(pm, 0, HWOPS_ACC_READ, 1, 0, &val, &f) != 0 || f.faulted)
		return -1;
	return 0;
}

int
hwr_setup(struct pmap *pm, const struct hwops_header *h)
{
	hwk_kernel_cr3 = read_cr3() & ~0xffful;
	hwk_skip_inval = (h->flags & HWOPS_F_SKIP_INVAL) != 0;
	hwk_guest_ap = (h->flags & HWOPS_F_GUEST_AP) != 0;
	if (pm->pm_type == PMAP_TYPE_EPT && hwk_guest_ap)
		return hwk_apg_setup(pm);
	if (pm->pm_type == PMAP_TYPE_EPT)
		return hwk_vmx_setup(pm);
	return legacy_setup(pm);
}

void
hwr_teardown(struct pmap *pm)
{
	uint64_t *pml4 = hwk_p2v(pm->pm_root_hpa);

	if (pm->pm_type == PMAP_TYPE_EPT && hwk_guest_ap) {
		hwk_apg_teardown(pm);
	} else if (pm->pm_type == PMAP_TYPE_EPT) {
		hwk_vmx_teardown(pm);
	} else {
		(void)pmap_unwire(pm, 0, PMAP_PAGE_SIZE);
		(void)pmap_remove(pm, 0, PMAP_PAGE_SIZE);
		write_cr3(hwk_kernel_cr3);
		pml4[PML4_DIRECT] = 0;
		pml4[PML4_KERNEL] = 0;
		if (hwk_stub_hpa != 0)
			hwk_page_free(hwk_stub_hpa);
		hwk_stub_hpa = 0;
	}
	hwk_skip_inval = false;
}

void
hwr_emit(const char *line)
{
	hwk_puts(line);
	hwk_puts("\n");
}

int
hwr_frame_alloc(uint64_t *hpa)
{
	return hwk_page_alloc(hpa) ? 0 : -1;
}
