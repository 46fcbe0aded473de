/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_dmap-test.c - the direct map's window (pmap_plat.h: pmap_dmap).
 *
 * The same workload (4 KiB and 2 MiB enters over several page tables,
 * protect, a pv-list walk, a partial remove) runs under each window; the
 * tables it leaves must be the same entry for entry, and the seam's
 * pmap_plat_phys_to_virt() (wrapped at link time, --wrap) must see
 * exactly the table pages outside the window: none when the window holds
 * all of RAM, as the simulator sets it, and every one when it is empty.
 */
#include "tests/pmap/pmap_test.h"

#define R  VM_PROT_READ
#define W  VM_PROT_WRITE
#define RW (VM_PROT_READ | VM_PROT_WRITE)

#define T_HALF (8ul << 20) /* inside the allocator's 16 MiB of table pages */

void *__real_pmap_plat_phys_to_virt(uint64_t hpa);
void *__wrap_pmap_plat_phys_to_virt(uint64_t hpa);

static unsigned long seam_calls, seam_inside;

/* Counts the seam's calls, and those the window should have answered. */
void *
__wrap_pmap_plat_phys_to_virt(uint64_t hpa)
{
	seam_calls++;
	if (hpa - pmap_dmap.hpa < pmap_dmap.len)
		seam_inside++;
	return __real_pmap_plat_phys_to_virt(hpa);
}

/* The workload; returns nothing, leaves its tables in @t->pm. */
static void
dmap_workload(struct tctx *t)
{
	uint64_t i, va2m = (test_va(0) + 4 * T_2M) & ~(T_2M - 1);

	for (i = 0; i < 24; i++) /* three PTs, two PDs: 1 GiB apart */
		test_enter(&t->pm, test_va((i % 3) * 0x40000000ul + i * T_PAGE), test_frame(i), RW,
		           W);
	test_enter_2m(&t->pm, va2m, test_run2m(0), RW, R);
	assert_int_equal(pmap_protect(&t->pm, test_va(0), test_va(8 * T_PAGE), R), PMAP_OK);
	assert_int_equal(pmap_ts_referenced(test_page(test_frame(5))), 1);
	assert_int_equal(
	    pmap_remove(&t->pm, test_va(0x40000000ul), test_va(0x40000000ul + 12 * T_PAGE)),
	    PMAP_OK);
}

/* Every leaf the workload may have left, and the pmap's counts. */
struct dmap_view {
	pmap_pte_t leaf[26];
	int level[26];
	uint64_t resident, ptp;
};

static void
dmap_view(struct tctx *t, struct dmap_view *v)
{
	uint64_t i, va2m = (test_va(0) + 4 * T_2M) & ~(T_2M - 1);

	for (i = 0; i < 24; i++)
		v->leaf[i] =
		    test_leaf(&t->pm, test_va((i % 3) * 0x40000000ul + i * T_PAGE), &v->level[i]);
	v->leaf[24] = test_leaf(&t->pm, va2m, &v->level[24]);
	v->leaf[25] = test_leaf(&t->pm, va2m + T_2M - T_PAGE, &v->level[25]);
	v->resident = t->pm.pm_stats.resident_count;
	v->ptp = t->pm.pm_stats.ptp_count;
}

static const struct {
	const char *name;
	uint64_t hpa, len; /* len ~0: all of RAM, as sim_phys_create sets it */
	bool some_calls;   /* the seam must see table pages */
} windows[] = {
	{ "all of RAM", 0, ~0ul, false },
	{ "empty", 0, 0, true },
	{ "upper half of the table pages", T_HALF, T_NPAGES *T_PAGE - T_HALF, true },
	{ "lower half of the table pages", 0, T_HALF, true },
};

static void
test_pmap_dmap_windows(void **state)
{
	struct tctx *t = *state;
	struct dmap_view ref, got;
	const struct pmap_dmap full = pmap_dmap;
	unsigned w, i;

	assert_int_equal(full.hpa, 0); /* what the simulator's RAM sets */
	assert_int_equal(full.len, T_NPAGES * T_PAGE);
	for (w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		pmap_release(&t->pm);
		assert_int_equal(pmap_pinit(&t->pm, test_fmt()->type, test_fmt()->flags, t),
		                 PMAP_OK);
		pmap_dmap = full;
		if (windows[w].len != ~0ul)
			pmap_dmap = (struct pmap_dmap){ windows[w].hpa, windows[w].len,
				                        full.va + windows[w].hpa };
		seam_calls = seam_inside = 0;
		dmap_workload(t);
		pmap_dmap = full;
		if (seam_inside != 0 || (seam_calls != 0) != windows[w].some_calls)
			fail_msg("window %s: %lu seam calls, %lu inside the window",
			         windows[w].name, seam_calls, seam_inside);
		dmap_view(t, w == 0 ? &ref : &got);
		if (w == 0)
			continue;
		for (i = 0; i < 26; i++)
			if (got.leaf[i] != ref.leaf[i] || got.level[i] != ref.level[i])
				fail_msg(
				    "window %s: leaf %u is %#lx at level %d, %#lx at %d with the "
				    "whole window",
				    windows[w].name, i, got.leaf[i], got.level[i], ref.leaf[i],
				    ref.level[i]);
		assert_int_equal(got.resident, ref.resident);
		assert_int_equal(got.ptp, ref.ptp);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pmap_dmap_windows, test_setup, test_teardown),
	};

	return TEST_RUN(tests);
}
