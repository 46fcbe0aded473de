/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_demo.c - the pmap at work on three pmaps of one address space:
 * regular x86, EPT with hardware A/D, EPT with emulated A/D.  Each step
 * calls the same pmap/ function on all three and prints the raw entries
 * and what they mean, side by side.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pmap/pmap.h"
#include "sim/sim_describe.h"
#include "sim/sim_phys.h"

#define NPMAPS           3
#define DEMO_RAM_PAGES   8192ul /* 32 MiB */
#define DEMO_ALLOC_PAGES 2048ul

struct demo {
	struct sim_phys *sp;
	struct pmap pm[NPMAPS];
	const char *name[NPMAPS];
	unsigned inval[NPMAPS];
	int step;
};

static void
demo_count(struct demo *d, struct pmap *pm)
{
	int i;

	for (i = 0; i < NPMAPS; i++)
		if (pm == &d->pm[i])
			d->inval[i]++;
}

static void
demo_invlpg(void *ctx, struct pmap *pm, uint64_t va)
{
	demo_count(ctx, pm);
}

static void
demo_invltlb(void *ctx, struct pmap *pm)
{
	demo_count(ctx, pm);
}

static void
demo_invept(void *ctx, struct pmap *pm, uint64_t eptp)
{
	demo_count(ctx, pm);
}

static void
demo_die(const char *what, int error)
{
	fprintf(stderr, "eptsim-demo: %s failed: error %d\n", what, error);
	exit(1);
}

static void
demo_show(struct demo *d, uint64_t va)
{
	struct pmap_mapping m;
	char buf[128];
	int i;

	for (i = 0; i < NPMAPS; i++) {
		if (!pmap_lookup(&d->pm[i], va, &m)) {
			printf("    %-9s %-18s (not mapped)\n", d->name[i], "-");
			continue;
		}
		printf("    %-9s %#018lx  %s\n", d->name[i], m.pte,
		       sim_describe_mapping(&m, buf, sizeof(buf)));
	}
}

/* "[n] @what @va @rest" */
static void
demo_title(struct demo *d, const char *what, uint64_t va, const char *rest)
{
	printf("\n[%d] %s %#lx%s\n", ++d->step, what, va, rest);
}

static void
demo_enter(struct demo *d, uint64_t va, uint64_t hpa, vm_prot_t prot, uint32_t flags,
           enum pmap_memattr ma, enum pmap_level lvl)
{
	int i, error;

	for (i = 0; i < NPMAPS; i++)
		if ((error = pmap_enter(&d->pm[i], va, hpa, prot, flags, ma, lvl)) != PMAP_OK)
			demo_die("pmap_enter", error);
}

static void
demo_setup(struct demo *d)
{
	static const struct {
		const char *name;
		enum pmap_type type;
		uint32_t flags;
	} kinds[NPMAPS] = {
		{ "x86", PMAP_TYPE_X86, PMAP_PDE_SUPERPAGE },
		{ "ept", PMAP_TYPE_EPT, PMAP_PDE_SUPERPAGE | PMAP_SUPPORTS_EXEC_ONLY },
		{ "ept-emul", PMAP_TYPE_EPT, PMAP_PDE_SUPERPAGE | PMAP_EMULATE_AD_BITS },
	};
	char buf[96];
	int i;

	d->sp = sim_phys_create(DEMO_RAM_PAGES, DEMO_ALLOC_PAGES, 1);
	if (d->sp == NULL)
		demo_die("sim_phys_create", PMAP_ENOMEM);
	d->sp->hooks.invlpg = demo_invlpg;
	d->sp->hooks.invltlb = demo_invltlb;
	d->sp->hooks.invept = demo_invept;
	d->sp->hooks.ctx = d;
	printf("eptsim demo: one pmap code path, two page-table formats\n");
	for (i = 0; i < NPMAPS; i++) {
		int error = pmap_pinit(&d->pm[i], kinds[i].type, kinds[i].flags, d);

		if (error != PMAP_OK)
			demo_die("pmap_pinit", error);
		d->name[i] = kinds[i].name;
		printf("  %-9s %-34s %s %#lx\n", d->name[i],
		       sim_describe_pmap(&d->pm[i], buf, sizeof(buf)),
		       kinds[i].type == PMAP_TYPE_EPT ? "EPTP" : "CR3 ", d->pm[i].pm_hw_root);
	}
}

static void
demo_convert(struct demo *d)
{
	struct pmap_convert_report rep;
	struct pmap ept;
	int error, i;

	printf("\n[%d] convert the x86 pmap's user range into a fresh EPT pmap\n", ++d->step);
	if ((error = pmap_pinit(&ept, PMAP_TYPE_EPT, PMAP_PDE_SUPERPAGE, d)) != PMAP_OK)
		demo_die("pmap_pinit", error);
	error = pmap_convert_to_ept(&d->pm[0], &ept, 0, PMAP_USER_MAX, &rep);
	if (error != PMAP_OK)
		demo_die("pmap_convert_to_ept", error);
	printf("    converted %lu 4K and %lu 2M leaves\n", rep.leaves[0], rep.leaves[1]);
	for (i = 0; i < PMAP_LOSS_COUNT; i++)
		if (rep.lost[i] != 0)
			printf("    lost: %s x%lu (first at %#lx)\n", pmap_loss_name(i),
			       rep.lost[i], rep.first_lost_va[i]);
	if (rep.lost[PMAP_LOSS_UC_MINUS] == 0)
		demo_die("conversion report (UC- not reported)", PMAP_EINVAL);
	pmap_release(&ept);
}

