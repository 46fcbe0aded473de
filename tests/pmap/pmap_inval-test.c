/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_inval-test.c - the invalidation contract: every change that takes
 * a right away, changes a frame or clears A/D is flushed through the seam
 * before the call returns (x86: INVLPG per page, one full flush past
 * PMAP_INVAL_MAX pages; EPT: one INVEPT with the pmap's EPTP per call);
 * new mappings, upgrades and unwiring flush nothing; page-table pages are
 * freed only after the flush.
 */
#include <string.h>

#include "tests/pmap/pmap_test.h"

#define R       VM_PROT_READ
#define W       VM_PROT_WRITE
#define RW      (VM_PROT_READ | VM_PROT_WRITE)
#define T_1G    (1ul << 30)
#define T_512G  (1ul << 39)
#define REC_NVA 64

/*
 * A recorder chained in front of the fixture's hooks: the gvas of the
 * INVLPGs, and the simulator's free count at every invalidation.  Static,
 * so a test that fails midway leaves no dangling hook for teardown.
 */
struct inval_rec {
	struct sim_inval_hooks saved;
	struct sim_phys *sp;
	unsigned calls;
	uint64_t frees_min, frees_max;
	uint64_t va[REC_NVA];
	unsigned nva;
};
static struct inval_rec rec;

static void
rec_note(struct inval_rec *r)
{
	uint64_t f = r->sp->stats.frees;

	if (r->calls == 0 || f < r->frees_min)
		r->frees_min = f;
	if (r->calls == 0 || f > r->frees_max)
		r->frees_max = f;
	r->calls++;
}

static void
rec_invlpg(void *ctx, struct pmap *pm, uint64_t va)
{
	struct inval_rec *r = ctx;

	if (r->nva < REC_NVA)
		r->va[r->nva] = va;
	r->nva++;
	rec_note(r);
	if (r->saved.invlpg != NULL)
		r->saved.invlpg(r->saved.ctx, pm, va);
}

static void
rec_invltlb(void *ctx, struct pmap *pm)
{
	struct inval_rec *r = ctx;

	rec_note(r);
	if (r->saved.invltlb != NULL)
		r->saved.invltlb(r->saved.ctx, pm);
}

static void
rec_invept(void *ctx, struct pmap *pm, uint64_t eptp)
{
	struct inval_rec *r = ctx;

	rec_note(r);
	if (r->saved.invept != NULL)
		r->saved.invept(r->saved.ctx, pm, eptp);
}

static void
rec_reset(void)
{
	rec.calls = 0;
	rec.nva = 0;
	rec.frees_min = rec.frees_max = 0;
	test_inval_reset();
}

static void
rec_install(struct tctx *t)
{
	memset(&rec, 0, sizeof(rec));
	rec.sp = t->sp;
	rec.saved = t->sp->hooks;
	t->sp->hooks.invlpg = rec_invlpg;
	t->sp->hooks.invltlb = rec_invltlb;
	t->sp->hooks.invept = rec_invept;
	t->sp->hooks.ctx = &rec;
	rec_reset();
}

static void
rec_remove(struct tctx *t)
{
	t->sp->hooks = rec.saved;
}

/* @va was INVLPGed exactly once. */
static void
assert_invlpg_one(uint64_t va)
{
	unsigned j, seen = 0;

	for (j = 0; j < rec.nva && j < REC_NVA; j++)
		seen += rec.va[j] == va;
	assert_int_equal(seen, 1);
}

/* The INVLPGs were exactly the @n pages from @base, each once. */
static void
assert_invlpg_pages(uint64_t base, unsigned n)
{
	unsigned i;

	assert_int_equal(rec.nva, n);
	for (i = 0; i < n; i++)
		assert_invlpg_one(base + i * T_PAGE);
}

/* Exactly one invalidation of the one page @va (x86) or of @pm (EPT). */
static void
assert_one_inval(struct pmap *pm, uint64_t va)
{
	if (pm->pm_type == PMAP_TYPE_EPT) {
		assert_int_equal(test_inval.invept, 1);
		assert_int_equal(test_inval.invlpg + test_inval.invltlb, 0);
		assert_int_equal(test_inval.last_eptp, pm->pm_hw_root);
	} else {
		assert_int_equal(test_inval.invlpg, 1);
		assert_int_equal(test_inval.invltlb + test_inval.invept, 0);
		assert_int_equal(test_inval.last_va, va);
	}
	assert_ptr_equal(test_inval.last_pm, pm);
}

/*
 * n pages changed by one remove or protect: x86 INVLPGs each of them up
 * to PMAP_INVAL_MAX, then flushes everything once instead; EPT always
 * does one INVEPT with the pmap's EPTP.
 */
static void
test_pmap_inval_batch(void **state)
{
	static const unsigned ns[] = { 1, 2, 31, 32, 33, 64, 512 };
	struct tctx *t = *state;
	unsigned c, i, op;

	assert_int_equal(PMAP_INVAL_MAX, 32);
	rec_install(t);
	for (op = 0; op < 2; op++) {
		for (c = 0; c < sizeof(ns) / sizeof(ns[0]); c++) {
			uint64_t base = test_va((op * 8 + c) * T_2M);
			unsigned n = ns[c];

			for (i = 0; i < n; i++)
				test_enter(&t->pm, base + i * T_PAGE, test_frame(i), RW, W);
			rec_reset();
			if (op == 0)
				assert_int_equal(pmap_remove(&t->pm, base, base + n * T_PAGE),
				                 PMAP_OK);
			else
				assert_int_equal(pmap_protect(&t->pm, base, base + n * T_PAGE, R),
				                 PMAP_OK);
			assert_ptr_equal(test_inval.last_pm, &t->pm);
			if (test_is_ept()) {
				assert_int_equal(test_inval.invept, 1);
				assert_int_equal(test_inval.last_eptp, t->pm.pm_hw_root);
				assert_int_equal(test_inval.invlpg + test_inval.invltlb, 0);
			} else if (n <= PMAP_INVAL_MAX) {
				assert_int_equal(test_inval.invlpg, n);
				assert_int_equal(test_inval.invltlb + test_inval.invept, 0);
				assert_invlpg_pages(base, n);
			} else {
				assert_int_equal(test_inval.invltlb, 1);
				assert_int_equal(test_inval.invlpg + test_inval.invept, 0);
			}
			if (op == 1)
				assert_int_equal(pmap_remove(&t->pm, base, base + n * T_PAGE),
				                 PMAP_OK);
		}
	}
	rec_remove(t);
}

/*
 * A 2 MiB leaf removed or downgraded whole is one page to invalidate: one
 * INVLPG of an address inside it drops the large-page entry (SDM 3A
 * 4.10.4.1), or one INVEPT.
 */
static void
test_pmap_inval_2m_leaf(void **state)
{
	struct tctx *t = *state;
	uint64_t base = test_va(T_1G);
	unsigned op;

	for (op = 0; op < 3; op++) {
		test_enter_2m(&t->pm, base, test_run2m(op), RW, W);
		test_inval_reset();
		if (op == 0)
			assert_int_equal(pmap_remove(&t->pm, base, base + T_2M), PMAP_OK);
		else if (op == 1)
			assert_int_equal(pmap_protect(&t->pm, base, base + T_2M, R), PMAP_OK);
		else
			pmap_clear_modify(test_page(test_run2m(op) + 9 * T_PAGE));
		if (test_is_ept()) {
			assert_int_equal(test_inval.invept, 1);
			assert_int_equal(test_inval.last_eptp, t->pm.pm_hw_root);
			assert_int_equal(test_inval.invlpg + test_inval.invltlb, 0);
		} else {
			assert_int_equal(test_inval.invlpg, 1);
			assert_int_equal(test_inval.invltlb + test_inval.invept, 0);
			assert_true(test_inval.last_va >= base && test_inval.last_va < base + T_2M);
		}
		assert_int_equal(pmap_remove(&t->pm, base, base + T_2M), PMAP_OK);
	}
}

/*
 * Nothing that only adds (a new mapping, more rights, wiring) or changes
 * nothing, and no unwire, invalidates.
 */
static void
test_pmap_inval_none(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(0), va2 = test_va(T_PAGE), sp = test_va(T_2M);
	struct pmap_page *pg = test_page(test_frame(0));

	/* New mappings, 4 KiB and 2 MiB, wired or not. */
	test_enter(&t->pm, va, test_frame(0), R, R);
	test_enter(&t->pm, va2, test_frame(1), R, R | PMAP_ENTER_WIRED);
	test_enter_2m(&t->pm, sp, test_run2m(0), R, PMAP_ENTER_WIRED);
	assert_int_equal(test_inval_total(), 0);
	/* Upgrades of the same frame: r -> rw -> rwx. */
	test_enter(&t->pm, va, test_frame(0), RW, W);
	assert_int_equal(test_inval_total(), 0);
	test_enter(&t->pm, va, test_frame(0), VM_PROT_ALL, W);
	assert_int_equal(test_inval_total(), 0);
	test_enter_2m(&t->pm, sp, test_run2m(0), RW, W | PMAP_ENTER_WIRED);
	assert_int_equal(test_inval_total(), 0);
	/* Protect that takes nothing away. */
	assert_int_equal(pmap_protect(&t->pm, va, sp + T_2M, VM_PROT_ALL), PMAP_OK);
	assert_int_equal(pmap_protect(&t->pm, va2, va2 + T_PAGE, RW), PMAP_OK);
	assert_int_equal(test_inval_total(), 0);
	/* Unwire, 4 KiB and a whole 2 MiB leaf. */
	assert_int_equal(pmap_unwire(&t->pm, va2, va2 + T_PAGE), PMAP_OK);
	assert_int_equal(pmap_unwire(&t->pm, sp, sp + T_2M), PMAP_OK);
	assert_int_equal(t->pm.pm_stats.wired_count, 0);
	assert_int_equal(test_inval_total(), 0);
	/* A remove of nothing; queries. */
	assert_int_equal(pmap_remove(&t->pm, test_va(T_1G), test_va(4 * T_1G)), PMAP_OK);
	assert_true(pmap_is_modified(pg));
	assert_int_equal(pmap_page_mapping_count(pg), 1);
	assert_int_equal(test_inval_total(), 0);
	/* Clearing A or M that is already clear. */
	assert_int_equal(pmap_ts_referenced(test_page(test_frame(1))), 1);
	test_inval_reset();
	assert_int_equal(pmap_ts_referenced(test_page(test_frame(1))), 0);
	pmap_clear_modify(test_page(test_frame(1)));
	assert_int_equal(test_inval_total(), 0);
}

/*
 * One 4 KiB change of each kind that must be invalidated, each exactly
 * once: a right taken (write, execute, all), a frame changed, A cleared,
 * M cleared.
 */
static void
test_pmap_inval_one_change(void **state)
{
	enum op {
		OP_PROTECT_R,
		OP_PROTECT_NOEXEC,
		OP_REMOVE,
		OP_ENTER_OTHER_FRAME,
		OP_ENTER_DOWNGRADE,
		OP_TS_REFERENCED,
		OP_CLEAR_MODIFY,
		OP_PAGE_PROTECT_R,
		OP_PAGE_PROTECT_NONE,
	};
	static const struct {
		const char *name;
		enum op op;
		vm_prot_t prot;
		uint32_t flags;
	} cases[] = {
		{ "protect to r", OP_PROTECT_R, RW, R },
		{ "protect no execute", OP_PROTECT_NOEXEC, VM_PROT_ALL, R },
		{ "remove", OP_REMOVE, R, R },
		{ "enter another frame", OP_ENTER_OTHER_FRAME, R, R },
		{ "enter same frame with less", OP_ENTER_DOWNGRADE, RW, W },
		{ "clear referenced", OP_TS_REFERENCED, R, R },
		{ "clear modified", OP_CLEAR_MODIFY, RW, W },
		{ "page protect to r", OP_PAGE_PROTECT_R, RW, W },
		{ "page protect to none", OP_PAGE_PROTECT_NONE, RW, R },
	};
	struct tctx *t = *state;
	struct pmap_mapping m;
	unsigned c;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint64_t va = test_va(c * T_PAGE), hpa = test_frame(c);
		struct pmap_page *pg = test_page(hpa);

		test_enter(&t->pm, va, hpa, cases[c].prot, cases[c].flags);
		test_inval_reset();
		switch (cases[c].op) {
		case OP_PROTECT_R:
			assert_int_equal(pmap_protect(&t->pm, va, va + T_PAGE, R), PMAP_OK);
			break;
		case OP_PROTECT_NOEXEC:
			assert_int_equal(pmap_protect(&t->pm, va, va + T_PAGE, RW), PMAP_OK);
			break;
		case OP_REMOVE:
			assert_int_equal(pmap_remove(&t->pm, va, va + T_PAGE), PMAP_OK);
			break;
		case OP_ENTER_OTHER_FRAME:
			test_enter(&t->pm, va, test_frame(100), R, R);
			break;
		case OP_ENTER_DOWNGRADE:
			test_enter(&t->pm, va, hpa, R, R);
			break;
		case OP_TS_REFERENCED:
			assert_int_equal(pmap_ts_referenced(pg), 1);
			break;
		case OP_CLEAR_MODIFY:
			pmap_clear_modify(pg);
			break;
		case OP_PAGE_PROTECT_R:
			pmap_page_protect(pg, R);
			break;
		case OP_PAGE_PROTECT_NONE:
			pmap_page_protect(pg, VM_PROT_NONE);
			break;
		}
		assert_one_inval(&t->pm, va);
		/* The change did happen. */
		switch (cases[c].op) {
		case OP_PROTECT_R:
		case OP_ENTER_DOWNGRADE:
		case OP_PAGE_PROTECT_R:
			assert_true(pmap_lookup(&t->pm, va, &m));
			assert_int_equal(m.prot, R);
			assert_false(m.modified);
			break;
		case OP_PROTECT_NOEXEC:
			assert_true(pmap_lookup(&t->pm, va, &m));
			assert_int_equal(m.prot, RW);
			break;
		case OP_REMOVE:
		case OP_PAGE_PROTECT_NONE:
			assert_false(pmap_lookup(&t->pm, va, &m));
			break;
		case OP_ENTER_OTHER_FRAME:
			assert_true(pmap_lookup(&t->pm, va, &m));
			assert_int_equal(m.hpa, test_frame(100));
			break;
		case OP_TS_REFERENCED:
			assert_true(pmap_lookup(&t->pm, va, &m));
			assert_false(m.accessed);
			break;
		case OP_CLEAR_MODIFY:
			assert_true(pmap_lookup(&t->pm, va, &m));
			assert_false(m.modified);
			assert_int_equal(m.prot, RW);
			break;
		}
	}
}

