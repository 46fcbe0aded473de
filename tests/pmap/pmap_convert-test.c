/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_convert-test.c - pmap_convert_to_ept(): an x86 pmap's user range
 * entered again as EPT leaf by leaf, what EPT cannot say reported, and the
 * refusals, the rollback on ENOMEM and the panic on an undecodable leaf.
 *
 * The x86 build converts t->pm into t->other (EPT, hardware A/D and
 * execute-only); the EPT builds convert t->other (x86) into t->pm, so both
 * EPT formats, emulated A/D included, are converted into.  Expected EPT
 * entries are computed from the raw x86 entry by the SDM rules (cv_expect).
 */
#include <stdio.h>

#include "tests/pmap/pmap_test.h"

#define CV_512G (1ul << 39) /* one PML4 entry */
#define CV_1G   (1ul << 30) /* one PDPT entry */
#define CV_BASE CV_512G     /* user-half region the tests map in */

/* The x86 source and the EPT destination, as this build pairs them. */
static void
cv_pair(struct tctx *t, struct pmap **src, struct pmap **dst)
{
	test_make_other(t);
	*src = test_is_ept() ? &t->other : &t->pm;
	*dst = test_is_ept() ? &t->pm : &t->other;
	assert_int_equal((*src)->pm_type, PMAP_TYPE_X86);
	assert_int_equal((*dst)->pm_type, PMAP_TYPE_EPT);
}

static bool
cv_emul(const struct pmap *pm)
{
	return (pm->pm_flags & PMAP_EMULATE_AD_BITS) != 0;
}

/* The entry at @level for @va, which must be there and valid. */
static pmap_pte_t *
cv_entry(struct pmap *pm, uint64_t va, int level)
{
	struct pmap_path p;

	assert_int_equal(pmap_walk(pm, va, level, &p), level);
	assert_true(pmap_pte_valid(pm, *p.pte[level]));
	return p.pte[level];
}

/*
 * The memory type an x86 leaf selects: PAT index = PAT*4 + PCD*2 + PWT
 * (SDM 3A 12.12.3, the PAT bit is bit 7 in a PTE and bit 12 in a 2 MiB
 * PDE), entry i being byte i of the PAT MSR the format assumes.
 */
static unsigned
cv_x86_memtype(pmap_pte_t pte, int level)
{
	pmap_pte_t pat = level == PMAP_LEVEL_4K ? X86_PG_PTE_PAT : X86_PG_PDE_PAT;
	unsigned idx = ((pte & pat) ? 4u : 0u) | ((pte & X86_PG_PCD) ? 2u : 0u) |
	               ((pte & X86_PG_PWT) ? 1u : 0u);

	return (unsigned)(X86_PAT_MSR >> (8 * idx)) & 0xff;
}

/*
 * The EPT leaf that says what the x86 leaf @x at @level says.  x86 (SDM 3A
 * 4.5): P grants read, RW write, no XD execute.  EPT (SDM 3C 29.3.2): R W X
 * bits, memory type in bits 5:3 with ignore-PAT (bit 6), UC- being UC (SDM
 * 3C 29.3.7); A/D at bits 8/9, or, with emulated A/D, the R/W permissions
 * while the rights sit in the soft V/RW bits.  The software bits wired,
 * managed and device move to their EPT positions; U and G have none.
 */
static pmap_pte_t
cv_expect(const struct pmap *dst, pmap_pte_t x, int level)
{
	bool w = (x & X86_PG_RW) != 0, ex = (x & X86_PG_NX) == 0;
	bool a = (x & X86_PG_A) != 0, d = (x & X86_PG_M) != 0;
	unsigned mt = cv_x86_memtype(x, level);
	pmap_pte_t e = pmap_leaf_frame(x, level);

	if (mt == PMAP_MA_UC_MINUS)
		mt = PMAP_MA_UC;
	e |= EPT_PG_IGNORE_PAT | ((pmap_pte_t)mt << EPT_PG_MEMTYPE_SHIFT);
	if (level == PMAP_LEVEL_2M)
		e |= EPT_PG_PS;
	if (x & X86_PG_AVAIL1)
		e |= EPT_PG_AVAIL1;
	if (x & X86_PG_AVAIL2)
		e |= EPT_PG_AVAIL2;
	if (x & X86_PG_AVAIL3)
		e |= EPT_PG_AVAIL3;
	if (ex)
		e |= EPT_PG_EXECUTE;
	if (!cv_emul(dst)) {
		e |= EPT_PG_READ | (w ? EPT_PG_WRITE : 0);
		e |= (a ? EPT_PG_A : 0) | (d ? EPT_PG_M : 0);
	} else {
		e |= EPT_PG_EMUL_V | (w ? EPT_PG_EMUL_RW : 0);
		e |= (a ? EPT_PG_READ : 0) | (d ? EPT_PG_WRITE : 0);
	}
	return e;
}

/* The rights of a raw x86 leaf, by the SDM rule above. */
static vm_prot_t
cv_x86_rights(pmap_pte_t x)
{
	return (vm_prot_t)(VM_PROT_READ | ((x & X86_PG_RW) ? VM_PROT_WRITE : 0) |
	                   ((x & X86_PG_NX) ? 0 : VM_PROT_EXECUTE));
}

/*
 * @va converted: the destination leaf is at the same level, is the entry
 * cv_expect() computes, and translates to the same hpa.
 */
