/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_range-test.c - pmap_remove(), pmap_protect() and pmap_unwire() over
 * [sva, eva): counts, pv lists, A/D handed to the pages, tables freed,
 * superpages cut at either end or in the middle, sparse and empty ranges,
 * the raw bits each format changes, bad ranges and running out of pages.
 */
#include <stdio.h>

#include "tests/pmap/pmap_test.h"

#define R      VM_PROT_READ
#define W      VM_PROT_WRITE
#define X      VM_PROT_EXECUTE
#define RW     (VM_PROT_READ | VM_PROT_WRITE)
#define RX     (VM_PROT_READ | VM_PROT_EXECUTE)
#define DIRTY  PMAP_PAGE_DIRTY
#define REF    PMAP_PAGE_REFERENCED
#define T_1G   (1ul << 30)
#define T_512G (1ul << 39)
#define PS_BIT (1ul << 7) /* PS in a PDE: bit 7 in both formats */

/*
 * The bits of the format under test that a right or a state lives in
 * (the table at the top of pmap_formats.c; SDM 3A 4.5, 3C 29.3.2).
 */
struct fmt_bits {
	pmap_pte_t write;  /* what losing write clears */
	pmap_pte_t dirty;  /* modified */
	pmap_pte_t wired;  /* software wired bit */
	pmap_pte_t nx_set; /* what losing execute sets (x86 XD) */
	pmap_pte_t x_clr;  /* what losing execute clears (EPT X) */
};

static const struct fmt_bits *
fmt_bits(void)
{
	static const struct fmt_bits x86 = { X86_PG_RW, X86_PG_M, X86_PG_AVAIL1, X86_PG_NX, 0 };
	static const struct fmt_bits ept = { EPT_PG_WRITE, EPT_PG_M, EPT_PG_AVAIL1, 0,
		                             EPT_PG_EXECUTE };
	/* Emulated A/D: soft RW is the right, the W permission is "dirty". */
	static const struct fmt_bits emul = { EPT_PG_EMUL_RW, EPT_PG_WRITE, EPT_PG_AVAIL1, 0,
		                              EPT_PG_EXECUTE };

	if (!test_is_ept())
		return &x86;
	return test_is_emul() ? &emul : &ept;
}

/* What losing write and/or execute does to a leaf of the format under test. */
static pmap_pte_t
drop_rights(pmap_pte_t pte, bool write, bool exec)
{
	const struct fmt_bits *b = fmt_bits();

	if (write)
		pte &= ~(b->write | b->dirty);
	if (exec)
		pte = (pte & ~b->x_clr) | b->nx_set;
	return pte;
}

/*
 * The 4 KiB entry @i of a demoted 2 MiB leaf @pde: the same entry without
 * PS, the frame advanced, and on x86 the PAT bit moved from bit 12 (PDE)
 * to bit 7 (PTE), SDM 3A tables 4-18 and 4-19.
 */
static pmap_pte_t
demoted_pte(pmap_pte_t pde, unsigned i)
{
	pmap_pte_t pte = pde & ~PS_BIT;

	if (!test_is_ept() && (pde & X86_PG_PDE_PAT) != 0)
		pte = (pte & ~X86_PG_PDE_PAT) | X86_PG_PTE_PAT;
	return pte + (uint64_t)i * T_PAGE;
}

static unsigned
pv_len(const struct pmap_pv *pv)
{
	unsigned n = 0;

	for (; pv != NULL; pv = pv->pv_next)
		n++;
	return n;
}

/* @hpa is mapped by exactly one 4 KiB leaf: @pm at @va. */
static void
assert_pv_one(struct pmap *pm, uint64_t hpa, uint64_t va)
{
	struct pmap_page *pg = test_page(hpa);

	assert_int_equal(pv_len(pg->pv_list), 1);
	assert_ptr_equal(pg->pv_list->pv_pmap, pm);
	assert_int_equal(pg->pv_list->pv_va, va);
}

static pmap_pte_t
leaf_at(struct pmap *pm, uint64_t va, int want_level)
{
	int level;
	pmap_pte_t pte = test_leaf(pm, va, &level);

	assert_int_not_equal(pte, 0);
	assert_int_equal(level, want_level);
	return pte;
}

/* Removing 4 KiB leaves: counts, pv lists, A/D to the pages, tables freed. */
static void
test_pmap_range_remove_4k(void **state)
{
	static const struct {
		vm_prot_t prot;
		uint32_t flags;
		bool clear_ref; /* pmap_ts_referenced() before the remove */
		uint32_t want;  /* page flags after the remove */
	} pages[] = {
		{ R, R, false, REF },
		{ RW, W | PMAP_ENTER_WIRED, false, DIRTY | REF },
		{ RW, R, false, REF },
		{ R, R, true, 0 },
		{ VM_PROT_ALL, W | PMAP_ENTER_WIRED, false, DIRTY | REF },
		{ RX, R, false, REF },
		{ RW, PMAP_ENTER_UNMANAGED, false, 0 }, /* modified, but nobody counts it */
		{ R, R, false, 0 },                     /* outside the range: stays */
	};
	struct tctx *t = *state;
	const unsigned n = sizeof(pages) / sizeof(pages[0]);
	uint64_t in_use0 = t->sp->stats.in_use, frees;
	unsigned i;

	assert_int_equal(in_use0, 1); /* the root */
	for (i = 0; i < n; i++) {
		test_enter(&t->pm, test_va(i * T_PAGE), test_frame(i), pages[i].prot,
		           pages[i].flags);
		if (pages[i].clear_ref)
			assert_int_equal(pmap_ts_referenced(test_page(test_frame(i))), 1);
		assert_int_equal(test_page(test_frame(i))->flags, 0);
	}
	assert_int_equal(t->pm.pm_stats.resident_count, n);
	assert_int_equal(t->pm.pm_stats.wired_count, 2);
	assert_int_equal(t->pm.pm_stats.pv_used, n - 1);
	assert_int_equal(t->pm.pm_stats.ptp_count, 4); /* root, PDPT, PD, PT */

	assert_int_equal(pmap_remove(&t->pm, test_va(0), test_va((n - 1) * T_PAGE)), PMAP_OK);
	assert_int_equal(t->pm.pm_stats.resident_count, 1);
	assert_int_equal(t->pm.pm_stats.wired_count, 0);
	assert_int_equal(t->pm.pm_stats.pv_used, 1);
	assert_int_equal(t->pm.pm_stats.ptp_count, 4); /* the PT still holds the last page */
	for (i = 0; i < n - 1; i++) {
		assert_int_equal(test_leaf(&t->pm, test_va(i * T_PAGE), NULL), 0);
		assert_null(test_page(test_frame(i))->pv_list);
		assert_int_equal(test_page(test_frame(i))->flags, pages[i].want);
	}
	assert_pv_one(&t->pm, test_frame(n - 1), test_va((n - 1) * T_PAGE));
	assert_int_equal(test_page(test_frame(n - 1))->flags, 0);

	/* The last page empties PT, PD and PDPT: all three go back. */
	frees = t->sp->stats.frees;
	assert_int_equal(pmap_remove(&t->pm, test_va((n - 1) * T_PAGE), test_va(n * T_PAGE)),
	                 PMAP_OK);
	assert_int_equal(t->pm.pm_stats.resident_count, 0);
	assert_int_equal(t->pm.pm_stats.pv_used, 0);
	assert_int_equal(t->pm.pm_stats.ptp_count, 1);
	assert_int_equal(t->sp->stats.frees, frees + 3);
	assert_int_equal(test_page(test_frame(n - 1))->flags, REF);
	/* Left: the root and the pv chunk (chunks stay until release). */
	assert_int_equal(t->pm.pm_stats.pv_chunks, 1);
	assert_int_equal(t->sp->stats.in_use, in_use0 + 1);
}

