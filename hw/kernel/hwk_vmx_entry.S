/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_vmx_entry.S - VM entry and the VM-exit landing (the VMCS's host RIP).
 *
 * int hwk_vmx_run(struct hwk_guest_regs *g, int launched): saves the
 * callee-saved registers and @g on the stack, makes that stack the host
 * RSP, loads the guest's RAX, RDI and RSI from @g and runs VMLAUNCH or
 * VMRESUME.  Returns 1 when the instruction fails (no guest ran), 0 from
 * hwk_vmx_exit after a VM exit, with the guest's RAX, RDI, RSI in @g.
 */
	.set	VMCS_HOST_RSP, 0x6c14

	.text
	.globl	hwk_vmx_run
hwk_vmx_run:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi
	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	mov	%esi, %ecx
	mov	0(%rdi), %rax
	mov	16(%rdi), %rsi
	mov	8(%rdi), %rdi
	test	%ecx, %ecx
	jnz	1f
	vmlaunch
	jmp	2f
1:	vmresume
2:	popq	%rdi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	mov	$1, %eax
	ret

	.globl	hwk_vmx_exit
hwk_vmx_exit:
	pushq	%rdi
	mov	8(%rsp), %rdi
	mov	%rax, 0(%rdi)
	popq	%rax
	mov	%rax, 8(%rdi)
	mov	%rsi, 16(%rdi)
	popq	%rdi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	xor	%eax, %eax
	ret

/*
 * The guest loop of the two-CPU self-test (hwk_smp.c), copied to guest
 * code page offset 0x40: poll the mailbox at gpa 0x7000 (cmd, done, va,
 * value); for each new cmd, write the value at va, then done = cmd; va 0
 * means stop: VMCALL.  Otherwise it never exits by itself, so its
 * translations stay in the CPU's TLB.
 */
	.set	MBOX, 0x7000
	.section .rodata
	.globl	hwk_guest_loop
	.globl	hwk_guest_loop_end
hwk_guest_loop:
1:	pause
	mov	MBOX, %rax
	cmp	MBOX + 8, %rax
	je	1b
	mov	MBOX + 16, %rdi
	test	%rdi, %rdi
	jz	2f
	mov	MBOX + 24, %rsi
	mov	%rsi, (%rdi)
	mov	%rax, MBOX + 8
	jmp	1b
2:	vmcall
hwk_guest_loop_end:

	.section .note.GNU-stack, "", @progbits