static void
cv_assert_converted(struct pmap *src, struct pmap *dst, uint64_t va)
{
	int slvl, dlvl;
	pmap_pte_t x = test_leaf(src, va, &slvl), e = test_leaf(dst, va, &dlvl);
	uint64_t shpa, dhpa;

	assert_int_not_equal(x, 0);
	assert_int_equal(dlvl, slvl);
	assert_int_equal(e, cv_expect(dst, x, slvl));
	assert_true(pmap_extract(src, va + 0x123, &shpa));
	assert_true(pmap_extract(dst, va + 0x123, &dhpa));
	assert_int_equal(dhpa, shpa);
}

static void
cv_convert_ok(struct pmap *src, struct pmap *dst, struct pmap_convert_report *rep)
{
	assert_int_equal(pmap_convert_to_ept(src, dst, 0, PMAP_USER_MAX, rep), PMAP_OK);
}

static void
cv_assert_no_loss(const struct pmap_convert_report *rep)
{
	int i;

	for (i = 0; i < PMAP_LOSS_COUNT; i++)
		assert_int_equal(rep->lost[i], 0);
}

/* Does @pg's pv list at @level hold (@pm, @va)? */
static bool
cv_has_pv(struct pmap_page *pg, int level, struct pmap *pm, uint64_t va)
{
	struct pmap_pv *pv = level == PMAP_LEVEL_4K ? pg->pv_list : pg->pv_list_2m;

	for (; pv != NULL; pv = pv->pv_next)
		if (pv->pv_pmap == pm && pv->pv_va == va)
			return true;
	return false;
}

/*
 * Every right at 4 KiB and 2 MiB: x86 R without XD is R|X, with XD R only,
 * RW without XD everything; EPT says exactly that.
 */
static void
test_pmap_convert_rights(void **state)
{
	static const struct {
		vm_prot_t prot;     /* asked of the x86 pmap */
		vm_prot_t x86, ept; /* what the x86 leaf, then the EPT leaf, grant */
	} cases[] = {
		{ VM_PROT_READ, VM_PROT_READ, VM_PROT_READ },
		{ VM_PROT_EXECUTE, VM_PROT_READ | VM_PROT_EXECUTE, VM_PROT_READ | VM_PROT_EXECUTE },
		{ VM_PROT_READ | VM_PROT_EXECUTE, VM_PROT_READ | VM_PROT_EXECUTE,
		  VM_PROT_READ | VM_PROT_EXECUTE },
		{ VM_PROT_WRITE, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ | VM_PROT_WRITE },
		{ VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ | VM_PROT_WRITE,
		  VM_PROT_READ | VM_PROT_WRITE },
		{ VM_PROT_WRITE | VM_PROT_EXECUTE, VM_PROT_ALL, VM_PROT_ALL },
		{ VM_PROT_ALL, VM_PROT_ALL, VM_PROT_ALL },
	};
	struct tctx *t = *state;
	struct pmap *src, *dst;
	struct pmap_convert_report rep;
	struct pmap_mapping m;
	unsigned i, n = sizeof(cases) / sizeof(cases[0]);
	int lvl;

	cv_pair(t, &src, &dst);
	for (lvl = PMAP_LEVEL_4K; lvl <= PMAP_LEVEL_2M; lvl++)
		for (i = 0; i < n; i++)
			assert_int_equal(pmap_enter(src, CV_BASE + (lvl * n + i) * T_2M,
			                            lvl ? test_run2m(i) : test_frame(i),
			                            cases[i].prot, VM_PROT_READ, PMAP_MA_WB, lvl),
			                 PMAP_OK);
	cv_convert_ok(src, dst, &rep);
	assert_int_equal(rep.leaves[0], n);
	assert_int_equal(rep.leaves[1], n);
	cv_assert_no_loss(&rep);
	for (lvl = PMAP_LEVEL_4K; lvl <= PMAP_LEVEL_2M; lvl++) {
		for (i = 0; i < n; i++) {
			uint64_t va = CV_BASE + (lvl * n + i) * T_2M;
			pmap_pte_t e = test_leaf(dst, va, NULL);

			assert_int_equal(cv_x86_rights(test_leaf(src, va, NULL)), cases[i].x86);
			cv_assert_converted(src, dst, va);
			assert_true(pmap_lookup(dst, va, &m));
			assert_int_equal(m.prot, cases[i].ept);
			assert_int_equal(m.level, lvl);
			/* The permission bits themselves, per EPT format. */
			assert_int_equal((e & EPT_PG_EXECUTE) != 0,
			                 (cases[i].ept & VM_PROT_EXECUTE) != 0);
			if (cv_emul(dst))
				assert_int_equal((e & EPT_PG_EMUL_RW) != 0,
				                 (cases[i].ept & VM_PROT_WRITE) != 0);
			else
				assert_int_equal(
				    e & (EPT_PG_READ | EPT_PG_WRITE),
				    EPT_PG_READ |
				        ((cases[i].ept & VM_PROT_WRITE) ? EPT_PG_WRITE : 0));
		}
	}
}

/*
 * Every memory type at 4 KiB and 2 MiB: the PAT type the x86 bits select
 * becomes the EPT memory type with ignore-PAT; UC- becomes UC and is
 * reported.
 */
