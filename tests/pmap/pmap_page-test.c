/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_page-test.c - page-level operations through pv lists:
 * pmap_page_protect(), pmap_is_modified(), pmap_clear_modify(),
 * pmap_ts_referenced() and pmap_page_mapping_count(), over a page mapped
 * in both formats at once (t->pm and t->other), 4 KiB and 2 MiB.
 */
#include <stdio.h>

#include "tests/pmap/pmap_test.h"

/* One mapping of the page under test. */
struct page_map {
	bool other; /* in t->other rather than t->pm */
	uint64_t va;
	vm_prot_t prot;
	uint32_t flags; /* pmap_enter flags: the access, PMAP_ENTER_WIRED */
};

static struct pmap *
page_pmap(struct tctx *t, bool other)
{
	return other ? &t->other : &t->pm;
}

static bool
page_emul(const struct pmap *pm)
{
	return pm->pm_type == PMAP_TYPE_EPT && (pm->pm_flags & PMAP_EMULATE_AD_BITS) != 0;
}

/*
 * The raw bits of each role, from SDM 3A 4.5 (x86), SDM 3C 29.3.2 (EPT)
 * and the emulation's choice in pmap_formats.c (A = R, M = W, soft RW).
 */
static pmap_pte_t
page_write_bits(const struct pmap *pm)
{
	if (pm->pm_type == PMAP_TYPE_X86)
		return X86_PG_RW;
	return page_emul(pm) ? EPT_PG_EMUL_RW | EPT_PG_WRITE : EPT_PG_WRITE;
}

static pmap_pte_t
page_m_bit(const struct pmap *pm)
{
	if (pm->pm_type == PMAP_TYPE_X86)
		return X86_PG_M;
	return page_emul(pm) ? EPT_PG_WRITE : EPT_PG_M;
}

/* Enter @n 4 KiB mappings of @hpa and record their raw entries in @raw. */
static void
page_enter_all(struct tctx *t, const struct page_map *m, size_t n, uint64_t hpa, pmap_pte_t *raw)
{
	size_t i;

	for (i = 0; i < n; i++) {
		test_enter(page_pmap(t, m[i].other), m[i].va, hpa, m[i].prot, m[i].flags);
		raw[i] = test_leaf_at(page_pmap(t, m[i].other), m[i].va, PMAP_LEVEL_4K);
	}
}

/*
 * The invalidations one page call owes (pmap_inval.c): one INVLPG per
 * changed page of the x86 pmap, one INVEPT for the EPT pmap if it changed.
 */
static void
page_assert_inval(unsigned pm_pages, unsigned other_pages)
{
	unsigned x86 = test_is_ept() ? other_pages : pm_pages;
	unsigned ept = test_is_ept() ? pm_pages : other_pages;

	assert_int_equal(test_inval.invlpg, x86);
	assert_int_equal(test_inval.invept, ept != 0 ? 1 : 0);
	assert_int_equal(test_inval.invltlb, 0);
}

/* Every page of the 2 MiB run @run has @others in its flags, @target @at_target. */
static void
page_assert_run_flags(uint64_t run, uint64_t target, uint32_t others, uint32_t at_target)
{
	uint64_t i;

	for (i = 0; i < PMAP_NPTE; i++) {
		uint64_t hpa = run + i * T_PAGE;

		assert_int_equal(test_page(hpa)->flags, hpa == target ? at_target : others);
	}
}

/* 4 KiB: every managed mapping in either pmap counts, and only those. */
static void
test_pmap_page_count_4k(void **state)
{
	struct tctx *t = *state;
	uint64_t p = test_frame(0), q = test_frame(1);

	test_make_other(t);
	test_enter(&t->pm, test_va(0), p, VM_PROT_READ, VM_PROT_READ);
	test_enter(&t->pm, test_va(T_PAGE), p, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE);
	test_enter(&t->pm, test_va(2 * T_PAGE), p, VM_PROT_READ, PMAP_ENTER_UNMANAGED);
	test_enter(&t->pm, test_va(3 * T_PAGE), q, VM_PROT_READ, VM_PROT_READ);
	test_enter(&t->other, test_va(4 * T_PAGE), p, VM_PROT_ALL, VM_PROT_READ);

	assert_int_equal(pmap_page_mapping_count(test_page(p)), 3);
	assert_int_equal(pmap_page_mapping_count(test_page(q)), 1);
	assert_int_equal(pmap_page_mapping_count(test_page(test_frame(2))), 0);
	assert_int_equal(pmap_remove(&t->pm, test_va(T_PAGE), test_va(2 * T_PAGE)), PMAP_OK);
	assert_int_equal(pmap_page_mapping_count(test_page(p)), 2);
	assert_int_equal(pmap_remove(&t->other, test_va(0), test_va(T_2M)), PMAP_OK);
	assert_int_equal(pmap_page_mapping_count(test_page(p)), 1);
}

