/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_allocfail-test.c - allocation failure at every allocation of a
 * scripted workload.  The workload (af_steps) takes every allocating
 * path: new tables at each level, a second pv chunk, 2 MiB leaves, the
 * demotions enter/protect/remove/unwire make, and a conversion to EPT.
 * Run once clean to count the allocation attempts (TOTAL), then for every
 * N in 1..TOTAL on a fresh machine with attempt N failing: exactly the
 * step that makes attempt N returns PMAP_ENOMEM, its pmaps exactly as
 * before it, and teardown gets every frame back.
 *
 * The conversion goes as in pmap_convert-test.c: x86 t->pm into EPT
 * t->other in the x86 build, x86 t->other into EPT t->pm in the others;
 * it comes first, while the EPT side is still empty.
 */
#include "tests/pmap/pmap_test.h"

#define AF_512G     (1ul << 39)
#define AF_1G       (1ul << 30)
#define AF_R1       (1 * AF_512G) /* 4 KiB leaves */
#define AF_R2       (2 * AF_512G) /* 4 KiB leaves */
#define AF_R3       (3 * AF_512G) /* 2 MiB leaves, then demoted */
#define AF_R4       (4 * AF_512G) /* the x86 side's leaves, converted */
#define AF_MANY     200           /* managed enters: past one pv chunk (170 entries) */
#define AF_MAXSTEPS 256

static struct pmap *
af_x86(struct tctx *t)
{
	return test_is_ept() ? &t->other : &t->pm;
}

static struct pmap *
af_ept(struct tctx *t)
{
	return test_is_ept() ? &t->pm : &t->other;
}

static int
af_x86_4k(struct tctx *t, uint64_t i)
{
	return pmap_enter(af_x86(t), AF_R4, test_frame(500), VM_PROT_ALL, VM_PROT_WRITE, PMAP_MA_WB,
	                  PMAP_LEVEL_4K);
}

static int
af_x86_2m(struct tctx *t, uint64_t i)
{
	return pmap_enter(af_x86(t), AF_R4 + AF_1G, test_run2m(4), VM_PROT_READ,
	                  VM_PROT_READ | PMAP_ENTER_WIRED, PMAP_MA_WT, PMAP_LEVEL_2M);
}

static int
af_convert(struct tctx *t, uint64_t i)
{
	struct pmap_convert_report rep;

	return pmap_convert_to_ept(af_x86(t), af_ept(t), 0, PMAP_USER_MAX, &rep);
}

static int
af_enter_r1(struct tctx *t, uint64_t i)
{
	return pmap_enter(&t->pm, AF_R1, test_frame(0), VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE,
	                  PMAP_MA_WB, PMAP_LEVEL_4K);
}

static int
af_enter_r2(struct tctx *t, uint64_t i)
{
	return pmap_enter(&t->pm, AF_R2, test_frame(1), VM_PROT_READ, VM_PROT_READ, PMAP_MA_UC,
	                  PMAP_LEVEL_4K);
}

static int
af_enter_r1_1g(struct tctx *t, uint64_t i)
{
	return pmap_enter(&t->pm, AF_R1 + AF_1G, test_frame(2), VM_PROT_READ,
	                  VM_PROT_READ | PMAP_ENTER_WIRED, PMAP_MA_WB, PMAP_LEVEL_4K);
}

static int
af_enter_r1_2m(struct tctx *t, uint64_t i)
{
	return pmap_enter(&t->pm, AF_R1 + T_2M, test_frame(3), VM_PROT_ALL, VM_PROT_READ,
	                  PMAP_MA_WB, PMAP_LEVEL_4K);
}

static int
af_enter_many(struct tctx *t, uint64_t i)
{
	return pmap_enter(&t->pm, AF_R1 + (1 + i) * T_PAGE, test_frame(10 + i), VM_PROT_READ,
	                  VM_PROT_READ, PMAP_MA_WB, PMAP_LEVEL_4K);
}

static int
af_super(struct tctx *t, uint64_t n, uint32_t flags)
{
	return pmap_enter(&t->pm, AF_R3 + n * T_2M, test_run2m(n), VM_PROT_ALL, flags, PMAP_MA_WB,
	                  PMAP_LEVEL_2M);
}

static int
af_super_0(struct tctx *t, uint64_t i)
{
	return af_super(t, 0, VM_PROT_WRITE);
}

