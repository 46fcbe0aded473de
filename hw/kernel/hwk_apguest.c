/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_apguest.c - the EPT backend on two CPUs (op-list flag
 * HWOPS_F_GUEST_AP): the guest runs on the application processor and
 * stays in VMX non-root operation between ops; the BSP runs the runner
 * and every pmap call in root mode.
 *
 * Why: a VM exit may flush a CPU's translations (Bochs flushes its whole
 * TLB on every exit, VPID or not), and on one CPU every pmap call follows
 * an exit, so a missing INVEPT cannot show there.  Here the CPU that
 * caches the guest's translations does not exit when the host changes
 * the EPT tables, as on any multi-CPU host; so pmap_plat_invept() must
 * reach it: it is a shootdown (an NMI; the AP runs INVEPT, hwk_smp.c).
 *
 * An access is a mailbox command (struct hwk_mbox at gpa 0x7000): the BSP
 * writes va, value and op, then cmd; the guest loop (hwk_vmx_entry.S)
 * performs it and sets done = cmd.  An access that exits (EPT violation
 * or misconfiguration, the int3 of a fetch) is completed by the AP in
 * root mode, which stores how it ended in hwk_ap_guest.f, sets done and
 * re-enters the guest at the top of its loop.  The op 0 (stop) makes the
 * guest VMCALL: the AP leaves VMX operation and halts, so no CPU is in a
 * guest when the machine shuts down.
 */
#include "hwk_vmcs.h"
#include "hwk_vmx.h"

#define PIN_NMI_EXIT           (1u << 3)
#define INTR_TYPE_NMI          2
#define GUEST_INTR_NMI_BLOCKED 0x8 /* guest interruptibility state bit 3 (SDM 3C 25.4.2) */
#define VEC_BP                 3
#define INT3                   0xcc
#define OP_STOP                0
#define STATE_SPINS            200000000ul

#define barrier() __asm__ volatile("" : : : "memory")

struct hwk_ap_guest hwk_ap_guest;

/*
 * On the AP, after an exit that ends the command in progress: fill
 * hwk_ap_guest.f, complete the command, restart the guest's loop.  An
 * exit no command makes is FATAL.
 */
static void
ap_complete(uint64_t reason, uint64_t info)
{
	struct hwk_mbox *mb = hwk_guest_mbox();
	uint64_t rip = vmread(VMCS_GUEST_RIP);
	struct hwr_fault f = { HWR_FAULT_NONE, 0, 0 };

	if (reason == EXIT_EPT_VIOL)
		f = (struct hwr_fault){ HWR_FAULT_PF, vmread(VMCS_EXIT_QUAL),
			                vmread(VMCS_GUEST_PHYS) };
	else if (reason == EXIT_EPT_MISCFG)
		f = (struct hwr_fault){ HWR_FAULT_MISCONFIG, 0, vmread(VMCS_GUEST_PHYS) };
	else if (reason != EXIT_EXCEPTION || mb->op != HWOPS_ACC_FETCH || (info & 0xff) != VEC_BP ||
	         (rip != mb->va && rip != mb->va + 1))
		hwk_fatal("ap: vm exit reason=%lu intr_info=0x%lx qual=0x%lx rip=0x%lx", reason,
		          info, vmread(VMCS_EXIT_QUAL), rip);
	hwk_ap_guest.f = f;
	barrier();
	mb->done = mb->cmd;
	vmwrite(VMCS_GUEST_RIP, HWK_GUEST_LOOP);
	vmwrite(VMCS_GUEST_RFLAGS, 0x2);
}

/*
 * On the AP: a VMCS for hwk_ap_guest.pm with NMI exiting, then the guest
 * loop for good.  An NMI exit is a shootdown: INVEPT, and the guest goes
 * on where it was; VMCALL is the stop command.
 */