/* Wired mappings are counted across pmaps, 4 KiB and 2 MiB; unwiring drops them. */
static void
test_pmap_page_wired_mappings(void **state)
{
	struct tctx *t = *state;
	uint64_t hpa = test_run2m(0) + 7 * T_PAGE;

	test_make_other(t);
	test_enter(&t->pm, test_va(0), hpa, VM_PROT_READ, PMAP_ENTER_WIRED);
	test_enter(&t->pm, test_va(T_PAGE), hpa, VM_PROT_READ, 0);
	test_enter_2m(&t->other, test_va(T_2M), test_run2m(0), VM_PROT_READ, PMAP_ENTER_WIRED);
	assert_int_equal(pmap_page_mapping_count(test_page(hpa)), 3);
	assert_int_equal(pmap_page_wired_mappings(test_page(hpa)), 2);
	assert_int_equal(pmap_page_wired_mappings(test_page(test_run2m(0))), 1);
	assert_int_equal(pmap_unwire(&t->pm, test_va(0), test_va(T_PAGE)), PMAP_OK);
	assert_int_equal(pmap_page_wired_mappings(test_page(hpa)), 1);
	assert_int_equal(pmap_unwire(&t->other, test_va(T_2M), test_va(2 * T_2M)), PMAP_OK);
	assert_int_equal(pmap_page_wired_mappings(test_page(hpa)), 0);
}

/* 2 MiB: a leaf based at run R counts for every page of R, the middle too. */
static void
test_pmap_page_count_2m(void **state)
{
	struct tctx *t = *state;
	uint64_t r = test_run2m(0), mid = r + 256 * T_PAGE;

	test_make_other(t);
	test_enter_2m(&t->pm, test_va(0), r, VM_PROT_READ, VM_PROT_READ);
	test_enter(&t->pm, test_va(6 * T_2M), r + 511 * T_PAGE, VM_PROT_READ, VM_PROT_READ);
	test_enter_2m(&t->other, test_va(2 * T_2M), r, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE);
	test_enter(&t->other, test_va(4 * T_2M), mid, VM_PROT_READ, VM_PROT_READ);

	assert_int_equal(pmap_page_mapping_count(test_page(mid)), 3);
	assert_int_equal(pmap_page_mapping_count(test_page(r)), 2);
	assert_int_equal(pmap_page_mapping_count(test_page(r + 100 * T_PAGE)), 2);
	assert_int_equal(pmap_page_mapping_count(test_page(r + 511 * T_PAGE)), 3);
	assert_int_equal(pmap_page_mapping_count(test_page(test_run2m(1) + 256 * T_PAGE)), 0);
	assert_int_equal(pmap_remove(&t->pm, test_va(0), test_va(T_2M)), PMAP_OK);
	assert_int_equal(pmap_page_mapping_count(test_page(mid)), 2);
	assert_int_equal(pmap_page_mapping_count(test_page(r)), 1);
}

/*
 * page_protect without write (READ, EXECUTE or both): every mapping in
 * both pmaps loses write and M, keeps the rest; the dirt goes to the page.
 */