static int
af_enter_demote(struct tctx *t, uint64_t i)
{
	return pmap_enter(&t->pm, AF_R3 + 5 * T_PAGE, test_frame(300), VM_PROT_READ, VM_PROT_READ,
	                  PMAP_MA_WB, PMAP_LEVEL_4K);
}

static int
af_super_1(struct tctx *t, uint64_t i)
{
	return af_super(t, 1, VM_PROT_READ);
}

static int
af_protect(struct tctx *t, uint64_t i)
{
	uint64_t va = AF_R3 + T_2M + T_PAGE;

	return pmap_protect(&t->pm, va, va + T_PAGE, VM_PROT_READ);
}

static int
af_super_2(struct tctx *t, uint64_t i)
{
	return af_super(t, 2, VM_PROT_WRITE);
}

static int
af_remove(struct tctx *t, uint64_t i)
{
	uint64_t va = AF_R3 + 2 * T_2M;

	return pmap_remove(&t->pm, va, va + T_PAGE);
}

static int
af_super_3(struct tctx *t, uint64_t i)
{
	return af_super(t, 3, VM_PROT_READ | PMAP_ENTER_WIRED);
}

static int
af_unwire(struct tctx *t, uint64_t i)
{
	uint64_t va = AF_R3 + 4 * T_2M - T_PAGE;

	return pmap_unwire(&t->pm, va, va + T_PAGE);
}

/*
 * The workload.  Each call is one step (a repeated call is a step per
 * repetition).  allocs: the allocation attempts the step must make, over
 * its repetitions: a table per missing level (pmap_resv_get takes the
 * tables first), then a pv chunk whenever fewer free pv entries remain
 * than the call needs; a chunk holds (4096 - 8) / 24 = 170 entries.  The
 * pv counts are those of t->pm, the same in every build (x86: 2 entries
 * from the source leaves; EPT: 2 from their conversion).
 */
static const struct af_step {
	const char *name;
	int (*fn)(struct tctx *t, uint64_t i);
	uint64_t reps;
	uint64_t allocs;
} af_steps[] = {
	/* PDPT, PD, PT, then the x86 pmap's first pv chunk. */
	{ "x86: 4 KiB, new 512 GiB region", af_x86_4k, 1, 4 },
	/* PD; the chunk has room. */
	{ "x86: 2 MiB, new 1 GiB region", af_x86_2m, 1, 1 },
	/* EPT: PDPT, PD, PT and a pv chunk for the 4 KiB leaf; a PD for the 2 MiB one. */
	{ "convert to EPT", af_convert, 1, 5 },
	/* pv: 2 used. */
	{ "4 KiB, new 512 GiB region", af_enter_r1, 1, 3 },
	{ "4 KiB, another new 512 GiB region", af_enter_r2, 1, 3 },
	{ "4 KiB, new 1 GiB region", af_enter_r1_1g, 1, 2 },
	{ "4 KiB, new 2 MiB region", af_enter_r1_2m, 1, 1 },
	/* pv: 6 used; the 165th enter finds the chunk full (170): a second one. */
	{ "200 managed 4 KiB leaves", af_enter_many, AF_MANY, 1 },
	/* pv: 206 used of 340.  PDPT, PD. */
	{ "2 MiB, new 512 GiB region", af_super_0, 1, 2 },
	/* 207 of 340: a PT and 512 + 1 entries, 133 free: 3 chunks. */
	{ "4 KiB in a 2 MiB leaf: demotion", af_enter_demote, 1, 4 },
	/* 718 of 850. */
	{ "2 MiB", af_super_1, 1, 0 },
	/* 719 of 850: a PT and 512 entries, 131 free: 3 chunks. */
	{ "protect cutting a 2 MiB leaf: demotion", af_protect, 1, 4 },
	/* 1230 of 1360. */
	{ "2 MiB", af_super_2, 1, 0 },
	/* 1231 of 1360: a PT and 512 entries, 129 free: 3 chunks. */
	{ "remove cutting a 2 MiB leaf: demotion", af_remove, 1, 4 },
	/* 1741 of 1870. */
	{ "2 MiB wired", af_super_3, 1, 0 },
	/* 1742 of 1870: a PT and 512 entries, 128 free: 3 chunks. */
	{ "unwire cutting a 2 MiB leaf: demotion", af_unwire, 1, 4 },
};

