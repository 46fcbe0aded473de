/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * isr.S - exception and int $0x80 entry stubs, and the access context
 * switch: hwk_acc_save() (a setjmp), hwk_acc_resume() (its longjmp) and
 * hwk_acc_enter_user() (iretq to CPL3).
 *
 * Every stub pushes an error code (0 when the CPU pushes none) and the
 * vector, then the general registers, and calls hwk_trap(struct
 * hwk_trapframe *), whose layout matches the pushes below.
 */
#include "hwk_asm.h"

	.text
.macro	ISR_NOERR n
	.globl	hwk_isr\n
hwk_isr\n:
	pushq	$0
	pushq	$\n
	jmp	isr_common
.endm
.macro	ISR_ERR n
	.globl	hwk_isr\n
hwk_isr\n:
	pushq	$\n
	jmp	isr_common
.endm

	ISR_NOERR 0
	ISR_NOERR 1
	ISR_NOERR 2
	ISR_NOERR 3
	ISR_NOERR 4
	ISR_NOERR 5
	ISR_NOERR 6
	ISR_NOERR 7
	ISR_ERR 8
	ISR_NOERR 9
	ISR_ERR 10
	ISR_ERR 11
	ISR_ERR 12
	ISR_ERR 13
	ISR_ERR 14
	ISR_NOERR 15
	ISR_NOERR 16
	ISR_ERR 17
	ISR_NOERR 18
	ISR_NOERR 19
	ISR_NOERR 20
	ISR_ERR 21
	ISR_NOERR 22
	ISR_NOERR 23
	ISR_NOERR 24
	ISR_NOERR 25
	ISR_NOERR 26
	ISR_NOERR 27
	ISR_NOERR 28
	ISR_ERR 29
	ISR_ERR 30
	ISR_NOERR 31
	ISR_NOERR 128

isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	mov	%rsp, %rdi
	call	hwk_trap
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	add	$16, %rsp
	iretq

	.section .rodata
	.balign	8
	.globl	hwk_isr_table
hwk_isr_table:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	hwk_isr\n
	.endr

	.text
/*
 * int hwk_acc_save(struct hwk_jmp *j): 0 now, 1 when resumed.
 * Layout of struct hwk_jmp: rbx, rbp, r12, r13, r14, r15, rsp, rip.
 */
	.globl	hwk_acc_save
hwk_acc_save:
	mov	%rbx, 0(%rdi)
	mov	%rbp, 8(%rdi)
	mov	%r12, 16(%rdi)
	mov	%r13, 24(%rdi)
	mov	%r14, 32(%rdi)
	mov	%r15, 40(%rdi)
	lea	8(%rsp), %rax
	mov	%rax, 48(%rdi)
	mov	(%rsp), %rax
	mov	%rax, 56(%rdi)
	xor	%eax, %eax
	ret

/* void hwk_acc_resume(struct hwk_jmp *j): back into hwk_acc_save, returning 1. */
	.globl	hwk_acc_resume
hwk_acc_resume:
	mov	$SEL_KDATA, %ax
	mov	%ax, %ss
	mov	0(%rdi), %rbx
	mov	8(%rdi), %rbp
	mov	16(%rdi), %r12
	mov	24(%rdi), %r13
	mov	32(%rdi), %r14
	mov	40(%rdi), %r15
	mov	48(%rdi), %rsp
	mov	$1, %eax
	jmp	*56(%rdi)

/*
 * void hwk_acc_enter(uint64_t rip, uint64_t rdi, uint64_t rsi, int user):
 * iretq to @rip with RDI and RSI loaded, at CPL3 when @user, else CPL0 on
 * the current stack.  Interrupts stay off.  Never returns: the access
 * ends in a trap that calls hwk_acc_resume().
 */
	.globl	hwk_acc_enter
hwk_acc_enter:
	mov	%rdi, %rax
	mov	%rsp, %r8
	test	%ecx, %ecx
	jz	1f
	pushq	$SEL_UDATA
	pushq	$0
	pushq	$2
	pushq	$SEL_UCODE
	jmp	2f
1:	pushq	$SEL_KDATA
	pushq	%r8
	pushq	$2
	pushq	$SEL_KCODE
2:	pushq	%rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	iretq

	.section .note.GNU-stack, "", @progbits