/* A range covering a whole 2 MiB leaf removes it as it is: no demotion. */
static void
test_pmap_range_remove_whole_2m(void **state)
{
	static const struct {
		const char *name;
		int64_t lo, hi; /* range in pages from the leaf's base */
	} cases[] = {
		{ "exact", 0, 512 },
		{ "wider", -1, 513 },
		{ "from far below", -1024, 512 },
	};
	struct tctx *t = *state;
	unsigned c, i;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint64_t base = test_va((2 * c + 1) * T_1G), hpa = test_run2m(c);
		uint64_t ptp, allocs, resident, wired, pv;

		test_enter_2m(&t->pm, base, hpa, RW, W | PMAP_ENTER_WIRED);
		/* A page in the same PD keeps the PD alive. */
		test_enter(&t->pm, base + 4 * T_2M, test_frame(c), R, R);
		ptp = t->pm.pm_stats.ptp_count;
		allocs = t->sp->stats.allocs;
		resident = t->pm.pm_stats.resident_count;
		wired = t->pm.pm_stats.wired_count;
		pv = t->pm.pm_stats.pv_used;
		assert_non_null(test_page(hpa)->pv_list_2m);

		assert_int_equal(pmap_remove(&t->pm, base + cases[c].lo * (int64_t)T_PAGE,
		                             base + cases[c].hi * (int64_t)T_PAGE),
		                 PMAP_OK);
		assert_int_equal(t->pm.pm_stats.ptp_count, ptp);
		assert_int_equal(t->sp->stats.allocs, allocs);
		assert_int_equal(t->pm.pm_stats.resident_count, resident - 512);
		assert_int_equal(t->pm.pm_stats.wired_count, wired - 512);
		assert_int_equal(t->pm.pm_stats.pv_used, pv - 1);
		assert_null(test_page(hpa)->pv_list_2m);
		for (i = 0; i < 512; i++) {
			struct pmap_page *pg = test_page(hpa + i * T_PAGE);

			assert_int_equal(test_leaf(&t->pm, base + i * T_PAGE, NULL), 0);
			assert_null(pg->pv_list);
			assert_int_equal(pg->flags, DIRTY | REF);
		}
		assert_pv_one(&t->pm, test_frame(c), base + 4 * T_2M);
	}
}

/*
 * A range cutting a 2 MiB leaf demotes it: the pages outside keep frame,
 * rights, memory type, A/D and wired, now as 4 KiB leaves with their pv.
 */
static void
test_pmap_range_remove_cut_2m(void **state)
{
	static const struct {
		const char *name;
		int64_t lo, hi; /* range in pages from the leaf's base */
		enum pmap_memattr ma;
	} cases[] = {
		{ "start", 0, 3, PMAP_MA_WT },        { "end", 509, 512, PMAP_MA_WC },
		{ "middle", 100, 200, PMAP_MA_WT },   { "from below", -5, 1, PMAP_MA_WC },
		{ "to above", 511, 515, PMAP_MA_WB }, { "all but one", 1, 512, PMAP_MA_UC },
	};
	struct tctx *t = *state;
	unsigned c, i;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint64_t base = test_va((c + 1) * 4 * T_2M), hpa = test_run2m(c);
		int64_t lo = cases[c].lo < 0 ? 0 : cases[c].lo;
		int64_t hi = cases[c].hi > 512 ? 512 : cases[c].hi;
		uint64_t k = (uint64_t)(hi - lo), ptp, resident, wired, pv;
		pmap_pte_t pde;

		assert_int_equal(pmap_enter(&t->pm, base, hpa, RW, W | PMAP_ENTER_WIRED,
		                            cases[c].ma, PMAP_LEVEL_2M),
		                 PMAP_OK);
		pde = leaf_at(&t->pm, base, PMAP_LEVEL_2M);
		ptp = t->pm.pm_stats.ptp_count;
		resident = t->pm.pm_stats.resident_count;
		wired = t->pm.pm_stats.wired_count;
		pv = t->pm.pm_stats.pv_used;

		assert_int_equal(pmap_remove(&t->pm, base + cases[c].lo * (int64_t)T_PAGE,
		                             base + cases[c].hi * (int64_t)T_PAGE),
		                 PMAP_OK);
		assert_int_equal(t->pm.pm_stats.ptp_count, ptp + 1);
		assert_int_equal(t->pm.pm_stats.resident_count, resident - k);
		assert_int_equal(t->pm.pm_stats.wired_count, wired - k);
		assert_int_equal(t->pm.pm_stats.pv_used, pv - 1 + (512 - k));
		assert_null(test_page(hpa)->pv_list_2m);
		for (i = 0; i < 512; i++) {
			uint64_t va = base + i * T_PAGE;
			struct pmap_page *pg = test_page(hpa + i * T_PAGE);
			struct pmap_mapping m;

			if ((int64_t)i >= lo && (int64_t)i < hi) {
				assert_int_equal(test_leaf(&t->pm, va, NULL), 0);
				assert_null(pg->pv_list);
				assert_int_equal(pg->flags, DIRTY | REF);
				continue;
			}
			assert_int_equal(leaf_at(&t->pm, va, PMAP_LEVEL_4K), demoted_pte(pde, i));
			assert_true(pmap_lookup(&t->pm, va, &m));
			assert_int_equal(m.hpa, hpa + i * T_PAGE);
			assert_int_equal(m.prot, RW);
			assert_int_equal(m.memattr, cases[c].ma);
			assert_true(m.accessed && m.modified && m.wired && m.managed);
			assert_pv_one(&t->pm, hpa + i * T_PAGE, va);
			assert_int_equal(pg->flags, 0);
		}
	}
}

