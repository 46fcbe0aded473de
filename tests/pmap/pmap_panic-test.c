/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_panic-test.c - every invariant panic in pmap/, triggered and its
 * message pinned with the values that show the broken invariant.
 *
 * Through the public API where a caller bug reaches it; else through the
 * internal functions of pmap_var.h, or after corrupting a table, a count
 * or a pv list by hand.  A pmap a panic leaves inconsistent is abandoned
 * (pm_live / other_live false); one the panic left untouched stays live,
 * so teardown's leak check proves the panic came before any change.
 *
 * Every PMAP_PANIC site (file:function, message) and its test:
 *
 *   pmap_convert.c:pmap_convert_leaf  "undecodable leaf"
 *       pmap_convert-test.c test_pmap_convert_undecodable_panics
 *   pmap_demote.c:pmap_demote  "no 2M leaf"     test_pmap_panic_demote_no_2m_leaf
 *   pmap_demote.c:pmap_demote  "undecodable pde" test_pmap_panic_demote_undecodable
 *   pmap_enter.c:pmap_enter_check  "misaligned", "bad prot", "bad memattr"
 *       pmap_enter-test.c test_pmap_enter_panics
 *   pmap_init.c:pmap_release  "leftovers"       test_pmap_panic_release_leftovers
 *   pmap_leaf.c:pmap_leaf_check  "EPT misconfiguration"
 *       test_pmap_panic_leaf_check_misconfig
 *   pmap_leaf.c:pmap_leaf_clear_table  "level="  test_pmap_panic_clear_table_level
 *   pmap_page.c:pmap_page_find  "pv without a leaf"
 *       test_pmap_panic_page_pv_without_leaf
 *   pmap_page.c:pmap_page_find  "pv names another frame"
 *       test_pmap_panic_page_pv_other_frame
 *   pmap_pv.c:pmap_page_of  "no page for hpa"
 *       pmap_enter-test.c test_pmap_enter_panics (caller "pmap_enter"),
 *       test_pmap_panic_page_of_device (caller "pmap_leaf_install")
 *   pmap_pv.c:pmap_pv_unreserve  "chunk in use"  test_pmap_panic_pv_unreserve_in_use
 *   pmap_pv.c:pmap_pv_insert  "no reserved pv"  test_pmap_panic_pv_insert_unreserved
 *   pmap_pv.c:pmap_pv_remove  "no pv"           test_pmap_panic_pv_remove_missing
 *   pmap_pv.c:pmap_pv_trim  "entries in use"    test_pmap_panic_pv_trim_in_use
 *   pmap_range.c:pmap_range_check  "bad range"  test_pmap_panic_range_bad
 *   pmap_range.c:pmap_unwire_op  "not wired"    test_pmap_panic_unwire_not_wired
 *   pmap_resv.c:pmap_resv_get  "tables asked"   test_pmap_panic_resv_get_too_many
 *   pmap_resv.c:pmap_resv_take_ptp  "none reserved"
 *       test_pmap_panic_resv_take_none
 *   pmap_walk.c:pmap_check_va  "address outside the ... space"
 *       pmap_enter-test.c test_pmap_enter_panics (pmap_enter),
 *       test_pmap_panic_check_va (lookup, extract, emulate_ad, remove,
 *       protect, unwire)
 *   pmap_walk.c:pmap_walk_install  "leaf above target"
 *       test_pmap_panic_walk_install_leaf_above
 *   pmap_walk.c:pmap_ptp_unref  "count underflow"
 *       test_pmap_panic_ptp_unref_underflow (page_protect)
 *   pmap_range.c:pmap_range_table  "count underflow"
 *       test_pmap_panic_ptp_unref_underflow (remove)
 */
#include <stdio.h>

#include "tests/pmap/pmap_test.h"

#define PN_MSG 200

/* The entry at @level for @va, which must be there and valid. */
static pmap_pte_t *
pn_entry(struct pmap *pm, uint64_t va, int level)
{
	struct pmap_path p;

	assert_int_equal(pmap_walk(pm, va, level, &p), level);
	assert_true(pmap_pte_valid(pm, *p.pte[level]));
	return p.pte[level];
}

static void
pn_assert_unchanged(struct pmap *pm, const struct test_snapshot *before)
{
	struct test_snapshot after;

	test_snapshot(pm, &after);
	test_assert_snapshot(before, &after);
}