static void
test_pmap_page_protect_read(void **state)
{
	static const vm_prot_t prots[] = { VM_PROT_READ, VM_PROT_EXECUTE,
		                           VM_PROT_READ | VM_PROT_EXECUTE };
	struct tctx *t = *state;
	struct pmap_mapping m;
	size_t i, j;

	test_make_other(t);
	for (i = 0; i < sizeof(prots) / sizeof(prots[0]); i++) {
		uint64_t p = test_frame(i), q = test_frame(100 + i), base = i * T_2M;
		const struct page_map maps[] = {
			{ false, test_va(base), VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE },
			{ false, test_va(base + T_PAGE), VM_PROT_READ | VM_PROT_WRITE,
			  VM_PROT_READ },
			{ false, test_va(base + 2 * T_PAGE), VM_PROT_READ, VM_PROT_READ },
			{ true, test_va(base + 3 * T_PAGE), VM_PROT_ALL, VM_PROT_WRITE },
			{ true, test_va(base + 4 * T_PAGE), VM_PROT_READ | VM_PROT_EXECUTE,
			  VM_PROT_READ },
		};
		size_t n = sizeof(maps) / sizeof(maps[0]);
		pmap_pte_t raw[sizeof(maps) / sizeof(maps[0])], qraw;
		uint64_t res = t->pm.pm_stats.resident_count;

		page_enter_all(t, maps, n, p, raw);
		/* Another page, written: it must not be touched. */
		test_enter(&t->pm, test_va(base + 5 * T_PAGE), q, VM_PROT_READ | VM_PROT_WRITE,
		           VM_PROT_WRITE);
		qraw = test_leaf_at(&t->pm, test_va(base + 5 * T_PAGE), PMAP_LEVEL_4K);

		test_inval_reset();
		pmap_page_protect(test_page(p), prots[i]);
		/* pm: two writable mappings change; other: one. */
		page_assert_inval(2, 1);
		for (j = 0; j < n; j++) {
			struct pmap *pm = page_pmap(t, maps[j].other);
			pmap_pte_t pte = test_leaf_at(pm, maps[j].va, PMAP_LEVEL_4K);

			assert_int_equal(pte, raw[j] & ~(page_write_bits(pm) | page_m_bit(pm)));
			assert_true(pte & test_a_bit(pm));
			assert_true(pmap_lookup(pm, maps[j].va, &m));
			assert_int_equal(m.prot, maps[j].prot & ~VM_PROT_WRITE);
			assert_false(m.modified);
			assert_int_equal(m.hpa, p);
		}
		assert_int_equal(test_page(p)->flags, PMAP_PAGE_DIRTY);
		assert_int_equal(pmap_page_mapping_count(test_page(p)), n);
		assert_int_equal(t->pm.pm_stats.resident_count, res + 4);
		assert_int_equal(test_leaf_at(&t->pm, test_va(base + 5 * T_PAGE), PMAP_LEVEL_4K),
		                 qraw);
		assert_int_equal(test_page(q)->flags, 0);
	}
}

/* page_protect(READ) of a page never written: write goes, no dirt is invented. */
static void
test_pmap_page_protect_read_clean(void **state)
{
	const struct page_map maps[] = {
		{ false, test_va(0), VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ },
		{ true, test_va(T_PAGE), VM_PROT_ALL, VM_PROT_READ },
	};
	struct tctx *t = *state;
	uint64_t p = test_frame(0);
	pmap_pte_t raw[2];
	size_t j;

	test_make_other(t);
	page_enter_all(t, maps, 2, p, raw);
	assert_false(pmap_is_modified(test_page(p)));
	test_inval_reset();
	pmap_page_protect(test_page(p), VM_PROT_READ);
	page_assert_inval(1, 1);
	for (j = 0; j < 2; j++) {
		struct pmap *pm = page_pmap(t, maps[j].other);

		assert_int_equal(test_leaf_at(pm, maps[j].va, PMAP_LEVEL_4K),
		                 raw[j] & ~page_write_bits(pm));
	}
	assert_int_equal(test_page(p)->flags, 0);
}

/*
 * page_protect(READ) of a page inside a 2 MiB leaf write-protects the
 * whole leaf, and a dirty leaf makes all 512 pages dirty.
 */
static void
test_pmap_page_protect_read_2m(void **state)
{
	struct tctx *t = *state;
	uint64_t r = test_run2m(0), mid = r + 256 * T_PAGE;
	pmap_pte_t big, obig, small;
	struct pmap_mapping m;

	test_make_other(t);
	test_enter_2m(&t->pm, test_va(0), r, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE);
	test_enter_2m(&t->other, test_va(2 * T_2M), r, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ);
	test_enter(&t->other, test_va(4 * T_2M), mid, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE);
	big = test_leaf_at(&t->pm, test_va(0), PMAP_LEVEL_2M);
	obig = test_leaf_at(&t->other, test_va(2 * T_2M), PMAP_LEVEL_2M);
	small = test_leaf_at(&t->other, test_va(4 * T_2M), PMAP_LEVEL_4K);

	pmap_page_protect(test_page(mid), VM_PROT_READ);
	assert_int_equal(test_leaf_at(&t->pm, test_va(T_2M - T_PAGE), PMAP_LEVEL_2M),
	                 big & ~(page_write_bits(&t->pm) | page_m_bit(&t->pm)));
	assert_int_equal(test_leaf_at(&t->other, test_va(2 * T_2M), PMAP_LEVEL_2M),
	                 obig & ~(page_write_bits(&t->other) | page_m_bit(&t->other)));
	assert_int_equal(test_leaf_at(&t->other, test_va(4 * T_2M), PMAP_LEVEL_4K),
	                 small & ~(page_write_bits(&t->other) | page_m_bit(&t->other)));
	assert_true(pmap_lookup(&t->pm, test_va(0x12345), &m));
	assert_int_equal(m.prot, VM_PROT_READ);
	assert_int_equal(m.level, PMAP_LEVEL_2M);
	assert_int_equal(t->pm.pm_stats.resident_count, 512);
	page_assert_run_flags(r, mid, PMAP_PAGE_DIRTY, PMAP_PAGE_DIRTY);
}

