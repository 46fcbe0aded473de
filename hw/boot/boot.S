/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * boot.S - the boot sector of an eptsim hw disk image (hw/boot/mkimage).
 *
 * Disk layout, 512-byte sectors:
 *   0              this sector; mkimage fills kernel_sectors, ops_sectors
 *                  and ops_bytes below
 *   1 ..           the kernel, flat (objcopy -O binary), linked at 1 MiB
 *   1 + kernel ..  the op list
 * The sector reads both to physical 0x10000 with int 13h extended reads
 * (AH=42h, 64 sectors at a time), takes the E820 memory map, enables A20,
 * enters 32-bit protected mode, copies the kernel to 1 MiB and jumps to
 * it with EAX = HWK_BOOT_MAGIC and EBX = 0x500 (struct hwk_bootinfo:
 * op list address and size, E820 count, then the entries at 0x510).
 * The kernel and op list together fit below 0x9f000: 1144 sectors.
 */
#include "../kernel/hwk_asm.h"

	.set	LOAD_SEG, 0x1000	/* physical 0x10000 */
	.set	LOAD_PA, 0x10000
	.set	KERNEL_PA, 0x100000
	.set	BOOTINFO, 0x500
	.set	E820_MAX, 32
	.set	CHUNK, 64

	.code16
	.text
	.globl	start
start:
	ljmp	$0, $1f
1:	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7c00, %sp
	mov	%dl, drive

	/* Read kernel_sectors + ops_sectors sectors from LBA 1 on. */
	mov	kernel_sectors, %ebx
	add	ops_sectors, %ebx
read_loop:
	test	%ebx, %ebx
	jz	read_done
	mov	$CHUNK, %eax
	cmp	%eax, %ebx
	jae	2f
	mov	%ebx, %eax
2:	mov	%ax, dap_count
	mov	%ax, %di
	mov	$dap, %si
	mov	$0x42, %ah
	mov	drive, %dl
	int	$0x13
	jc	disk_error
	movzwl	%di, %eax
	add	%eax, dap_lba
	sub	%eax, %ebx
	shl	$5, %di
	add	%di, dap_seg
	jmp	read_loop
read_done:

	/* E820 (ACPI 3.0 24-byte entries) to BOOTINFO + 0x10. */
	xor	%ebx, %ebx
	mov	$(BOOTINFO + 0x10), %di
	xor	%bp, %bp
e820_loop:
	movl	$1, %es:20(%di)
	mov	$0xe820, %eax
	mov	$24, %ecx
	mov	$0x534d4150, %edx	/* "SMAP" */
	int	$0x15
	jc	e820_done
	cmp	$0x534d4150, %eax
	jne	e820_done
	add	$24, %di
	inc	%bp
	cmp	$E820_MAX, %bp
	jae	e820_done
	test	%ebx, %ebx
	jnz	e820_loop
e820_done:
	movzwl	%bp, %eax
	mov	%eax, BOOTINFO + 8
	mov	kernel_sectors, %eax
	shl	$9, %eax
	add	$LOAD_PA, %eax
	mov	%eax, BOOTINFO
	mov	ops_bytes, %eax
	mov	%eax, BOOTINFO + 4

	in	$0x92, %al		/* fast A20 */
	or	$2, %al
	and	$0xfe, %al
	out	%al, $0x92

	cli
	lgdt	gdt_ptr
	mov	%cr0, %eax
	or	$CR0_PE, %eax
	mov	%eax, %cr0
	ljmp	$0x08, $pm32

disk_error:
	mov	$'D', %al
	out	%al, $0xe9
3:	hlt
	jmp	3b

	.code32
pm32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$0x7c00, %esp
	cld
	mov	$LOAD_PA, %esi
	mov	$KERNEL_PA, %edi
	mov	kernel_sectors, %ecx
	shl	$7, %ecx
	rep movsl
	mov	$HWK_BOOT_MAGIC, %eax
	mov	$BOOTINFO, %ebx
	mov	$KERNEL_PA, %ecx
	jmp	*%ecx

	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: flat 32-bit data */
gdt_ptr:
	.short	gdt_ptr - gdt - 1
	.long	gdt

	.balign	4
dap:
	.byte	16, 0
dap_count:
	.short	0
	.short	0			/* offset */
dap_seg:
	.short	LOAD_SEG
dap_lba:
	.quad	1
drive:
	.byte	0

	.org	0x1f0
kernel_sectors:
	.long	0
ops_sectors:
	.long	0
ops_bytes:
	.long	0
	.org	0x1fe
	.short	0xaa55

	.section .note.GNU-stack, "", @progbits