static void
test_pmap_convert_memtypes(void **state)
{
	static const enum pmap_memattr mas[] = { PMAP_MA_UC, PMAP_MA_WC, PMAP_MA_WT,
		                                 PMAP_MA_WP, PMAP_MA_WB, PMAP_MA_UC_MINUS };
	struct tctx *t = *state;
	struct pmap *src, *dst;
	struct pmap_convert_report rep;
	struct pmap_mapping m;
	unsigned i, n = sizeof(mas) / sizeof(mas[0]);
	int lvl;

	cv_pair(t, &src, &dst);
	for (lvl = PMAP_LEVEL_4K; lvl <= PMAP_LEVEL_2M; lvl++)
		for (i = 0; i < n; i++)
			assert_int_equal(pmap_enter(src, CV_BASE + (lvl * n + i) * T_2M,
			                            lvl ? test_run2m(i) : test_frame(i),
			                            VM_PROT_ALL, VM_PROT_READ, mas[i], lvl),
			                 PMAP_OK);
	cv_convert_ok(src, dst, &rep);
	assert_int_equal(rep.leaves[0], n);
	assert_int_equal(rep.leaves[1], n);
	assert_int_equal(rep.lost[PMAP_LOSS_UC_MINUS], 2);
	assert_int_equal(rep.first_lost_va[PMAP_LOSS_UC_MINUS], CV_BASE + 5 * T_2M);
	for (lvl = PMAP_LEVEL_4K; lvl <= PMAP_LEVEL_2M; lvl++) {
		for (i = 0; i < n; i++) {
			uint64_t va = CV_BASE + (lvl * n + i) * T_2M;
			pmap_pte_t x = test_leaf(src, va, NULL), e = test_leaf(dst, va, NULL);
			unsigned want = mas[i] == PMAP_MA_UC_MINUS ? PMAP_MA_UC : mas[i];

			/* The x86 bits select the type asked for through the PAT. */
			assert_int_equal(cv_x86_memtype(x, lvl), mas[i]);
			assert_int_equal((e & EPT_PG_MEMTYPE_MASK) >> EPT_PG_MEMTYPE_SHIFT, want);
			assert_true(e & EPT_PG_IGNORE_PAT);
			cv_assert_converted(src, dst, va);
			assert_true(pmap_lookup(dst, va, &m));
			assert_int_equal(m.memattr, want);
		}
	}
}

/* Accessed and dirty leaves keep A and D, 4 KiB and 2 MiB. */
static void
test_pmap_convert_ad(void **state)
{
	static const struct {
		vm_prot_t prot;
		uint32_t access;
		bool modified;
	} cases[] = {
		{ VM_PROT_READ, VM_PROT_READ, false },
		{ VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ, false },
		{ VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE, true },
		{ VM_PROT_ALL, VM_PROT_WRITE, true },
	};
	struct tctx *t = *state;
	struct pmap *src, *dst;
	struct pmap_convert_report rep;
	struct pmap_mapping m;
	unsigned i, n = sizeof(cases) / sizeof(cases[0]);
	int lvl;

	cv_pair(t, &src, &dst);
	for (lvl = PMAP_LEVEL_4K; lvl <= PMAP_LEVEL_2M; lvl++)
		for (i = 0; i < n; i++)
			assert_int_equal(pmap_enter(src, CV_BASE + (lvl * n + i) * T_2M,
			                            lvl ? test_run2m(i) : test_frame(i),
			                            cases[i].prot, cases[i].access, PMAP_MA_WB,
			                            lvl),
			                 PMAP_OK);
	cv_convert_ok(src, dst, &rep);
	assert_int_equal(rep.leaves[0], n);
	assert_int_equal(rep.leaves[1], n);
	for (lvl = PMAP_LEVEL_4K; lvl <= PMAP_LEVEL_2M; lvl++) {
		for (i = 0; i < n; i++) {
			uint64_t va = CV_BASE + (lvl * n + i) * T_2M;
			pmap_pte_t x = test_leaf(src, va, NULL);

			assert_true(x & X86_PG_A);
			assert_int_equal((x & X86_PG_M) != 0, cases[i].modified);
			cv_assert_converted(src, dst, va);
			assert_true(pmap_lookup(dst, va, &m));
			assert_true(m.accessed);
			assert_int_equal(m.modified, cases[i].modified);
		}
	}
}

/*
 * Leaves whose A the VM cleared (pmap_ts_referenced) convert without an
 * EPT misconfiguration.  Hardware A/D keeps A clear.  Emulated A/D cannot
 * leave R clear under X (XWR=100, no execute-only) or under the W that
 * says dirty (XWR=x10, SDM 3C 29.3.3.1), so such a leaf must read as
 * accessed, as pmap_enter() makes every leaf; D must stay either way.
 */
static void
test_pmap_convert_unaccessed(void **state)
{
	static const struct {
		vm_prot_t prot;
		uint32_t access;
	} cases[] = {
		{ VM_PROT_READ, VM_PROT_READ },                   /* r--, clean */
		{ VM_PROT_READ | VM_PROT_EXECUTE, VM_PROT_READ }, /* r-x, clean */
		{ VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE },  /* rw-, dirty */
		{ VM_PROT_ALL, VM_PROT_WRITE },                   /* rwx, dirty */
		{ VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ },   /* rw-, clean */
	};
	struct tctx *t = *state;
	struct pmap *src, *dst;
	struct pmap_convert_report rep;
	struct pmap_mapping m;
	unsigned i, n = sizeof(cases) / sizeof(cases[0]);
	bool exec_only;

	cv_pair(t, &src, &dst);
	exec_only = (dst->pm_flags & PMAP_SUPPORTS_EXEC_ONLY) != 0;
	for (i = 0; i < n; i++) {
		assert_int_equal(pmap_enter(src, CV_BASE + i * T_PAGE, test_frame(i), cases[i].prot,
		                            cases[i].access, PMAP_MA_WB, PMAP_LEVEL_4K),
		                 PMAP_OK);
		assert_int_equal(pmap_ts_referenced(test_page(test_frame(i))), 1);
		assert_false(test_leaf(src, CV_BASE + i * T_PAGE, NULL) & X86_PG_A);
	}
	cv_convert_ok(src, dst, &rep);
	assert_int_equal(rep.leaves[0], n);
	for (i = 0; i < n; i++) {
		uint64_t va = CV_BASE + i * T_PAGE;
		pmap_pte_t x = test_leaf(src, va, NULL), e = test_leaf(dst, va, NULL);
		bool dirty = (x & X86_PG_M) != 0, ex = (x & X86_PG_NX) == 0;
		bool forced = cv_emul(dst) && (dirty || (ex && !exec_only));

		assert_int_equal(dirty, cases[i].access == VM_PROT_WRITE);
		assert_false(pmap_ept_misconfigured_perm(e, exec_only));
		assert_int_equal(e, cv_expect(dst, x | (forced ? X86_PG_A : 0), PMAP_LEVEL_4K));
		assert_true(pmap_lookup(dst, va, &m));
		assert_int_equal(m.accessed, forced);
		assert_int_equal(m.modified, dirty);
		assert_int_equal(m.prot, cv_x86_rights(x));
	}
}

