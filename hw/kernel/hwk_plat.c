/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwk_plat.c - the pmap seam (pmap/pmap_plat.h) on bare metal: page
 * tables come from the page pool, physical memory is reached through the
 * direct map, and invalidation runs the real instructions.
 */
#include "hwk.h"
#include "hwk_vmx.h"
#include "pmap/pmap_plat.h"

/* Set from the op list's flags: the CPUs never hear of a change. */
bool hwk_skip_inval;
/* The two-CPU EPT backend: INVEPT is the AP's, through a shootdown. */
bool hwk_shootdown;
struct hwk_inval_stats hwk_inval_stats;

int
pmap_plat_page_alloc(struct pmap *pm, uint64_t *hpa)
{
	(void)pm;
	return hwk_page_alloc(hpa) ? PMAP_OK : PMAP_ENOMEM;
}

void
pmap_plat_page_free(struct pmap *pm, uint64_t hpa)
{
	(void)pm;
	hwk_page_free(hpa);
}

void *
pmap_plat_phys_to_virt(uint64_t hpa)
{
	if (hpa >= HWK_DIRECT_SIZE)
		hwk_fatal("pmap_plat_phys_to_virt: hpa 0x%lx beyond the direct map", hpa);
	return hwk_p2v(hpa);
}

struct pmap_page *
pmap_plat_page_lookup(uint64_t hpa)
{
	struct hwk_page *pg = hwk_page_of(hpa);

	return pg != NULL ? &pg->pp : NULL;
}

/* True when @pm is the x86 pmap in CR3 (SDM 3A 4.10.4: others hold nothing). */
static bool
pmap_is_current(const struct pmap *pm)
{
	return (read_cr3() & ~0xffful) == pm->pm_root_hpa;
}

/* SDM 3A 4.10.4.1: INVLPG drops the page's TLB and paging-structure entries. */
void
pmap_plat_invlpg(struct pmap *pm, uint64_t va)
{
	hwk_inval_stats.invlpg++;
	if (hwk_skip_inval || !pmap_is_current(pm))
		return;
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* SDM 3A 4.10.4.1: MOV to CR3 drops every non-global translation. */
void
pmap_plat_invltlb(struct pmap *pm)
{
	hwk_inval_stats.invltlb++;
	if (hwk_skip_inval || !pmap_is_current(pm))
		return;
	write_cr3(read_cr3());
}

/* SDM 3C 29.4.3.1: INVEPT single-context drops what @eptp tagged. */
void
pmap_plat_invept(struct pmap *pm, uint64_t eptp)
{
	(void)pm;
	hwk_inval_stats.invept++;
	if (hwk_skip_inval)
		return;
	if (hwk_shootdown) {
		if (!hwk_smp_shootdown())
			hwk_fatal("pmap_plat_invept: the AP did not acknowledge the shootdown");
		return;
	}
	hwk_vmx_invept(eptp);
}

void
pmap_plat_panic(const char *fmt, ...)
{
	char buf[320];
	va_list ap;

	va_start(ap, fmt);
	hwk_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	hwk_fatal("pmap panic: %s", buf);
}
