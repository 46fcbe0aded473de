/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk.h - the eptsim hw kernel's internal interfaces.
 *
 * The kernel runs at CPL0 with interrupts off on the BSP (and, for an EPT
 * op list with the guest on the second CPU, on the AP: hwk_apguest.c), in
 * the address space built by entry.S: the kernel image at -2 GiB and a direct map of
 * the first 1 GiB of physical memory at HWK_DIRECT_MAP.
 */
#ifndef EPTSIM_HWK_H
#define EPTSIM_HWK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hwk_asm.h"
#include "pmap/pmap.h"

#define HWK_DIRECT_MAP  0xffff800000000000ul
#define HWK_DIRECT_SIZE 0x40000000ul /* 1 GiB: what the boot tables map */
#define HWK_PAGE        4096ul

/* hwk_console.c: port 0xE9 (emulator debug console) and COM1. */
void hwk_console_init(void);
void hwk_puts(const char *s);
__attribute__((format(printf, 1, 2))) void hwk_printf(const char *fmt, ...);
int hwk_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4))) int hwk_snprintf(char *buf, size_t size, const char *fmt,
                                                       ...);
void *hwk_memset(void *dst, int c, size_t n);
void *hwk_memcpy(void *dst, const void *src, size_t n);
int hwk_memcmp(const void *a, const void *b, size_t n);

/* hwk_cpu.c: GDT, TSS, IDT, traps, shutdown. */
struct hwk_trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

void hwk_cpu_init(void);
void hwk_cpu_init_ap(void);
void hwk_trap(struct hwk_trapframe *tf);
/* Print "FATAL <what>" and stop the machine: it never comes back. */
__attribute__((noreturn, format(printf, 1, 2))) void hwk_fatal(const char *fmt, ...);
__attribute__((noreturn)) void hwk_shutdown(void);

/*
 * The trap hook of an access in progress (hwk_access.c): returns only
 * when @tf is not the end of the access.
 */
void hwk_access_trap(struct hwk_trapframe *tf);

/* hwk_mem.c: boot information, physical pages, the vm_page array. */
struct hwk_page {
	struct pmap_page pp;
};

void hwk_mem_init(uint32_t magic, uint32_t info_pa);
/* A zeroed 4 KiB frame; false when none is left. */
bool hwk_page_alloc(uint64_t *hpa);
void hwk_page_free(uint64_t hpa);
uint64_t hwk_pages_free(void);
struct hwk_page *hwk_page_of(uint64_t hpa);
/* The op list the loader brought in (NULL, 0 when none). */
const void *hwk_oplist(uint64_t *bytes);

static inline void *
hwk_p2v(uint64_t hpa)
{
	return (void *)(HWK_DIRECT_MAP + hpa);
}

static inline uint64_t
hwk_v2p(const void *va)
{
	uint64_t v = (uint64_t)va;

	if (v >= 0xffffffff80000000ul)
		return v - 0xffffffff80000000ul;
	return v - HWK_DIRECT_MAP;
}

/* hwk_selftest.c: run the self-test whose magic @ops has; false when none. */
bool hwk_selftest(const void *ops, uint64_t bytes);

/* hwk_plat.c: the pmap seam. */
struct hwk_inval_stats {
	uint64_t invlpg, invltlb, invept;
};
extern bool hwk_skip_inval; /* the op list's inject flag: no invalidation reaches the CPU */
extern bool hwk_shootdown;  /* INVEPT goes to the AP (the two-CPU EPT backend) */
extern struct hwk_inval_stats hwk_inval_stats;

/* Port I/O and privileged instructions. */
static inline void
outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void
outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t
inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t
rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void
wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t
read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void
write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void
cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
	                 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
	                 : "a"(leaf), "c"(sub));
}

#endif /* EPTSIM_HWK_H */
