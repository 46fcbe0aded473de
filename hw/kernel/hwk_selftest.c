/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_selftest.c - paths no op list reaches, selected by a magic in
 * place of the op list's (hw/boot/mkops.py trap, misconfig):
 *
 *   HWKTRAP   UD2 outside any access: the FATAL trap path;
 *   HWKMISCF  an EPT leaf made write-only (XWR = 010, SDM 3C 29.3.3.1)
 *             behind pmap/'s back, then a guest read: exit 49, whose
 *             walk is printed, then the entry is restored and the pmap
 *             released cleanly.
 */
#include "hwk_vmx.h"

#define SELFTEST_GPA 0x400000ul

static void
selftest_misconfig(void)
{
	struct hwops_header h = { .mode = HWOPS_MODE_EPT_AD };
	struct hwr_fault f = { 0 };
	struct pmap pm;
	uint64_t hpa, val, *leaf, saved;

	if (pmap_pinit(&pm, PMAP_TYPE_EPT, PMAP_SUPPORTS_EXEC_ONLY, NULL) != PMAP_OK ||
	    hwr_setup(&pm, &h) != 0 || !hwk_page_alloc(&hpa) ||
	    pmap_enter(&pm, SELFTEST_GPA, hpa, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ,
	               PMAP_MA_WB, PMAP_LEVEL_4K) != PMAP_OK ||
	    (leaf = hwk_ept_entry(&pm, SELFTEST_GPA, 0)) == NULL)
		hwk_fatal("selftest_misconfig: setup failed");
	saved = *leaf;
	*leaf = (saved & ~0x7ul) | 0x2;
	hwk_vmx_invept(pm.pm_hw_root);
	(void)hwr_access(&pm, SELFTEST_GPA, HWOPS_ACC_READ, 0, 0, &val, &f);
	*leaf = saved;
	hwk_vmx_invept(pm.pm_hw_root);
	hwk_printf("hwk: misconfig selftest: faulted=%d addr=0x%lx\n", f.faulted, f.addr);
	hwr_teardown(&pm);
	pmap_release(&pm);
	hwk_page_free(hpa);
	hwk_printf("END 0 %d\n", f.faulted == HWR_FAULT_MISCONFIG ? 0 : 1);
}

bool
hwk_selftest(const void *ops, uint64_t bytes)
{
	if (bytes >= 8 && hwk_memcmp(ops, "HWKTRAP", 8) == 0)
		__asm__ volatile("ud2");
	if (bytes >= 8 && hwk_memcmp(ops, "HWKMISCF", 8) == 0) {
		selftest_misconfig();
		return true;
	}
	return false;
}
