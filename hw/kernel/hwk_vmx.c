/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_vmx.c - VMX operation (SDM 3C ch. 24-27): VMXON, and one VMCS for a
 * 64-bit guest whose second level is the runner's EPT pmap, with VPID on
 * so that combined mappings outlive VM exits and only INVEPT drops them.
 */
#include "hwk_vmcs.h"
#include "hwk_vmx.h"

#define CPUID1_ECX_VMX   (1u << 5)
#define FC_LOCK          0x1
#define FC_VMXON_OUTSIDE 0x4
#define PROC_SECONDARY   (1u << 31)
#define PROC2_EPT        (1u << 1)
#define PROC2_VPID       (1u << 5)
#define EXIT_HOST_64     (1u << 9)
#define ENTRY_GUEST_64   (1u << 9)
#define BASIC_TRUE_CTLS  (1ul << 55)
#define GUEST_VPID       1

static bool hwk_vmx_on;
static uint64_t hwk_vmxon_pa, hwk_vmcs_pa;

void
hwk_vmx_invept(uint64_t eptp)
{
	struct {
		uint64_t eptp, rsv;
	} desc = { eptp, 0 };

	if (!hwk_vmx_on)
		return;
	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(1ul) : "cc", "memory");
}

/* SDM 3D A.3: bits that must be 1 are the MSR's low half, bits allowed 1 its high half. */
static uint32_t
vmx_adjust(uint32_t want, uint32_t msr)
{
	uint64_t cap = rdmsr(msr);

	return (want | (uint32_t)cap) & (uint32_t)(cap >> 32);
}

static int
vmx_insn(const char *what, uint64_t pa, int op)
{
	uint8_t bad;

	if (op == 0)
		__asm__ volatile("vmxon %1; setna %0" : "=q"(bad) : "m"(pa) : "cc", "memory");
	else if (op == 1)
		__asm__ volatile("vmclear %1; setna %0" : "=q"(bad) : "m"(pa) : "cc", "memory");
	else
		__asm__ volatile("vmptrld %1; setna %0" : "=q"(bad) : "m"(pa) : "cc", "memory");
	if (bad)
		hwk_printf("hwk: %s 0x%lx failed\n", what, pa);
	return bad ? -1 : 0;
}

/* SDM 3C 24.7 / 24.8: CR0, CR4 within the fixed bits, VMXON with the revision id. */
static int
vmx_enable(void)
{
	uint32_t r[4], rev = (uint32_t)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
	uint64_t fc, cr0, cr4;

	cpuid(1, 0, r);
	if ((r[2] & CPUID1_ECX_VMX) == 0) {
		hwk_printf("hwk: no VMX on this CPU (CPUID.1:ECX.VMX = 0)\n");
		return -1;
	}
	fc = rdmsr(MSR_FEATURE_CONTROL);
	if ((fc & FC_LOCK) == 0)
		wrmsr(MSR_FEATURE_CONTROL, fc | FC_LOCK | FC_VMXON_OUTSIDE);
	else if ((fc & FC_VMXON_OUTSIDE) == 0) {
		hwk_printf("hwk: VMX disabled by IA32_FEATURE_CONTROL=0x%lx\n", fc);
		return -1;
	}
	__asm__ volatile("mov %%cr0, %0; mov %%cr4, %1" : "=r"(cr0), "=r"(cr4));
	cr0 = (cr0 | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1);
	cr4 = (cr4 | CR4_VMXE | rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1);
	__asm__ volatile("mov %0, %%cr0; mov %1, %%cr4" : : "r"(cr0), "r"(cr4));
	if (!hwk_page_alloc(&hwk_vmxon_pa) || !hwk_page_alloc(&hwk_vmcs_pa))
		return -1;
	*(uint32_t *)hwk_p2v(hwk_vmxon_pa) = rev;
	*(uint32_t *)hwk_p2v(hwk_vmcs_pa) = rev;
	if (vmx_insn("vmxon", hwk_vmxon_pa, 0) != 0)
		return -1;
	hwk_vmx_on = true;
	return 0;
}

/*
 * Fields this VMCS does not use, zeroed rather than trusted to a zeroed
 * region (SDM 3C 25.11.3: the VMCS data format is implementation-specific).
 */