void
hwk_ap_guest_run(void)
{
	struct pmap *pm = hwk_ap_guest.pm;
	struct hwk_guest_regs g = { 0 };
	uint64_t reason, info;
	int launched = 0;

	if (hwk_vmx_vmcs(pm, HWK_GUEST_PML4) != 0) {
		hwk_ap_guest.state = -1;
		return;
	}
	vmwrite(VMCS_PIN_CTL, vmread(VMCS_PIN_CTL) | PIN_NMI_EXIT);
	vmwrite(VMCS_GUEST_RIP, HWK_GUEST_LOOP);
	hwk_ap_guest.state = 1;
	for (;;) {
		if (hwk_vmx_run(&g, launched) != 0)
			hwk_fatal("ap: vm entry failed: VM-instruction error %lu",
			          vmread(VMCS_INSN_ERROR));
		launched = 1;
		reason = vmread(VMCS_EXIT_REASON) & 0xffff;
		info = vmread(VMCS_EXIT_INTR_INFO);
		if (reason == EXIT_EXCEPTION && (info >> 8 & 7) == INTR_TYPE_NMI) {
			/*
			 * Bochs saves "blocking by NMI" with the guest's state on
			 * an NMI exit, and VM entry would then block NMIs in a
			 * guest that never IRETs: the next shootdown would not
			 * arrive.  This guest never takes an NMI itself.
			 */
			vmwrite(VMCS_GUEST_INTR, vmread(VMCS_GUEST_INTR) & ~GUEST_INTR_NMI_BLOCKED);
			hwk_smp_nmi_exit(pm->pm_hw_root);
			continue;
		}
		if (reason == EXIT_VMCALL) {
			hwk_vmx_off();
			hwk_ap_guest.stopped = 1;
			for (;;)
				__asm__ volatile("cli; hlt");
		}
		ap_complete(reason, info);
	}
}

/* Post one command and wait for it: false when the AP never completes it. */
static bool
apg_command(uint64_t va, uint64_t val, uint64_t op)
{
	struct hwk_mbox *mb = hwk_guest_mbox();
	uint64_t cmd = mb->cmd + 1;

	mb->va = va;
	mb->val = val;
	mb->op = op;
	hwk_ap_guest.f = (struct hwr_fault){ HWR_FAULT_NONE, 0, 0 };
	barrier();
	mb->cmd = cmd;
	if (op == OP_STOP)
		return hwk_spin_until(&hwk_ap_guest.stopped, 1);
	if (!hwk_spin_until(&mb->done, cmd))
		return false;
	barrier();
	return true;
}

int
hwk_apg_access(struct pmap *pm, uint64_t va, int access, uint64_t wval, uint64_t *rval,
               struct hwr_fault *f)
{
	uint8_t *target = NULL, saved = 0;

	if (access == HWOPS_ACC_FETCH && (target = hwk_guest_byte(pm, va)) != NULL) {
		saved = *target;
		*target = INT3;
	}
	if (!apg_command(va, wval, (uint64_t)access))
		hwk_fatal("the AP's guest did not complete an access at gpa 0x%lx", va);
	if (target != NULL)
		*target = saved;
	*f = hwk_ap_guest.f;
	if (f->faulted == HWR_FAULT_MISCONFIG)
		hwk_ept_print_walk(pm, f->addr);
	if (f->faulted == HWR_FAULT_NONE && access == HWOPS_ACC_READ)
		*rval = hwk_guest_mbox()->rax;
	if (f->faulted == HWR_FAULT_NONE && access == HWOPS_ACC_FETCH)
		*rval = *(uint64_t *)hwk_guest_byte(pm, va);
	return 0;
}

/* Wait for the AP's VMCS; its state (1 in the guest, -1 no VMX, 0 silent). */
static int
apg_wait_state(void)
{
	uint64_t n;

	for (n = 0; n < STATE_SPINS && hwk_ap_guest.state == 0; n++)
		__asm__ volatile("pause");
	return hwk_ap_guest.state;
}

int
hwk_apg_setup(struct pmap *pm)
{
	struct hwr_fault f;
	uint64_t val;

	if (hwk_guest_map(pm) != 0)
		return -1;
	if (!hwk_smp_start()) {
		hwk_printf("hwk: smp: the second CPU did not start\n");
		return -1;
	}
	hwk_ap_guest.pm = pm;
	hwk_smp_run(hwk_ap_guest_run);
	if (apg_wait_state() != 1)
		return -1;
	hwk_shootdown = true;
	if (hwk_apg_access(pm, 0, HWOPS_ACC_READ, 0, &val, &f) != 0 || f.faulted)
		return -1;
	return 0;
}

/*
 * Stop the AP's guest (it leaves VMX operation), then undo the guest's
 * mappings: with no CPU in the guest, nothing caches them any more.
 */
void
hwk_apg_teardown(struct pmap *pm)
{
	if (hwk_ap_guest.state == 1 && !apg_command(0, 0, OP_STOP))
		hwk_fatal("the AP's guest did not stop");
	hwk_shootdown = false;
	hwk_vmx_teardown(pm);
}
