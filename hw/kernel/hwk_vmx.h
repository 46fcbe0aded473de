/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_vmx.h - VMX operation for the EPT backend (hwk_vmx.c, hwk_guest.c).
 */
#ifndef EPTSIM_HWK_VMX_H
#define EPTSIM_HWK_VMX_H

#include "hwk.h"
#include "hw/runner/hwr_backend.h"

/* INVEPT single-context of @eptp (SDM 3C 31.3); nothing when VMX is off. */
void hwk_vmx_invept(uint64_t eptp);

/*
 * Enter VMX operation (once), make the guest's memory in @pm's reserved
 * region and point the VMCS's EPTP at @pm.  0, or -1 after printing why
 * (no VMX, no EPT A/D for a hardware-A/D pmap, out of memory).
 */
int hwk_vmx_setup(struct pmap *pm);
void hwk_vmx_teardown(struct pmap *pm);

/* One guest access at gpa @va (hwr_access() of an EPT pmap). */
int hwk_vmx_access(struct pmap *pm, uint64_t va, int access, uint64_t wval, uint64_t *rval,
                   struct hwr_fault *f);

/*
 * hwk_vmx.c: a fresh VMCS (entering VMX operation first if need be) for a
 * guest whose page tables are at gpa @cr3 and whose second level is @pm.
 * 0, or -1 after printing why.
 */
int hwk_vmx_vmcs(struct pmap *pm, uint64_t cr3);
void hwk_vmx_vmcs_clear(void);
void hwk_vmx_off(void);

/* hwk_guest.c: the EPT entry at @level (3: PML4E .. 0: PTE) of @gpa's walk, or NULL. */
uint64_t *hwk_ept_entry(struct pmap *pm, uint64_t gpa, int level);
/* One "hwk: EPT misconfiguration gpa=... L4=... L1=..." line. */
void hwk_ept_print_walk(struct pmap *pm, uint64_t gpa);

/* hwk_guest.c: the guest's pages in @pm's reserved region. */
int hwk_guest_map(struct pmap *pm);

/* The guest's memory (hwk_guest.c): its page tables and the guest loop. */
#define HWK_GUEST_PML4 0x1000ul
#define HWK_GUEST_LOOP 0x40ul

/* The mailbox at gpa 0x7000 (the guest loop's, hwk_vmx_entry.S). */
struct hwk_mbox {
	volatile uint64_t cmd, done, va, val, op, rax;
};
struct hwk_mbox *hwk_guest_mbox(void);
/* The frame byte behind gpa @gpa in @pm, or NULL when it is not mapped. */
uint8_t *hwk_guest_byte(struct pmap *pm, uint64_t gpa);

/*
 * hwk_apguest.c: the EPT backend with the guest on the second CPU (the
 * op list's HWOPS_F_GUEST_AP), the same contracts as hwk_vmx_setup(),
 * hwk_vmx_teardown() and hwk_vmx_access().
 */
int hwk_apg_setup(struct pmap *pm);
void hwk_apg_teardown(struct pmap *pm);
int hwk_apg_access(struct pmap *pm, uint64_t va, int access, uint64_t wval, uint64_t *rval,
                   struct hwr_fault *f);

/* The AP's guest (hwk_apguest.c) and the AP itself (hwk_smp.c). */
struct hwk_ap_guest {
	struct pmap *pm;
	volatile int state;        /* 0 not yet, 1 in the guest loop, -1 no VMX */
	struct hwr_fault f;        /* how the last command's access ended */
	volatile uint64_t stopped; /* the guest's VMCALL: out of VMX, halted */
};
extern struct hwk_ap_guest hwk_ap_guest;
void hwk_ap_guest_run(void);
bool hwk_smp_start(void);
void hwk_smp_run(void (*w)(void));
bool hwk_smp_shootdown(void);
uint64_t hwk_smp_acks(void);
void hwk_smp_nmi_exit(uint64_t eptp);
/* An NMI that reached the AP outside its guest: the shootdown, true when it was one. */
bool hwk_smp_nmi_root(void);
bool hwk_spin_until(volatile uint64_t *v, uint64_t want);

/* The guest's registers across hwk_vmx_run() (hwk_vmx_entry.S). */
struct hwk_guest_regs {
	uint64_t rax, rdi, rsi, rcx, rdx;
};

/* VMLAUNCH (@launched 0) or VMRESUME: 0 after a VM exit, 1 when entry failed. */
int hwk_vmx_run(struct hwk_guest_regs *g, int launched);
void hwk_vmx_exit(void);

/* hwk_cpu.c: the host state a VM exit restores. */
void hwk_cpu_tables(uint64_t *gdt, uint64_t *idt, uint64_t *tss, uint16_t *tr);

#endif /* EPTSIM_HWK_VMX_H */
