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
 *             released cleanly;
 *   HWKSTALE  (HWKSTALS: invalidations skipped) two CPUs: the AP's guest
 *             writes a page, the BSP downgrades it to read-only, the
 *             guest writes again; the shootdown makes it fault, without
 *             it the AP's stale translation lets the write through.
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

/* One mailbox command: the AP's guest writes @val at @gpa. */
static bool
stale_cmd(uint64_t gpa, uint64_t val)
{
	struct hwk_mbox *mb = hwk_guest_mbox();

	mb->va = gpa;
	mb->val = val;
	mb->cmd = mb->cmd + 1;
	return hwk_spin_until(&mb->done, mb->cmd);
}

static void
selftest_stale(bool skip)
{
	struct pmap pm;
	uint64_t hpa;

	if (pmap_pinit(&pm, PMAP_TYPE_EPT, PMAP_SUPPORTS_EXEC_ONLY, NULL) != PMAP_OK ||
	    hwk_guest_map(&pm) != 0 || !hwk_page_alloc(&hpa) ||
	    pmap_enter(&pm, SELFTEST_GPA, hpa, VM_PROT_READ | VM_PROT_WRITE,
	               VM_PROT_READ | VM_PROT_WRITE, PMAP_MA_WB, PMAP_LEVEL_4K) != PMAP_OK)
		hwk_fatal("selftest_stale: setup failed");
	if (!hwk_smp_start()) {
		hwk_printf("hwk: smp: the second CPU did not start\nEND 0 1\n");
		return;
	}
	hwk_ap_guest.pm = &pm;
	hwk_smp_run(hwk_ap_guest_run);
	while (hwk_ap_guest.state == 0)
		__asm__ volatile("pause");
	if (hwk_ap_guest.state < 0) {
		hwk_printf("END 0 7\n");
		return;
	}
	hwk_shootdown = true;
	hwk_skip_inval = skip;
	if (!stale_cmd(SELFTEST_GPA, 0x1111))
		hwk_fatal("selftest_stale: the AP's guest did not write");
	(void)pmap_protect(&pm, SELFTEST_GPA, SELFTEST_GPA + PMAP_PAGE_SIZE, VM_PROT_READ);
	if (!stale_cmd(SELFTEST_GPA, 0x2222))
		hwk_fatal("selftest_stale: the AP's guest did not write again");
	hwk_printf("hwk: smp stale: skip-inval=%d invept=%lu shootdowns=%lu faults=%lu qual=0x%lx "
	           "mem=0x%lx\n",
	           skip, hwk_inval_stats.invept, hwk_smp_acks(), hwk_ap_guest.faults,
	           hwk_ap_guest.qual, *(uint64_t *)hwk_p2v(hpa));
	hwk_guest_mbox()->va = 0; /* stop */
	hwk_guest_mbox()->cmd++;
	hwk_printf("END 0 %d\n", hwk_spin_until(&hwk_ap_guest.stopped, 1) ? 0 : 1);
}

bool
hwk_selftest(const void *ops, uint64_t bytes)
{
	if (bytes >= 8 &&
	    (hwk_memcmp(ops, "HWKSTALE", 8) == 0 || hwk_memcmp(ops, "HWKSTALS", 8) == 0)) {
		selftest_stale(((const char *)ops)[7] == 'S');
		return true;
	}
	if (bytes >= 8 && hwk_memcmp(ops, "HWKTRAP", 8) == 0)
		__asm__ volatile("ud2");
	if (bytes >= 8 && hwk_memcmp(ops, "HWKMISCF", 8) == 0) {
		selftest_misconfig();
		return true;
	}
	return false;
}
