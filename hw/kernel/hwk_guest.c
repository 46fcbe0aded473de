/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_guest.c - the EPT backend: a 64-bit guest that performs each access.
 *
 * The guest's memory is the reserved region of the runner's EPT pmap
 * (gpa < HWOPS_RESERVED_END), entered wired with VM_PROT_ALL:
 *
 *   gpa 0x0000  code:  0x00 mov (%rdi), %rax ; vmcall      read
 *                      0x10 mov %rsi, (%rdi) ; vmcall      write
 *                      0x20 jmp *%rdi                      fetch (int3 there)
 *   gpa 0x1000  PML4   [0] -> PDPT
 *   gpa 0x2000  PDPT   [i] -> PD i, i < 4
 *   gpa 0x3000  PD 0..3: 2 MiB leaves, gva = gpa on [0, HWOPS_EPT_GPA_LIMIT)
 *   gpa 0x7000  the mailbox of the two-CPU backend (hwk_apguest.c); the
 *               loop the AP's guest runs is at code offset 0x40
 *
 * An access is a VMLAUNCH/VMRESUME at the stub with RDI = gpa, RSI = the
 * value; it ends in VMCALL (exit 18), in int3 at the fetched byte (exit 0,
 * vector 3), in an EPT violation (exit 48: qualification and gpa) or an
 * EPT misconfiguration (exit 49).  Anything else is FATAL.
 */
#include "hwk_vmcs.h"
#include "hwk_vmx.h"

#define GUEST_PAGES   8 /* code, PML4, PDPT, 4 PDs, the two-CPU backend's mailbox */
#define GUEST_PML4    HWK_GUEST_PML4
#define GUEST_PDPT    0x2000ul
#define GUEST_PD      0x3000ul
#define GUEST_NPD     (HWOPS_EPT_GPA_LIMIT >> 30)
#define X86_P_RW      0x3ul
#define X86_P_RW_PS   0x83ul
#define INT3          0xcc
#define VEC_BP        3
#define INTR_INFO_VEC 0xff
#define GUEST_LOOP    HWK_GUEST_LOOP
#define EPT_PS        0x80ul
#define EPT_FRAME     0x000ffffffffff000ul

extern const char hwk_guest_loop[], hwk_guest_loop_end[];

static const uint8_t hwk_guest_code[] = {
	[0x00] = 0x48, 0x8b, 0x07, 0x0f, 0x01, 0xc1, /* read */
	[0x10] = 0x48, 0x89, 0x37, 0x0f, 0x01, 0xc1, /* write */
	[0x20] = 0xff, 0xe7,                         /* fetch */
};
static const uint64_t hwk_guest_off[] = {
	[HWOPS_ACC_READ] = 0x00,
	[HWOPS_ACC_WRITE] = 0x10,
	[HWOPS_ACC_FETCH] = 0x20,
};

static uint64_t hwk_guest_hpa[GUEST_PAGES];
static bool hwk_launched;

/* The guest's identity page tables, in the frames behind gpa 0x1000.. */
static void
guest_tables(void)
{
	uint64_t *pml4 = hwk_p2v(hwk_guest_hpa[1]), *pdpt = hwk_p2v(hwk_guest_hpa[2]);
	uint64_t i, j;

	pml4[0] = GUEST_PDPT | X86_P_RW;
	for (i = 0; i < GUEST_NPD; i++) {
		uint64_t *pd = hwk_p2v(hwk_guest_hpa[3 + i]);

		pdpt[i] = (GUEST_PD + i * PMAP_PAGE_SIZE) | X86_P_RW;
		for (j = 0; j < PMAP_NPTE; j++)
			pd[j] = (i << 30 | j << 21) | X86_P_RW_PS;
	}
}

/* Enter the guest's pages into @pm and fill them; 0, or -1 when memory is out. */
int
hwk_guest_map(struct pmap *pm)
{
	int i;

	_Static_assert(3 + GUEST_NPD + 1 == GUEST_PAGES, "one PD per GiB below the gpa limit");
	for (i = 0; i < GUEST_PAGES; i++) {
		if (!hwk_page_alloc(&hwk_guest_hpa[i]))
			return -1;
		if (pmap_enter(pm, (uint64_t)i * PMAP_PAGE_SIZE, hwk_guest_hpa[i], VM_PROT_ALL,
		               VM_PROT_ALL | PMAP_ENTER_WIRED | PMAP_ENTER_UNMANAGED, PMAP_MA_WB,
		               PMAP_LEVEL_4K) != PMAP_OK)
			return -1;
	}
	hwk_memcpy(hwk_p2v(hwk_guest_hpa[0]), hwk_guest_code, sizeof(hwk_guest_code));
	hwk_memcpy((uint8_t *)hwk_p2v(hwk_guest_hpa[0]) + GUEST_LOOP, hwk_guest_loop,
	           (size_t)(hwk_guest_loop_end - hwk_guest_loop));
	guest_tables();
	return 0;
}

struct hwk_mbox *
hwk_guest_mbox(void)
{
	return hwk_p2v(hwk_guest_hpa[GUEST_PAGES - 1]);
}

int
hwk_vmx_setup(struct pmap *pm)
{
	struct hwr_fault f;
	uint64_t val;

	if (hwk_guest_map(pm) != 0)
		return -1;
	if (hwk_vmx_vmcs(pm, GUEST_PML4) != 0)
		return -1;
	hwk_launched = false;
	if (hwk_vmx_access(pm, 0, HWOPS_ACC_READ, 0, &val, &f) != 0 || f.faulted)
		return -1;
	return 0;
}