static void
vmcs_zero_rest(void)
{
	static const uint32_t fields[] = {
		VMCS_PF_ERR_MASK,        VMCS_PF_ERR_MASK + 2,
		VMCS_PF_ERR_MASK + 4,                             /* + CR3 targets */
		VMCS_EXIT_MSR_ST_N,      VMCS_EXIT_MSR_ST_N + 2,  /* + exit MSR loads */
		VMCS_ENTRY_MSR_LD_N,     VMCS_ENTRY_MSR_LD_N + 2, /* + entry intr info */
		VMCS_CR0_MASK,           VMCS_CR0_MASK + 2,
		VMCS_CR0_MASK + 4,       VMCS_CR0_MASK + 6,
		VMCS_GUEST_PEND_DBG,     VMCS_GUEST_PEND_DBG + 2,
		VMCS_GUEST_PEND_DBG + 4, VMCS_GUEST_SE_CS,
		VMCS_HOST_SE_CS,         VMCS_HOST_SE_ESP,
		VMCS_HOST_SE_ESP + 2,
	};
	unsigned i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		vmwrite(fields[i], 0);
}

static void
vmcs_controls(void)
{
	uint32_t t = (rdmsr(MSR_VMX_BASIC) & BASIC_TRUE_CTLS) ? MSR_VMX_TRUE_PIN - MSR_VMX_PIN : 0;

	vmwrite(VMCS_PIN_CTL, vmx_adjust(0, MSR_VMX_PIN + t));
	vmwrite(VMCS_PROC_CTL, vmx_adjust(PROC_SECONDARY, MSR_VMX_PROC + t));
	vmwrite(VMCS_PROC2_CTL, vmx_adjust(PROC2_EPT | PROC2_VPID, MSR_VMX_PROC2));
	vmwrite(VMCS_EXIT_CTL, vmx_adjust(EXIT_HOST_64, MSR_VMX_EXIT + t));
	vmwrite(VMCS_ENTRY_CTL, vmx_adjust(ENTRY_GUEST_64, MSR_VMX_ENTRY + t));
	vmwrite(VMCS_EXC_BITMAP, 0xffffffff); /* every guest exception exits */
	vmwrite(VMCS_VPID, GUEST_VPID);
	vmwrite(VMCS_LINK_PTR, ~0ul);
	vmcs_zero_rest();
}

static void
vmcs_host(void)
{
	uint64_t cr0, cr4, gdt, idt, tss;
	uint16_t tr;
	int i;

	__asm__ volatile("mov %%cr0, %0; mov %%cr4, %1" : "=r"(cr0), "=r"(cr4));
	hwk_cpu_tables(&gdt, &idt, &tss, &tr);
	vmwrite(VMCS_HOST_CR0, cr0);
	vmwrite(VMCS_HOST_CR3, read_cr3());
	vmwrite(VMCS_HOST_CR4, cr4);
	for (i = 0; i < 6; i++) /* ES, CS, SS, DS, FS, GS */
		vmwrite(VMCS_HOST_ES_SEL + 2 * i, i == 1             ? SEL_KCODE
		                                  : i == 4 || i == 5 ? 0
		                                                     : SEL_KDATA);
	vmwrite(VMCS_HOST_ES_SEL + 12, tr);
	vmwrite(VMCS_HOST_FS_BASE, 0);
	vmwrite(VMCS_HOST_GS_BASE, 0);
	vmwrite(VMCS_HOST_TR_BASE, tss);
	vmwrite(VMCS_HOST_GDTR_BASE, gdt);
	vmwrite(VMCS_HOST_IDTR_BASE, idt);
	vmwrite(VMCS_HOST_RIP, (uint64_t)hwk_vmx_exit);
}

/*
 * SDM 3C 27.3.1: a 64-bit guest at CPL0.  ES .. GS flat (CS long mode),
 * LDTR unusable, TR a busy 64-bit TSS at 0; GDT and IDT are never used
 * (every exception exits).
 */
