/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_cpu.c - the runtime GDT (kernel and user segments, a TSS whose RSP0
 * is a trap stack of its own), the IDT (every exception, and int $0x80
 * and #BP callable from CPL3), the trap dispatcher and shutdown.
 */
#include "hwk.h"
#include "hwk_vmx.h"

struct hwk_tss {
	uint32_t rsv0;
	uint64_t rsp[3];
	uint64_t rsv1;
	uint64_t ist[7];
	uint64_t rsv2;
	uint16_t rsv3;
	uint16_t iomap;
} __attribute__((packed));

struct hwk_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t rsv;
} __attribute__((packed));

struct hwk_dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define GATE_INTR_DPL0 0x8e
#define GATE_INTR_DPL3 0xee
#define VEC_NMI        2
#define VEC_BP         3
#define VEC_SYSCALL    0x80

extern const uint64_t hwk_isr_table[32];
extern char hwk_isr128[];

static uint64_t hwk_gdt[9] = {
	0,
	0x00209a0000000000ul, /* 0x08 kernel code, 64-bit */
	0x0000920000000000ul, /* 0x10 kernel data */
	0x0000f20000000000ul, /* 0x18 user data, DPL 3 */
	0x0020fa0000000000ul, /* 0x20 user code, 64-bit, DPL 3 */
	0,                    /* 0x28 TSS, two slots */
	0,
	0, /* 0x38 the application processor's TSS (hwk_smp.c) */
	0,
};
static struct hwk_tss hwk_tss, hwk_tss_ap;
static struct hwk_gate hwk_idt[256];
static uint8_t hwk_trap_stack[16384] __attribute__((aligned(16)));
static uint8_t hwk_trap_stack_ap[16384] __attribute__((aligned(16)));

/* SDM 3A 8.2.3: a 16-byte available 64-bit TSS descriptor. */
static void
gdt_set_tss(int slot, struct hwk_tss *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;

	hwk_gdt[slot] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ul << 40) |
	                ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	hwk_gdt[slot + 1] = base >> 32;
}

static void
gdt_load(uint16_t tr)
{
	struct hwk_dtr d = { sizeof(hwk_gdt) - 1, (uint64_t)hwk_gdt };

	__asm__ volatile("lgdt %0\n\t"
	                 "pushq %1\n\t"
	                 "leaq 1f(%%rip), %%rax\n\t"
	                 "pushq %%rax\n\t"
	                 "lretq\n"
	                 "1:\n\t"
	                 "mov %2, %%ax\n\t"
	                 "mov %%ax, %%ds\n\t"
	                 "mov %%ax, %%es\n\t"
	                 "mov %%ax, %%ss\n\t"
	                 "ltr %3"
	                 :
	                 : "m"(d), "i"(SEL_KCODE), "i"(SEL_KDATA), "rm"(tr)
	                 : "rax", "memory");
}

static void
idt_set(int vec, uint64_t handler, uint8_t type)
{
	struct hwk_gate *g = &hwk_idt[vec];

	g->off_lo = handler & 0xffff;
	g->sel = SEL_KCODE;
	g->ist = 0;
	g->type = type;
	g->off_mid = handler >> 16 & 0xffff;
	g->off_hi = handler >> 32;
	g->rsv = 0;
}

void
hwk_cpu_init(void)
{
	struct hwk_dtr d = { sizeof(hwk_idt) - 1, (uint64_t)hwk_idt };
	int v;

	hwk_tss.rsp[0] = (uint64_t)hwk_trap_stack + sizeof(hwk_trap_stack);
	hwk_tss.iomap = sizeof(hwk_tss);
	gdt_set_tss(5, &hwk_tss);
	hwk_tss_ap.rsp[0] = (uint64_t)hwk_trap_stack_ap + sizeof(hwk_trap_stack_ap);
	hwk_tss_ap.iomap = sizeof(hwk_tss_ap);
	gdt_set_tss(7, &hwk_tss_ap);
	gdt_load(SEL_TSS);
	for (v = 0; v < 32; v++)
		idt_set(v, hwk_isr_table[v], v == VEC_BP ? GATE_INTR_DPL3 : GATE_INTR_DPL0);
	idt_set(VEC_SYSCALL, (uint64_t)hwk_isr128, GATE_INTR_DPL3);
	__asm__ volatile("lidt %0" : : "m"(d));
}

/* The application processor's share: the same GDT and IDT, its own TSS. */
void
hwk_cpu_init_ap(void)
{
	struct hwk_dtr d = { sizeof(hwk_idt) - 1, (uint64_t)hwk_idt };

	gdt_load(SEL_TSS_AP);
	__asm__ volatile("lidt %0" : : "m"(d));
}

void
hwk_trap(struct hwk_trapframe *tf)
{
	uint64_t cr2;

	if (tf->vector == VEC_NMI && hwk_smp_nmi_root())
		return;
	hwk_access_trap(tf);
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	hwk_fatal("trap vector=%lu error=0x%lx rip=0x%lx cs=0x%lx cr2=0x%lx", tf->vector, tf->error,
	          tf->rip, tf->cs, cr2);
}

void
hwk_fatal(const char *fmt, ...)
{
	char buf[384];
	va_list ap;

	va_start(ap, fmt);
	hwk_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	hwk_printf("FATAL %s\n", buf);
	hwk_shutdown();
}

/*
 * Stop the machine: Bochs leaves on "Shutdown" written to port 0x8900,
 * QEMU's pc machine on ACPI S5 (SLP_EN|SLP_TYP=0 at PM1a_CNT, port
 * 0x604); metal halts.
 */
void
hwk_shutdown(void)
{
	const char *s = "Shutdown";

	while (*s != '\0')
		outb(0x8900, (uint8_t)*s++);
	outw(0x604, 0x2000);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void
hwk_cpu_tables(uint64_t *gdt, uint64_t *idt, uint64_t *tss, uint16_t *tr)
{
	uint16_t sel;

	__asm__ volatile("str %0" : "=r"(sel));
	*gdt = (uint64_t)hwk_gdt;
	*idt = (uint64_t)hwk_idt;
	*tss = sel == SEL_TSS_AP ? (uint64_t)&hwk_tss_ap : (uint64_t)&hwk_tss;
	*tr = sel;
}
