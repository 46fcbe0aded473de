/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_test.c - the shared fixture (see pmap_test.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/pmap/pmap_test.h"

#ifndef EPTSIM_TEST_FMT
#error "build pmap tests through add_eptsim_test(... FORMATS ...)"
#endif

static const struct test_fmt test_fmts[] = {
	{ "x86", PMAP_TYPE_X86, PMAP_PDE_SUPERPAGE },
	{ "ept", PMAP_TYPE_EPT, PMAP_PDE_SUPERPAGE | PMAP_SUPPORTS_EXEC_ONLY },
	{ "ept_emul", PMAP_TYPE_EPT, PMAP_PDE_SUPERPAGE | PMAP_EMULATE_AD_BITS },
};

struct test_inval_log test_inval;

const struct test_fmt *
test_fmt(void)
{
	size_t i;

	for (i = 0; i < sizeof(test_fmts) / sizeof(test_fmts[0]); i++)
		if (strcmp(test_fmts[i].name, EPTSIM_TEST_FMT) == 0)
			return &test_fmts[i];
	fprintf(stderr, "unknown test format %s\n", EPTSIM_TEST_FMT);
	abort();
}

/* x86 for an EPT test, EPT (hardware A/D) for an x86 test. */
const struct test_fmt *
test_fmt_other(void)
{
	return test_fmt()->type == PMAP_TYPE_X86 ? &test_fmts[1] : &test_fmts[0];
}

bool
test_is_ept(void)
{
	return test_fmt()->type == PMAP_TYPE_EPT;
}

bool
test_is_emul(void)
{
	return (test_fmt()->flags & PMAP_EMULATE_AD_BITS) != 0;
}

static void
test_hook_invlpg(void *ctx, struct pmap *pm, uint64_t va)
{
	test_inval.invlpg++;
	test_inval.last_va = va;
	test_inval.last_pm = pm;
}

static void
test_hook_invltlb(void *ctx, struct pmap *pm)
{
	test_inval.invltlb++;
	test_inval.last_pm = pm;
}

static void
test_hook_invept(void *ctx, struct pmap *pm, uint64_t eptp)
{
	test_inval.invept++;
	test_inval.last_eptp = eptp;
	test_inval.last_pm = pm;
}

void
test_inval_reset(void)
{
	memset(&test_inval, 0, sizeof(test_inval));
}

unsigned
test_inval_total(void)
{
	return test_inval.invlpg + test_inval.invltlb + test_inval.invept;
}

int
test_setup(void **state)
{
	struct tctx *t = calloc(1, sizeof(*t));
	const struct test_fmt *f = test_fmt();

	assert_non_null(t);
	t->sp = sim_phys_create(T_NPAGES, T_NALLOC, 0x5eed);
	assert_non_null(t->sp);
	t->sp->hooks.invlpg = test_hook_invlpg;
	t->sp->hooks.invltlb = test_hook_invltlb;
	t->sp->hooks.invept = test_hook_invept;
	assert_int_equal(pmap_pinit(&t->pm, f->type, f->flags, t), PMAP_OK);
	t->pm_live = true;
	test_inval_reset();
	*state = t;
	return 0;
}

void
test_make_other(struct tctx *t)
{
	const struct test_fmt *f = test_fmt_other();

	assert_int_equal(pmap_pinit(&t->other, f->type, f->flags, t), PMAP_OK);
	t->other_live = true;
	t->other_made = true;
}

/*
 * Count into @want the wired managed leaves under @table, per frame: [0]
 * the 4 KiB ones, [1] the 2 MiB ones (at their first frame).
 */
static void
test_count_wired(const struct pmap *pm, uint64_t table, int level, uint32_t (*want)[2])
{
	const pmap_pte_t *pt = pmap_table(table);
	pmap_pte_t wm = pm->pmap_bits[PMAP_BIT_W] | pm->pmap_bits[PMAP_BIT_MANAGED];
	unsigned i;

	for (i = 0; i < PMAP_NPTE; i++) {
		if (!pmap_pte_valid(pm, pt[i]))
			continue;
		if (level > 0 && !pmap_pte_is_leaf(pm, pt[i], level))
			test_count_wired(pm, pt[i] & PMAP_FRAME_4K, level - 1, want);
		else if ((pt[i] & wm) == wm)
			want[pmap_leaf_frame(pt[i], level) >> PMAP_PAGE_SHIFT][level != 0]++;
	}
}

/*
 * Every page's wired pv counts (pmap_pv_wire) must be what the tables of
 * the live pmaps say.
 */
static void
test_assert_wired_counts(struct tctx *t)
{
	struct sim_phys *sp = t->sp;
	uint32_t(*want)[2] = calloc(sp->npages, sizeof(*want));
	uint64_t i;

	assert_non_null(want);
	if (t->pm_live)
		test_count_wired(&t->pm, t->pm.pm_root_hpa, PMAP_NLEVELS - 1, want);
	if (t->other_live)
		test_count_wired(&t->other, t->other.pm_root_hpa, PMAP_NLEVELS - 1, want);
	for (i = 0; i < sp->npages; i++) {
		struct pmap_page *pg = &sp->pages[i].md;

		uint32_t w4k = want[i][0], w2m = want[i][1];

		if (pg->pv_wired != w4k || pg->pv_wired_2m != w2m) {
			free(want);
			fail_msg("hpa %#lx: wired pv counts 4K %u 2M %u, tables say 4K %u 2M %u",
			         i << PMAP_PAGE_SHIFT, pg->pv_wired, pg->pv_wired_2m, w4k, w2m);
		}
	}
	free(want);
}

/*
 * Release what is alive and require every frame back: a pmap that leaks
 * a table or a pv chunk fails here.  A test that corrupted a pmap marks it
 * not live; its frames are then abandoned with the machine, unchecked.
 */
int
test_teardown(void **state)
{
	struct tctx *t = *state;
	uint64_t in_use;
	bool checked = t->pm_live && (t->other_live || !t->other_made);

	if (checked)
		test_assert_wired_counts(t);
	if (t->pm_live)
		pmap_release(&t->pm);
	if (t->other_live)
		pmap_release(&t->other);
	in_use = t->sp->stats.in_use;
	sim_phys_destroy(t->sp);
	free(t);
	if (checked && in_use != 0)
		fail_msg("teardown: %lu frames still in use after release", in_use);
	return 0;
}

uint64_t
test_frame(uint64_t n)
{
	uint64_t hpa = (T_NALLOC + n) * T_PAGE;

	assert_true(hpa < T_NPAGES * T_PAGE);
	return hpa;
}

uint64_t
test_run2m(uint64_t n)
{
	uint64_t base = (T_NALLOC * T_PAGE + T_2M - 1) & ~(T_2M - 1);
	uint64_t hpa = base + (n + 1) * T_2M; /* leave room for test_frame() */

	assert_true(hpa + T_2M <= T_NPAGES * T_PAGE);
	return hpa;
}

struct pmap_page *
test_page(uint64_t hpa)
{
	struct pmap_page *pg = pmap_plat_page_lookup(hpa);

	assert_non_null(pg);
	return pg;
}

uint64_t
test_va(uint64_t n)
{
	return 0x0000004000000000ul + n;
}

void
test_enter(struct pmap *pm, uint64_t va, uint64_t hpa, vm_prot_t prot, uint32_t flags)
{
	assert_int_equal(pmap_enter(pm, va, hpa, prot, flags, PMAP_MA_WB, PMAP_LEVEL_4K), PMAP_OK);
}

void
test_enter_2m(struct pmap *pm, uint64_t va, uint64_t hpa, vm_prot_t prot, uint32_t flags)
{
	assert_int_equal(pmap_enter(pm, va, hpa, prot, flags, PMAP_MA_WB, PMAP_LEVEL_2M), PMAP_OK);
}

pmap_pte_t
test_leaf(struct pmap *pm, uint64_t va, int *level)
{
	struct pmap_path p;
	int l = pmap_walk(pm, va, PMAP_LEVEL_4K, &p);

	if (level != NULL)
		*level = l;
	return pmap_pte_valid(pm, *p.pte[l]) ? *p.pte[l] : 0;
}

void
test_assert_legal(const struct pmap *pm, pmap_pte_t pte)
{
	if (pm->pm_type == PMAP_TYPE_EPT)
		assert_false(pmap_ept_misconfigured_perm(
		    pte, (pm->pm_flags & PMAP_SUPPORTS_EXEC_ONLY) != 0));
}

pmap_pte_t
test_leaf_at(struct pmap *pm, uint64_t va, int level)
{
	pmap_pte_t pte;
	int l;

	pte = test_leaf(pm, va, &l);
	assert_int_not_equal(pte, 0);
	assert_int_equal(l, level);
	test_assert_legal(pm, pte);
	return pte;
}

pmap_pte_t
test_a_bit(const struct pmap *pm)
{
	if (pm->pm_type == PMAP_TYPE_X86)
		return X86_PG_A;
	return (pm->pm_flags & PMAP_EMULATE_AD_BITS) ? EPT_PG_READ : EPT_PG_A;
}

static uint64_t
test_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ul + (h << 6) + (h >> 2);
	return h;
}