/*
 * Wired, managed, unmanaged and device leaves: the bits, the counts, and a
 * pv entry of the EPT pmap on every managed page (two mappings now).
 */
static void
test_pmap_convert_wired_managed_device(void **state)
{
	struct tctx *t = *state;
	struct pmap *src, *dst;
	struct pmap_convert_report rep;
	struct pmap_mapping m;
	uint64_t va = CV_BASE, va2m = CV_BASE + T_2M, run = test_run2m(0);

	cv_pair(t, &src, &dst);
	assert_int_equal(pmap_enter(src, va, test_frame(0), VM_PROT_READ | VM_PROT_WRITE,
	                            PMAP_ENTER_WIRED, PMAP_MA_WB, PMAP_LEVEL_4K),
	                 PMAP_OK);
	assert_int_equal(pmap_enter(src, va + T_PAGE, test_frame(1), VM_PROT_READ | VM_PROT_WRITE,
	                            PMAP_ENTER_UNMANAGED, PMAP_MA_WB, PMAP_LEVEL_4K),
	                 PMAP_OK);
	assert_int_equal(pmap_enter(src, va + 2 * T_PAGE, T_DEVICE_HPA,
	                            VM_PROT_READ | VM_PROT_WRITE, PMAP_ENTER_DEVICE, PMAP_MA_UC,
	                            PMAP_LEVEL_4K),
	                 PMAP_OK);
	assert_int_equal(pmap_enter(src, va2m, run, VM_PROT_ALL, VM_PROT_WRITE | PMAP_ENTER_WIRED,
	                            PMAP_MA_WB, PMAP_LEVEL_2M),
	                 PMAP_OK);
	assert_int_equal(pmap_page_mapping_count(test_page(test_frame(0))), 1);
	assert_int_equal(pmap_page_mapping_count(test_page(test_frame(1))), 0);
	assert_int_equal(pmap_page_mapping_count(test_page(run + 7 * T_PAGE)), 1);

	cv_convert_ok(src, dst, &rep);
	assert_int_equal(rep.leaves[0], 3);
	assert_int_equal(rep.leaves[1], 1);
	cv_assert_no_loss(&rep);
	cv_assert_converted(src, dst, va);
	cv_assert_converted(src, dst, va + T_PAGE);
	cv_assert_converted(src, dst, va + 2 * T_PAGE);
	cv_assert_converted(src, dst, va2m);

	assert_int_equal(dst->pm_stats.resident_count, 3 + 512);
	assert_int_equal(dst->pm_stats.wired_count, 1 + 512);
	assert_int_equal(dst->pm_stats.pv_used, 2);
	assert_int_equal(pmap_page_mapping_count(test_page(test_frame(0))), 2);
	assert_int_equal(pmap_page_mapping_count(test_page(test_frame(1))), 0);
	assert_int_equal(pmap_page_mapping_count(test_page(run)), 2);
	assert_int_equal(pmap_page_mapping_count(test_page(run + 7 * T_PAGE)), 2);
	assert_true(cv_has_pv(test_page(test_frame(0)), PMAP_LEVEL_4K, dst, va));
	assert_true(cv_has_pv(test_page(run), PMAP_LEVEL_2M, dst, va2m));

	assert_true(pmap_lookup(dst, va, &m));
	assert_true(m.wired && m.managed && !m.device);
	assert_true(pmap_lookup(dst, va + T_PAGE, &m));
	assert_true(!m.wired && !m.managed && !m.device && m.modified);
	assert_true(pmap_lookup(dst, va + 2 * T_PAGE, &m));
	assert_true(m.device && !m.managed && m.hpa == T_DEVICE_HPA);
	assert_int_equal(m.memattr, PMAP_MA_UC);
	assert_true(pmap_lookup(dst, va2m + 0x12345, &m));
	assert_true(m.wired && m.managed && m.modified && m.level == PMAP_LEVEL_2M);
}

/*
 * A 2 MiB leaf partly in range goes as 4 KiB leaves for the part in range
 * only; one wholly in range stays 2 MiB; one outside is not touched.
 */