/*
 * The panicking calls, each in a function of its own: the setjmp of
 * expect_panic() then never shares a frame with a test's loop variables.
 */
static void
pn_expect_range_panic(struct pmap *pm, unsigned op, uint64_t sva, uint64_t eva, const char *msg)
{
	if (op == 0)
		expect_panic(pmap_remove(pm, sva, eva), msg);
	else if (op == 1)
		expect_panic(pmap_protect(pm, sva, eva, VM_PROT_READ), msg);
	else
		expect_panic(pmap_unwire(pm, sva, eva), msg);
}

static void
pn_expect_count_panic(uint64_t hpa, const char *msg)
{
	expect_panic(pmap_page_mapping_count(test_page(hpa)), msg);
}

static void
pn_expect_release_panic(struct pmap *pm, const char *msg)
{
	expect_panic(pmap_release(pm), msg);
}

static void
pn_expect_underflow_panic(struct pmap *pm, bool by_page, uint64_t va, uint64_t hpa, const char *msg)
{
	if (by_page)
		expect_panic(pmap_page_protect(test_page(hpa), VM_PROT_NONE), msg);
	else
		expect_panic(pmap_remove(pm, va, va + T_PAGE), msg);
}

/*
 * A table's count at zero with a valid entry in it: removing the entry
 * underflows, found by the range walk (pmap_remove) and by the one-leaf
 * path (pmap_page_protect through the pv list).
 */
static void
test_pmap_panic_ptp_unref_underflow(void **state)
{
	static const struct {
		bool by_page;
		const char *fn;
	} cases[] = {
		{ false, "pmap_range_table" },
		{ true, "pmap_ptp_unref" },
	};
	struct tctx *t = *state;
	struct pmap_path p;
	char msg[PN_MSG];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t va = test_va(i * PMAP_PDE_SIZE), hpa = test_frame(i);

		test_enter(&t->pm, va, hpa, VM_PROT_READ, 0);
		assert_int_equal(pmap_walk(&t->pm, va, PMAP_LEVEL_4K, &p), PMAP_LEVEL_4K);
		assert_int_equal(test_page(p.table_hpa[0])->ptp_refs, 1);
		test_page(p.table_hpa[0])->ptp_refs = 0;
		snprintf(msg, sizeof(msg), "%s: count underflow table=%#lx level=0", cases[i].fn,
		         p.table_hpa[0]);
		pn_expect_underflow_panic(&t->pm, cases[i].by_page, va, hpa, msg);
	}
	t->pm_live = false;
}

/*
 * A mapping whose pv entry is gone from its page's list (4 KiB, then
 * 2 MiB): removing the mapping finds no pv.
 */
static void
test_pmap_panic_pv_remove_missing(void **state)
{
	struct tctx *t = *state;
	char msg[PN_MSG];
	int lvl;

	for (lvl = PMAP_LEVEL_4K; lvl <= PMAP_LEVEL_2M; lvl++) {
		uint64_t va = test_va(lvl * T_2M), hpa = lvl ? test_run2m(0) : test_frame(0);
		struct pmap_page *pg = test_page(hpa);
		struct pmap_pv **head = lvl ? &pg->pv_list_2m : &pg->pv_list;

		assert_int_equal(pmap_enter(&t->pm, va, hpa, VM_PROT_READ, 0, PMAP_MA_WB, lvl),
		                 PMAP_OK);
		assert_non_null(*head);
		assert_ptr_equal((*head)->pv_pmap, &t->pm);
		*head = (*head)->pv_next;
		snprintf(msg, sizeof(msg), "pmap_pv_remove: no pv va=%#lx hpa=%#lx level=%d", va,
		         hpa, lvl);
		pn_expect_range_panic(&t->pm, 0, va, va + pmap_level_size(lvl), msg);
	}
	t->pm_live = false;
}

/* Inserting a pv entry with none reserved (the free list is empty). */
static void
test_pmap_panic_pv_insert_unreserved(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(0), hpa = test_frame(3);
	struct test_snapshot before;
	char msg[PN_MSG];

	assert_null(t->pm.pm_pv_free);
	test_snapshot(&t->pm, &before);
	snprintf(msg, sizeof(msg), "pmap_pv_insert: no reserved pv va=%#lx hpa=%#lx", va, hpa);
	expect_panic(pmap_pv_insert(&t->pm, test_page(hpa), va, PMAP_LEVEL_4K), msg);
	assert_null(test_page(hpa)->pv_list);
	pn_assert_unchanged(&t->pm, &before);
}