/*
 * One call changing many pages across tables, a whole 2 MiB leaf and a
 * cut one: x86 one full flush and no INVLPG, EPT one INVEPT.  The same
 * shape with few pages: x86 one INVLPG per page.
 */
static void
test_pmap_inval_one_call(void **state)
{
	struct tctx *t = *state;
	uint64_t base = test_va(0), cut = base + 3 * T_2M;
	unsigned i;

	test_enter_2m(&t->pm, base, test_run2m(0), RW, W);
	for (i = 0; i < 40; i++)
		test_enter(&t->pm, base + T_2M + i * 8 * T_PAGE, test_frame(i), RW, W);
	test_enter(&t->pm, base + 2 * T_2M, test_frame(40), R, R);
	test_enter_2m(&t->pm, cut, test_run2m(1), RW, W);
	test_inval_reset();
	assert_int_equal(pmap_remove(&t->pm, base, cut + 10 * T_PAGE), PMAP_OK);
	assert_int_equal(t->pm.pm_stats.resident_count, 502);
	if (test_is_ept()) {
		assert_int_equal(test_inval.invept, 1);
		assert_int_equal(test_inval.last_eptp, t->pm.pm_hw_root);
		assert_int_equal(test_inval.invlpg + test_inval.invltlb, 0);
	} else {
		assert_int_equal(test_inval.invltlb, 1);
		assert_int_equal(test_inval.invlpg + test_inval.invept, 0);
	}

	/* Three 4 KiB pages in three tables and one whole 2 MiB leaf. */
	base = test_va(4 * T_1G);
	for (i = 0; i < 3; i++)
		test_enter(&t->pm, base + i * T_1G, test_frame(i), RW, W);
	test_enter_2m(&t->pm, base + 3 * T_1G, test_run2m(2), RW, W);
	rec_install(t);
	assert_int_equal(pmap_protect(&t->pm, base, base + 4 * T_1G, R), PMAP_OK);
	if (test_is_ept()) {
		assert_int_equal(test_inval.invept, 1);
		assert_int_equal(test_inval.invlpg + test_inval.invltlb, 0);
	} else {
		unsigned in_2m = 0;

		assert_int_equal(test_inval.invlpg, 4);
		assert_int_equal(test_inval.invltlb + test_inval.invept, 0);
		assert_int_equal(rec.nva, 4);
		for (i = 0; i < 3; i++)
			assert_invlpg_one(base + i * T_1G);
		for (i = 0; i < rec.nva; i++)
			in_2m += rec.va[i] >= base + 3 * T_1G && rec.va[i] < base + 3 * T_1G + T_2M;
		assert_int_equal(in_2m, 1);
	}
	rec_remove(t);
}

