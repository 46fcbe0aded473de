/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * replay_contract-test.c - the checks of what a pmap call owes when it
 * returns, made to fire (the mutant catalogue found them missing):
 * a page freed while a CPU still holds a translation the tables no longer
 * give (the invalidation came after the free); a mapping still accessed
 * after pmap_ts_referenced or still dirty after pmap_clear_modify (the
 * next access would not be seen); a conversion that reached the kernel
 * half.  Each is driven directly, the pmap being correct; the controls
 * make the owed call first and find nothing.  Fixture: replay_fixture.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pmap/pmap_plat.h"
#include "tests/sim/replay_fixture.h"
#include "verify/vfy_check.h"

#define KERNEL_GPA 0x800000000000ul /* PML4 entry 256: the first of the x86 kernel half */
#define APIC_HPA   0xfee00000ul     /* device memory, outside the fixture's RAM */

/*
 * 1. The user's write at event 4 left cpu 0 an EPT translation of VA.  The
 * leaf is cleared behind the pmap's back (no INVEPT), then the pmap frees
 * a page: the CPU could still walk through a freed table.  A --check=full
 * check (it walks every cached translation of the pmap at every free).
 */
static void
test_replay_page_freed_before_inval(void **state)
{
	struct fixture *fx = fx_start(state, SIM_MODE_PAIR, SIM_AD_HW, SIM_CHECK_FULL, 0);
	struct sim_vmspace *vs;
	uint64_t a, hpa;

	scenario_one_page(fx, 0x1000);
	vs = vmspace(fx, 1);
	a = vm_frame(fx, vs, VA);
	poke64(fx, pte_of(fx, &vs->ept, VA, NULL), 0);
	assert_int_equal(pmap_plat_page_alloc(&vs->ept, &hpa), PMAP_OK);
	pmap_plat_page_free(&vs->ept, hpa);
	ASSERT_DIVERGENCES(fx, 4, "page freed before invalidation");
	assert_report_has(
	    fx,
	    "the pmap freed its page %#lx while cpu 0 caches 0x400000 -> hpa %#lx "
	    "(EPT, filled at event 4); the tables now say: VIOLATION: PTE not present "
	    "(XWR=000)",
	    hpa, a);
}

/* 1, the control: the same free with the tables as the TLB has them. */
static void
test_replay_page_freed_before_inval_control(void **state)
{
	struct fixture *fx = fx_start(state, SIM_MODE_PAIR, SIM_AD_HW, SIM_CHECK_FULL, 0);
	uint64_t hpa;

	scenario_one_page(fx, 0x1000);
	assert_int_equal(pmap_plat_page_alloc(&vmspace(fx, 1)->ept, &hpa), PMAP_OK);
	pmap_plat_page_free(&vmspace(fx, 1)->ept, hpa);
	REPLAY(fx, "check");
	assert_no_divergence(fx);
}

/*
 * 2. The page VA, written by the user at event 4 (both leaves accessed
 * and dirty), checked as if pmap_ts_referenced / pmap_clear_modify had
 * just run.  Each leaf is reported, the EPT one first (its pv entry was
 * inserted last, at the head); the bit named is the format's: x86 A/D
 * (bits 5/6), EPT A/D (bits 8/9), or with A/D emulated R/W (bits 0/1).
 */
struct rearm_case {
	enum sim_ad ad;
	bool dirty;
	const char *what, *ept_bit, *x86_bit, *call, *next;
};

static const struct rearm_case rearm_cases[] = {
	{ SIM_AD_HW, false, "accessed after ts_referenced", "A", "A", "pmap_ts_referenced",
	  "access" },
	{ SIM_AD_EMULATED, false, "accessed after ts_referenced", "R, A/D emulated", "A",
	  "pmap_ts_referenced", "access" },
	{ SIM_AD_HW, true, "dirty after clear_modify", "D", "D", "pmap_clear_modify", "write" },
	{ SIM_AD_EMULATED, true, "dirty after clear_modify", "W, A/D emulated", "D",
	  "pmap_clear_modify", "write" },
};

static struct sim_page *
rearm_scenario(void **state, size_t i, struct fixture **fxp)
{
	struct fixture *fx;

	if (i > 0)
		assert_int_equal(fx_reset(*state), 0);
	print_message("case %zu\n", i);
	fx = fx_start(state, SIM_MODE_PAIR, rearm_cases[i].ad, SIM_CHECK_INCREMENTAL, 0);
	scenario_one_page(fx, 0x1000);
	*fxp = fx;
	return sim_phys_page(fx->s->sp, vm_frame(fx, vmspace(fx, 1), VA));
}

static void
test_replay_not_rearmed(void **state)
{
	const struct rearm_case *c;
	struct fixture *fx;
	struct sim_page *pg;
	struct sim_vmspace *vs;
	size_t i;

	for (i = 0; i < NELEM(rearm_cases); i++) {
		c = &rearm_cases[i];
		pg = rearm_scenario(state, i, &fx);
		vs = vmspace(fx, 1);
		vfy_check_rearmed(fx->s, pg, c->dirty);
		ASSERT_DIVERGENCES(fx, 4, c->what, c->what);
		assert_report_has(fx,
		                  "EPT leaf %#lx of page %#lx keeps %s after %s: the next %s will "
		                  "not be seen",
		                  *pte_of(fx, &vs->ept, VA, NULL), pg->md.hpa, c->ept_bit, c->call,
		                  c->next);
		assert_report_has(fx,
		                  "x86 leaf %#lx of page %#lx keeps %s after %s: the next %s will "
		                  "not be seen",
		                  *pte_of(fx, &vs->x86, VA, NULL), pg->md.hpa, c->x86_bit, c->call,
		                  c->next);
	}
}