/* Giving back a reservation's chunk after an entry of it was taken. */
static void
test_pmap_panic_pv_unreserve_in_use(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(0), hpa = test_frame(4), chunk;
	uint32_t added;
	char msg[PN_MSG];

	assert_int_equal(pmap_pv_reserve(&t->pm, 1, &added), PMAP_OK);
	assert_int_equal(added, 1);
	chunk = t->pm.pm_pv_chunk_hpa;
	pmap_pv_insert(&t->pm, test_page(hpa), va, PMAP_LEVEL_4K);
	snprintf(msg, sizeof(msg), "pmap_pv_unreserve: chunk %#lx in use", chunk);
	expect_panic(pmap_pv_unreserve(&t->pm, added), msg);
	/* Nothing was given back: the entry goes, the chunk stays until release. */
	assert_int_equal(t->pm.pm_stats.pv_chunks, 1);
	assert_int_equal(t->pm.pm_pv_chunk_hpa, chunk);
	pmap_pv_remove(&t->pm, test_page(hpa), va, PMAP_LEVEL_4K);
	assert_int_equal(t->pm.pm_stats.pv_used, 0);
}

/* Trimming the pv chunks while an entry is in use. */
static void
test_pmap_panic_pv_trim_in_use(void **state)
{
	struct tctx *t = *state;
	struct test_snapshot before;

	test_enter(&t->pm, test_va(0), test_frame(5), VM_PROT_READ, 0);
	test_snapshot(&t->pm, &before);
	expect_panic(pmap_pv_trim(&t->pm, 0), "pmap_pv_trim: 1 entries in use");
	pn_assert_unchanged(&t->pm, &before);
}

/* Asking more tables of one reservation than it holds; nothing is allocated. */
static void
test_pmap_panic_resv_get_too_many(void **state)
{
	struct tctx *t = *state;
	struct pmap_resv r;
	uint64_t attempts = t->sp->attempts;
	char msg[PN_MSG];

	snprintf(msg, sizeof(msg), "pmap_resv_get: %u tables asked, at most %d", PMAP_RESV_PTP + 1,
	         PMAP_RESV_PTP);
	expect_panic(pmap_resv_get(&t->pm, &r, PMAP_RESV_PTP + 1, 0), msg);
	assert_int_equal(t->sp->attempts, attempts);
}

/*
 * Taking a table from no reservation or an empty one, directly or by
 * installing the tables of a walk without reserving them.
 */
static void
test_pmap_panic_resv_take_none(void **state)
{
	struct tctx *t = *state;
	struct pmap_resv r;
	struct pmap_path p;
	struct test_snapshot before;
	char msg[PN_MSG];

	snprintf(msg, sizeof(msg), "pmap_resv_take_ptp: none reserved pm=%p", (void *)&t->pm);
	test_snapshot(&t->pm, &before);
	expect_panic(pmap_resv_take_ptp(&t->pm, NULL), msg);
	assert_int_equal(pmap_resv_get(&t->pm, &r, 0, 0), PMAP_OK);
	expect_panic(pmap_resv_take_ptp(&t->pm, &r), msg);
	assert_int_equal(pmap_walk_missing(&t->pm, test_va(0), PMAP_LEVEL_4K), 3);
	expect_panic(pmap_walk_install(&t->pm, test_va(0), PMAP_LEVEL_4K, &p, &r), msg);
	pn_assert_unchanged(&t->pm, &before);
}

