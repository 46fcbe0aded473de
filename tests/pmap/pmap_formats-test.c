/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_formats-test.c - the vocabulary a pmap gets at pinit, pinned entry
 * by entry against tables transcribed here from the SDM (numbers, not the
 * pmap's macros): x86 from SDM 3A 4.5 tables 4-18/4-19 and 12.12.2 (PAT),
 * EPT from SDM 3C 29.3.2 tables 29-5/29-6 and 29.3.7.
 */
#include "tests/pmap/pmap_test.h"

#define B(n) (1ul << (n))

/* SDM 3A table 4-19 (4 KiB PTE) and 4-18 (2 MiB PDE). */
enum {
	X_P = 0,
	X_RW = 1,
	X_US = 2,
	X_PWT = 3,
	X_PCD = 4,
	X_A = 5,
	X_D = 6,
	X_PS = 7,
	X_PTE_PAT = 7,
	X_G = 8,
	X_PDE_PAT = 12,
	X_XD = 63
};
/* SDM 3C table 29-6 (4 KiB EPT PTE) and 29-5 (2 MiB EPT PDE). */
enum { E_R = 0, E_W = 1, E_X = 2, E_MT = 3, E_IPAT = 6, E_PS = 7, E_A = 8, E_D = 9 };

/* Bits the CPU ignores, free for software: x86 11:9 and 62:52; EPT 11:10
 * (10 while mode-based execute control is off) and 57:52. */
#define X86_IGNORED (B(9) | B(10) | B(11) | (0x7fful << 52))
#define EPT_IGNORED (B(10) | B(11) | (0x3ful << 52))

struct role_case {
	enum pmap_bit role;
	pmap_pte_t x86, ept, ept_emul;
};

static const struct role_case role_cases[] = {
	{ PMAP_BIT_TYPE, PMAP_TYPE_X86, PMAP_TYPE_EPT, PMAP_TYPE_EPT },
	{ PMAP_BIT_V, B(X_P), B(E_R) | B(E_X), B(53) },
	{ PMAP_BIT_RW, B(X_RW), B(E_W), B(54) },
	{ PMAP_BIT_U, B(X_US), 0, 0 },
	{ PMAP_BIT_A, B(X_A), B(E_A), B(E_R) },
	{ PMAP_BIT_M, B(X_D), B(E_D), B(E_W) },
	{ PMAP_BIT_PS, B(X_PS), B(E_PS), B(E_PS) },
	{ PMAP_BIT_G, B(X_G), 0, 0 },
	{ PMAP_BIT_W, B(9), B(10), B(10) },
	{ PMAP_BIT_MANAGED, B(10), B(11), B(11) },
	{ PMAP_BIT_DEVICE, B(11), B(52), B(52) },
	{ PMAP_BIT_N, B(X_PCD) | B(X_PWT), B(E_IPAT) | (0ul << E_MT), B(E_IPAT) | (0ul << E_MT) },
	{ PMAP_BIT_NX, B(X_XD), 0, 0 },
};

static pmap_pte_t
fmt_pick(pmap_pte_t x86, pmap_pte_t ept, pmap_pte_t ept_emul)
{
	if (!test_is_ept())
		return x86;
	return test_is_emul() ? ept_emul : ept;
}

/* Every role of pmap_bits[], as the SDM and the seed design place it. */
static void
test_pmap_formats_roles(void **state)
{
	struct tctx *t = *state;
	size_t i;

	assert_int_equal(sizeof(role_cases) / sizeof(role_cases[0]), PMAP_BIT_COUNT);
	for (i = 0; i < PMAP_BIT_COUNT; i++) {
		const struct role_case *c = &role_cases[i];

		assert_int_equal(c->role, i);
		assert_int_equal(t->pm.pmap_bits[c->role], fmt_pick(c->x86, c->ept, c->ept_emul));
	}
}

/* Software roles sit in bits the CPU ignores, so it never acts on them. */
static void
test_pmap_formats_soft_bits_ignored(void **state)
{
	struct tctx *t = *state;
	static const enum pmap_bit soft[] = { PMAP_BIT_W, PMAP_BIT_MANAGED, PMAP_BIT_DEVICE };
	pmap_pte_t ignored = test_is_ept() ? EPT_IGNORED : X86_IGNORED;
	size_t i;

	for (i = 0; i < sizeof(soft) / sizeof(soft[0]); i++)
		assert_int_equal(t->pm.pmap_bits[soft[i]] & ~ignored, 0);
	if (test_is_emul()) {
		assert_int_equal(t->pm.pmap_bits[PMAP_BIT_V] & ~ignored, 0);
		assert_int_equal(t->pm.pmap_bits[PMAP_BIT_RW] & ~ignored, 0);
	}
}

/*
 * x86 cache bits select a PAT entry: index = PAT*4 + PCD*2 + PWT (SDM 3A
 * 12.12.3), PAT being bit 7 in a PTE and bit 12 in a 2 MiB PDE.  The PAT
 * the pmap assumes, entry by entry (type encodings from SDM table 12-10:
 * UC 0, WC 1, WT 4, WP 5, WB 6, UC- 7).
 */
static const uint8_t pat_layout[8] = { 6, 4, 7, 0, 5, 1, 7, 0 };

static unsigned
x86_pat_index(pmap_pte_t bits, int pat_bit)
{
	return ((bits >> pat_bit) & 1) * 4 + ((bits >> X_PCD) & 1) * 2 + ((bits >> X_PWT) & 1);
}

struct cache_case {
	enum pmap_memattr ma;
	pmap_pte_t ept; /* memtype | IPAT, the same in PTE and PDE */
};

static const struct cache_case cache_cases[] = {
	{ PMAP_MA_UC, B(E_IPAT) | (0ul << E_MT) }, { PMAP_MA_WC, B(E_IPAT) | (1ul << E_MT) },
	{ PMAP_MA_WT, B(E_IPAT) | (4ul << E_MT) }, { PMAP_MA_WP, B(E_IPAT) | (5ul << E_MT) },
	{ PMAP_MA_WB, B(E_IPAT) | (6ul << E_MT) }, { PMAP_MA_UC_MINUS, B(E_IPAT) | (0ul << E_MT) },
};

/* The cache-bit arrays, for PTEs and for PDEs, and their masks. */
static void
test_pmap_formats_cache_bits(void **state)
{
	struct tctx *t = *state;
	size_t i;

	for (i = 0; i < sizeof(cache_cases) / sizeof(cache_cases[0]); i++) {
		const struct cache_case *c = &cache_cases[i];
		pmap_pte_t pte = t->pm.pmap_cache_bits[0][c->ma];
		pmap_pte_t pde = t->pm.pmap_cache_bits[1][c->ma];

		if (test_is_ept()) {
			assert_int_equal(pte, c->ept);
			assert_int_equal(pde, c->ept);
			continue;
		}
		assert_int_equal(pte & ~(B(X_PTE_PAT) | B(X_PCD) | B(X_PWT)), 0);
		assert_int_equal(pde & ~(B(X_PDE_PAT) | B(X_PCD) | B(X_PWT)), 0);
		assert_int_equal(pat_layout[x86_pat_index(pte, X_PTE_PAT)], c->ma);
		assert_int_equal(pat_layout[x86_pat_index(pde, X_PDE_PAT)], c->ma);
		assert_int_equal(x86_pat_index(pte, X_PTE_PAT), x86_pat_index(pde, X_PDE_PAT));
	}
	assert_int_equal(t->pm.pmap_cache_mask[0],
	                 fmt_pick(B(X_PTE_PAT) | B(X_PCD) | B(X_PWT), 0x78, 0x78));
	assert_int_equal(t->pm.pmap_cache_mask[1],
	                 fmt_pick(B(X_PDE_PAT) | B(X_PCD) | B(X_PWT), 0x78, 0x78));
}

/* The PAT MSR value the x86 format documents is the layout above. */
static void
test_pmap_formats_pat_msr(void **state)
{
	unsigned i;

	for (i = 0; i < 8; i++)
		assert_int_equal((X86_PAT_MSR >> (8 * i)) & 0xff, pat_layout[i]);
}

struct prot_case {
	vm_prot_t prot;
	pmap_pte_t x86, ept, ept_emul;
};

/*
 * The permission field per VM_PROT.  x86 has no write-only or exec-only
 * (P implies read); EPT has no write-only (XWR=010 is a misconfiguration)
 * and exec-only only where the CPU says so (this "ept" build says so).
 */
static const struct prot_case prot_cases[] = {
	/* r-- */ { VM_PROT_READ, B(X_P) | B(X_XD), B(E_R), B(53) },
	/* -w- */ { VM_PROT_WRITE, B(X_P) | B(X_RW) | B(X_XD), B(E_R) | B(E_W), B(53) | B(54) },
	/* rw- */
	{ VM_PROT_READ | VM_PROT_WRITE, B(X_P) | B(X_RW) | B(X_XD), B(E_R) | B(E_W),
	  B(53) | B(54) },
	/* --x */ { VM_PROT_EXECUTE, B(X_P), B(E_X), B(53) | B(E_X) },
	/* r-x */ { VM_PROT_READ | VM_PROT_EXECUTE, B(X_P), B(E_R) | B(E_X), B(53) | B(E_X) },
	/* -wx */
	{ VM_PROT_WRITE | VM_PROT_EXECUTE, B(X_P) | B(X_RW), B(E_R) | B(E_W) | B(E_X),
	  B(53) | B(54) | B(E_X) },
	/* rwx */
	{ VM_PROT_ALL, B(X_P) | B(X_RW), B(E_R) | B(E_W) | B(E_X), B(53) | B(54) | B(E_X) },
};

static void
test_pmap_formats_protection_codes(void **state)
{
	struct tctx *t = *state;
	size_t i;

	for (i = 0; i < sizeof(prot_cases) / sizeof(prot_cases[0]); i++) {
		const struct prot_case *c = &prot_cases[i];

		assert_int_equal(t->pm.protection_codes[c->prot],
		                 fmt_pick(c->x86, c->ept, c->ept_emul));
	}
	assert_int_equal(t->pm.protection_codes[VM_PROT_NONE], 0);
}

/* Without execute-only support, EPT says --x as r-x (XWR=100 is illegal). */
static void
test_pmap_formats_no_exec_only(void **state)
{
	struct pmap pm;

	assert_int_equal(pmap_pinit(&pm, PMAP_TYPE_EPT, 0, NULL), PMAP_OK);
	assert_int_equal(pm.protection_codes[VM_PROT_EXECUTE], B(E_R) | B(E_X));
	pmap_release(&pm);
}

/* Table entries: full rights, never cache bits (EPT bits 6:3 reserved). */
static void
test_pmap_formats_nonleaf(void **state)
{
	struct tctx *t = *state;

	assert_int_equal(t->pm.pm_nonleaf_bits,
	                 fmt_pick(B(X_P) | B(X_RW) | B(X_US) | B(X_A), B(E_R) | B(E_W) | B(E_X),
	                          B(E_R) | B(E_W) | B(E_X) | B(53) | B(54)));
	if (test_is_ept())
		assert_int_equal(t->pm.pm_nonleaf_bits & 0x78, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pmap_formats_roles, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_formats_soft_bits_ignored, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_formats_cache_bits, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_formats_pat_msr, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_formats_protection_codes, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_formats_no_exec_only, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_formats_nonleaf, test_setup,
		                                test_teardown),
	};

	return TEST_RUN(tests);
}