/* page_protect with write in the rights asks for nothing: nothing changes. */
static void
test_pmap_page_protect_write_noop(void **state)
{
	static const vm_prot_t prots[] = { VM_PROT_WRITE, VM_PROT_READ | VM_PROT_WRITE,
		                           VM_PROT_WRITE | VM_PROT_EXECUTE, VM_PROT_ALL };
	struct tctx *t = *state;
	uint64_t p = test_frame(0), r = test_run2m(0);
	struct test_snapshot a, b, oa, ob;
	size_t i;

	test_make_other(t);
	test_enter(&t->pm, test_va(0), p, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE);
	test_enter(&t->other, test_va(T_PAGE), p, VM_PROT_ALL, VM_PROT_WRITE);
	test_enter_2m(&t->pm, test_va(2 * T_2M), r, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE);
	test_enter(&t->other, test_va(4 * T_2M), r + 9 * T_PAGE, VM_PROT_READ | VM_PROT_WRITE,
	           VM_PROT_WRITE);
	for (i = 0; i < sizeof(prots) / sizeof(prots[0]); i++) {
		test_snapshot(&t->pm, &a);
		test_snapshot(&t->other, &oa);
		test_inval_reset();
		pmap_page_protect(test_page(p), prots[i]);
		pmap_page_protect(test_page(r + 9 * T_PAGE), prots[i]);
		assert_int_equal(test_inval_total(), 0);
		test_snapshot(&t->pm, &b);
		test_snapshot(&t->other, &ob);
		test_assert_snapshot(&a, &b);
		test_assert_snapshot(&oa, &ob);
	}
	assert_true(pmap_is_modified(test_page(p)));
	assert_true(pmap_is_modified(test_page(r + 9 * T_PAGE)));
}

/*
 * page_protect(NONE): every mapping goes from both pmaps, with its pv;
 * counts drop, emptied tables are freed, A/D go to the page.
 */
static void
test_pmap_page_protect_none(void **state)
{
	const struct page_map maps[] = {
		{ false, test_va(0), VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE },
		{ false, test_va(T_PAGE), VM_PROT_READ, VM_PROT_READ },
		{ true, test_va(2 * T_PAGE), VM_PROT_READ, VM_PROT_READ | PMAP_ENTER_WIRED },
	};
	struct tctx *t = *state;
	uint64_t p = test_frame(0), q = test_frame(1), qva = test_va(1ul << 30);
	pmap_pte_t raw[3], qraw;
	size_t j;

	test_make_other(t);
	page_enter_all(t, maps, 3, p, raw);
	test_enter(&t->pm, qva, q, VM_PROT_READ, VM_PROT_READ);
	qraw = test_leaf_at(&t->pm, qva, PMAP_LEVEL_4K);
	/* root, PDPT, two PDs and two PTs (256 GiB and 257 GiB); root + 3. */
	assert_int_equal(t->pm.pm_stats.ptp_count, 6);
	assert_int_equal(t->other.pm_stats.ptp_count, 4);
	assert_int_equal(t->other.pm_stats.wired_count, 1);

	test_inval_reset();
	pmap_page_protect(test_page(p), VM_PROT_NONE);
	page_assert_inval(2, 1);
	for (j = 0; j < 3; j++)
		assert_int_equal(test_leaf(page_pmap(t, maps[j].other), maps[j].va, NULL), 0);
	assert_null(test_page(p)->pv_list);
	assert_int_equal(pmap_page_mapping_count(test_page(p)), 0);
	assert_int_equal(test_page(p)->flags, PMAP_PAGE_DIRTY | PMAP_PAGE_REFERENCED);
	assert_int_equal(t->pm.pm_stats.resident_count, 1);
	assert_int_equal(t->pm.pm_stats.pv_used, 1);
	assert_int_equal(t->pm.pm_stats.ptp_count, 4);
	assert_int_equal(t->other.pm_stats.resident_count, 0);
	assert_int_equal(t->other.pm_stats.wired_count, 0);
	assert_int_equal(t->other.pm_stats.pv_used, 0);
	assert_int_equal(t->other.pm_stats.ptp_count, 1);
	assert_int_equal(test_leaf_at(&t->pm, qva, PMAP_LEVEL_4K), qraw);
	assert_int_equal(test_page(q)->flags, 0);
}