static void
test_pmap_convert_2m_partial(void **state)
{
	struct tctx *t = *state;
	struct pmap *src, *dst;
	struct pmap_convert_report rep;
	uint64_t v0 = CV_BASE, v1 = v0 + T_2M, v2 = v0 + 2 * T_2M, v3 = v0 + 3 * T_2M;
	uint64_t sva = v1 + 10 * T_PAGE, eva = v3 + 100 * T_PAGE, hpa;
	pmap_pte_t pde1, e;
	unsigned i;
	int lvl;

	cv_pair(t, &src, &dst);
	for (i = 0; i < 4; i++)
		assert_int_equal(pmap_enter(src, v0 + i * T_2M, test_run2m(i), VM_PROT_ALL,
		                            VM_PROT_WRITE, PMAP_MA_WT, PMAP_LEVEL_2M),
		                 PMAP_OK);
	assert_int_equal(pmap_convert_to_ept(src, dst, sva, eva, &rep), PMAP_OK);
	assert_int_equal(rep.leaves[0], 502 + 100);
	assert_int_equal(rep.leaves[1], 1);
	assert_int_equal(dst->pm_stats.resident_count, 502 + 512 + 100);
	assert_int_equal(dst->pm_stats.pv_used, 502 + 1 + 100);

	assert_false(pmap_extract(dst, v0, &hpa));
	assert_false(pmap_extract(dst, v0 + T_2M - T_PAGE, &hpa));
	pde1 = test_leaf(src, v1, NULL);
	for (i = 0; i < 512; i++) {
		uint64_t va = v1 + i * T_PAGE, pg = test_run2m(1) + i * T_PAGE;

		e = test_leaf(dst, va, &lvl);
		if (i < 10) {
			assert_int_equal(e, 0);
			assert_int_equal(pmap_page_mapping_count(test_page(pg)), 1);
			continue;
		}
		assert_int_equal(lvl, PMAP_LEVEL_4K);
		assert_int_equal(e,
		                 (cv_expect(dst, pde1, PMAP_LEVEL_2M) & ~EPT_PG_PS) + i * T_PAGE);
		assert_int_equal(pmap_page_mapping_count(test_page(pg)), 2);
	}
	cv_assert_converted(src, dst, v2);
	for (i = 0; i < 512; i++) {
		e = test_leaf(dst, v3 + i * T_PAGE, &lvl);
		if (i >= 100) {
			assert_int_equal(e, 0);
			continue;
		}
		assert_int_equal(lvl, PMAP_LEVEL_4K);
		assert_true(pmap_extract(dst, v3 + i * T_PAGE, &hpa));
		assert_int_equal(hpa, test_run2m(3) + i * T_PAGE);
	}
}

/* A destination without PMAP_PDE_SUPERPAGE gets 512 4 KiB leaves for a 2 MiB one. */
static void
test_pmap_convert_no_superpage_dst(void **state)
{
	struct tctx *t = *state;
	struct pmap *src, *dst, d;
	struct pmap_convert_report rep;
	uint64_t va = CV_BASE, run = test_run2m(2);
	pmap_pte_t pde, e;
	unsigned i;
	int lvl;

	cv_pair(t, &src, &dst);
	assert_int_equal(pmap_pinit(&d, PMAP_TYPE_EPT, dst->pm_flags & ~PMAP_PDE_SUPERPAGE, t),
	                 PMAP_OK);
	assert_int_equal(pmap_enter(src, va, run, VM_PROT_READ, VM_PROT_READ | PMAP_ENTER_WIRED,
	                            PMAP_MA_WC, PMAP_LEVEL_2M),
	                 PMAP_OK);
	assert_int_equal(pmap_convert_to_ept(src, &d, 0, PMAP_USER_MAX, &rep), PMAP_OK);
	assert_int_equal(rep.leaves[0], 512);
	assert_int_equal(rep.leaves[1], 0);
	pde = test_leaf(src, va, NULL);
	for (i = 0; i < 512; i++) {
		e = test_leaf(&d, va + i * T_PAGE, &lvl);
		assert_int_equal(lvl, PMAP_LEVEL_4K);
		assert_int_equal(e, (cv_expect(&d, pde, PMAP_LEVEL_2M) & ~EPT_PG_PS) + i * T_PAGE);
		assert_int_equal(pmap_page_mapping_count(test_page(run + i * T_PAGE)), 2);
	}
	assert_int_equal(d.pm_stats.resident_count, 512);
	assert_int_equal(d.pm_stats.wired_count, 512);
	assert_int_equal(d.pm_stats.pv_used, 512);
	pmap_release(&d);
	assert_int_equal(pmap_page_mapping_count(test_page(run)), 1);
}

/*
 * What EPT cannot say is counted per kind, with the first address it
 * happened at; the leaves are converted all the same.
 */
