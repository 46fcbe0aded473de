/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_asm.h - constants shared by the kernel's assembly and C.
 */
#ifndef EPTSIM_HWK_ASM_H
#define EPTSIM_HWK_ASM_H

/* Control registers (SDM 3A 2.5). */
#define CR0_PE   0x00000001
#define CR0_WP   0x00010000
#define CR0_PG   0x80000000
#define CR4_PAE  0x00000020
#define CR4_VMXE 0x00002000

/* IA32_EFER (SDM 3A 2.2.1). */
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100
#define EFER_NXE 0x00000800

/* Selectors of the runtime GDT (hwk_cpu.c). */
#define SEL_KCODE  0x08
#define SEL_KDATA  0x10
#define SEL_UDATA  0x1b
#define SEL_UCODE  0x23
#define SEL_TSS    0x28
#define SEL_TSS_AP 0x38

/* What hw/boot/boot.S leaves in EAX for the kernel. */
#define HWK_BOOT_MAGIC 0x4b575045 /* "EPWK" */

#endif /* EPTSIM_HWK_ASM_H */