/* 2, the controls: after the call itself nothing is left to report. */
static void
test_replay_not_rearmed_control(void **state)
{
	struct fixture *fx;
	struct sim_page *pg;
	size_t i;

	for (i = 0; i < NELEM(rearm_cases); i++) {
		pg = rearm_scenario(state, i, &fx);
		if (rearm_cases[i].dirty)
			pmap_clear_modify(&pg->md);
		else
			assert_int_equal(pmap_ts_referenced(&pg->md), 2);
		vfy_check_rearmed(fx->s, pg, rearm_cases[i].dirty);
		assert_no_divergence(fx);
	}
}

/* The PDE of @va in @pm's tables, reached raw from the root. */
static uint64_t *
pde_of(struct fixture *fx, struct pmap *pm, uint64_t va)
{
	uint64_t hpa = pm->pm_root_hpa, *t;
	int level;

	for (level = 3; level > 1; level--) {
		t = sim_phys_ptr(fx->s->sp, hpa);
		assert_non_null(t);
		hpa = t[(va >> (12 + 9 * level)) & 511] & 0x000ffffffffff000ul;
	}
	t = sim_phys_ptr(fx->s->sp, hpa);
	assert_non_null(t);
	return &t[(va >> 21) & 511];
}

/*
 * 2b. The check ends where the reference walk ends.  After
 * pmap_ts_referenced, two checks find nothing: the second at the latest
 * descends through remembered table entries (the first walks unless an
 * earlier test left the same entries remembered).  Then the
 * EPT PDE above VA (accessed: the user's write set A at every level, SDM
 * 3C 29.3.5) gets bit 3, reserved in a PDE that references a table (SDM
 * 3C 29.3.3.1): the walk ends there, on a misconfigured entry that keeps
 * A, and the check must say so rather than descend to the cleared PTE.
 */
static void
test_replay_rearmed_walk_ends_early(void **state)
{
	struct fixture *fx = fx_start(state, SIM_MODE_PAIR, SIM_AD_HW, SIM_CHECK_INCREMENTAL, 0);
	struct sim_vmspace *vs;
	struct sim_page *pg;
	uint64_t *pde;

	scenario_one_page(fx, 0x1000);
	vs = vmspace(fx, 1);
	pg = sim_phys_page(fx->s->sp, vm_frame(fx, vs, VA));
	assert_int_equal(pmap_ts_referenced(&pg->md), 2);
	vfy_check_rearmed(fx->s, pg, false);
	vfy_check_rearmed(fx->s, pg, false);
	assert_no_divergence(fx);
	pde = pde_of(fx, &vs->ept, VA);
	assert_int_equal(*pde & 0x188, 0x100); /* A, not PS, bit 3 clear */
	poke64(fx, pde, *pde | 0x8);
	vfy_check_rearmed(fx->s, pg, false);
	ASSERT_DIVERGENCES(fx, 4, "accessed after ts_referenced");
	assert_report_has(fx,
	                  "EPT leaf %#lx of page %#lx keeps A after pmap_ts_referenced: the next "
	                  "access will not be seen",
	                  *pde, pg->md.hpa);
}

/*
 * 3. An EPT pmap converted from a user range must hold nothing in PML4
 * entries 256-511.  A leaf at gpa 0x800000000000 stands for the kernel
 * half copied index for index.
 */
static void
test_replay_converted_kernel_address(void **state)
{
	struct fixture *fx = fx_start(state, SIM_MODE_EPT, SIM_AD_HW, SIM_CHECK_INCREMENTAL, 0);
	struct sim_vmspace *vs;
	const uint64_t *root;

	scenario_one_page(fx, 0x1000);
	vs = vmspace(fx, 1);
	vfy_check_user_only(fx->s, vs, &vs->ept);
	assert_no_divergence(fx); /* the control */
	assert_int_equal(pmap_enter(&vs->ept, KERNEL_GPA, APIC_HPA, VM_PROT_READ, PMAP_ENTER_DEVICE,
	                            PMAP_MA_UC, PMAP_LEVEL_4K),
	                 PMAP_OK);
	root = sim_phys_ptr(fx->s->sp, vs->ept.pm_root_hpa);
	vfy_check_user_only(fx->s, vs, &vs->ept);
	ASSERT_DIVERGENCES(fx, 4, "converted kernel address");
	assert_report_has(fx,
	                  "the EPT conversion of the user range has PML4 entry 256 = %#lx (gpa "
	                  "0x800000000000 and up, the x86 kernel half)",
	                  root[256]);
	assert_int_equal(pmap_remove(&vs->ept, KERNEL_GPA, KERNEL_GPA + 0x1000), PMAP_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_replay_page_freed_before_inval),
		T(test_replay_page_freed_before_inval_control),
		T(test_replay_not_rearmed),
		T(test_replay_not_rearmed_control),
		T(test_replay_rearmed_walk_ends_early),
		T(test_replay_converted_kernel_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