/*
 * pmap_release(): one full flush (x86 INVLTLB, EPT INVEPT with its EPTP),
 * however few pages were mapped.
 */
static void
test_pmap_inval_release(void **state)
{
	static const unsigned ns[] = { 0, 1, 3, 40 };
	struct tctx *t = *state;
	struct pmap pm;
	unsigned c, i;

	for (c = 0; c < sizeof(ns) / sizeof(ns[0]); c++) {
		uint64_t eptp;

		assert_int_equal(pmap_pinit(&pm, test_fmt()->type, test_fmt()->flags, t), PMAP_OK);
		eptp = pm.pm_hw_root;
		for (i = 0; i < ns[c]; i++)
			test_enter(&pm, test_va(i * T_1G), test_frame(i), RW, W);
		if (ns[c] > 2)
			test_enter_2m(&pm, test_va(T_512G), test_run2m(0), RW,
			              W | PMAP_ENTER_WIRED);
		test_inval_reset();
		pmap_release(&pm);
		assert_ptr_equal(test_inval.last_pm, &pm);
		if (test_is_ept()) {
			assert_int_equal(test_inval.invept, 1);
			assert_int_equal(test_inval.last_eptp, eptp);
			assert_int_equal(test_inval.invlpg + test_inval.invltlb, 0);
		} else {
			assert_int_equal(test_inval.invltlb, 1);
			assert_int_equal(test_inval.invlpg + test_inval.invept, 0);
		}
		/* Only the fixture's pmap is left. */
		assert_int_equal(t->sp->stats.in_use, 1);
	}
}

