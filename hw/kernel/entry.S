/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * entry.S - from 32-bit protected mode to kmain() in long mode.
 *
 * Two loaders arrive at _start32 (physical, paging off, flat 32-bit
 * segments, interrupts off):
 *   GRUB (Multiboot2):   EAX = 0x36d76289, EBX = the boot information;
 *   hw/boot/boot.S:      EAX = HWK_BOOT_MAGIC, EBX = struct hwk_bootinfo.
 * The boot page tables map the first 1 GiB three times with 2 MiB pages:
 * identity (PML4[0], for the jump), the direct map at 0xffff800000000000
 * (PML4[256]) and the kernel at 0xffffffff80000000 (PML4[511]); the
 * local APIC's 2 MiB at 0xfee00000 is mapped uncached in the first two.
 */
#include "hwk_asm.h"

	.set	KERNEL_VMA, 0xffffffff80000000
	.set	MB2_MAGIC, 0xe85250d6

	.section .boot, "ax"
	.code32
	.globl	_start32
_start32:
	jmp	start32_body

	/* Multiboot2 header: magic, arch (0: i386), length, checksum, end tag. */
	.balign	8
mb2_header:
	.long	MB2_MAGIC
	.long	0
	.long	mb2_header_end - mb2_header
	.long	-(MB2_MAGIC + (mb2_header_end - mb2_header))
	.short	0
	.short	0
	.long	8
mb2_header_end:

start32_body:
	cli
	cld
	mov	%eax, %esi
	mov	%ebx, %ebp

	/* Zero .bss (the boot page tables and stacks live there). */
	mov	$(__bss_start - KERNEL_VMA), %edi
	mov	$(__kernel_end - KERNEL_VMA), %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl

	/* PD: 512 x 2 MiB leaves (P|RW|PS) covering 0 .. 1 GiB. */
	mov	$(boot_pd - KERNEL_VMA), %edx
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax
	mov	%eax, (%edx,%ecx,8)
	inc	%ecx
	cmp	$512, %ecx
	jne	1b

	mov	$(boot_pd - KERNEL_VMA + 3), %eax
	mov	%eax, (boot_pdpt_low - KERNEL_VMA)
	mov	%eax, (boot_pdpt_high - KERNEL_VMA + 510 * 8)
	mov	$(boot_pdpt_low - KERNEL_VMA + 3), %eax
	mov	%eax, (boot_pml4 - KERNEL_VMA)
	mov	%eax, (boot_pml4 - KERNEL_VMA + 256 * 8)
	mov	$(boot_pdpt_high - KERNEL_VMA + 3), %eax
	mov	%eax, (boot_pml4 - KERNEL_VMA + 511 * 8)

	/* The local APIC page (0xfee00000), uncached (PWT|PCD|PS|RW|P): GiB 3, PDE 503. */
	mov	$(boot_pd3 - KERNEL_VMA + 3), %eax
	mov	%eax, (boot_pdpt_low - KERNEL_VMA + 3 * 8)
	mov	$(0xfee00000 | 0x9b), %eax
	mov	%eax, (boot_pd3 - KERNEL_VMA + 503 * 8)

	/* SDM 3A 10.8.5: PAE, CR3, EFER.LME (and NXE), then CR0.PG. */
	mov	%cr4, %eax
	or	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$(boot_pml4 - KERNEL_VMA), %eax
	mov	%eax, %cr3
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	mov	%cr0, %eax
	or	$(CR0_PG | CR0_WP | CR0_PE), %eax
	mov	%eax, %cr0

	lgdt	(boot_gdt_ptr)
	ljmp	$0x08, $long_entry

	.code64
long_entry:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%eax, %eax
	mov	%ax, %fs
	mov	%ax, %gs
	movabs	$boot_stack_top, %rsp
	mov	%esi, %edi		/* kmain(magic, info) */
	mov	%ebp, %esi
	movabs	$kmain, %rax
	call	*%rax
2:	hlt
	jmp	2b

	.balign	8
boot_gdt:
	.quad	0
	.quad	0x00209a0000000000	/* 0x08: 64-bit code, DPL 0 */
	.quad	0x0000920000000000	/* 0x10: data, DPL 0 */
boot_gdt_ptr:
	.short	boot_gdt_ptr - boot_gdt - 1
	.long	boot_gdt

	.bss
	.balign	4096
	.globl	boot_pml4
	.globl	boot_pdpt_low
boot_pml4:
	.skip	4096
boot_pdpt_low:
	.skip	4096
boot_pdpt_high:
	.skip	4096
boot_pd:
	.skip	4096
boot_pd3:
	.skip	4096
	.balign	16
	.skip	16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