static void
test_pmap_convert_losses(void **state)
{
	struct tctx *t = *state;
	struct pmap *src, *dst;
	struct pmap_convert_report rep;
	uint64_t va = CV_BASE, va2m = CV_BASE + 2 * T_2M;
	uint64_t vpde = CV_BASE + CV_1G, vpml4 = 2 * CV_512G;
	struct pmap_path p;
	unsigned i;

	cv_pair(t, &src, &dst);
	for (i = 0; i < 4; i++)
		assert_int_equal(pmap_enter(src, va + i * T_PAGE, test_frame(i), VM_PROT_READ, 0,
		                            PMAP_MA_WB, PMAP_LEVEL_4K),
		                 PMAP_OK);
	assert_int_equal(pmap_enter(src, va + 4 * T_PAGE, test_frame(4), VM_PROT_READ, 0,
	                            PMAP_MA_UC_MINUS, PMAP_LEVEL_4K),
	                 PMAP_OK);
	assert_int_equal(pmap_enter(src, va + 5 * T_PAGE, test_frame(5), VM_PROT_READ, 0,
	                            PMAP_MA_UC_MINUS, PMAP_LEVEL_4K),
	                 PMAP_OK);
	assert_int_equal(
	    pmap_enter(src, va2m, test_run2m(0), VM_PROT_READ, 0, PMAP_MA_WB, PMAP_LEVEL_2M),
	    PMAP_OK);
	assert_int_equal(pmap_enter(src, vpde + T_PAGE, test_frame(6), VM_PROT_READ, 0, PMAP_MA_WB,
	                            PMAP_LEVEL_4K),
	                 PMAP_OK);
	assert_int_equal(pmap_enter(src, vpml4 + 3 * T_2M, test_frame(7), VM_PROT_READ, 0,
	                            PMAP_MA_WB, PMAP_LEVEL_4K),
	                 PMAP_OK);
	/* page 1: supervisor; page 2: global; page 3: both; the 2 MiB leaf: global. */
	*cv_entry(src, va + T_PAGE, PMAP_LEVEL_4K) &= ~X86_PG_U;
	*cv_entry(src, va + 2 * T_PAGE, PMAP_LEVEL_4K) |= X86_PG_G;
	*cv_entry(src, va + 3 * T_PAGE, PMAP_LEVEL_4K) &= ~X86_PG_U;
	*cv_entry(src, va + 3 * T_PAGE, PMAP_LEVEL_4K) |= X86_PG_G;
	*cv_entry(src, va2m, PMAP_LEVEL_2M) |= X86_PG_G;
	/* Cache bits on a PDE (PCD) and on a PML4E (PWT) pointing to tables. */
	assert_int_equal(pmap_walk(src, vpde, PMAP_LEVEL_4K, &p), PMAP_LEVEL_4K);
	*p.pte[PMAP_LEVEL_2M] |= X86_PG_PCD;
	assert_int_equal(pmap_walk(src, vpml4 + 3 * T_2M, PMAP_LEVEL_4K, &p), PMAP_LEVEL_4K);
	*p.pte[PMAP_LEVEL_512G] |= X86_PG_PWT;

	cv_convert_ok(src, dst, &rep);
	assert_int_equal(rep.leaves[0], 8);
	assert_int_equal(rep.leaves[1], 1);
	assert_int_equal(rep.lost[PMAP_LOSS_SUPERVISOR], 2);
	assert_int_equal(rep.first_lost_va[PMAP_LOSS_SUPERVISOR], va + T_PAGE);
	assert_int_equal(rep.lost[PMAP_LOSS_GLOBAL], 3);
	assert_int_equal(rep.first_lost_va[PMAP_LOSS_GLOBAL], va + 2 * T_PAGE);
	assert_int_equal(rep.lost[PMAP_LOSS_UC_MINUS], 2);
	assert_int_equal(rep.first_lost_va[PMAP_LOSS_UC_MINUS], va + 4 * T_PAGE);
	assert_int_equal(rep.lost[PMAP_LOSS_NONLEAF_CACHE], 2);
	assert_int_equal(rep.first_lost_va[PMAP_LOSS_NONLEAF_CACHE], vpde);
	for (i = 0; i < 6; i++)
		cv_assert_converted(src, dst, va + i * T_PAGE);
	cv_assert_converted(src, dst, va2m);
	cv_assert_converted(src, dst, vpde + T_PAGE);
	cv_assert_converted(src, dst, vpml4 + 3 * T_2M);
}

/* The names the report's kinds print as. */
static void
test_pmap_convert_loss_names(void **state)
{
	static const struct {
		int loss;
		const char *name;
	} cases[] = {
		{ PMAP_LOSS_NONLEAF_CACHE, "cache bits on a table entry" },
		{ PMAP_LOSS_SUPERVISOR, "supervisor-only page" },
		{ PMAP_LOSS_GLOBAL, "global page" },
		{ PMAP_LOSS_UC_MINUS, "UC- memory type" },
		{ PMAP_LOSS_COUNT, "?" },
		{ -1, "?" },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(pmap_loss_name((enum pmap_loss)cases[i].loss), cases[i].name);
}

/*
 * Requests the converter cannot express are refused with EINVAL, both
 * pmaps untouched: kernel addresses, empty or inverted ranges, misaligned
 * ends, a destination that maps something, and wrong pmap types.
 */
static void
test_pmap_convert_refusals(void **state)
{
	static const struct {
		uint64_t sva, eva;
	} ranges[] = {
		{ 0, PMAP_USER_MAX + T_PAGE }, { PMAP_KERNEL_MIN, PMAP_KERNEL_MIN + T_2M },
		{ PMAP_KERNEL_MIN, 0 },        { CV_BASE, CV_BASE },
		{ CV_BASE + T_2M, CV_BASE },   { 0x800, CV_BASE + T_2M },
		{ 0, CV_BASE + T_2M + 0x800 },
	};
	struct tctx *t = *state;
	struct pmap *src, *dst;
	struct pmap_convert_report rep;
	struct test_snapshot s0, d0, s1, d1;
	unsigned i;

	cv_pair(t, &src, &dst);
	assert_int_equal(
	    pmap_enter(src, CV_BASE, test_frame(0), VM_PROT_READ, 0, PMAP_MA_WB, PMAP_LEVEL_4K),
	    PMAP_OK);
	assert_int_equal(pmap_enter(src, PMAP_KERNEL_MIN, test_frame(1), VM_PROT_READ, 0,
	                            PMAP_MA_WB, PMAP_LEVEL_4K),
	                 PMAP_OK);
	test_snapshot(src, &s0);
	test_snapshot(dst, &d0);
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		assert_int_equal(pmap_convert_to_ept(src, dst, ranges[i].sva, ranges[i].eva, &rep),
		                 PMAP_EINVAL);
		test_snapshot(src, &s1);
		test_snapshot(dst, &d1);
		test_assert_snapshot(&s0, &s1);
		test_assert_snapshot(&d0, &d1);
	}
	/* Source not x86, destination not EPT, or both wrong. */
	assert_int_equal(pmap_convert_to_ept(dst, dst, 0, PMAP_USER_MAX, &rep), PMAP_EINVAL);
	assert_int_equal(pmap_convert_to_ept(src, src, 0, PMAP_USER_MAX, &rep), PMAP_EINVAL);
	assert_int_equal(pmap_convert_to_ept(dst, src, 0, PMAP_USER_MAX, &rep), PMAP_EINVAL);
	test_snapshot(src, &s1);
	test_snapshot(dst, &d1);
	test_assert_snapshot(&s0, &s1);
	test_assert_snapshot(&d0, &d1);
	/* A destination that maps anything at all. */
	assert_int_equal(
	    pmap_enter(dst, 3 * CV_512G, test_frame(2), VM_PROT_READ, 0, PMAP_MA_WB, PMAP_LEVEL_4K),
	    PMAP_OK);
	test_snapshot(dst, &d0);
	assert_int_equal(pmap_convert_to_ept(src, dst, 0, PMAP_USER_MAX, &rep), PMAP_EINVAL);
	test_snapshot(dst, &d1);
	test_assert_snapshot(&d0, &d1);
	assert_int_equal(dst->pm_stats.resident_count, 1);
}