/* page_protect(NONE) of a page in a 2 MiB leaf removes the whole leaf. */
static void
test_pmap_page_protect_none_2m(void **state)
{
	struct tctx *t = *state;
	uint64_t r = test_run2m(0), pg = r + 3 * T_PAGE;

	test_make_other(t);
	test_enter_2m(&t->pm, test_va(0), r, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE);
	test_enter(&t->other, test_va(2 * T_2M), pg, VM_PROT_READ, VM_PROT_READ);
	test_enter_2m(&t->other, test_va(4 * T_2M), r, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ);
	assert_int_equal(t->pm.pm_stats.resident_count, 512);
	assert_int_equal(t->other.pm_stats.resident_count, 513);

	pmap_page_protect(test_page(pg), VM_PROT_NONE);
	assert_int_equal(test_leaf(&t->pm, test_va(0), NULL), 0);
	assert_int_equal(test_leaf(&t->other, test_va(2 * T_2M), NULL), 0);
	assert_int_equal(test_leaf(&t->other, test_va(4 * T_2M), NULL), 0);
	assert_null(test_page(pg)->pv_list);
	assert_null(test_page(r)->pv_list_2m);
	assert_int_equal(pmap_page_mapping_count(test_page(pg)), 0);
	assert_int_equal(t->pm.pm_stats.resident_count, 0);
	assert_int_equal(t->pm.pm_stats.pv_used, 0);
	assert_int_equal(t->pm.pm_stats.ptp_count, 1);
	assert_int_equal(t->other.pm_stats.resident_count, 0);
	assert_int_equal(t->other.pm_stats.pv_used, 0);
	assert_int_equal(t->other.pm_stats.ptp_count, 1);
	/* pm's leaf was accessed and dirty, other's accessed: all 512 pages. */
	page_assert_run_flags(r, pg, PMAP_PAGE_DIRTY | PMAP_PAGE_REFERENCED,
	                      PMAP_PAGE_DIRTY | PMAP_PAGE_REFERENCED);
}

/*
 * is_modified: false while every mapping was only read-faulted, true
 * when any one of them, in either pmap, was entered by a write.
 */
static void
test_pmap_page_is_modified(void **state)
{
	struct tctx *t = *state;
	int written, j;

	test_make_other(t);
	/* written = -1: none; else the index of the mapping entered by a write. */
	for (written = -1; written < 3; written++) {
		uint64_t p = test_frame((uint64_t)(written + 1)),
		         base = (uint64_t)(written + 1) * 4;
		const struct page_map maps[] = {
			{ false, test_va(base * T_PAGE), VM_PROT_READ | VM_PROT_WRITE, 0 },
			{ false, test_va((base + 1) * T_PAGE), VM_PROT_ALL, 0 },
			{ true, test_va((base + 2) * T_PAGE), VM_PROT_READ | VM_PROT_WRITE, 0 },
		};

		for (j = 0; j < 3; j++) {
			uint32_t access = j == written ? VM_PROT_WRITE : VM_PROT_READ;

			test_enter(page_pmap(t, maps[j].other), maps[j].va, p, maps[j].prot,
			           access);
		}
		assert_int_equal(pmap_is_modified(test_page(p)), written >= 0);
	}
	/* The clean page stays clean next to its dirty neighbours. */
	assert_false(pmap_is_modified(test_page(test_frame(0))));
}