/* Hash every non-zero entry of every table reachable from @table. */
static uint64_t
test_hash_table(const struct pmap *pm, uint64_t table, int level, uint64_t h)
{
	const pmap_pte_t *pt = pmap_table(table);
	unsigned i;

	for (i = 0; i < PMAP_NPTE; i++) {
		if (pt[i] == 0)
			continue;
		h = test_mix(test_mix(h, ((uint64_t)level << 16) | i), pt[i]);
		if (level > 0 && pmap_pte_valid(pm, pt[i]) && !pmap_pte_is_leaf(pm, pt[i], level))
			h = test_hash_table(pm, pt[i] & PMAP_FRAME_4K, level - 1, h);
	}
	return h;
}

/* Hash every page's pv lists and flags. */
static uint64_t
test_hash_pages(void)
{
	struct sim_phys *sp = sim_phys_current();
	uint64_t h = 0, i;

	for (i = 0; i < sp->npages; i++) {
		struct pmap_page *pg = &sp->pages[i].md;
		struct pmap_pv *pv;

		h = test_mix(h, pg->flags);
		for (pv = pg->pv_list; pv != NULL; pv = pv->pv_next)
			h = test_mix(test_mix(h, i), pv->pv_va ^ (uintptr_t)pv->pv_pmap);
		for (pv = pg->pv_list_2m; pv != NULL; pv = pv->pv_next)
			h = test_mix(test_mix(h, ~i), pv->pv_va ^ (uintptr_t)pv->pv_pmap);
	}
	return h;
}

void
test_snapshot(struct pmap *pm, struct test_snapshot *s)
{
	s->tables_hash = test_hash_table(pm, pm->pm_root_hpa, PMAP_NLEVELS - 1, 0);
	s->pages_hash = test_hash_pages();
	s->stats = pm->pm_stats;
	s->frames_in_use = sim_phys_current()->stats.in_use;
}

void
test_assert_snapshot(const struct test_snapshot *a, const struct test_snapshot *b)
{
	assert_int_equal(a->tables_hash, b->tables_hash);
	assert_int_equal(a->pages_hash, b->pages_hash);
	assert_int_equal(a->stats.resident_count, b->stats.resident_count);
	assert_int_equal(a->stats.wired_count, b->stats.wired_count);
	assert_int_equal(a->stats.ptp_count, b->stats.ptp_count);
	assert_int_equal(a->stats.pv_chunks, b->stats.pv_chunks);
	assert_int_equal(a->stats.pv_used, b->stats.pv_used);
	assert_int_equal(a->frames_in_use, b->frames_in_use);
}

int
test_run(const char *group, const struct CMUnitTest *tests, size_t n)
{
	char name[256];

	snprintf(name, sizeof(name), "%s [%s]", group, EPTSIM_TEST_FMT);
	return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
}