/* Kernel-half x86 mappings are not converted with the user half. */
static void
test_pmap_convert_kernel_half_skipped(void **state)
{
	struct tctx *t = *state;
	struct pmap *src, *dst;
	struct pmap_convert_report rep;
	uint64_t kva[] = { PMAP_KERNEL_MIN, 0xffffffffffe00000ul + 511 * T_PAGE };
	uint64_t hpa;
	unsigned i;

	cv_pair(t, &src, &dst);
	assert_int_equal(
	    pmap_enter(src, CV_BASE, test_frame(0), VM_PROT_READ, 0, PMAP_MA_WB, PMAP_LEVEL_4K),
	    PMAP_OK);
	for (i = 0; i < 2; i++)
		assert_int_equal(pmap_enter(src, kva[i], test_frame(1 + i), VM_PROT_ALL, 0,
		                            PMAP_MA_WB, PMAP_LEVEL_4K),
		                 PMAP_OK);
	assert_int_equal(pmap_enter(src, 0xffffffff80000000ul, test_run2m(0), VM_PROT_READ, 0,
	                            PMAP_MA_WB, PMAP_LEVEL_2M),
	                 PMAP_OK);
	cv_convert_ok(src, dst, &rep);
	assert_int_equal(rep.leaves[0], 1);
	assert_int_equal(rep.leaves[1], 0);
	cv_assert_no_loss(&rep); /* a kernel leaf has no U: it would be "supervisor" */
	assert_int_equal(dst->pm_stats.resident_count, 1);
	cv_assert_converted(src, dst, CV_BASE);
	for (i = 0; i < 2; i++) {
		/* Nor under their low 48 bits, as a truncating walk would put them. */
		assert_false(pmap_extract(dst, kva[i] & (PMAP_GPA_LIMIT - 1), &hpa));
		assert_int_equal(pmap_page_mapping_count(test_page(test_frame(1 + i))), 1);
	}
	assert_false(pmap_extract(dst, 0xffffffff80000000ul & (PMAP_GPA_LIMIT - 1), &hpa));
}

/*
 * Running out of memory after some leaves were entered: PMAP_ENOMEM, the
 * destination exactly as before (tables, pv entries, counts, frames), the
 * report zeroed; a retry then converts everything.
 */
static void
test_pmap_convert_enomem_rollback(void **state)
{
	struct tctx *t = *state;
	struct pmap *src, *dst;
	struct pmap_convert_report rep, zero;
	struct test_snapshot s0, d0, s1, d1;
	uint64_t allocs, fails;
	unsigned i;

	cv_pair(t, &src, &dst);
	/* Four leaves, each in its own 512 GiB region: each needs 3 new tables. */
	for (i = 1; i <= 4; i++)
		assert_int_equal(pmap_enter(src, i * CV_512G, test_frame(i), VM_PROT_ALL,
		                            VM_PROT_WRITE, PMAP_MA_WB, PMAP_LEVEL_4K),
		                 PMAP_OK);
	test_snapshot(src, &s0);
	test_snapshot(dst, &d0);
	memset(&rep, 0xa5, sizeof(rep));
	memset(&zero, 0, sizeof(zero));
	allocs = t->sp->stats.allocs;
	fails = t->sp->stats.alloc_failures;
	/*
	 * Leaf 1 takes 3 tables and a pv chunk (attempts 1-4), leaf 2 takes 3
	 * tables (5-7); attempt 9 is leaf 3's second table.
	 */
	sim_phys_fail_nth(t->sp, 9);
	assert_int_equal(pmap_convert_to_ept(src, dst, 0, PMAP_USER_MAX, &rep), PMAP_ENOMEM);
	assert_int_equal(t->sp->stats.alloc_failures - fails, 1);
	assert_int_equal(t->sp->stats.allocs - allocs, 8);
	assert_memory_equal(&rep, &zero, sizeof(rep));
	/* The copies' A/D were not news: no page may have been marked. */
	for (i = 1; i <= 4; i++)
		assert_int_equal(test_page(test_frame(i))->flags, 0);
	test_snapshot(src, &s1);
	test_snapshot(dst, &d1);
	test_assert_snapshot(&s0, &s1);
	test_assert_snapshot(&d0, &d1);
	assert_int_equal(pmap_page_mapping_count(test_page(test_frame(1))), 1);

	cv_convert_ok(src, dst, &rep);
	assert_int_equal(rep.leaves[0], 4);
	for (i = 1; i <= 4; i++) {
		cv_assert_converted(src, dst, i * CV_512G);
		assert_int_equal(pmap_page_mapping_count(test_page(test_frame(i))), 2);
	}
}