/* clear_modify clears M in every mapping; rights and A stay. */
static void
test_pmap_page_clear_modify(void **state)
{
	const struct page_map maps[] = {
		{ false, test_va(0), VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE },
		{ false, test_va(T_PAGE), VM_PROT_ALL, VM_PROT_WRITE },
		{ false, test_va(2 * T_PAGE), VM_PROT_READ, VM_PROT_READ },
		{ true, test_va(3 * T_PAGE), VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE },
	};
	struct tctx *t = *state;
	uint64_t p = test_frame(0);
	struct pmap_mapping m;
	pmap_pte_t raw[4];
	size_t j;

	test_make_other(t);
	page_enter_all(t, maps, 4, p, raw);
	assert_true(pmap_is_modified(test_page(p)));
	test_inval_reset();
	pmap_clear_modify(test_page(p));
	page_assert_inval(2, 1);
	assert_false(pmap_is_modified(test_page(p)));
	for (j = 0; j < 4; j++) {
		struct pmap *pm = page_pmap(t, maps[j].other);

		assert_int_equal(test_leaf_at(pm, maps[j].va, PMAP_LEVEL_4K),
		                 raw[j] & ~page_m_bit(pm));
		assert_true(pmap_lookup(pm, maps[j].va, &m));
		assert_int_equal(m.prot, maps[j].prot);
		assert_true(m.accessed);
		assert_false(m.modified);
	}
	assert_int_equal(test_page(p)->flags, 0);
	assert_int_equal(pmap_page_mapping_count(test_page(p)), 4);
	/* A new write makes it modified again. */
	test_enter(&t->other, maps[3].va, p, maps[3].prot, VM_PROT_WRITE);
	assert_true(pmap_is_modified(test_page(p)));
}

/*
 * clear_modify on one page of a dirty 2 MiB leaf: the leaf loses M and
 * the other 511 pages are marked dirty, the cleaned page is not.
 */
static void
test_pmap_page_clear_modify_2m(void **state)
{
	struct tctx *t = *state;
	uint64_t r = test_run2m(0), mid = r + 100 * T_PAGE;
	pmap_pte_t big, small;

	test_make_other(t);
	test_enter_2m(&t->pm, test_va(0), r, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE);
	test_enter(&t->other, test_va(2 * T_2M), mid, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE);
	big = test_leaf_at(&t->pm, test_va(0), PMAP_LEVEL_2M);
	small = test_leaf_at(&t->other, test_va(2 * T_2M), PMAP_LEVEL_4K);
	assert_true(pmap_is_modified(test_page(mid)));
	assert_true(pmap_is_modified(test_page(r + 7 * T_PAGE)));

	pmap_clear_modify(test_page(mid));
	assert_int_equal(test_leaf_at(&t->pm, test_va(0), PMAP_LEVEL_2M),
	                 big & ~page_m_bit(&t->pm));
	assert_int_equal(test_leaf_at(&t->other, test_va(2 * T_2M), PMAP_LEVEL_4K),
	                 small & ~page_m_bit(&t->other));
	assert_false(pmap_is_modified(test_page(mid)));
	assert_false(pmap_is_modified(test_page(r)));
	assert_int_equal(test_page(r)->flags, PMAP_PAGE_DIRTY);
	assert_int_equal(test_page(r + 511 * T_PAGE)->flags, PMAP_PAGE_DIRTY);
	assert_int_equal(test_page(mid)->flags, 0);
	page_assert_run_flags(r, mid, PMAP_PAGE_DIRTY, 0);
}

/*
 * ts_referenced counts the accessed mappings in both pmaps and clears
 * A; a second call finds none; a new access counts again.
 */
static void
test_pmap_page_ts_referenced(void **state)
{
	const struct page_map maps[] = {
		{ false, test_va(0), VM_PROT_READ, VM_PROT_READ },
		{ false, test_va(T_PAGE), VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ },
		{ true, test_va(2 * T_PAGE), VM_PROT_READ, VM_PROT_READ },
	};
	struct tctx *t = *state;
	uint64_t p = test_frame(0);
	struct pmap_mapping m;
	pmap_pte_t raw[3];
	size_t j;

	test_make_other(t);
	page_enter_all(t, maps, 3, p, raw);
	test_inval_reset();
	assert_int_equal(pmap_ts_referenced(test_page(p)), 3);
	page_assert_inval(2, 1);
	for (j = 0; j < 3; j++) {
		struct pmap *pm = page_pmap(t, maps[j].other);

		assert_int_equal(test_leaf_at(pm, maps[j].va, PMAP_LEVEL_4K),
		                 raw[j] & ~test_a_bit(pm));
		assert_true(pmap_lookup(pm, maps[j].va, &m));
		assert_false(m.accessed);
	}
	assert_int_equal(test_page(p)->flags, 0);
	test_inval_reset();
	assert_int_equal(pmap_ts_referenced(test_page(p)), 0);
	assert_int_equal(test_inval_total(), 0);
	test_enter(&t->other, maps[2].va, p, maps[2].prot, VM_PROT_READ);
	assert_int_equal(pmap_ts_referenced(test_page(p)), 1);
	assert_int_equal(pmap_page_mapping_count(test_page(p)), 3);
}