#define AF_NSTEPS (sizeof(af_steps) / sizeof(af_steps[0]))

/* Every step of the workload, each call on its own. */
struct af_call {
	unsigned step;
	uint64_t rep;
};

static unsigned
af_calls(struct af_call *calls)
{
	unsigned s, n = 0;
	uint64_t r;

	for (s = 0; s < AF_NSTEPS; s++) {
		for (r = 0; r < af_steps[s].reps; r++) {
			assert_true(n < AF_MAXSTEPS);
			calls[n].step = s;
			calls[n++].rep = r;
		}
	}
	return n;
}

/* A fresh machine with both pmaps; the second one's root is not the workload's. */
static struct tctx *
af_machine(void **state)
{
	struct tctx *t;

	assert_int_equal(test_setup(state), 0);
	t = *state;
	test_make_other(t);
	return t;
}

/*
 * Run the workload without failures on @t.  Stores in @end[k] the
 * attempts made by the end of call k, counted from the start; returns
 * their total.  Every step must succeed with the attempts af_steps says.
 */
static uint64_t
af_run_clean(struct tctx *t, uint64_t *end)
{
	struct af_call calls[AF_MAXSTEPS];
	unsigned n = af_calls(calls), k;
	uint64_t base = t->sp->attempts, per_step = 0;

	for (k = 0; k < n; k++) {
		const struct af_step *s = &af_steps[calls[k].step];
		uint64_t before = t->sp->attempts;
		int rc = s->fn(t, calls[k].rep);

		if (rc != PMAP_OK)
			fail_msg("clean run: %s [%lu] returned %d", s->name, calls[k].rep, rc);
		end[k] = t->sp->attempts - base;
		per_step += t->sp->attempts - before;
		if (calls[k].rep + 1 == s->reps) {
			if (per_step != s->allocs)
				fail_msg("clean run: %s made %lu allocation attempts, not %lu",
				         s->name, per_step, s->allocs);
			per_step = 0;
		}
	}
	assert_int_equal(t->sp->stats.alloc_failures, 0);
	return end[n - 1];
}

/* The clean run: each step allocates what it must, and the end state is exact. */
static void
test_pmap_allocfail_clean_run(void **state)
{
	struct tctx *t = *state;
	uint64_t end[AF_MAXSTEPS], total;
	const struct pmap_stats *s = &t->pm.pm_stats, *o;

	test_make_other(t);
	o = &t->other.pm_stats;
	total = af_run_clean(t, end);
	assert_int_equal(total, 4 + 1 + 5 + 3 + 3 + 2 + 1 + 1 + 2 + 4 + 4 + 4 + 4);
	/*
	 * t->pm: the converted 4 KiB + 2 MiB (x86: the source's), 204 pages in
	 * R1/R2, four demoted 2 MiB leaves less the page removed.
	 */
	assert_int_equal(s->resident_count, 1 + 512 + 204 + 4 * 512 - 1);
	assert_int_equal(s->wired_count, 512 + 1 + 511);
	assert_int_equal(s->pv_used, 2 + 204 + 4 * 512 - 1);
	assert_int_equal(s->pv_chunks, 1 + 1 + 4 * 3);
	/* root; R4: PDPT, PD, PT, PD; R1: PDPT, 2 PD, 3 PT; R2: 3; R3: PDPT, PD, 4 PT. */
	assert_int_equal(s->ptp_count, 1 + 4 + 6 + 3 + 6);
	/* t->other holds the two R4 leaves, converted or converted from. */
	assert_int_equal(o->resident_count, 513);
	assert_int_equal(o->wired_count, 512);
	assert_int_equal(o->pv_used, 2);
	assert_int_equal(o->pv_chunks, 1);
	assert_int_equal(o->ptp_count, 5);
}

/* The pmap's tables and counts, and the frames in use, as in @a? */
static bool
af_same_pmap(const struct test_snapshot *a, const struct test_snapshot *b)
{
	return a->tables_hash == b->tables_hash &&
	       a->stats.resident_count == b->stats.resident_count &&
	       a->stats.wired_count == b->stats.wired_count &&
	       a->stats.ptp_count == b->stats.ptp_count &&
	       a->stats.pv_chunks == b->stats.pv_chunks && a->stats.pv_used == b->stats.pv_used &&
	       a->frames_in_use == b->frames_in_use;
}