/* Check every non-leaf entry under @table (at @level) and count them. */
static unsigned
cv_check_nonleaf(const struct pmap *pm, uint64_t table, int level)
{
	const pmap_pte_t *pt = pmap_table(table);
	unsigned i, n = 0;

	for (i = 0; i < PMAP_NPTE; i++) {
		if (!pmap_pte_valid(pm, pt[i]) || pmap_pte_is_leaf(pm, pt[i], level))
			continue;
		/* SDM 3C 29.3.2: bits 6:3 (7:3 in a PML4E) are reserved. */
		assert_int_equal(pt[i] & (level == PMAP_LEVEL_512G ? 0xf8ul : 0x78ul), 0);
		/* Rights combine across levels (SDM 3C 29.3.3.2): the leaf decides. */
		assert_int_equal(pt[i] & EPT_PG_RWX, EPT_PG_RWX);
		n += 1 + cv_check_nonleaf(pm, pt[i] & PMAP_FRAME_4K, level - 1);
	}
	return n;
}

/*
 * The EPT tables built never carry cache bits in a non-leaf entry, even
 * where the x86 tables had PWT/PCD, and leave the rights to the leaves.
 */
static void
test_pmap_convert_nonleaf_no_cache_bits(void **state)
{
	static const enum pmap_memattr mas[] = { PMAP_MA_UC, PMAP_MA_WC, PMAP_MA_WT, PMAP_MA_WP,
		                                 PMAP_MA_UC_MINUS };
	struct tctx *t = *state;
	struct pmap *src, *dst;
	struct pmap_convert_report rep;
	struct pmap_path p;
	unsigned i;
	int lvl;

	cv_pair(t, &src, &dst);
	for (i = 0; i < 5; i++) {
		uint64_t va = (i + 1) * CV_512G + i * CV_1G + i * T_2M;

		assert_int_equal(
		    pmap_enter(src, va, test_frame(i), VM_PROT_READ, 0, mas[i], PMAP_LEVEL_4K),
		    PMAP_OK);
		assert_int_equal(pmap_enter(src, va + T_2M, test_run2m(i), VM_PROT_READ, 0, mas[i],
		                            PMAP_LEVEL_2M),
		                 PMAP_OK);
		assert_int_equal(pmap_walk(src, va, PMAP_LEVEL_4K, &p), PMAP_LEVEL_4K);
		for (lvl = PMAP_LEVEL_2M; lvl <= PMAP_LEVEL_512G; lvl++)
			*p.pte[lvl] |= X86_PG_PCD | X86_PG_PWT;
	}
	cv_convert_ok(src, dst, &rep);
	assert_int_equal(rep.leaves[0], 5);
	assert_int_equal(rep.leaves[1], 5);
	assert_int_equal(rep.lost[PMAP_LOSS_NONLEAF_CACHE], 5 * 3);
	assert_int_equal(rep.first_lost_va[PMAP_LOSS_NONLEAF_CACHE], CV_512G);
	/* 5 x (PML4E + PDPTE + PDE): the walk saw every table entry built. */
	assert_int_equal(cv_check_nonleaf(dst, dst->pm_root_hpa, PMAP_LEVEL_512G), 15);
	assert_int_equal(dst->pm_stats.ptp_count, 1 + 15);
}

/* Convert all of @src into @dst, which must panic with @msg. */
static void
cv_expect_convert_panic(struct pmap *src, struct pmap *dst, const char *msg)
{
	struct pmap_convert_report rep;

	expect_panic(pmap_convert_to_ept(src, dst, 0, PMAP_USER_MAX, &rep), msg);
}

/* A leaf whose cache bits name no type the format writes panics, with its values. */
static void
test_pmap_convert_undecodable_panics(void **state)
{
	static const struct {
		int level;
		pmap_pte_t bits; /* cache bits: PAT index 6 or 7 */
	} cases[] = {
		{ PMAP_LEVEL_4K, X86_PG_PTE_PAT | X86_PG_PCD },
		{ PMAP_LEVEL_4K, X86_PG_PTE_PAT | X86_PG_PCD | X86_PG_PWT },
		{ PMAP_LEVEL_2M, X86_PG_PDE_PAT | X86_PG_PCD },
	};
	struct tctx *t = *state;
	struct pmap *src, *dst;
	char msg[160];
	unsigned i;

	cv_pair(t, &src, &dst);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t va = CV_BASE + 3 * T_2M, mask;
		int lvl = cases[i].level;
		pmap_pte_t *ptep;

		assert_int_equal(pmap_enter(src, va, lvl ? test_run2m(0) : test_frame(0),
		                            VM_PROT_READ, 0, PMAP_MA_WB, lvl),
		                 PMAP_OK);
		ptep = cv_entry(src, va, lvl);
		mask = X86_PG_PCD | X86_PG_PWT | (lvl ? X86_PG_PDE_PAT : X86_PG_PTE_PAT);
		*ptep = (*ptep & ~mask) | cases[i].bits;
		snprintf(msg, sizeof(msg),
		         "pmap_convert: undecodable leaf va=%#lx pte=%#lx level=%d", va, *ptep,
		         lvl);
		cv_expect_convert_panic(src, dst, msg);
		assert_int_equal(dst->pm_stats.resident_count, 0);
		*ptep &= ~mask;
		assert_int_equal(pmap_remove(src, va, va + T_2M), PMAP_OK);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pmap_convert_rights, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_convert_memtypes, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_convert_ad, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_convert_unaccessed, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_convert_wired_managed_device, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_convert_2m_partial, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_convert_no_superpage_dst, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_convert_losses, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_convert_loss_names, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_convert_refusals, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_convert_kernel_half_skipped, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_convert_enomem_rollback, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_convert_nonleaf_no_cache_bits, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_convert_undecodable_panics, test_setup,
		                                test_teardown),
	};

	return TEST_RUN(tests);
}