/* Installing tables below a 2 MiB leaf (the caller must demote first). */
static void
test_pmap_panic_walk_install_leaf_above(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(T_2M), pde;
	struct pmap_resv r;
	struct pmap_path p;
	struct test_snapshot before;
	char msg[PN_MSG];

	test_enter_2m(&t->pm, va, test_run2m(0), VM_PROT_READ, 0);
	pde = *pn_entry(&t->pm, va, PMAP_LEVEL_2M);
	test_snapshot(&t->pm, &before);
	assert_int_equal(pmap_resv_get(&t->pm, &r, 1, 0), PMAP_OK);
	snprintf(msg, sizeof(msg),
	         "pmap_walk_install: leaf above target va=%#lx level=1 target=0 pte=%#lx",
	         va + 3 * T_PAGE, pde);
	expect_panic(pmap_walk_install(&t->pm, va + 3 * T_PAGE, PMAP_LEVEL_4K, &p, &r), msg);
	assert_int_equal(r.nptp, 1);
	pmap_resv_cancel(&t->pm, &r);
	pn_assert_unchanged(&t->pm, &before);
}

/*
 * Writing an EPT leaf that is a misconfiguration (SDM 3C 29.3.3.1):
 * XWR=010 from a corrupted read code, in the EPT pmap of this build (x86
 * build: t->other); XWR=100 from a corrupted execute code, in an EPT pmap
 * without execute-only support.  The leaf is never written.
 */
static void
test_pmap_panic_leaf_check_misconfig(void **state)
{
	struct tctx *t = *state;
	struct pmap *ept, noxo;
	uint64_t va = test_va(0), hpa = test_frame(7);
	pmap_pte_t saved_code, saved_a, pte, wb = EPT_PG_IGNORE_PAT | (6ul << 3);
	struct test_snapshot before;
	char msg[PN_MSG];
	bool emul;

	if (!test_is_ept())
		test_make_other(t);
	ept = test_is_ept() ? &t->pm : &t->other;
	emul = (ept->pm_flags & PMAP_EMULATE_AD_BITS) != 0;
	/* A neighbour first, so the failing enter needs no table or pv page. */
	assert_int_equal(
	    pmap_enter(ept, va, test_frame(6), VM_PROT_READ, 0, PMAP_MA_WB, PMAP_LEVEL_4K),
	    PMAP_OK);
	test_snapshot(ept, &before);
	saved_code = ept->protection_codes[VM_PROT_READ];
	saved_a = ept->pmap_bits[PMAP_BIT_A];
	ept->protection_codes[VM_PROT_READ] = EPT_PG_WRITE;
	/* Emulated A/D: "accessed" is R itself and would hide the W-only field. */
	if (emul)
		ept->pmap_bits[PMAP_BIT_A] = 0;
	pte = hpa | EPT_PG_WRITE | wb | (emul ? 0 : EPT_PG_A) | EPT_PG_AVAIL2;
	snprintf(msg, sizeof(msg), "pmap_leaf_check: EPT misconfiguration va=%#lx pte=%#lx xwr=2",
	         va + T_PAGE, pte);
	expect_panic(pmap_enter(ept, va + T_PAGE, hpa, VM_PROT_READ, VM_PROT_READ, PMAP_MA_WB,
	                        PMAP_LEVEL_4K),
	             msg);
	ept->protection_codes[VM_PROT_READ] = saved_code;
	ept->pmap_bits[PMAP_BIT_A] = saved_a;
	pn_assert_unchanged(ept, &before);

	assert_int_equal(pmap_pinit(&noxo, PMAP_TYPE_EPT, PMAP_PDE_SUPERPAGE, t), PMAP_OK);
	assert_int_equal(
	    pmap_enter(&noxo, va, test_frame(6), VM_PROT_READ, 0, PMAP_MA_WB, PMAP_LEVEL_4K),
	    PMAP_OK);
	test_snapshot(&noxo, &before);
	saved_code = noxo.protection_codes[VM_PROT_EXECUTE];
	assert_int_equal(saved_code, EPT_PG_READ | EPT_PG_EXECUTE);
	noxo.protection_codes[VM_PROT_EXECUTE] = EPT_PG_EXECUTE;
	pte = hpa | EPT_PG_EXECUTE | wb | EPT_PG_A | EPT_PG_AVAIL2;
	snprintf(msg, sizeof(msg), "pmap_leaf_check: EPT misconfiguration va=%#lx pte=%#lx xwr=4",
	         va + T_PAGE, pte);
	expect_panic(pmap_enter(&noxo, va + T_PAGE, hpa, VM_PROT_EXECUTE, VM_PROT_EXECUTE,
	                        PMAP_MA_WB, PMAP_LEVEL_4K),
	             msg);
	noxo.protection_codes[VM_PROT_EXECUTE] = saved_code;
	pn_assert_unchanged(&noxo, &before);
	pmap_release(&noxo);
}