/*
 * One range cutting two 2 MiB leaves, either side of a 1 GiB boundary (two
 * PDs): both are demoted in one call; a managed and an unmanaged leaf.
 */
static void
test_pmap_range_remove_cut_two(void **state)
{
	struct tctx *t = *state;
	uint64_t lo_base = test_va(T_1G - T_2M), hi_base = test_va(T_1G);
	uint64_t lo_hpa = test_run2m(0), hi_hpa = test_run2m(1), ptp;
	pmap_pte_t lo_pde, hi_pde;
	unsigned i;

	test_enter_2m(&t->pm, lo_base, lo_hpa, RW, W);
	test_enter_2m(&t->pm, hi_base, hi_hpa, RW, PMAP_ENTER_UNMANAGED);
	lo_pde = leaf_at(&t->pm, lo_base, PMAP_LEVEL_2M);
	hi_pde = leaf_at(&t->pm, hi_base, PMAP_LEVEL_2M);
	ptp = t->pm.pm_stats.ptp_count;
	assert_int_equal(t->pm.pm_stats.pv_used, 1);

	assert_int_equal(pmap_remove(&t->pm, lo_base + 500 * T_PAGE, hi_base + 12 * T_PAGE),
	                 PMAP_OK);
	assert_int_equal(t->pm.pm_stats.ptp_count, ptp + 2);
	assert_int_equal(t->pm.pm_stats.resident_count, 1024 - 12 - 12);
	assert_int_equal(t->pm.pm_stats.pv_used, 500); /* the unmanaged leaf has none */
	assert_null(test_page(lo_hpa)->pv_list_2m);
	for (i = 0; i < 512; i++) {
		struct pmap_page *lo_pg = test_page(lo_hpa + i * T_PAGE);
		struct pmap_page *hi_pg = test_page(hi_hpa + i * T_PAGE);

		if (i < 500) {
			assert_int_equal(leaf_at(&t->pm, lo_base + i * T_PAGE, PMAP_LEVEL_4K),
			                 demoted_pte(lo_pde, i));
			assert_pv_one(&t->pm, lo_hpa + i * T_PAGE, lo_base + i * T_PAGE);
			assert_int_equal(lo_pg->flags, 0);
		} else {
			assert_int_equal(test_leaf(&t->pm, lo_base + i * T_PAGE, NULL), 0);
			assert_null(lo_pg->pv_list);
			assert_int_equal(lo_pg->flags, DIRTY | REF);
		}
		if (i < 12)
			assert_int_equal(test_leaf(&t->pm, hi_base + i * T_PAGE, NULL), 0);
		else
			assert_int_equal(leaf_at(&t->pm, hi_base + i * T_PAGE, PMAP_LEVEL_4K),
			                 demoted_pte(hi_pde, i));
		assert_null(hi_pg->pv_list);
		assert_int_equal(hi_pg->flags, 0);
	}
}

/*
 * Sparse mappings around the 512 GiB boundary (PML4 0 -> 1) and several
 * 1 GiB boundaries: missing tables are skipped, emptied ones freed, and
 * nothing outside [sva, eva) is touched.
 */
static void
test_pmap_range_remove_sparse(void **state)
{
	struct tctx *t = *state;
	const uint64_t b = T_512G;
	const uint64_t a_va = b - 2 * T_2M, b_va = b - T_PAGE;
	const uint64_t c_va = b + T_1G + 5 * T_PAGE, d_va = b + 3 * T_1G, e_va = b + 4 * T_1G;
	uint64_t frees;

	test_enter(&t->pm, a_va, test_frame(0), RW, W); /* outside, below */
	test_enter(&t->pm, b_va, test_frame(1), RW, W);
	test_enter(&t->pm, c_va, test_frame(2), R, R);
	test_enter_2m(&t->pm, d_va, test_run2m(0), R, R);
	test_enter(&t->pm, e_va, test_frame(3), R, R); /* outside: at eva */
	/*
	 * root; PML4[0]: PDPT, PD, PT(a), PT(b); PML4[1]: PDPT, PD+PT(c),
	 * PD(d, a 2 MiB leaf), PD+PT(e).
	 */
	assert_int_equal(t->pm.pm_stats.ptp_count, 11);
	assert_int_equal(t->pm.pm_stats.resident_count, 4 + 512);

	frees = t->sp->stats.frees;
	assert_int_equal(pmap_remove(&t->pm, b - T_2M, e_va), PMAP_OK);
	/* Gone: PT(b), PD+PT(c), PD(d). */
	assert_int_equal(t->pm.pm_stats.ptp_count, 7);
	assert_int_equal(t->sp->stats.frees, frees + 4);
	assert_int_equal(t->pm.pm_stats.resident_count, 2);
	assert_int_equal(t->pm.pm_stats.pv_used, 2);
	assert_int_equal(test_leaf(&t->pm, b_va, NULL), 0);
	assert_int_equal(test_leaf(&t->pm, c_va, NULL), 0);
	assert_int_equal(test_leaf(&t->pm, d_va, NULL), 0);
	assert_int_not_equal(test_leaf(&t->pm, a_va, NULL), 0);
	assert_int_not_equal(test_leaf(&t->pm, e_va, NULL), 0);
	assert_int_equal(test_page(test_frame(1))->flags, DIRTY | REF);
	assert_int_equal(test_page(test_frame(2))->flags, REF);
	assert_int_equal(test_page(test_run2m(0) + 511 * T_PAGE)->flags, REF);
	assert_int_equal(test_page(test_frame(0))->flags, 0);
	assert_int_equal(test_page(test_frame(3))->flags, 0);

	assert_int_equal(pmap_remove(&t->pm, a_va, e_va + T_PAGE), PMAP_OK);
	assert_int_equal(t->pm.pm_stats.ptp_count, 1);
	assert_int_equal(t->pm.pm_stats.resident_count, 0);
	assert_int_equal(t->sp->stats.frees, frees + 10);
}

/*
 * The walk skips eight invalid entries of a table at a time (aligned
 * blocks): ranges starting and ending inside and at the edges of such
 * blocks remove exactly the leaves they cover, in one page table whose
 * leaves sit at the ends of blocks.
 */