void
hwk_vmx_teardown(struct pmap *pm)
{
	int i;

	(void)pmap_unwire(pm, 0, GUEST_PAGES * PMAP_PAGE_SIZE);
	(void)pmap_remove(pm, 0, GUEST_PAGES * PMAP_PAGE_SIZE);
	for (i = 0; i < GUEST_PAGES; i++)
		if (hwk_guest_hpa[i] != 0)
			hwk_page_free(hwk_guest_hpa[i]);
	hwk_memset(hwk_guest_hpa, 0, sizeof(hwk_guest_hpa));
	hwk_vmx_vmcs_clear();
	hwk_launched = false;
}

/*
 * The EPT entry at @level (3: PML4E .. 0: PTE) on @gpa's walk, or NULL
 * past a non-present entry or a leaf.
 */
uint64_t *
hwk_ept_entry(struct pmap *pm, uint64_t gpa, int level)
{
	uint64_t table = pm->pm_root_hpa, *e = NULL;
	int l;

	for (l = PMAP_NLEVELS - 1; l >= level; l--) {
		if (e != NULL && ((*e & 0x7) == 0 || (*e & EPT_PS) != 0))
			return NULL;
		if (e != NULL)
			table = *e & EPT_FRAME;
		e = (uint64_t *)hwk_p2v(table) +
		    (gpa >> (PMAP_PAGE_SHIFT + 9 * l) & (PMAP_NPTE - 1));
	}
	return e;
}

/* Print the entries of @gpa's walk: what an EPT misconfiguration (exit 49) found. */
void
hwk_ept_print_walk(struct pmap *pm, uint64_t gpa)
{
	char buf[160];
	int n, l;

	n = hwk_snprintf(buf, sizeof(buf), "hwk: EPT misconfiguration gpa=0x%lx", gpa);
	for (l = PMAP_NLEVELS - 1; l >= 0 && n < (int)sizeof(buf); l--) {
		uint64_t *e = hwk_ept_entry(pm, gpa, l);

		if (e == NULL)
			break;
		n += hwk_snprintf(buf + n, sizeof(buf) - n, " L%d=0x%lx", l + 1, *e);
	}
	hwk_printf("%s\n", buf);
}

uint8_t *
hwk_guest_byte(struct pmap *pm, uint64_t gpa)
{
	uint64_t hpa;

	return pmap_extract(pm, gpa, &hpa) ? hwk_p2v(hpa) : NULL;
}

/* The exit after an access: fill @f, or FATAL for an exit no access makes. */
static void
guest_exit(uint64_t va, int access, struct hwr_fault *f)
{
	uint64_t reason = vmread(VMCS_EXIT_REASON), info, rip = vmread(VMCS_GUEST_RIP);

	*f = (struct hwr_fault){ HWR_FAULT_NONE, 0, 0 };
	switch (reason & 0xffff) {
	case EXIT_VMCALL:
		return;
	case EXIT_EXCEPTION:
		info = vmread(VMCS_EXIT_INTR_INFO);
		if (access == HWOPS_ACC_FETCH && (info & INTR_INFO_VEC) == VEC_BP &&
		    (rip == va || rip == va + 1))
			return;
		hwk_fatal("guest exception intr_info=0x%lx rip=0x%lx qual=0x%lx", info, rip,
		          vmread(VMCS_EXIT_QUAL));
	case EXIT_EPT_VIOL:
		*f = (struct hwr_fault){ HWR_FAULT_PF, vmread(VMCS_EXIT_QUAL),
			                 vmread(VMCS_GUEST_PHYS) };
		return;
	case EXIT_EPT_MISCFG:
		*f = (struct hwr_fault){ HWR_FAULT_MISCONFIG, 0, vmread(VMCS_GUEST_PHYS) };
		return;
	default:
		hwk_fatal("vm exit reason=0x%lx qual=0x%lx rip=0x%lx gpa=0x%lx", reason,
		          vmread(VMCS_EXIT_QUAL), rip, vmread(VMCS_GUEST_PHYS));
	}
}

int
hwk_vmx_access(struct pmap *pm, uint64_t va, int access, uint64_t wval, uint64_t *rval,
               struct hwr_fault *f)
{
	struct hwk_guest_regs g = { .rdi = va, .rsi = wval };
	uint8_t *target = NULL, saved = 0;

	if (access == HWOPS_ACC_FETCH && (target = hwk_guest_byte(pm, va)) != NULL) {
		saved = *target;
		*target = INT3;
	}
	vmwrite(VMCS_GUEST_RIP, hwk_guest_off[access]);
	vmwrite(VMCS_GUEST_RFLAGS, 0x2);
	if (hwk_vmx_run(&g, hwk_launched) != 0)
		hwk_fatal("%s failed: VM-instruction error %lu",
		          hwk_launched ? "vmresume" : "vmlaunch", vmread(VMCS_INSN_ERROR));
	hwk_launched = true;
	if (target != NULL)
		*target = saved;
	guest_exit(va, access, f);
	if (f->faulted == HWR_FAULT_MISCONFIG)
		hwk_ept_print_walk(pm, f->addr);
	if (f->faulted == HWR_FAULT_NONE && access == HWOPS_ACC_READ)
		*rval = g.rax;
	if (f->faulted == HWR_FAULT_NONE && access == HWOPS_ACC_FETCH)
		*rval = *(uint64_t *)hwk_guest_byte(pm, va);
	return 0;
}
