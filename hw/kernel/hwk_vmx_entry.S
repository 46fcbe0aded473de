/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_vmx_entry.S - VM entry and the VM-exit landing (the VMCS's host RIP).
 *
 * int hwk_vmx_run(struct hwk_guest_regs *g, int launched): saves the
 * callee-saved registers and @g on the stack, makes that stack the host
 * RSP, loads the guest's RAX, RDI, RSI, RCX and RDX from @g and runs
 * VMLAUNCH or VMRESUME.  Returns 1 when the instruction fails (no guest
 * ran), 0 from hwk_vmx_exit after a VM exit, with those registers in @g
 * (the guest loop resumes after an NMI exit anywhere, so every register
 * it uses must survive the exit).  R8 is the host's scratch.
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
	mov	%esi, %r8d
	mov	0(%rdi), %rax
	mov	16(%rdi), %rsi
	mov	24(%rdi), %rcx
	mov	32(%rdi), %rdx
	mov	8(%rdi), %rdi
	test	%r8d, %r8d
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
	mov	%rcx, 24(%rdi)
	mov	%rdx, 32(%rdi)
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
 * The guest loop of the two-CPU EPT backend (hwk_apguest.c), copied to
 * guest code page offset 0x40.  It waits on the mailbox at gpa 0x7000
 * (struct hwk_mbox: cmd, done, va, val, op, rax) with MONITOR/MWAIT,
 * armed before cmd is read, so a write after the read still wakes it (a
 * CPU in MWAIT costs Bochs nearly nothing, where a polling one doubled
 * the instructions emulated); for each new cmd it performs op at va and
 * sets done = cmd:
 *   1 read:  rax = (va)          2 write: (va) = val
 *   4 fetch: jmp va (an int3 there exits; the AP completes the command)
 *   0 stop:  VMCALL
 * A faulting access exits (EPT violation, misconfiguration) and the AP
 * completes the command.  Otherwise it never exits by itself, so its
 * translations stay in the CPU's TLB from one op to the next.
 */
	.set	MBOX, 0x7000
	.section .rodata
	.globl	hwk_guest_loop
	.globl	hwk_guest_loop_end
hwk_guest_loop:
1:	mov	$MBOX, %eax
	xor	%ecx, %ecx
	xor	%edx, %edx
	monitor
	mov	MBOX, %rax
	cmp	MBOX + 8, %rax
	jne	7f
	xor	%eax, %eax
	xor	%ecx, %ecx
	mwait
	jmp	1b
7:
	mov	MBOX + 16, %rdi
	mov	MBOX + 24, %rsi
	mov	MBOX + 32, %rcx
	cmp	$1, %rcx
	je	3f
	cmp	$2, %rcx
	je	4f
	cmp	$4, %rcx
	je	5f
	vmcall
3:	mov	(%rdi), %rdx
	mov	%rdx, MBOX + 40
	jmp	6f
4:	mov	%rsi, (%rdi)
	jmp	6f
5:	jmp	*%rdi
6:	mov	%rax, MBOX + 8
	jmp	1b
hwk_guest_loop_end:

	.section .note.GNU-stack, "", @progbits