static void
test_pmap_range_remove_blocks(void **state)
{
	static const unsigned idx[] = { 0, 7, 8, 15, 16, 23, 500, 511 };
	static const struct {
		unsigned first, end; /* [first, end) in pages of the table */
	} cases[] = {
		{ 1, 7 },  { 7, 8 },    { 0, 16 },   { 8, 9 },
		{ 9, 24 }, { 17, 511 }, { 24, 500 }, { 0, 512 },
	};
	const size_t n = sizeof(idx) / sizeof(idx[0]);
	struct tctx *t = *state;
	uint64_t base = test_va(0);
	size_t c, i;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		unsigned first = cases[c].first, end = cases[c].end, left = 0;

		for (i = 0; i < n; i++)
			test_enter(&t->pm, base + idx[i] * T_PAGE, test_frame(i), R, R);
		assert_int_equal(pmap_remove(&t->pm, base + first * T_PAGE, base + end * T_PAGE),
		                 PMAP_OK);
		for (i = 0; i < n; i++) {
			bool gone = idx[i] >= first && idx[i] < end;
			pmap_pte_t pte = test_leaf(&t->pm, base + idx[i] * T_PAGE, NULL);

			if ((pte == 0) != gone)
				fail_msg("case [%u, %u): page %u pte=%#lx, expected %s", first, end,
				         idx[i], pte, gone ? "removed" : "kept");
			left += gone ? 0 : 1;
		}
		assert_int_equal(t->pm.pm_stats.resident_count, left);
		assert_int_equal(t->pm.pm_stats.ptp_count, left != 0 ? 4 : 1);
		assert_int_equal(pmap_remove(&t->pm, base, base + T_2M), PMAP_OK);
	}
}

/* A range with nothing mapped in it changes nothing, allocates and flushes nothing. */
static void
test_pmap_range_remove_empty(void **state)
{
	struct tctx *t = *state;
	uint64_t top = test_is_ept() ? PMAP_GPA_LIMIT : PMAP_USER_MAX;
	struct test_snapshot before, after;
	uint64_t allocs = t->sp->stats.allocs;

	/* An empty pmap, its whole space. */
	test_snapshot(&t->pm, &before);
	assert_int_equal(pmap_remove(&t->pm, 0, top), PMAP_OK);
	if (!test_is_ept()) /* the kernel half, eva 0 being the top of the space */
		assert_int_equal(pmap_remove(&t->pm, PMAP_KERNEL_MIN, 0), PMAP_OK);
	assert_int_equal(pmap_protect(&t->pm, 0, top, R), PMAP_OK);
	assert_int_equal(pmap_unwire(&t->pm, 0, top), PMAP_OK);
	test_snapshot(&t->pm, &after);
	test_assert_snapshot(&before, &after);
	assert_int_equal(t->pm.pm_stats.ptp_count, 1);

	/* Holes between mappings, inside and across tables. */
	test_enter(&t->pm, test_va(0), test_frame(0), RW, W | PMAP_ENTER_WIRED);
	test_enter_2m(&t->pm, test_va(T_1G), test_run2m(0), RW, W | PMAP_ENTER_WIRED);
	test_enter(&t->pm, test_va(4 * T_1G), test_frame(1), RW, W | PMAP_ENTER_WIRED);
	allocs = t->sp->stats.allocs;
	test_inval_reset();
	test_snapshot(&t->pm, &before);
	assert_int_equal(pmap_remove(&t->pm, test_va(T_PAGE), test_va(T_1G)), PMAP_OK);
	assert_int_equal(pmap_remove(&t->pm, test_va(T_1G + T_2M), test_va(4 * T_1G)), PMAP_OK);
	assert_int_equal(pmap_protect(&t->pm, test_va(T_PAGE), test_va(T_1G), R), PMAP_OK);
	assert_int_equal(pmap_unwire(&t->pm, test_va(T_1G + T_2M), test_va(4 * T_1G)), PMAP_OK);
	/* [va, va) at a mapped page is empty, not the whole space wrapped around. */
	assert_int_equal(pmap_remove(&t->pm, test_va(0), test_va(0)), PMAP_OK);
	assert_int_equal(pmap_protect(&t->pm, test_va(T_1G), test_va(T_1G), R), PMAP_OK);
	assert_int_equal(pmap_unwire(&t->pm, test_va(0), test_va(0)), PMAP_OK);
	test_snapshot(&t->pm, &after);
	test_assert_snapshot(&before, &after);
	assert_int_equal(t->sp->stats.allocs, allocs);
	assert_int_equal(test_inval_total(), 0);
}

/*
 * The ends of the address space: x86's user half ends at 2^47 and its
 * kernel half at 2^64 (eva 0); EPT's space is one, to 2^48, and a range
 * may run across 2^47 there.
 */
static void
test_pmap_range_remove_space_ends(void **state)
{
	struct tctx *t = *state;

	test_enter(&t->pm, PMAP_USER_MAX - T_PAGE, test_frame(0), R, R);
	if (test_is_ept()) {
		test_enter(&t->pm, PMAP_USER_MAX, test_frame(1), R, R);
		test_enter(&t->pm, PMAP_GPA_LIMIT - T_PAGE, test_frame(2), R, R);
		assert_int_equal(
		    pmap_remove(&t->pm, PMAP_USER_MAX - T_PAGE, PMAP_USER_MAX + T_PAGE), PMAP_OK);
		assert_int_equal(t->pm.pm_stats.resident_count, 1);
		assert_int_equal(pmap_remove(&t->pm, PMAP_GPA_LIMIT - T_2M, PMAP_GPA_LIMIT),
		                 PMAP_OK);
	} else {
		test_enter(&t->pm, PMAP_KERNEL_MIN, test_frame(1), R, 0);
		test_enter(&t->pm, 0ul - T_PAGE, test_frame(2), R, 0);
		assert_int_equal(pmap_remove(&t->pm, PMAP_USER_MAX - T_2M, PMAP_USER_MAX), PMAP_OK);
		assert_int_equal(t->pm.pm_stats.resident_count, 2);
		assert_int_equal(pmap_remove(&t->pm, 0ul - T_2M, 0), PMAP_OK);
		assert_int_equal(t->pm.pm_stats.resident_count, 1);
		assert_int_not_equal(test_leaf(&t->pm, PMAP_KERNEL_MIN, NULL), 0);
		assert_int_equal(pmap_remove(&t->pm, PMAP_KERNEL_MIN, 0), PMAP_OK);
	}
	assert_int_equal(t->pm.pm_stats.resident_count, 0);
	assert_int_equal(t->pm.pm_stats.ptp_count, 1);
}