/*
 * Demoting where there is no 2 MiB leaf: a path stopped at a 4 KiB leaf,
 * a PDE pointing to a table, an invalid PDE.
 */
static void
test_pmap_panic_demote_no_2m_leaf(void **state)
{
	static const struct {
		uint64_t off; /* from test_va(0) */
		int target;   /* walk to */
	} cases[] = {
		{ 0, PMAP_LEVEL_4K },
		{ 0, PMAP_LEVEL_2M },
		{ T_2M, PMAP_LEVEL_2M },
	};
	struct tctx *t = *state;
	struct test_snapshot before;
	struct pmap_resv r;
	struct pmap_inval iv;
	struct pmap_path p;
	char msg[PN_MSG];
	unsigned i;

	test_enter(&t->pm, test_va(0), test_frame(8), VM_PROT_READ, 0);
	test_snapshot(&t->pm, &before);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t va = test_va(cases[i].off);

		assert_int_equal(pmap_walk(&t->pm, va, cases[i].target, &p), cases[i].target);
		assert_int_equal(pmap_resv_get(&t->pm, &r, 1, 0), PMAP_OK);
		pmap_inval_init(&iv, &t->pm);
		snprintf(msg, sizeof(msg), "pmap_demote: no 2M leaf va=%#lx level=%d pde=%#lx", va,
		         cases[i].target, *p.pte[PMAP_LEVEL_2M]);
		expect_panic(pmap_demote(&t->pm, &p, va, &r, &iv), msg);
		assert_int_equal(r.nptp, 1);
		pmap_resv_cancel(&t->pm, &r);
	}
	assert_int_equal(*p.pte[PMAP_LEVEL_2M], 0);
	pn_assert_unchanged(&t->pm, &before);
}

/*
 * Demoting a 2 MiB leaf whose cache bits name no type the format writes
 * (x86: PAT index 6; EPT: memory type 2, reserved, SDM 3C 29.3.7), by a
 * 4 KiB enter inside it and by a protect cutting it.
 */
static void
test_pmap_panic_demote_undecodable(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(T_2M);
	pmap_pte_t *pdep, pde;
	char msg[PN_MSG];

	test_enter_2m(&t->pm, va, test_run2m(1), VM_PROT_READ, 0);
	pdep = pn_entry(&t->pm, va, PMAP_LEVEL_2M);
	if (test_is_ept())
		*pdep = (*pdep & ~EPT_PG_MEMTYPE_MASK) | (2ul << EPT_PG_MEMTYPE_SHIFT);
	else
		*pdep = (*pdep & ~(X86_PG_PDE_PAT | X86_PG_PCD | X86_PG_PWT)) | X86_PG_PDE_PAT |
		        X86_PG_PCD;
	pde = *pdep;
	snprintf(msg, sizeof(msg), "pmap_demote: undecodable pde=%#lx va=%#lx", pde,
	         va + 5 * T_PAGE);
	expect_panic(pmap_enter(&t->pm, va + 5 * T_PAGE, test_frame(9), VM_PROT_READ, 0, PMAP_MA_WB,
	                        PMAP_LEVEL_4K),
	             msg);
	assert_int_equal(*pdep, pde);
	snprintf(msg, sizeof(msg), "pmap_demote: undecodable pde=%#lx va=%#lx", pde, va);
	expect_panic(pmap_protect(&t->pm, va + T_PAGE, va + 2 * T_PAGE, VM_PROT_READ), msg);
	/* The reserved table page is lost with the panicked call's frame. */
	t->pm_live = false;
}

/* Clearing a table under an entry that is not a PDE (level 0 or level 2). */
static void
test_pmap_panic_clear_table_level(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(0);
	struct test_snapshot before;
	struct pmap_inval iv;
	struct pmap_path p;
	char msg[PN_MSG];
	int lvl;

	test_enter(&t->pm, va, test_frame(10), VM_PROT_READ, 0);
	test_snapshot(&t->pm, &before);
	for (lvl = PMAP_LEVEL_4K; lvl <= PMAP_LEVEL_1G; lvl += 2) {
		assert_int_equal(pmap_walk(&t->pm, va, lvl, &p), lvl);
		pmap_inval_init(&iv, &t->pm);
		snprintf(msg, sizeof(msg), "pmap_leaf_clear_table: level=%d va=%#lx", lvl, va);
		expect_panic(pmap_leaf_clear_table(&t->pm, &p, va, &iv), msg);
	}
	pn_assert_unchanged(&t->pm, &before);
}

