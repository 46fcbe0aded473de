/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_main.c - kmain(): bring the machine up, run what the op list asks
 * for, print the records, shut down.
 */
#include "hwk.h"
#include "hwk_vmx.h"
#include "hw/runner/hwr.h"
#include "pmap/pmap_var.h"

#define MSR_PAT 0x277

extern uint64_t boot_pml4[512];

void kmain(uint32_t magic, uint32_t info_pa);

/* The boot identity map (PML4[0]) is only for entry.S's jump. */
static void
drop_identity_map(void)
{
	uint64_t *pml4 = hwk_p2v(hwk_v2p(boot_pml4));

	pml4[0] = 0;
	write_cr3(read_cr3());
}

static void
print_cpu(void)
{
	uint32_t r[4], vendor[4] = { 0 };

	cpuid(0, 0, r);
	vendor[0] = r[1];
	vendor[1] = r[3];
	vendor[2] = r[2];
	cpuid(0x80000008, 0, r);
	hwk_printf("hwk: cpu %s maxphyaddr=%u\n", (const char *)vendor, r[0] & 0xff);
}

/* One mapping through pmap/ with this kernel's seam: the smoke test. */
static void
pmap_smoke(void)
{
	struct pmap pm;
	uint64_t hpa, got = 0;
	int err;

	if (pmap_pinit(&pm, PMAP_TYPE_X86, 0, NULL) != PMAP_OK || !hwk_page_alloc(&hpa))
		hwk_fatal("pmap_smoke: out of memory");
	err = pmap_enter(&pm, 0x400000, hpa, VM_PROT_READ, VM_PROT_READ, PMAP_MA_WB, PMAP_LEVEL_4K);
	if (err != PMAP_OK || !pmap_extract(&pm, 0x400123, &got) || got != hpa + 0x123)
		hwk_fatal("pmap_smoke: enter=%d extract=0x%lx want 0x%lx", err, got, hpa + 0x123);
	pmap_release(&pm);
	hwk_page_free(hpa);
	hwk_printf("hwk: pmap ok frame=0x%lx\n", hpa);
}

void
kmain(uint32_t magic, uint32_t info_pa)
{
	const void *ops;
	uint64_t ops_bytes;

	hwk_console_init();
	hwk_cpu_init();
	wrmsr(MSR_PAT, X86_PAT_MSR);
	hwk_mem_init(magic, info_pa);
	drop_identity_map();
	hwk_printf("hwk: hello, loader=%s\n",
	           magic == HWK_BOOT_MAGIC ? "bootsector" : "multiboot2");
	print_cpu();
	ops = hwk_oplist(&ops_bytes);
	hwk_printf("hwk: pool %lu pages free, op list %lu bytes\n", hwk_pages_free(), ops_bytes);
	pmap_smoke();
	if (ops == NULL)
		hwk_printf("END 0 0\n");
	else if (!hwk_selftest(ops, ops_bytes))
		(void)hwr_run(ops, ops_bytes);
	hwk_printf("hwk: invlpg=%lu invltlb=%lu invept=%lu shootdowns=%lu\n",
	           hwk_inval_stats.invlpg, hwk_inval_stats.invltlb, hwk_inval_stats.invept,
	           hwk_smp_acks());
	hwk_shutdown();
}
