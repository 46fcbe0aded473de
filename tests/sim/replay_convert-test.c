/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * replay_convert-test.c - the convert mode's check (verify/vfy_full.c):
 * every x86 page against its EPT conversion, and the converted leaves
 * against the VM.  pmap_convert_to_ept() is wrapped at link time
 * (--wrap): after the real conversion the test corrupts the converted
 * leaf of VA, as a conversion bug would have made it, and the wrapped
 * pmap_remove_forget_ad() puts the entry back before the converted pmap
 * is emptied, so the pmap's own teardown sees a consistent pmap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/sim/replay_fixture.h"

int __real_pmap_convert_to_ept(struct pmap *src, struct pmap *dst, uint64_t sva, uint64_t eva,
                               struct pmap_convert_report *rep);
int __wrap_pmap_convert_to_ept(struct pmap *src, struct pmap *dst, uint64_t sva, uint64_t eva,
                               struct pmap_convert_report *rep);
int __real_pmap_remove_forget_ad(struct pmap *pm, uint64_t sva, uint64_t eva);
int __wrap_pmap_remove_forget_ad(struct pmap *pm, uint64_t sva, uint64_t eva);

/* What the conversion does wrong at VA: an entry = (entry & keep) | set. */
struct convert_bug {
	uint64_t keep, set;
};

static struct fixture *cur_fx;
static const struct convert_bug *cur_bug;
static uint64_t *bug_at, bug_old;

int
__wrap_pmap_convert_to_ept(struct pmap *src, struct pmap *dst, uint64_t sva, uint64_t eva,
                           struct pmap_convert_report *rep)
{
	int error = __real_pmap_convert_to_ept(src, dst, sva, eva, rep);

	if (error == PMAP_OK && cur_bug != NULL) {
		bug_at = pte_of(cur_fx, dst, VA, NULL);
		bug_old = *bug_at;
		*bug_at = (bug_old & cur_bug->keep) | cur_bug->set;
	}
	return error;
}

int
__wrap_pmap_remove_forget_ad(struct pmap *pm, uint64_t sva, uint64_t eva)
{
	if (bug_at != NULL) {
		*bug_at = bug_old;
		bug_at = NULL;
	}
	return __real_pmap_remove_forget_ad(pm, sva, eva);
}

static const struct convert_bug bug_drop = { 0, 0 };
static const struct convert_bug bug_exec = { ~0ul, EPT_X };
static const struct convert_bug bug_frame = { ~PTE_FRAME, 0x1000 };

/*
 * VA written by the user (an anonymous rw- page: x86 RW|XD), then a check
 * event (event 5), which converts and checks.
 */
static void
convert_one_page(struct fixture *fx, const struct convert_bug *bug)
{
	cur_fx = fx;
	cur_bug = bug;
	scenario_one_page(fx, 0x1000);
	REPLAY(fx, "check");
	cur_bug = NULL;
	assert_null(bug_at); /* the corruption was put back */
}

/* 1. Controls: a faithful conversion, both A/D flavours, finds nothing. */
static void
test_convert_control(void **state)
{
	static const enum sim_ad ads[] = { SIM_AD_HW, SIM_AD_EMULATED };
	struct fixture *fx;
	unsigned i;

	for (i = 0; i < NELEM(ads); i++) {
		fx = fx_start(state, SIM_MODE_CONVERT, ads[i], SIM_CHECK_INCREMENTAL, 0);
		convert_one_page(fx, NULL);
		assert_no_divergence(fx);
		assert_int_equal(fx_reset(fx), 0);
	}
}

/*
 * 2. A conversion that drops the leaf of a page x86 translates: the pair
 * check misses it in the x86 pass, then the converted tables' structure
 * (the PT's count, the pv entry the leaf no longer has).  With emulated
 * A/D too: the x86 leaf is accessed (written), so its conversion must be
 * present.
 */