/*
 * Where A is the EPT R bit (ept_emul), clearing it must not leave
 * XWR = 010/110, nor 100 without execute-only (SDM 3C 29.3.3.1): such a
 * mapping is removed instead (counted), or left alone if wired (not
 * counted).  Elsewhere A is always cleared.
 */
static void
test_pmap_page_ts_referenced_unsafe(void **state)
{
	const struct page_map maps[] = {
		{ false, test_va(0), VM_PROT_READ, VM_PROT_READ },
		{ false, test_va(1 * T_PAGE), VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ },
		{ false, test_va(2 * T_PAGE), VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE },
		{ false, test_va(3 * T_PAGE), VM_PROT_READ | VM_PROT_WRITE,
		  VM_PROT_WRITE | PMAP_ENTER_WIRED },
		{ false, test_va(4 * T_PAGE), VM_PROT_READ | VM_PROT_EXECUTE, VM_PROT_READ },
		{ false, test_va(5 * T_PAGE), VM_PROT_READ | VM_PROT_EXECUTE,
		  VM_PROT_READ | PMAP_ENTER_WIRED },
		{ true, test_va(6 * T_PAGE), VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE },
	};
	enum { CLEARED, REMOVED, UNTOUCHED } want[7];
	struct tctx *t = *state;
	uint64_t p = test_frame(0);
	size_t n = sizeof(maps) / sizeof(maps[0]), j;
	pmap_pte_t raw[7];
	int count = 0, removed = 0, wired = 0;
	uint32_t flags = 0;

	test_make_other(t);
	page_enter_all(t, maps, n, p, raw);
	for (j = 0; j < n; j++) {
		struct pmap *pm = page_pmap(t, maps[j].other);
		/* XWR after R is taken away: W is set by a write access, X by the prot. */
		bool w = (maps[j].prot & VM_PROT_WRITE) && (maps[j].flags & VM_PROT_WRITE);
		bool x = (maps[j].prot & VM_PROT_EXECUTE) != 0;
		bool unsafe = page_emul(pm) && (w || x);
		bool is_wired = (maps[j].flags & PMAP_ENTER_WIRED) != 0;

		want[j] = !unsafe ? CLEARED : is_wired ? UNTOUCHED : REMOVED;
		count += want[j] != UNTOUCHED;
		if (want[j] == REMOVED) {
			removed++;
			flags |= PMAP_PAGE_REFERENCED | (w ? PMAP_PAGE_DIRTY : 0);
		}
		wired += !maps[j].other && is_wired;
	}
	/* Pinned: emul removes two and leaves two wired alone. */
	assert_int_equal(count, test_is_emul() ? 5 : 7);

	assert_int_equal(pmap_ts_referenced(test_page(p)), count);
	for (j = 0; j < n; j++) {
		struct pmap *pm = page_pmap(t, maps[j].other);

		if (want[j] == REMOVED) {
			assert_int_equal(test_leaf(pm, maps[j].va, NULL), 0);
			continue;
		}
		assert_int_equal(test_leaf_at(pm, maps[j].va, PMAP_LEVEL_4K),
		                 want[j] == CLEARED ? raw[j] & ~test_a_bit(pm) : raw[j]);
	}
	assert_int_equal(test_page(p)->flags, flags);
	assert_int_equal(t->pm.pm_stats.resident_count, 6 - removed);
	assert_int_equal(t->pm.pm_stats.pv_used, 6 - removed);
	assert_int_equal(t->pm.pm_stats.wired_count, wired);
	assert_int_equal(pmap_page_mapping_count(test_page(p)), (int)n - removed);
	/* The wired ones are still accessed but still not counted. */
	assert_int_equal(pmap_ts_referenced(test_page(p)), 0);
}

/*
 * ts_referenced on one page of a 2 MiB leaf clears the leaf's A and
 * marks the other 511 pages referenced, not the page asked about.
 */