/*
 * Releasing a pmap whose counts say more than its tables hold: resident,
 * wired, table pages.  Everything is given back before the panic.
 */
static void
test_pmap_panic_release_leftovers(void **state)
{
	static const struct {
		int which; /* 0 resident, 1 wired, 2 ptp */
		const char *msg;
	} cases[] = {
		{ 0, "pmap_release: leftovers resident=1 wired=0 ptp=0" },
		{ 1, "pmap_release: leftovers resident=0 wired=1 ptp=0" },
		{ 2, "pmap_release: leftovers resident=0 wired=0 ptp=1" },
	};
	struct tctx *t = *state;
	uint64_t in_use = t->sp->stats.in_use;
	struct pmap pm;
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(pmap_pinit(&pm, test_fmt()->type, test_fmt()->flags, t), PMAP_OK);
		test_enter(&pm, test_va(0), test_frame(11), VM_PROT_READ, PMAP_ENTER_WIRED);
		test_enter_2m(&pm, test_va(T_2M), test_run2m(2), VM_PROT_ALL, VM_PROT_WRITE);
		assert_int_equal(pm.pm_stats.resident_count, 513);
		assert_int_equal(pm.pm_stats.wired_count, 1);
		if (cases[i].which == 0)
			pm.pm_stats.resident_count++;
		else if (cases[i].which == 1)
			pm.pm_stats.wired_count++;
		else
			pm.pm_stats.ptp_count++;
		pn_expect_release_panic(&pm, cases[i].msg);
		assert_int_equal(t->sp->stats.in_use, in_use);
		assert_int_equal(pmap_page_mapping_count(test_page(test_frame(11))), 0);
	}
}

/*
 * A page's pv entry whose leaf was cleared by hand (4 KiB, then 2 MiB
 * found through another page of the run).
 */
static void
test_pmap_panic_page_pv_without_leaf(void **state)
{
	struct tctx *t = *state;
	char msg[PN_MSG];
	int lvl;

	for (lvl = PMAP_LEVEL_4K; lvl <= PMAP_LEVEL_2M; lvl++) {
		uint64_t va = test_va(lvl * T_2M), base = lvl ? test_run2m(3) : test_frame(12);
		uint64_t hpa = base + (lvl ? 5 * T_PAGE : 0);
		pmap_pte_t *ptep, saved;

		assert_int_equal(pmap_enter(&t->pm, va, base, VM_PROT_READ, 0, PMAP_MA_WB, lvl),
		                 PMAP_OK);
		ptep = pn_entry(&t->pm, va, lvl);
		saved = *ptep;
		*ptep = 0;
		snprintf(msg, sizeof(msg), "pmap_page: pv without a leaf va=%#lx hpa=%#lx level=%d",
		         va, hpa, lvl);
		pn_expect_count_panic(hpa, msg);
		*ptep = saved;
		assert_int_equal(pmap_page_mapping_count(test_page(hpa)), 1);
	}
}

/* A page's pv entry whose leaf maps another frame (4 KiB, then 2 MiB). */
static void
test_pmap_panic_page_pv_other_frame(void **state)
{
	struct tctx *t = *state;
	char msg[PN_MSG];
	int lvl;

	for (lvl = PMAP_LEVEL_4K; lvl <= PMAP_LEVEL_2M; lvl++) {
		uint64_t va = test_va(lvl * T_2M), base = lvl ? test_run2m(4) : test_frame(13);
		uint64_t other = lvl ? test_run2m(5) : test_frame(14);
		uint64_t hpa = base + (lvl ? 5 * T_PAGE : 0);
		pmap_pte_t *ptep, saved, frame = lvl ? PMAP_FRAME_2M : PMAP_FRAME_4K;

		assert_int_equal(pmap_enter(&t->pm, va, base, VM_PROT_READ, 0, PMAP_MA_WB, lvl),
		                 PMAP_OK);
		ptep = pn_entry(&t->pm, va, lvl);
		saved = *ptep;
		*ptep = (saved & ~frame) | other;
		snprintf(msg, sizeof(msg),
		         "pmap_page: pv names another frame va=%#lx hpa=%#lx pte=%#lx", va, hpa,
		         *ptep);
		pn_expect_count_panic(hpa, msg);
		*ptep = saved;
		assert_int_equal(pmap_page_mapping_count(test_page(hpa)), 1);
	}
}