static void
vmcs_guest(uint64_t cr3)
{
	uint64_t cr0 = CR0_PE | CR0_WP | CR0_PG | 0x20 /* NE */, cr4 = CR4_PAE | CR4_VMXE;
	int i;

	cr0 = (cr0 | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1);
	cr4 = (cr4 | rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1);
	vmwrite(VMCS_GUEST_CR0, cr0);
	vmwrite(VMCS_GUEST_CR3, cr3);
	vmwrite(VMCS_GUEST_CR4, cr4);
	for (i = 0; i < 8; i++) { /* ES, CS, SS, DS, FS, GS, LDTR, TR */
		uint32_t ar = i == 1 ? 0xa09b : i == 6 ? 0x10000 : i == 7 ? 0x8b : 0xc093;

		vmwrite(VMCS_GUEST_ES_SEL + 2 * i, i == 1   ? SEL_KCODE
		                                   : i == 6 ? 0
		                                   : i == 7 ? SEL_TSS
		                                            : SEL_KDATA);
		vmwrite(VMCS_GUEST_ES_LIMIT + 2 * i, i == 7 ? 0x67 : 0xffffffff);
		vmwrite(VMCS_GUEST_ES_AR + 2 * i, ar);
		vmwrite(VMCS_GUEST_ES_BASE + 2 * i, 0);
	}
	for (i = 8; i < 10; i++) { /* GDTR, IDTR */
		vmwrite(VMCS_GUEST_ES_LIMIT + 2 * i, 0xffff);
		vmwrite(VMCS_GUEST_ES_BASE + 2 * i, 0);
	}
	vmwrite(VMCS_GUEST_DR7, 0x400);
	vmwrite(VMCS_GUEST_RSP, 0);
	vmwrite(VMCS_GUEST_RFLAGS, 0x2);
	vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	vmwrite(VMCS_GUEST_INTR, 0);
	vmwrite(VMCS_GUEST_ACTIVITY, 0);
}

/*
 * Fresh VMCS for a guest with page tables at gpa @cr3, second level @pm.
 * Returns 0, or -1 after printing why.
 */
int
hwk_vmx_vmcs(struct pmap *pm, uint64_t cr3)
{
	uint64_t cap;

	if (!hwk_vmx_on && vmx_enable() != 0)
		return -1;
	cap = rdmsr(MSR_VMX_EPT_VPID);
	if ((pm->pm_flags & PMAP_EMULATE_AD_BITS) == 0 && (cap & (1ul << 21)) == 0) {
		hwk_printf("hwk: no EPT A/D flags (IA32_VMX_EPT_VPID_CAP=0x%lx)\n", cap);
		return -1;
	}
	if ((pm->pm_flags & PMAP_SUPPORTS_EXEC_ONLY) != 0 && (cap & 1) == 0) {
		hwk_printf("hwk: no execute-only EPT (IA32_VMX_EPT_VPID_CAP=0x%lx)\n", cap);
		return -1;
	}
	if (vmx_insn("vmclear", hwk_vmcs_pa, 1) != 0 || vmx_insn("vmptrld", hwk_vmcs_pa, 2) != 0)
		return -1;
	vmcs_controls();
	if ((vmread(VMCS_PROC2_CTL) & (PROC2_EPT | PROC2_VPID)) != (PROC2_EPT | PROC2_VPID)) {
		hwk_printf("hwk: no EPT or no VPID (secondary controls 0x%lx allowed)\n",
		           rdmsr(MSR_VMX_PROC2) >> 32);
		return -1;
	}
	hwk_printf("hwk: vmx on, IA32_VMX_EPT_VPID_CAP=0x%lx eptp=0x%lx proc2=0x%lx vpid=%lu\n",
	           cap, pm->pm_hw_root, vmread(VMCS_PROC2_CTL), vmread(VMCS_VPID));
	vmcs_host();
	vmcs_guest(cr3);
	vmwrite(VMCS_EPTP, pm->pm_hw_root);
	return 0;
}

/* VMCLEAR and VMXOFF (SDM 3C 24.11): this CPU leaves VMX operation. */
void
hwk_vmx_off(void)
{
	if (!hwk_vmx_on)
		return;
	(void)vmx_insn("vmclear", hwk_vmcs_pa, 1);
	__asm__ volatile("vmxoff" : : : "cc", "memory");
	hwk_vmx_on = false;
}

void
hwk_vmx_vmcs_clear(void)
{
	if (hwk_vmx_on)
		(void)vmx_insn("vmclear", hwk_vmcs_pa, 1);
}