static void
test_pmap_page_ts_referenced_2m(void **state)
{
	struct tctx *t = *state;
	uint64_t r = test_run2m(0), pg = r + 7 * T_PAGE;
	pmap_pte_t big, obig;

	test_make_other(t);
	test_enter_2m(&t->pm, test_va(0), r, VM_PROT_READ, VM_PROT_READ);
	test_enter_2m(&t->other, test_va(2 * T_2M), r, VM_PROT_READ, VM_PROT_READ);
	big = test_leaf_at(&t->pm, test_va(0), PMAP_LEVEL_2M);
	obig = test_leaf_at(&t->other, test_va(2 * T_2M), PMAP_LEVEL_2M);

	assert_int_equal(pmap_ts_referenced(test_page(pg)), 2);
	assert_int_equal(test_leaf_at(&t->pm, test_va(0), PMAP_LEVEL_2M),
	                 big & ~test_a_bit(&t->pm));
	assert_int_equal(test_leaf_at(&t->other, test_va(2 * T_2M), PMAP_LEVEL_2M),
	                 obig & ~test_a_bit(&t->other));
	assert_int_equal(test_page(r)->flags, PMAP_PAGE_REFERENCED);
	assert_int_equal(test_page(r + 511 * T_PAGE)->flags, PMAP_PAGE_REFERENCED);
	page_assert_run_flags(r, pg, PMAP_PAGE_REFERENCED, 0);
	assert_int_equal(pmap_ts_referenced(test_page(pg)), 0);
	assert_int_equal(pmap_ts_referenced(test_page(r + 300 * T_PAGE)), 0);
}

/* The leaf entry of @va at @level, for corrupting it. */
static pmap_pte_t *
page_leaf_ptr(struct pmap *pm, uint64_t va, int level)
{
	struct pmap_path p;

	assert_int_equal(pmap_walk(pm, va, level, &p), level);
	return p.pte[level];
}

/*
 * A pv entry whose leaf is gone, or names another frame, is a broken
 * invariant: page operations panic with the values, 4 KiB and 2 MiB.
 */
static void
test_pmap_page_panic_corrupt(void **state)
{
	static const struct {
		int level;
		bool other_frame; /* else the leaf is zeroed */
	} cases[] = {
		{ PMAP_LEVEL_4K, false },
		{ PMAP_LEVEL_4K, true },
		{ PMAP_LEVEL_2M, false },
		{ PMAP_LEVEL_2M, true },
	};
	struct tctx *t = *state;
	uint64_t p = test_frame(0), r = test_run2m(0), pg = r + 5 * T_PAGE;
	char want[256];
	size_t i;

	test_make_other(t);
	test_enter(&t->pm, test_va(0), p, VM_PROT_READ, VM_PROT_READ);
	test_enter(&t->other, test_va(T_PAGE), p, VM_PROT_READ, VM_PROT_READ);
	test_enter_2m(&t->pm, test_va(2 * T_2M), r, VM_PROT_READ, VM_PROT_READ);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int level = cases[i].level;
		uint64_t va = level ? test_va(2 * T_2M) : test_va(0);
		uint64_t hpa = level ? pg : p;
		pmap_pte_t *ptep = page_leaf_ptr(&t->pm, va, level), old = *ptep, bad;

		if (cases[i].other_frame) {
			uint64_t frame = level ? test_run2m(1) : test_frame(1);

			bad = (old & ~(level ? PMAP_FRAME_2M : PMAP_FRAME_4K)) | frame;
			snprintf(want, sizeof(want),
			         "pmap_page: pv names another frame va=%#lx hpa=%#lx pte=%#lx", va,
			         hpa, bad);
		} else {
			bad = 0;
			snprintf(want, sizeof(want),
			         "pmap_page: pv without a leaf va=%#lx hpa=%#lx level=%d", va, hpa,
			         level);
		}
		*ptep = bad;
		expect_panic(pmap_page_protect(test_page(hpa), VM_PROT_READ), want);
		/*
		 * The pmap is inconsistent now; putting the entry back lets
		 * teardown release it and run its leak check.
		 */
		*ptep = old;
		assert_int_equal(pmap_page_mapping_count(test_page(hpa)), level ? 1 : 2);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pmap_page_count_4k, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_count_2m, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_wired_mappings, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_protect_read, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_protect_read_clean, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_protect_read_2m, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_protect_write_noop, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_protect_none, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_protect_none_2m, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_is_modified, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_clear_modify, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_clear_modify_2m, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_ts_referenced, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_ts_referenced_unsafe, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_ts_referenced_2m, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_page_panic_corrupt, test_setup,
		                                test_teardown),
	};

	return TEST_RUN(tests);
}