/* Misaligned, reversed and (x86) half-crossing ranges panic, changing nothing. */
static void
test_pmap_range_bad_ranges(void **state)
{
	static const struct {
		const char *name;
		uint64_t sva, eva;
		bool x86_only;
	} cases[] = {
		{ "misaligned sva", 0x0000004000000010ul, 0x0000004000001000ul, false },
		{ "misaligned eva", 0x0000004000000000ul, 0x0000004000001800ul, false },
		{ "reversed", 0x0000004000002000ul, 0x0000004000001000ul, false },
		{ "user into kernel", PMAP_USER_MAX - T_PAGE, PMAP_KERNEL_MIN + T_PAGE, true },
	};
	struct tctx *t = *state;
	struct test_snapshot before, after;
	char msg[128];
	unsigned c;

	assert_int_equal(test_va(0), 0x0000004000000000ul);
	test_enter(&t->pm, test_va(0), test_frame(0), RW, W | PMAP_ENTER_WIRED);
	test_enter(&t->pm, test_va(T_PAGE), test_frame(1), RW, W | PMAP_ENTER_WIRED);
	test_snapshot(&t->pm, &before);
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		if (cases[c].x86_only && test_is_ept())
			continue;
		snprintf(msg, sizeof(msg), "pmap_remove: bad range sva=%#lx", cases[c].sva);
		expect_panic(pmap_remove(&t->pm, cases[c].sva, cases[c].eva), msg);
		snprintf(msg, sizeof(msg), "pmap_protect: bad range sva=%#lx", cases[c].sva);
		expect_panic(pmap_protect(&t->pm, cases[c].sva, cases[c].eva, R), msg);
		snprintf(msg, sizeof(msg), "pmap_unwire: bad range sva=%#lx", cases[c].sva);
		expect_panic(pmap_unwire(&t->pm, cases[c].sva, cases[c].eva), msg);
		test_snapshot(&t->pm, &after);
		test_assert_snapshot(&before, &after);
	}
}

/*
 * pmap_protect() on one 4 KiB leaf, per format: which raw bits go (or,
 * x86 XD, come), the rights read back, the dirty state handed to the page.
 * A right is never added.
 */
static void
test_pmap_range_protect_raw(void **state)
{
	struct want {
		pmap_pte_t clear, set;
		vm_prot_t prot;
	};
	static const struct {
		const char *name;
		vm_prot_t prot;
		uint32_t flags; /* access at enter: W makes it dirty */
		vm_prot_t to;
		struct want x86, ept, emul;
		uint32_t page_flags;
	} cases[] = {
		{ "rw dirty to r",
		  RW,
		  W,
		  R,
		  { X86_PG_RW | X86_PG_M, 0, R },
		  { EPT_PG_WRITE | EPT_PG_M, 0, R },
		  { EPT_PG_EMUL_RW | EPT_PG_WRITE, 0, R },
		  DIRTY },
		{ "rw clean to r by rx",
		  RW,
		  R,
		  RX,
		  { X86_PG_RW, 0, R },
		  { EPT_PG_WRITE, 0, R },
		  { EPT_PG_EMUL_RW, 0, R },
		  0 },
		{ "rwx to rw: no execute",
		  VM_PROT_ALL,
		  R,
		  RW,
		  { 0, X86_PG_NX, RW },
		  { EPT_PG_EXECUTE, 0, RW },
		  { EPT_PG_EXECUTE, 0, RW },
		  0 },
		{ "rwx dirty to rx",
		  VM_PROT_ALL,
		  W,
		  RX,
		  { X86_PG_RW | X86_PG_M, 0, RX },
		  { EPT_PG_WRITE | EPT_PG_M, 0, RX },
		  { EPT_PG_EMUL_RW | EPT_PG_WRITE, 0, RX },
		  DIRTY },
		/*
		 * x86 cannot drop R while X stays; EPT with execute-only can
		 * (XWR=100); emulated A/D keeps R, which is "accessed" there.
		 */
		{ "rwx to x",
		  VM_PROT_ALL,
		  R,
		  X,
		  { X86_PG_RW, 0, RX },
		  { EPT_PG_READ | EPT_PG_WRITE, 0, X },
		  { EPT_PG_EMUL_RW, 0, RX },
		  0 },
		{ "rx to r",
		  RX,
		  R,
		  RW,
		  { 0, X86_PG_NX, R },
		  { EPT_PG_EXECUTE, 0, R },
		  { EPT_PG_EXECUTE, 0, R },
		  0 },
		{ "r stays r under rw", R, R, RW, { 0, 0, R }, { 0, 0, R }, { 0, 0, R }, 0 },
		{ "r stays r under rx", R, R, RX, { 0, 0, R }, { 0, 0, R }, { 0, 0, R }, 0 },
		{ "rw dirty under all",
		  RW,
		  W,
		  VM_PROT_ALL,
		  { 0, 0, RW },
		  { 0, 0, RW },
		  { 0, 0, RW },
		  0 },
		{ "rx under rwx", RX, R, VM_PROT_ALL, { 0, 0, RX }, { 0, 0, RX }, { 0, 0, RX }, 0 },
	};
	struct tctx *t = *state;
	unsigned c;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct want *w = !test_is_ept()   ? &cases[c].x86
		                       : test_is_emul() ? &cases[c].emul
		                                        : &cases[c].ept;
		uint64_t va = test_va(c * T_PAGE), hpa = test_frame(c);
		pmap_pte_t before, after;
		struct pmap_mapping m;
		bool changed = (w->clear | w->set) != 0;

		test_enter(&t->pm, va, hpa, cases[c].prot, cases[c].flags);
		before = leaf_at(&t->pm, va, PMAP_LEVEL_4K);
		/* The bits the row clears are there to clear. */
		assert_int_equal(before & w->clear, w->clear);
		assert_int_equal(before & w->set, 0);
		test_inval_reset();
		assert_int_equal(pmap_protect(&t->pm, va, va + T_PAGE, cases[c].to), PMAP_OK);
		after = leaf_at(&t->pm, va, PMAP_LEVEL_4K);
		assert_int_equal(after, (before & ~w->clear) | w->set);
		assert_true(pmap_lookup(&t->pm, va, &m));
		assert_int_equal(m.prot, w->prot);
		assert_int_equal(test_page(hpa)->flags, cases[c].page_flags);
		assert_int_equal(test_inval_total(), changed ? 1 : 0);
		assert_int_equal(t->pm.pm_stats.resident_count, c + 1);
		assert_pv_one(&t->pm, hpa, va);
	}
}

