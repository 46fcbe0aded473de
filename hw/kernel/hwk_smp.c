/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_smp.c - the second CPU of the two-CPU EPT backend (hwk_apguest.c),
 * for what one CPU cannot show under Bochs: a skipped INVEPT (Bochs
 * flushes its TLB at every VM exit, so a stale translation only survives
 * on a CPU that does not exit).
 *
 * The BSP starts the AP through its local APIC (INIT, SIPI, SIPI to the
 * trampoline at 0x8000, SDM 3A 9.4.4).  The AP runs the guest under the
 * runner's EPT pmap.  pmap_plat_invept() on the BSP becomes a shootdown:
 * an NMI to the AP, whose NMI exit (or, in root mode, its NMI handler)
 * runs INVEPT and acknowledges.
 */
#include "hwk_vmcs.h"
#include "hwk_vmx.h"
#include "pmap/pmap_var.h"

#define MSR_PAT       0x277
#define LAPIC_PA      0xfee00000ul
#define LAPIC_SVR     (0xf0 / 4)
#define LAPIC_ICR_LO  (0x300 / 4)
#define LAPIC_ICR_HI  (0x310 / 4)
#define ICR_PENDING   (1u << 12)
#define ICR_OTHERS    (3u << 18) /* destination shorthand: all excluding self */
#define ICR_INIT      0x4500u    /* INIT, level assert */
#define ICR_SIPI      0x4600u
#define ICR_NMI       0x0400u
#define TRAMP_PA      0x8000ul
#define SPIN_LIMIT    200000000ul
/*
 * How long the BSP waits for the AP to reach C: Bochs's AP is there
 * after 7 rounds; 2 M PAUSEs are about 10 to 100 ms on metal, depending
 * on PAUSE's latency, and 0.15 s of Bochs when no second CPU exists.
 */
#define START_SPINS   2000000ul
#define PIN_NMI_EXIT  (1u << 3)
#define INTR_TYPE_NMI 2

extern const char hwk_tramp[], hwk_tramp_end[], hwk_tramp_cr3[];

struct hwk_ap {
	volatile int alive;          /* the AP reached C */
	void (*volatile work)(void); /* what it runs next */
	volatile uint64_t acks;      /* shootdowns done */
};

static struct hwk_ap hwk_ap;
static uint8_t hwk_ap_stack[16384] __attribute__((aligned(16)));

static volatile uint32_t *
lapic(void)
{
	return (volatile uint32_t *)hwk_p2v(LAPIC_PA);
}

static void
lapic_ipi(uint32_t lo)
{
	volatile uint32_t *l = lapic();
	uint64_t n;

	l[LAPIC_ICR_HI] = 0;
	l[LAPIC_ICR_LO] = lo;
	for (n = 0; n < SPIN_LIMIT && (l[LAPIC_ICR_LO] & ICR_PENDING) != 0; n++)
		continue;
}

/* Spin until *@v reaches @want; false after SPIN_LIMIT rounds. */
bool
hwk_spin_until(volatile uint64_t *v, uint64_t want)
{
	uint64_t n;

	for (n = 0; n < SPIN_LIMIT; n++) {
		if (*v >= want)
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

/* The AP's C entry (its stack set by the trampoline). */
static void
hwk_ap_main(void)
{
	hwk_cpu_init_ap();
	wrmsr(MSR_PAT, X86_PAT_MSR); /* each CPU has its own PAT; pmap/ assumes this one */
	hwk_ap.alive = 1;
	for (;;) {
		void (*w)(void) = hwk_ap.work;

		if (w != NULL) {
			hwk_ap.work = NULL;
			w();
		}
		__asm__ volatile("pause");
	}
}

/*
 * Start the AP; returns true once it runs hwk_ap_main().  Its first
 * page tables: the kernel's, plus the identity map of the first GiB for
 * the trampoline's jump.
 */
bool
hwk_smp_start(void)
{
	uint64_t *kpml4 = hwk_p2v(read_cr3() & ~0xffful), *pml4, pml4_pa, n;
	uint64_t *words = hwk_p2v(TRAMP_PA + (uint64_t)(hwk_tramp_cr3 - hwk_tramp));
	extern uint64_t boot_pdpt_low[];

	if (!hwk_page_alloc(&pml4_pa))
		return false;
	pml4 = hwk_p2v(pml4_pa);
	hwk_memcpy(pml4, kpml4, HWK_PAGE);
	pml4[0] = hwk_v2p(boot_pdpt_low) | 0x3;
	hwk_memcpy(hwk_p2v(TRAMP_PA), hwk_tramp, (size_t)(hwk_tramp_end - hwk_tramp));
	words[0] = pml4_pa;
	words[1] = (uint64_t)hwk_ap_stack + sizeof(hwk_ap_stack);
	words[2] = (uint64_t)hwk_ap_main;
	lapic()[LAPIC_SVR] |= 0x1ff; /* software enable, spurious vector 0xff */
	lapic_ipi(ICR_OTHERS | ICR_INIT);
	lapic_ipi(ICR_OTHERS | ICR_SIPI | (TRAMP_PA >> 12));
	lapic_ipi(ICR_OTHERS | ICR_SIPI | (TRAMP_PA >> 12));
	for (n = 0; n < START_SPINS && !hwk_ap.alive; n++)
		__asm__ volatile("pause");
	return hwk_ap.alive != 0;
}

/* Run @w on the AP (it must be idle). */
void
hwk_smp_run(void (*w)(void))
{
	hwk_ap.work = w;
}

/* Shootdowns the AP has acknowledged. */
uint64_t
hwk_smp_acks(void)
{
	return hwk_ap.acks;
}

/* The shootdown: an NMI to the AP, then wait for its INVEPT. */
bool
hwk_smp_shootdown(void)
{
	uint64_t want = hwk_ap.acks + 1;

	lapic_ipi(ICR_OTHERS | ICR_NMI);
	return hwk_spin_until(&hwk_ap.acks, want);
}

/*
 * An NMI on the AP in root mode (between a VM exit and the next entry):
 * the same shootdown, run from the trap handler, whose IRET unblocks
 * NMIs.  False on the BSP or when no shootdown is expected.
 */
bool
hwk_smp_nmi_root(void)
{
	uint16_t tr;

	__asm__ volatile("str %0" : "=r"(tr));
	if (tr != SEL_TSS_AP || !hwk_shootdown || hwk_ap_guest.pm == NULL)
		return false;
	hwk_vmx_invept(hwk_ap_guest.pm->pm_hw_root);
	hwk_ap.acks++;
	return true;
}

/* On the AP, after an NMI exit: INVEPT, acknowledge, unblock NMIs (an IRET). */
void
hwk_smp_nmi_exit(uint64_t eptp)
{
	hwk_vmx_invept(eptp);
	hwk_ap.acks++;
	__asm__ volatile("mov %%rsp, %%rax\n\t"
	                 "pushq %0\n\t"
	                 "pushq %%rax\n\t"
	                 "pushfq\n\t"
	                 "pushq %1\n\t"
	                 "leaq 1f(%%rip), %%rax\n\t"
	                 "pushq %%rax\n\t"
	                 "iretq\n"
	                 "1:"
	                 :
	                 : "i"(SEL_KDATA), "i"(SEL_KCODE)
	                 : "rax", "memory");
}