/*
 * Tables a call empties are freed after its invalidation, never before:
 * at every flush the simulator's free count is still what it was before
 * the call, and after the call it has grown by the tables freed.
 */
static void
test_pmap_inval_free_after_flush(void **state)
{
	enum op { OP_REMOVE_FEW, OP_REMOVE_MANY, OP_REMOVE_2M, OP_PAGE_PROTECT, OP_RELEASE };
	static const struct {
		const char *name;
		enum op op;
		uint64_t freed; /* tables the call frees */
	} cases[] = {
		{ "remove 3 pages: INVLPG path", OP_REMOVE_FEW, 3 }, /* PT, PD, PDPT */
		{ "remove 40 pages: full flush path", OP_REMOVE_MANY, 3 },
		{ "remove a 2 MiB leaf", OP_REMOVE_2M, 2 }, /* PD, PDPT */
		{ "page protect none", OP_PAGE_PROTECT, 3 },
		{ "release", OP_RELEASE, 4 }, /* PT, PD, PDPT, root */
	};
	struct tctx *t = *state;
	unsigned c, i;

	rec_install(t);
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		/* A PML4 slot of its own, so that the call empties every table below. */
		uint64_t base = test_va(c * T_512G);
		unsigned n = cases[c].op == OP_REMOVE_MANY ? 40 : 3;
		uint64_t frees, ptp, chunks;

		if (cases[c].op == OP_REMOVE_2M) {
			test_enter_2m(&t->pm, base, test_run2m(0), RW, W);
		} else {
			for (i = 0; i < n; i++)
				test_enter(&t->pm, base + i * T_PAGE, test_frame(i), RW, W);
		}
		ptp = t->pm.pm_stats.ptp_count;
		chunks = t->pm.pm_stats.pv_chunks;
		frees = t->sp->stats.frees;
		rec_reset();
		switch (cases[c].op) {
		case OP_REMOVE_FEW:
		case OP_REMOVE_MANY:
			assert_int_equal(pmap_remove(&t->pm, base, base + n * T_PAGE), PMAP_OK);
			break;
		case OP_REMOVE_2M:
			assert_int_equal(pmap_remove(&t->pm, base, base + T_2M), PMAP_OK);
			break;
		case OP_PAGE_PROTECT:
			for (i = 0; i < n; i++)
				pmap_page_protect(test_page(test_frame(i)), VM_PROT_NONE);
			break;
		case OP_RELEASE:
			t->pm_live = false;
			pmap_release(&t->pm);
			break;
		}
		assert_true(rec.calls >= 1);
		assert_int_equal(rec.frees_min, frees);
		assert_int_equal(rec.frees_max, frees);
		if (cases[c].op == OP_RELEASE) {
			assert_int_equal(ptp, cases[c].freed);
			assert_int_equal(t->sp->stats.frees, frees + cases[c].freed + chunks);
			assert_int_equal(t->sp->stats.in_use, 0);
		} else {
			assert_int_equal(ptp - t->pm.pm_stats.ptp_count, cases[c].freed);
			assert_int_equal(t->sp->stats.frees, frees + cases[c].freed);
			assert_int_equal(t->pm.pm_stats.ptp_count, 1);
		}
	}
	rec_remove(t);
}