/*
 * A managed leaf for device memory (no page) is refused where its pv
 * entry would go.  The leaf is in by then; unmarked, it is removed.
 */
static void
test_pmap_panic_page_of_device(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(0);
	struct pmap_mapping m;
	char msg[PN_MSG];

	memset(&m, 0, sizeof(m));
	m.hpa = T_DEVICE_HPA;
	m.level = PMAP_LEVEL_4K;
	m.prot = VM_PROT_READ;
	m.memattr = PMAP_MA_UC;
	m.accessed = true;
	m.managed = true;
	snprintf(msg, sizeof(msg), "pmap_leaf_install: no page for hpa=%#lx", T_DEVICE_HPA);
	expect_panic(pmap_enter_pte(&t->pm, va, pmap_pte_encode(&t->pm, &m), PMAP_LEVEL_4K), msg);
	assert_int_equal(t->pm.pm_stats.pv_used, 0);
	*pn_entry(&t->pm, va, PMAP_LEVEL_4K) &= ~t->pm.pmap_bits[PMAP_BIT_MANAGED];
	assert_int_equal(pmap_remove(&t->pm, va, va + T_PAGE), PMAP_OK);
	assert_int_equal(t->pm.pm_stats.resident_count, 0);
	assert_int_equal(t->pm.pm_stats.ptp_count, 1);
}

/*
 * Range calls with a misaligned end, or ends reversed, or (x86) spanning
 * both canonical halves; EPT has no halves and takes that range.
 */
static void
test_pmap_panic_range_bad(void **state)
{
	static const struct {
		uint64_t sva, eva;
		bool x86_only;
	} cases[] = {
		{ 0x0000004000000010ul, 0x0000004000001000ul, false },
		{ 0x0000004000000000ul, 0x0000004000000800ul, false },
		{ 0x0000004000001000ul, 0x0000004000000000ul, false },
		{ PMAP_USER_MAX - T_PAGE, PMAP_KERNEL_MIN + T_PAGE, true },
	};
	static const char *const who[] = { "pmap_remove", "pmap_protect", "pmap_unwire" };
	struct tctx *t = *state;
	struct test_snapshot before;
	char msg[PN_MSG];
	unsigned i, op;

	test_enter(&t->pm, test_va(0), test_frame(15), VM_PROT_ALL, PMAP_ENTER_WIRED);
	test_snapshot(&t->pm, &before);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t sva = cases[i].sva, eva = cases[i].eva;

		if (cases[i].x86_only && test_is_ept())
			continue;
		for (op = 0; op < 3; op++) {
			snprintf(msg, sizeof(msg), "%s: bad range sva=%#lx eva=%#lx", who[op], sva,
			         eva);
			pn_expect_range_panic(&t->pm, op, sva, eva, msg);
		}
	}
	if (test_is_ept()) {
		uint64_t sva = PMAP_USER_MAX - T_PAGE, eva = PMAP_USER_MAX + T_PAGE;

		assert_int_equal(pmap_remove(&t->pm, sva, eva), PMAP_OK);
		assert_int_equal(pmap_protect(&t->pm, sva, eva, VM_PROT_READ), PMAP_OK);
		assert_int_equal(pmap_unwire(&t->pm, sva, eva), PMAP_OK);
	}
	pn_assert_unchanged(&t->pm, &before);
}

/*
 * Addresses outside the pmap's space (x86: not canonical; EPT: past 48
 * bits) given to lookup, extract, emulate_ad and the range calls, as the
 * start or as the last page of a range.
 */