/* Protect without read or execute removes the range, as pmap_remove() would. */
static void
test_pmap_range_protect_removes(void **state)
{
	static const vm_prot_t tos[] = { VM_PROT_NONE, W };
	struct tctx *t = *state;
	unsigned c, i;

	for (c = 0; c < sizeof(tos) / sizeof(tos[0]); c++) {
		for (i = 0; i < 3; i++)
			test_enter(&t->pm, test_va(i * T_PAGE), test_frame(3 * c + i), VM_PROT_ALL,
			           i == 0 ? W | PMAP_ENTER_WIRED : R);
		test_enter_2m(&t->pm, test_va(T_2M), test_run2m(c), RW, W);
		assert_int_equal(t->pm.pm_stats.resident_count, 3 + 512);
		assert_int_equal(pmap_protect(&t->pm, test_va(0), test_va(2 * T_2M), tos[c]),
		                 PMAP_OK);
		assert_int_equal(t->pm.pm_stats.resident_count, 0);
		assert_int_equal(t->pm.pm_stats.wired_count, 0);
		assert_int_equal(t->pm.pm_stats.pv_used, 0);
		assert_int_equal(t->pm.pm_stats.ptp_count, 1);
		for (i = 0; i < 3; i++) {
			assert_null(test_page(test_frame(3 * c + i))->pv_list);
			assert_int_equal(test_page(test_frame(3 * c + i))->flags,
			                 i == 0 ? DIRTY | REF : REF);
		}
		assert_null(test_page(test_run2m(c))->pv_list_2m);
		assert_int_equal(test_page(test_run2m(c) + 77 * T_PAGE)->flags, DIRTY | REF);
	}
}

/*
 * Protect over a 2 MiB leaf: a cut demotes it and only the pages in the
 * range lose rights (and hand their dirty state over); a range covering
 * the whole leaf changes it in place.
 */
static void
test_pmap_range_protect_cut_2m(void **state)
{
	static const struct {
		const char *name;
		unsigned lo, hi; /* pages from the leaf's base */
		vm_prot_t to;
	} cases[] = {
		{ "start to r", 0, 16, R },   { "end no execute", 500, 512, RW },
		{ "middle to r", 10, 20, R }, { "middle to rx", 256, 257, RX },
		{ "whole to r", 0, 512, R },  { "whole no execute", 0, 512, RW },
	};
	struct tctx *t = *state;
	unsigned c, i;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint64_t base = test_va((c + 1) * 4 * T_2M), hpa = test_run2m(c);
		bool whole = cases[c].lo == 0 && cases[c].hi == 512;
		bool dw = (cases[c].to & W) == 0, dx = (cases[c].to & X) == 0;
		uint64_t ptp, pv;
		pmap_pte_t pde;

		assert_int_equal(pmap_enter(&t->pm, base, hpa, VM_PROT_ALL, W | PMAP_ENTER_WIRED,
		                            PMAP_MA_WT, PMAP_LEVEL_2M),
		                 PMAP_OK);
		pde = leaf_at(&t->pm, base, PMAP_LEVEL_2M);
		ptp = t->pm.pm_stats.ptp_count;
		pv = t->pm.pm_stats.pv_used;
		test_inval_reset();
		assert_int_equal(pmap_protect(&t->pm, base + cases[c].lo * T_PAGE,
		                              base + cases[c].hi * T_PAGE, cases[c].to),
		                 PMAP_OK);
		assert_int_not_equal(test_inval_total(), 0);
		assert_int_equal(t->pm.pm_stats.wired_count, 512 * (c + 1));
		assert_int_equal(t->pm.pm_stats.resident_count, 512 * (c + 1));
		if (whole) {
			assert_int_equal(leaf_at(&t->pm, base, PMAP_LEVEL_2M),
			                 drop_rights(pde, dw, dx));
			assert_int_equal(t->pm.pm_stats.ptp_count, ptp);
			assert_int_equal(t->pm.pm_stats.pv_used, pv);
			assert_non_null(test_page(hpa)->pv_list_2m);
		} else {
			assert_int_equal(t->pm.pm_stats.ptp_count, ptp + 1);
			assert_int_equal(t->pm.pm_stats.pv_used, pv - 1 + 512);
			assert_null(test_page(hpa)->pv_list_2m);
		}
		for (i = 0; i < 512; i++) {
			uint64_t va = base + i * T_PAGE;
			bool in = i >= cases[c].lo && i < cases[c].hi;

			if (!whole) {
				assert_int_equal(leaf_at(&t->pm, va, PMAP_LEVEL_4K),
				                 in ? drop_rights(demoted_pte(pde, i), dw, dx)
				                    : demoted_pte(pde, i));
				assert_pv_one(&t->pm, hpa + i * T_PAGE, va);
			}
			assert_int_equal(test_page(hpa + i * T_PAGE)->flags, in && dw ? DIRTY : 0);
		}
	}
}

/* Protect with every right, or with more than a leaf has, changes nothing. */
static void
test_pmap_range_protect_never_adds(void **state)
{
	static const vm_prot_t tos[] = { VM_PROT_ALL, RW, RX };
	struct tctx *t = *state;
	struct test_snapshot before, after;
	struct pmap_mapping m;
	unsigned c;

	test_enter(&t->pm, test_va(0), test_frame(0), R, R);
	test_enter_2m(&t->pm, test_va(T_2M), test_run2m(0), R, R);
	test_enter(&t->pm, test_va(2 * T_2M), test_frame(1), R, PMAP_ENTER_WIRED);
	test_snapshot(&t->pm, &before);
	for (c = 0; c < sizeof(tos) / sizeof(tos[0]); c++) {
		test_inval_reset();
		assert_int_equal(pmap_protect(&t->pm, test_va(0), test_va(3 * T_2M), tos[c]),
		                 PMAP_OK);
		assert_int_equal(test_inval_total(), 0);
		test_snapshot(&t->pm, &after);
		test_assert_snapshot(&before, &after);
	}
	/* A writable dirty page under VM_PROT_ALL stays so. */
	test_enter(&t->pm, test_va(3 * T_2M), test_frame(2), VM_PROT_ALL, W);
	assert_int_equal(pmap_protect(&t->pm, test_va(3 * T_2M), test_va(4 * T_2M), VM_PROT_ALL),
	                 PMAP_OK);
	assert_true(pmap_lookup(&t->pm, test_va(3 * T_2M), &m));
	assert_int_equal(m.prot, VM_PROT_ALL);
	assert_true(m.modified);
	assert_int_equal(test_page(test_frame(2))->flags, 0);
}