/*
 * A page mapped by an x86 pmap and an EPT pmap: a page operation
 * invalidates each pmap in its own way, once.
 */
static void
test_pmap_inval_both_formats(void **state)
{
	struct tctx *t = *state;
	struct pmap *x86, *ept;
	uint64_t hpa = test_frame(7), va = test_va(0x5000);
	struct pmap_page *pg = test_page(hpa);

	test_make_other(t);
	x86 = test_is_ept() ? &t->other : &t->pm;
	ept = test_is_ept() ? &t->pm : &t->other;
	test_enter(&t->pm, va, hpa, RW, W);
	test_enter(&t->other, va, hpa, RW, W);
	assert_int_equal(test_inval_total(), 0);
	pmap_page_protect(pg, R);
	assert_int_equal(test_inval.invlpg, 1);
	assert_int_equal(test_inval.last_va, va);
	assert_int_equal(test_inval.invept, 1);
	assert_int_equal(test_inval.last_eptp, ept->pm_hw_root);
	assert_int_equal(test_inval.invltlb, 0);
	assert_int_equal(pmap_page_mapping_count(pg), 2);
	test_inval_reset();
	pmap_page_protect(pg, VM_PROT_NONE);
	assert_int_equal(test_inval.invlpg, 1);
	assert_int_equal(test_inval.invept, 1);
	assert_int_equal(pmap_page_mapping_count(pg), 0);
	assert_int_equal(x86->pm_stats.ptp_count, 1);
	assert_int_equal(ept->pm_stats.ptp_count, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pmap_inval_batch, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_inval_2m_leaf, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_inval_none, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_inval_one_change, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_inval_one_call, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_inval_release, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_inval_free_after_flush, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_inval_both_formats, test_setup,
		                                test_teardown),
	};

	return TEST_RUN(tests);
}