int
main(void)
{
	static struct demo d;
	struct sim_page *page_a;
	uint64_t hpa_a = (DEMO_ALLOC_PAGES + 1) << 12, hpa_b = (DEMO_ALLOC_PAGES + 2) << 12;
	uint64_t run = 0x1000000, dev = DEMO_RAM_PAGES << 12;
	int i;

	demo_setup(&d);
	demo_title(&d, "enter", 0x400000, " rw- on a write fault (data page)");
	demo_enter(&d, 0x400000, hpa_a, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE, PMAP_MA_WB,
	           PMAP_LEVEL_4K);
	demo_show(&d, 0x400000);
	demo_title(&d, "enter", 0x401000, " r-x on a fetch (text page)");
	demo_enter(&d, 0x401000, hpa_b, VM_PROT_READ | VM_PROT_EXECUTE, VM_PROT_EXECUTE, PMAP_MA_WB,
	           PMAP_LEVEL_4K);
	demo_show(&d, 0x401000);
	demo_title(&d, "enter", 0x600000, " rw- 2 MiB write-combining, read fault");
	demo_enter(&d, 0x600000, run, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ, PMAP_MA_WC,
	           PMAP_LEVEL_2M);
	demo_show(&d, 0x600000);
	demo_title(&d, "enter", 0x800000, " rw- device memory, uncacheable");
	demo_enter(&d, 0x800000, dev, VM_PROT_READ | VM_PROT_WRITE, PMAP_ENTER_DEVICE, PMAP_MA_UC,
	           PMAP_LEVEL_4K);
	demo_show(&d, 0x800000);
	demo_title(&d, "enter", 0x402000, " r-- UC- (PAT only: EPT says UC)");
	demo_enter(&d, 0x402000, hpa_b + 0x1000, VM_PROT_READ, VM_PROT_READ, PMAP_MA_UC_MINUS,
	           PMAP_LEVEL_4K);
	demo_show(&d, 0x402000);
	demo_title(&d, "mprotect", 0x401000, " r-- (execute goes)");
	for (i = 0; i < NPMAPS; i++)
		pmap_protect(&d.pm[i], 0x401000, 0x402000, VM_PROT_READ);
	demo_show(&d, 0x401000);
	demo_title(&d, "fork: COW-downgrade the data page at", 0x400000,
	           " in every pmap (pv list)");
	page_a = sim_phys_page(d.sp, hpa_a);
	printf("    mappings of the page: %d\n", pmap_page_mapping_count(&page_a->md));
	pmap_page_protect(&page_a->md, VM_PROT_READ);
	demo_show(&d, 0x400000);
	printf("    page dirty (handed over from the D bits): %s\n",
	       (page_a->md.flags & PMAP_PAGE_DIRTY) ? "yes" : "no");
	demo_title(&d, "pageout scan: ts_referenced on the text page at", 0x401000, "");
	printf("    referenced mappings: %d\n",
	       pmap_ts_referenced(&sim_phys_page(d.sp, hpa_b)->md));
	demo_show(&d, 0x401000);
	demo_title(&d, "guest reads", 0x401000, ": EPT violation -> pmap_emulate_ad");
	printf("    ept-emul: %s\n", pmap_emulate_ad(&d.pm[2], 0x401000, VM_PROT_READ) == PMAP_OK
	                                 ? "emulated, retry"
	                                 : "real fault");
	demo_show(&d, 0x401000);
	demo_title(&d, "munmap", 0x600000, "..0x700000: cuts the 2 MiB leaf (demotion)");
	for (i = 0; i < NPMAPS; i++)
		if (pmap_remove(&d.pm[i], 0x600000, 0x700000) != PMAP_OK)
			demo_die("pmap_remove", PMAP_ENOMEM);
	demo_show(&d, 0x6ff000);
	demo_show(&d, 0x700000);
	demo_convert(&d);
	printf("\n[%d] exit: release every pmap\n", ++d.step);
	printf("\nsummary:\n");
	for (i = 0; i < NPMAPS; i++) {
		printf("  %-9s resident=%lu tables=%lu invalidations=%u\n", d.name[i],
		       d.pm[i].pm_stats.resident_count, d.pm[i].pm_stats.ptp_count, d.inval[i]);
		pmap_release(&d.pm[i]);
	}
	printf("  frames in use after release: %lu (of %lu allocated in all)\n", d.sp->stats.in_use,
	       d.sp->stats.allocs);
	i = d.sp->stats.in_use == 0 ? 0 : 1;
	sim_phys_destroy(d.sp);
	return i;
}