/* Unwire clears the wired bit and the count, nothing else, and flushes nothing. */
/*
 * Protecting an execute-only leaf to read-only leaves it no right: with
 * execute-only EPT (XWR = 100, SDM 3C 29.3.3.1) the leaf is removed in
 * the walk; x86 and EPT without execute-only cannot say X without R (the
 * code for --x is the code for r-x), so there it keeps R.
 */
static void
test_pmap_range_protect_exec_only(void **state)
{
	struct tctx *t = *state;
	bool xo = test_is_ept() && (test_fmt()->flags & PMAP_SUPPORTS_EXEC_ONLY) != 0;
	uint64_t va = test_va(0);

	test_enter(&t->pm, va, test_frame(0), X, X);
	test_enter(&t->pm, va + T_PAGE, test_frame(1), RX, R);
	assert_int_equal(pmap_protect(&t->pm, va, va + 2 * T_PAGE, R), PMAP_OK);
	assert_int_equal(t->pm.pm_stats.resident_count, xo ? 1 : 2);
	assert_int_equal(t->pm.pm_stats.pv_used, xo ? 1 : 2);
	assert_int_equal(t->pm.pm_stats.ptp_count, 4);
	assert_int_equal(test_leaf(&t->pm, va, NULL) == 0, xo);
	assert_int_equal(test_page(test_frame(0))->flags, xo ? REF : 0);
	assert_int_equal(pmap_pte_prot(&t->pm, leaf_at(&t->pm, va + T_PAGE, PMAP_LEVEL_4K)), R);
	if (!xo)
		assert_int_equal(pmap_pte_prot(&t->pm, leaf_at(&t->pm, va, PMAP_LEVEL_4K)), R);
}

static void
test_pmap_range_unwire_4k(void **state)
{
	struct tctx *t = *state;
	pmap_pte_t before[4];
	struct pmap_mapping m;
	unsigned i;

	for (i = 0; i < 4; i++) {
		test_enter(&t->pm, test_va(i * T_PAGE), test_frame(i), i & 1 ? RW : R,
		           (i & 1 ? W : R) | PMAP_ENTER_WIRED);
		before[i] = leaf_at(&t->pm, test_va(i * T_PAGE), PMAP_LEVEL_4K);
		assert_int_equal(before[i] & fmt_bits()->wired, fmt_bits()->wired);
	}
	assert_int_equal(t->pm.pm_stats.wired_count, 4);
	test_inval_reset();
	assert_int_equal(pmap_unwire(&t->pm, test_va(0), test_va(3 * T_PAGE)), PMAP_OK);
	assert_int_equal(test_inval_total(), 0);
	assert_int_equal(t->pm.pm_stats.wired_count, 1);
	assert_int_equal(t->pm.pm_stats.resident_count, 4);
	for (i = 0; i < 4; i++) {
		pmap_pte_t want = i < 3 ? before[i] & ~fmt_bits()->wired : before[i];

		assert_int_equal(leaf_at(&t->pm, test_va(i * T_PAGE), PMAP_LEVEL_4K), want);
		assert_true(pmap_lookup(&t->pm, test_va(i * T_PAGE), &m));
		assert_int_equal(m.wired, i == 3);
		assert_int_equal(test_page(test_frame(i))->flags, 0);
	}
}

/* Unwire over a wired 2 MiB leaf: whole, in place; cut, demoted first. */
static void
test_pmap_range_unwire_2m(void **state)
{
	struct tctx *t = *state;
	uint64_t base = test_va(0), base2 = test_va(2 * T_2M), ptp;
	pmap_pte_t pde, pde2;
	unsigned i;

	test_enter_2m(&t->pm, base, test_run2m(0), RW, W | PMAP_ENTER_WIRED);
	test_enter_2m(&t->pm, base2, test_run2m(1), R, PMAP_ENTER_WIRED);
	pde = leaf_at(&t->pm, base, PMAP_LEVEL_2M);
	pde2 = leaf_at(&t->pm, base2, PMAP_LEVEL_2M);
	ptp = t->pm.pm_stats.ptp_count;
	assert_int_equal(t->pm.pm_stats.wired_count, 1024);

	assert_int_equal(pmap_unwire(&t->pm, base2, base2 + T_2M), PMAP_OK);
	assert_int_equal(leaf_at(&t->pm, base2, PMAP_LEVEL_2M), pde2 & ~fmt_bits()->wired);
	assert_int_equal(t->pm.pm_stats.wired_count, 512);
	assert_int_equal(t->pm.pm_stats.ptp_count, ptp);

	assert_int_equal(pmap_unwire(&t->pm, base + 100 * T_PAGE, base + 300 * T_PAGE), PMAP_OK);
	assert_int_equal(t->pm.pm_stats.wired_count, 512 - 200);
	assert_int_equal(t->pm.pm_stats.ptp_count, ptp + 1);
	assert_int_equal(t->pm.pm_stats.resident_count, 1024);
	for (i = 0; i < 512; i++) {
		pmap_pte_t want = demoted_pte(pde, i);

		if (i >= 100 && i < 300)
			want &= ~fmt_bits()->wired;
		assert_int_equal(leaf_at(&t->pm, base + i * T_PAGE, PMAP_LEVEL_4K), want);
		assert_pv_one(&t->pm, test_run2m(0) + i * T_PAGE, base + i * T_PAGE);
	}
}

/* Unwiring a mapping that is not wired is a caller bug: panic, with the va. */
static void
test_pmap_range_unwire_not_wired(void **state)
{
	struct tctx *t = *state;
	struct test_snapshot before, after;

	assert_int_equal(test_va(T_PAGE), 0x0000004000001000ul);
	test_enter(&t->pm, test_va(0), test_frame(0), R, PMAP_ENTER_WIRED);
	test_enter(&t->pm, test_va(T_PAGE), test_frame(1), R, 0);
	test_snapshot(&t->pm, &before);
	expect_panic(pmap_unwire(&t->pm, test_va(T_PAGE), test_va(2 * T_PAGE)),
	             "pmap_unwire: not wired va=0x4000001000");
	test_snapshot(&t->pm, &after);
	test_assert_snapshot(&before, &after);
	assert_int_equal(t->pm.pm_stats.wired_count, 1);
}

/*
 * A range operation that must demote, with each page it needs failing in
 * turn: PMAP_ENOMEM and the pmap exactly as before, until it can have them
 * all.  An operation that needs no page does not care.
 */