static void
test_convert_dropped_leaf(void **state)
{
	static const enum sim_ad ads[] = { SIM_AD_HW, SIM_AD_EMULATED };
	struct fixture *fx;
	unsigned i;

	for (i = 0; i < NELEM(ads); i++) {
		fx = fx_start(state, SIM_MODE_CONVERT, ads[i], SIM_CHECK_INCREMENTAL, 0);
		convert_one_page(fx, &bug_drop);
		ASSERT_DIVERGENCES(fx, 5, "formats disagree", "table count", "pv list");
		assert_report_has(fx,
		                  "x86 maps 0x400000 to hpa %#lx, its EPT conversion maps nothing",
		                  vm_frame(fx, vmspace(fx, 1), VA));
		assert_int_equal(fx_reset(fx), 0);
	}
}

/*
 * 3. A conversion that makes an XD page executable: against the VM (rw-)
 * and against x86 (XD), at the same page.
 */
static void
test_convert_exec_gained(void **state)
{
	struct fixture *fx = fx_start(state, SIM_MODE_CONVERT, SIM_AD_HW, SIM_CHECK_INCREMENTAL, 0);

	convert_one_page(fx, &bug_exec);
	ASSERT_DIVERGENCES(fx, 5, "rights", "formats disagree");
	assert_report_has(fx, "EPT grants rwx, the VM at most rw-: executable where the VM "
	                      "forbids execution");
	assert_report_has(fx, "x86 not executable, EPT executable");
}

/*
 * 4. A conversion that maps the wrong frame (hpa 0x1000, which holds a
 * page table): against the VM, against x86, and as structure.
 */
static void
test_convert_wrong_frame(void **state)
{
	struct fixture *fx = fx_start(state, SIM_MODE_CONVERT, SIM_AD_HW, SIM_CHECK_INCREMENTAL, 0);
	uint64_t hpa;

	convert_one_page(fx, &bug_frame);
	hpa = vm_frame(fx, vmspace(fx, 1), VA);
	ASSERT_DIVERGENCES(fx, 5, "wrong frame", "formats disagree", "leaf reaches a non-VM frame",
	                   "pv list");
	assert_report_has(fx, "EPT maps 0x400000 to hpa 0x1000, the VM has %#lx", hpa);
	assert_report_has(fx, "x86 maps hpa %#lx, EPT hpa 0x1000", hpa);
	assert_report_has(fx, "maps hpa 0x1000, which is a page table or pv chunk");
}

/*
 * 5. An execute-only mapping: x86 cannot say it (a present entry is
 * readable), so the conversion maps --x as r-x, x86's own loss, which the
 * check accepts; pair mode, whose EPT pmap is entered with execute-only
 * support, maps it X alone (the control that the page is --x).
 */
static void
test_convert_exec_only(void **state)
{
	static const char *const lines[] = {
		"mmap vm=1 va=0x400000 len=0x1000 prot=--x share=private backing=file file=3 "
		"offset=0x0",
		"fault vm=1 tid=1 cpu=0 va=0x400000 access=x mode=user",
	};
	struct fixture *fx = fx_start(state, SIM_MODE_CONVERT, SIM_AD_HW, SIM_CHECK_INCREMENTAL, 0);

	scenario(fx, lines[0], lines[1]);
	REPLAY(fx, "check");
	assert_no_divergence(fx);
	assert_int_equal(fx_reset(fx), 0);
	fx = fx_start(state, SIM_MODE_PAIR, SIM_AD_HW, SIM_CHECK_INCREMENTAL, 0);
	scenario(fx, lines[0], lines[1]);
	assert_int_equal(*pte_of(fx, &vmspace(fx, 1)->ept, VA, NULL) & EPT_XWR, EPT_X);
	assert_no_divergence(fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_convert_control),     T(test_convert_dropped_leaf),
		T(test_convert_exec_gained), T(test_convert_wrong_frame),
		T(test_convert_exec_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