static void
test_pmap_panic_check_va(void **state)
{
	static const char *const who[] = { "pmap_remove", "pmap_protect", "pmap_unwire" };
	struct tctx *t = *state;
	const char *space = test_is_ept() ? "EPT" : "x86";
	/* The first address outside, and the last page outside. */
	uint64_t out = test_is_ept() ? PMAP_GPA_LIMIT : PMAP_USER_MAX;
	uint64_t top = test_is_ept() ? 0xfffffffffffff000ul : PMAP_KERNEL_MIN - T_PAGE;
	const struct {
		uint64_t sva, eva, at; /* at: the address the panic names */
	} ranges[] = {
		{ out, out + T_PAGE, out },
		{ out - T_PAGE, out + T_PAGE, out + T_PAGE - 1 }, /* the last page is outside */
		{ top, top + T_PAGE, top },                       /* x86: eva canonical; EPT: 0 */
	};
	struct test_snapshot before;
	struct pmap_mapping m;
	struct pmap emul;
	char msg[PN_MSG];
	uint64_t hpa;
	unsigned i, op;

	test_enter(&t->pm, test_va(0), test_frame(16), VM_PROT_ALL, PMAP_ENTER_WIRED);
	test_snapshot(&t->pm, &before);
	for (i = 0; i < 2; i++) {
		uint64_t va = i == 0 ? out : top + 0x123;

		snprintf(msg, sizeof(msg), "pmap_lookup: address outside the %s space va=%#lx",
		         space, va);
		expect_panic(pmap_lookup(&t->pm, va, &m), msg);
		expect_panic(pmap_extract(&t->pm, va, &hpa), msg);
	}
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		uint64_t sva = ranges[i].sva, eva = ranges[i].eva;

		for (op = 0; op < 3; op++) {
			snprintf(msg, sizeof(msg), "%s: address outside the %s space va=%#lx",
			         who[op], space, ranges[i].at);
			pn_expect_range_panic(&t->pm, op, sva, eva, msg);
		}
	}
	pn_assert_unchanged(&t->pm, &before);

	/* emulate_ad checks only where it emulates; elsewhere it is EFAULT. */
	if (!test_is_emul()) {
		assert_int_equal(pmap_emulate_ad(&t->pm, out, VM_PROT_READ), PMAP_EFAULT);
		assert_int_equal(
		    pmap_pinit(&emul, PMAP_TYPE_EPT, PMAP_PDE_SUPERPAGE | PMAP_EMULATE_AD_BITS, t),
		    PMAP_OK);
	}
	snprintf(msg, sizeof(msg), "pmap_emulate_ad: address outside the EPT space va=%#lx",
	         PMAP_GPA_LIMIT);
	expect_panic(pmap_emulate_ad(test_is_emul() ? &t->pm : &emul, PMAP_GPA_LIMIT, VM_PROT_READ),
	             msg);
	if (!test_is_emul())
		pmap_release(&emul);
}

/* Unwiring a leaf that is not wired, 4 KiB and 2 MiB; nothing changes. */
static void
test_pmap_panic_unwire_not_wired(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(0), va2m = test_va(T_2M);
	struct test_snapshot before;
	char msg[PN_MSG];

	test_enter(&t->pm, va, test_frame(17), VM_PROT_READ, 0);
	test_enter_2m(&t->pm, va2m, test_run2m(6), VM_PROT_READ, 0);
	test_snapshot(&t->pm, &before);
	snprintf(msg, sizeof(msg), "pmap_unwire: not wired va=%#lx pte=%#lx level=0", va,
	         test_leaf(&t->pm, va, NULL));
	expect_panic(pmap_unwire(&t->pm, va, va + T_PAGE), msg);
	snprintf(msg, sizeof(msg), "pmap_unwire: not wired va=%#lx pte=%#lx level=1", va2m,
	         test_leaf(&t->pm, va2m, NULL));
	expect_panic(pmap_unwire(&t->pm, va2m, va2m + T_2M), msg);
	pn_assert_unchanged(&t->pm, &before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pmap_panic_ptp_unref_underflow, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_pv_remove_missing, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_pv_insert_unreserved, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_pv_unreserve_in_use, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_pv_trim_in_use, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_resv_get_too_many, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_resv_take_none, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_walk_install_leaf_above, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_leaf_check_misconfig, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_demote_no_2m_leaf, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_demote_undecodable, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_clear_table_level, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_release_leftovers, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_page_pv_without_leaf, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_page_pv_other_frame, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_page_of_device, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_range_bad, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_check_va, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_panic_unwire_not_wired, test_setup,
		                                test_teardown),
	};

	return TEST_RUN(tests);
}