static void
test_pmap_range_enomem(void **state)
{
	enum op { OP_REMOVE, OP_PROTECT, OP_UNWIRE };
	static const struct {
		const char *name;
		enum op op;
		unsigned lo, hi; /* pages from the first leaf's base */
		vm_prot_t to;
	} cases[] = {
		{ "remove start", OP_REMOVE, 0, 1, 0 },
		{ "remove across two leaves", OP_REMOVE, 500, 512 + 12, 0 },
		{ "protect across two leaves", OP_PROTECT, 1, 512 + 511, R },
		{ "protect middle to r", OP_PROTECT, 10, 20, R },
		{ "protect end no execute", OP_PROTECT, 300, 512, RW },
		{ "unwire end", OP_UNWIRE, 511, 512, 0 },
	};
	struct tctx *t = *state;
	struct test_snapshot before, after;
	unsigned c;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint64_t base = test_va((c + 1) * 4 * T_2M);
		uint64_t sva = base + cases[c].lo * T_PAGE, eva = base + cases[c].hi * T_PAGE;
		uint64_t nth, allocs, chunks, ptp, cuts = cases[c].hi > 512 ? 2 : 1;
		int rc = PMAP_ENOMEM;

		test_enter_2m(&t->pm, base, test_run2m(2 * c), VM_PROT_ALL, W | PMAP_ENTER_WIRED);
		if (cuts == 2)
			test_enter_2m(&t->pm, base + T_2M, test_run2m(2 * c + 1), VM_PROT_ALL,
			              W | PMAP_ENTER_WIRED);
		ptp = t->pm.pm_stats.ptp_count;
		chunks = t->pm.pm_stats.pv_chunks;
		for (nth = 1; nth <= 16 && rc == PMAP_ENOMEM; nth++) {
			test_snapshot(&t->pm, &before);
			allocs = t->sp->stats.allocs;
			sim_phys_fail_nth(t->sp, nth);
			if (cases[c].op == OP_REMOVE)
				rc = pmap_remove(&t->pm, sva, eva);
			else if (cases[c].op == OP_PROTECT)
				rc = pmap_protect(&t->pm, sva, eva, cases[c].to);
			else
				rc = pmap_unwire(&t->pm, sva, eva);
			if (rc == PMAP_ENOMEM) {
				test_snapshot(&t->pm, &after);
				test_assert_snapshot(&before, &after);
			}
		}
		sim_phys_fail_nth(t->sp, 0);
		assert_int_equal(rc, PMAP_OK);
		nth--;
		/*
		 * Every page the successful call took was one failure point:
		 * a page table per leaf cut and the pv chunks.  The first
		 * time, the one chunk there holds a single entry and 512 more
		 * need at least two more pages (512 x 24 bytes > 8 KiB).
		 */
		assert_int_equal(t->pm.pm_stats.ptp_count, ptp + cuts);
		if (c == 0)
			assert_true(t->pm.pm_stats.pv_chunks - chunks >= 2);
		assert_int_equal(nth - 1, cuts + t->pm.pm_stats.pv_chunks - chunks);
		assert_int_equal(t->sp->stats.allocs - allocs, nth - 1);
		(void)leaf_at(&t->pm, base + 5 * T_PAGE, PMAP_LEVEL_4K); /* demoted */
	}

	/* No demotion, no page needed: a failing allocator is not noticed. */
	test_enter_2m(&t->pm, test_va(T_1G), test_run2m(20), RW, W);
	sim_phys_fail_nth(t->sp, 1);
	assert_int_equal(pmap_protect(&t->pm, test_va(T_1G), test_va(T_1G + T_2M), R), PMAP_OK);
	assert_int_equal(pmap_remove(&t->pm, test_va(T_1G), test_va(T_1G + T_2M)), PMAP_OK);
	sim_phys_fail_nth(t->sp, 0);
	assert_int_equal(test_leaf(&t->pm, test_va(T_1G), NULL), 0);
}

/*
 * pmap_release() walks the whole space table by table: mappings at both
 * ends of it (x86: both canonical halves, the kernel half sign-extended;
 * EPT: 0 to 2^48, across 2^47) and a 2 MiB leaf all go, each page told it
 * was dirtied and referenced and its pv entry removed under the va it was
 * entered at (a wrong va panics in pmap_pv_remove), and every table and pv
 * chunk is freed exactly once.
 */
static void
test_pmap_range_release_ends(void **state)
{
	static const uint64_t x86_va[] = {
		0,
		PMAP_USER_MAX - T_PAGE,
		PMAP_KERNEL_MIN,
		PMAP_KERNEL_MIN + T_512G + T_1G + T_2M,
		0ul - T_PAGE,
	};
	static const uint64_t ept_va[] = {
		0,
		PMAP_USER_MAX - T_PAGE,
		PMAP_USER_MAX,
		T_512G + 5 * T_PAGE,
		PMAP_GPA_LIMIT - T_PAGE,
	};
	const uint64_t *va = test_is_ept() ? ept_va : x86_va;
	const size_t n = sizeof(x86_va) / sizeof(x86_va[0]);
	struct tctx *t = *state;
	uint64_t frees, owned;
	size_t i;

	for (i = 0; i < n; i++)
		test_enter(&t->pm, va[i], test_frame(i), RW, W);
	test_enter_2m(&t->pm, test_va(T_1G), test_run2m(0), RW, W | PMAP_ENTER_WIRED);
	assert_int_equal(t->pm.pm_stats.resident_count, n + 512);
	frees = t->sp->stats.frees;
	owned = t->pm.pm_stats.ptp_count + t->pm.pm_stats.pv_chunks;
	pmap_release(&t->pm);
	t->pm_live = false;
	assert_int_equal(t->sp->stats.frees - frees, owned);
	assert_int_equal(t->sp->stats.in_use, 0);
	for (i = 0; i < n; i++) {
		assert_null(test_page(test_frame(i))->pv_list);
		assert_int_equal(test_page(test_frame(i))->flags, DIRTY | REF);
	}
	assert_null(test_page(test_run2m(0))->pv_list_2m);
	assert_int_equal(test_page(test_run2m(0))->flags, DIRTY | REF);
	assert_int_equal(test_page(test_run2m(0) + 511 * T_PAGE)->flags, DIRTY | REF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pmap_range_remove_4k, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_remove_whole_2m, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_remove_cut_2m, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_remove_cut_two, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_remove_sparse, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_remove_blocks, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_remove_empty, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_remove_space_ends, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_bad_ranges, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_protect_raw, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_protect_removes, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_protect_cut_2m, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_protect_never_adds, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_protect_exec_only, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_unwire_4k, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_unwire_2m, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_unwire_not_wired, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_enomem, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_range_release_ends, test_setup,
		                                test_teardown),
	};

	return TEST_RUN(tests);
}
