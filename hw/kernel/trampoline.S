/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * trampoline.S - where an application processor starts (SIPI vector 8:
 * real mode at 0x8000).  hwk_smp.c copies hwk_tramp[] there and fills the
 * three words at its end: a CR3 whose tables map this page identically
 * and the kernel, the AP's stack, and the 64-bit entry to jump to.
 * Real mode -> 32-bit protected mode -> PAE, LME, NXE, paging -> 64-bit.
 */
#include "hwk_asm.h"

	.set	TRAMP_PA, 0x8000
#define T(x) ((x) - hwk_tramp + TRAMP_PA)

	.section .rodata
	.globl	hwk_tramp
	.globl	hwk_tramp_end
	.code16
hwk_tramp:
	cli
	cld
	xor	%ax, %ax
	mov	%ax, %ds
	lgdtl	T(tr_gdt_ptr)
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$0x08, $T(tr_32)

	.code32
tr_32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	T(tr_cr3), %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_WP | CR0_PE), %eax
	mov	%eax, %cr0
	ljmp	$0x18, $T(tr_64)

	.code64
tr_64:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %ss
	mov	T(tr_stack), %rsp
	mov	T(tr_entry), %rax
	jmp	*%rax

	.balign	8
tr_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: flat data */
	.quad	0x00209a0000000000	/* 0x18: 64-bit code */
tr_gdt_ptr:
	.short	tr_gdt_ptr - tr_gdt - 1
	.long	T(tr_gdt)
	.balign	8
	.globl	hwk_tramp_cr3
hwk_tramp_cr3:
tr_cr3:
	.quad	0
tr_stack:
	.quad	0
tr_entry:
	.quad	0
hwk_tramp_end:

	.section .note.GNU-stack, "", @progbits