/*
 * One N: the workload on a fresh machine with attempt @n failing, up to the
 * call that fails.  Returns false (after saying why) when that call left
 * something changed, or with @strict fails there on the first difference
 * (test_assert_snapshot); fails the test on anything else.
 */
static bool
af_run_failing(void **state, uint64_t n, const struct af_call *calls, unsigned ncalls,
               const uint64_t *end, bool strict)
{
	struct test_snapshot pm0, ot0, pm1, ot1;
	struct tctx *t = af_machine(state);
	unsigned k;
	bool clean;
	int rc = PMAP_OK;

	sim_phys_fail_nth(t->sp, n);
	for (k = 0; k < ncalls; k++) {
		const struct af_step *s = &af_steps[calls[k].step];

		test_snapshot(&t->pm, &pm0);
		test_snapshot(&t->other, &ot0);
		rc = s->fn(t, calls[k].rep);
		if (rc == PMAP_OK)
			continue;
		if (rc != PMAP_ENOMEM)
			fail_msg("N=%lu: %s [%lu] returned %d", n, s->name, calls[k].rep, rc);
		/* The call that failed is the one that made attempt N. */
		if (n > end[k] || (k > 0 && n <= end[k - 1]))
			fail_msg("N=%lu: %s [%lu] failed; its attempts are %lu..%lu", n, s->name,
			         calls[k].rep, k > 0 ? end[k - 1] + 1 : 1, end[k]);
		break;
	}
	if (rc != PMAP_ENOMEM)
		fail_msg("N=%lu: no call failed", n);
	assert_int_equal(t->sp->stats.alloc_failures, 1);
	test_snapshot(&t->pm, &pm1);
	test_snapshot(&t->other, &ot1);
	clean = af_same_pmap(&pm0, &pm1) && af_same_pmap(&ot0, &ot1) &&
	        pm0.pages_hash == pm1.pages_hash;
	if (!clean)
		print_error("N=%lu: %s [%lu] returned ENOMEM but changed something: t->pm %s, "
		            "t->other %s, pages' pv lists and flags %s\n",
		            n, af_steps[calls[k].step].name, calls[k].rep,
		            af_same_pmap(&pm0, &pm1) ? "same" : "changed",
		            af_same_pmap(&ot0, &ot1) ? "same" : "changed",
		            pm0.pages_hash == pm1.pages_hash ? "same" : "changed");
	if (strict) {
		test_assert_snapshot(&pm0, &pm1);
		test_assert_snapshot(&ot0, &ot1);
	}
	/* Teardown releases both pmaps and requires every frame back. */
	assert_int_equal(test_teardown(state), 0);
	return clean;
}

/*
 * Every N in 1..TOTAL: the call making attempt N returns PMAP_ENOMEM,
 * exactly that one, with both pmaps and every page as before it, and
 * nothing leaks.
 */
static void
test_pmap_allocfail_every_nth(void **state)
{
	struct af_call calls[AF_MAXSTEPS];
	uint64_t end[AF_MAXSTEPS], total, n, bad = 0, first_bad = 0;
	unsigned ncalls = af_calls(calls);
	void *st = NULL;

	(void)state;
	total = af_run_clean(af_machine(&st), end);
	assert_int_equal(test_teardown(&st), 0);
	assert_true(total > 0);
	for (n = 1; n <= total; n++) {
		if (!af_run_failing(&st, n, calls, ncalls, end, false) && bad++ == 0)
			first_bad = n;
	}
	if (bad != 0) {
		/* Every N ran; now fail on the first bad one's first difference. */
		print_error("allocfail: %lu of N=1..%lu left a change behind\n", bad, total);
		(void)af_run_failing(&st, first_bad, calls, ncalls, end, true);
		fail_msg("allocfail: %lu of N=1..%lu left a change behind (first N=%lu)", bad,
		         total, first_bad);
	}
	print_message("allocfail: N=1..%lu each failed cleanly\n", total);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pmap_allocfail_clean_run, test_setup,
		                                test_teardown),
		/* Makes a fresh machine per N: test_setup/test_teardown inside. */
		cmocka_unit_test(test_pmap_allocfail_every_nth),
	};

	return TEST_RUN(tests);
}
