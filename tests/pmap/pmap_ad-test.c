/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_ad-test.c - A/D emulation: the fault handler pmap_emulate_ad(),
 * pmap_safe_to_clear_referenced(), and the EPT permission rules of
 * pmap.h (pmap_ept_present(), pmap_ept_misconfigured_perm()).
 */
#include "tests/pmap/pmap_test.h"

/* XWR of an EPT entry, SDM 3C 29.3.2. */
#define AD_R 0x1u
#define AD_W 0x2u
#define AD_X 0x4u

/*
 * Fault @ftype at @va must be refused (PMAP_EFAULT) and change nothing:
 * no entry, no page, no count, no invalidation.
 */
static void
ad_assert_refused(struct pmap *pm, uint64_t va, vm_prot_t ftype)
{
	struct test_snapshot a, b;

	test_snapshot(pm, &a);
	test_inval_reset();
	assert_int_equal(pmap_emulate_ad(pm, va, ftype), PMAP_EFAULT);
	assert_int_equal(test_inval_total(), 0);
	test_snapshot(pm, &b);
	test_assert_snapshot(&a, &b);
}

/*
 * Fault @ftype at @va must be granted (PMAP_OK), leave the leaf of @leaf_va
 * at @level equal to @want and legal, and invalidate nothing (rights are
 * only added).
 */
static void
ad_assert_granted(struct pmap *pm, uint64_t va, vm_prot_t ftype, uint64_t leaf_va, int level,
                  pmap_pte_t want)
{
	test_inval_reset();
	assert_int_equal(pmap_emulate_ad(pm, va, ftype), PMAP_OK);
	assert_int_equal(test_inval_total(), 0);
	assert_int_equal(test_leaf_at(pm, leaf_va, level), want);
}

/*
 * Without emulation (x86, EPT with hardware A/D, with or without
 * execute-only) every fault is the VM's: PMAP_EFAULT, nothing changed,
 * mapped or not, any access, even an address the pmap cannot hold.
 */
static void
test_pmap_ad_no_emulation(void **state)
{
	static const vm_prot_t ftypes[] = { VM_PROT_READ, VM_PROT_WRITE, VM_PROT_EXECUTE };
	struct tctx *t = *state;
	struct pmap lx86, lept, *pms[4];
	size_t npm = 0, i, j, k;

	test_make_other(t);
	assert_int_equal(pmap_pinit(&lx86, PMAP_TYPE_X86, PMAP_PDE_SUPERPAGE, NULL), PMAP_OK);
	assert_int_equal(pmap_pinit(&lept, PMAP_TYPE_EPT, PMAP_PDE_SUPERPAGE, NULL), PMAP_OK);
	if (!test_is_emul())
		pms[npm++] = &t->pm;
	pms[npm++] = &t->other;
	pms[npm++] = &lx86;
	pms[npm++] = &lept;
	for (i = 0; i < npm; i++) {
		struct pmap *pm = pms[i];
		const uint64_t vas[] = {
			test_va(0),                 /* rw-, read-faulted */
			test_va(T_PAGE),            /* r-- */
			test_va(2 * T_PAGE),        /* r-x */
			test_va(2 * T_2M + 0x5123), /* 2 MiB rw-, read-faulted */
			test_va(3 * T_PAGE),        /* empty entry */
			test_va(1ul << 30),         /* no tables */
			pm->pm_type == PMAP_TYPE_EPT ? PMAP_GPA_LIMIT : PMAP_USER_MAX,
		};

		assert_int_equal(pm->pm_flags & PMAP_EMULATE_AD_BITS, 0);
		test_enter(pm, vas[0], test_frame(0), VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ);
		test_enter(pm, vas[1], test_frame(1), VM_PROT_READ, VM_PROT_READ);
		test_enter(pm, vas[2], test_frame(2), VM_PROT_READ | VM_PROT_EXECUTE, VM_PROT_READ);
		test_enter_2m(pm, test_va(2 * T_2M), test_run2m(0), VM_PROT_READ | VM_PROT_WRITE,
		              VM_PROT_READ);
		for (j = 0; j < sizeof(vas) / sizeof(vas[0]); j++)
			for (k = 0; k < sizeof(ftypes) / sizeof(ftypes[0]); k++)
				ad_assert_refused(pm, vas[j], ftypes[k]);
	}
	pmap_release(&lx86);
	pmap_release(&lept);
}

/*
 * A write fault on a writable mapping entered by a read: emulation sets
 * R and W together (A and M), never W alone; without emulation the
 * hardware sets D and the fault is the VM's.
 */
static void
test_pmap_ad_write(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(0), p = test_frame(0);
	struct pmap_mapping m;
	pmap_pte_t pte;

	test_enter(&t->pm, va, p, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ);
	pte = test_leaf_at(&t->pm, va, PMAP_LEVEL_4K);
	if (!test_is_ept()) {
		assert_int_equal(pte & (X86_PG_V | X86_PG_RW | X86_PG_A | X86_PG_M),
		                 X86_PG_V | X86_PG_RW | X86_PG_A);
	} else if (!test_is_emul()) {
		assert_int_equal(pte & (EPT_PG_RWX | EPT_PG_A | EPT_PG_M),
		                 EPT_PG_READ | EPT_PG_WRITE | EPT_PG_A);
	} else {
		/* Readable (accessed) but the hardware W withheld until a write. */
		assert_int_equal(pte & (EPT_PG_RWX | EPT_PG_EMUL_V | EPT_PG_EMUL_RW),
		                 EPT_PG_READ | EPT_PG_EMUL_V | EPT_PG_EMUL_RW);
		assert_false(pmap_ept_misconfigured_perm(pte, false));
	}
	if (!test_is_emul()) {
		ad_assert_refused(&t->pm, va + 0x10, VM_PROT_WRITE);
		assert_false(pmap_is_modified(test_page(p)));
		return;
	}
	ad_assert_granted(&t->pm, va + 0x10, VM_PROT_WRITE, va, PMAP_LEVEL_4K,
	                  pte | EPT_PG_READ | EPT_PG_WRITE);
	assert_false(pmap_ept_misconfigured_perm(test_leaf_at(&t->pm, va, PMAP_LEVEL_4K), false));
	assert_true(pmap_lookup(&t->pm, va, &m));
	assert_true(m.accessed && m.modified);
	assert_int_equal(m.prot, VM_PROT_READ | VM_PROT_WRITE);
	assert_true(pmap_is_modified(test_page(p)));
	/* Again: nothing left to add, still granted. */
	ad_assert_granted(&t->pm, va, VM_PROT_WRITE, va, PMAP_LEVEL_4K,
	                  pte | EPT_PG_READ | EPT_PG_WRITE);
}

/*
 * A write after "accessed" was cleared (XWR = 000 on a writable mapping
 * under emulation) brings R back with W: the result is 011, never 010.
 */
static void
test_pmap_ad_write_after_clear(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(0), p = test_frame(0);
	struct pmap_mapping m;
	pmap_pte_t pte, cleared;

	test_enter(&t->pm, va, p, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ);
	pte = test_leaf_at(&t->pm, va, PMAP_LEVEL_4K);
	assert_int_equal(pmap_ts_referenced(test_page(p)), 1);
	cleared = test_leaf_at(&t->pm, va, PMAP_LEVEL_4K);
	assert_int_equal(cleared, pte & ~test_a_bit(&t->pm));
	if (!test_is_emul()) {
		ad_assert_refused(&t->pm, va, VM_PROT_WRITE);
		return;
	}
	assert_int_equal(cleared & EPT_PG_RWX, 0);
	assert_true(pmap_lookup(&t->pm, va, &m));
	assert_int_equal(m.prot, VM_PROT_READ | VM_PROT_WRITE);
	ad_assert_granted(&t->pm, va + 0xff8, VM_PROT_WRITE, va, PMAP_LEVEL_4K,
	                  cleared | EPT_PG_READ | EPT_PG_WRITE);
	assert_int_equal(test_leaf_at(&t->pm, va, PMAP_LEVEL_4K) & EPT_PG_RWX, AD_R | AD_W);
	assert_true(pmap_is_modified(test_page(p)));
}

/* A read after "accessed" was cleared sets it back (emulation only). */
static void
test_pmap_ad_read_after_clear(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(T_PAGE), p = test_frame(0);
	struct pmap_mapping m;
	pmap_pte_t pte, cleared;

	test_enter(&t->pm, va, p, VM_PROT_READ, VM_PROT_READ);
	pte = test_leaf_at(&t->pm, va, PMAP_LEVEL_4K);
	assert_int_equal(pmap_ts_referenced(test_page(p)), 1);
	cleared = test_leaf_at(&t->pm, va, PMAP_LEVEL_4K);
	assert_int_equal(cleared, pte & ~test_a_bit(&t->pm));
	assert_true(pmap_lookup(&t->pm, va, &m));
	assert_false(m.accessed);
	if (!test_is_emul()) {
		ad_assert_refused(&t->pm, va, VM_PROT_READ);
		assert_int_equal(pmap_ts_referenced(test_page(p)), 0);
		return;
	}
	assert_int_equal(cleared & EPT_PG_RWX, 0);
	ad_assert_granted(&t->pm, va + 0x800, VM_PROT_READ, va, PMAP_LEVEL_4K, pte);
	assert_int_equal(pte, cleared | EPT_PG_READ);
	assert_true(pmap_lookup(&t->pm, va, &m));
	assert_true(m.accessed);
	assert_false(m.modified);
	assert_false(pmap_is_modified(test_page(p)));
	assert_int_equal(pmap_ts_referenced(test_page(p)), 1);
}

/*
 * Faults the mapping does not allow, or where there is no mapping, are
 * the VM's in every format: PMAP_EFAULT and nothing changed.
 */
static void
test_pmap_ad_refused(void **state)
{
	static const struct {
		vm_prot_t prot;
		uint32_t access;
		bool clear_a; /* ts_referenced first */
		vm_prot_t ftype;
	} cases[] = {
		{ VM_PROT_READ, VM_PROT_READ, false, VM_PROT_WRITE },
		{ VM_PROT_READ, VM_PROT_READ, true, VM_PROT_WRITE },
		{ VM_PROT_READ, VM_PROT_READ, false, VM_PROT_EXECUTE },
		{ VM_PROT_READ, VM_PROT_READ, true, VM_PROT_EXECUTE },
		{ VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ, false, VM_PROT_EXECUTE },
		{ VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE, false, VM_PROT_EXECUTE },
		{ VM_PROT_READ | VM_PROT_EXECUTE, VM_PROT_READ, false, VM_PROT_WRITE },
	};
	static const vm_prot_t ftypes[] = { VM_PROT_READ, VM_PROT_WRITE, VM_PROT_EXECUTE };
	struct tctx *t = *state;
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t va = test_va(i * T_PAGE), p = test_frame(i);

		test_enter(&t->pm, va, p, cases[i].prot, cases[i].access);
		if (cases[i].clear_a)
			assert_int_equal(pmap_ts_referenced(test_page(p)), 1);
		ad_assert_refused(&t->pm, va, cases[i].ftype);
		test_leaf_at(&t->pm, va, PMAP_LEVEL_4K);
	}
	/* Empty entry in a table, no table at 2 MiB, none at 1 GiB, address 0. */
	for (k = 0; k < sizeof(ftypes) / sizeof(ftypes[0]); k++) {
		ad_assert_refused(&t->pm, test_va(100 * T_PAGE), ftypes[k]);
		ad_assert_refused(&t->pm, test_va(5 * T_2M), ftypes[k]);
		ad_assert_refused(&t->pm, test_va(1ul << 30), ftypes[k]);
		ad_assert_refused(&t->pm, 0, ftypes[k]);
	}
}

/*
 * An execute fault on an executable mapping is granted under emulation
 * (X is the mapping's own, A is R and is already there, as the emulated
 * format cannot say X without R); refused elsewhere.
 */
static void
test_pmap_ad_exec(void **state)
{
	static const vm_prot_t prots[] = { VM_PROT_EXECUTE, VM_PROT_READ | VM_PROT_EXECUTE,
		                           VM_PROT_ALL };
	struct tctx *t = *state;
	size_t i;

	for (i = 0; i < sizeof(prots) / sizeof(prots[0]); i++) {
		uint64_t va = test_va(i * T_PAGE);
		pmap_pte_t pte;

		test_enter(&t->pm, va, test_frame(i), prots[i], VM_PROT_READ);
		pte = test_leaf_at(&t->pm, va, PMAP_LEVEL_4K);
		if (!test_is_emul()) {
			ad_assert_refused(&t->pm, va, VM_PROT_EXECUTE);
			continue;
		}
		/* X and R (accessed): XWR = 101, or 111 after a write. */
		assert_int_equal(pte & EPT_PG_RWX, AD_X | AD_R);
		assert_false(pmap_ept_misconfigured_perm(pte, false));
		ad_assert_granted(&t->pm, va, VM_PROT_EXECUTE, va, PMAP_LEVEL_4K, pte);
		ad_assert_granted(&t->pm, va + 4, VM_PROT_READ, va, PMAP_LEVEL_4K, pte);
		if (prots[i] & VM_PROT_WRITE)
			ad_assert_granted(&t->pm, va + 8, VM_PROT_WRITE, va, PMAP_LEVEL_4K,
			                  pte | EPT_PG_WRITE);
		else
			ad_assert_refused(&t->pm, va, VM_PROT_WRITE);
	}
}

/* A 2 MiB leaf: one fault anywhere inside fixes the whole leaf. */
static void
test_pmap_ad_2m(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(0), ro = test_va(2 * T_2M), r0 = test_run2m(0), r1 = test_run2m(1);
	pmap_pte_t pte, rpte, cleared;
	struct pmap_mapping m;

	test_enter_2m(&t->pm, va, r0, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ);
	test_enter_2m(&t->pm, ro, r1, VM_PROT_READ, VM_PROT_READ);
	pte = test_leaf_at(&t->pm, va, PMAP_LEVEL_2M);
	rpte = test_leaf_at(&t->pm, ro, PMAP_LEVEL_2M);
	assert_int_equal(pmap_ts_referenced(test_page(r1 + 9 * T_PAGE)), 1);
	cleared = test_leaf_at(&t->pm, ro, PMAP_LEVEL_2M);
	assert_int_equal(cleared, rpte & ~test_a_bit(&t->pm));
	if (!test_is_emul()) {
		ad_assert_refused(&t->pm, va + 300 * T_PAGE + 0x123, VM_PROT_WRITE);
		ad_assert_refused(&t->pm, ro + 511 * T_PAGE, VM_PROT_READ);
		return;
	}
	assert_int_equal(pte & EPT_PG_RWX, AD_R);
	ad_assert_granted(&t->pm, va + 300 * T_PAGE + 0x123, VM_PROT_WRITE, va, PMAP_LEVEL_2M,
	                  pte | EPT_PG_READ | EPT_PG_WRITE);
	assert_int_equal(test_leaf_at(&t->pm, va + 511 * T_PAGE, PMAP_LEVEL_2M),
	                 pte | EPT_PG_READ | EPT_PG_WRITE);
	assert_true(pmap_lookup(&t->pm, va + 0x1000, &m));
	assert_true(m.modified && m.level == PMAP_LEVEL_2M);
	assert_true(pmap_is_modified(test_page(r0 + 5 * T_PAGE)));
	assert_int_equal(t->pm.pm_stats.resident_count, 1024);

	assert_int_equal(cleared & EPT_PG_RWX, 0);
	ad_assert_granted(&t->pm, ro + 511 * T_PAGE, VM_PROT_READ, ro, PMAP_LEVEL_2M, rpte);
	assert_int_equal(test_leaf_at(&t->pm, ro + 17 * T_PAGE, PMAP_LEVEL_2M), rpte);
	ad_assert_refused(&t->pm, ro, VM_PROT_WRITE);
}

/* An address no pmap can hold is a caller bug under emulation, EFAULT without. */
static void
test_pmap_ad_bad_address(void **state)
{
	struct tctx *t = *state;
	uint64_t bad = test_is_ept() ? PMAP_GPA_LIMIT : PMAP_USER_MAX;

	if (test_is_emul())
		expect_panic(pmap_emulate_ad(&t->pm, bad, VM_PROT_READ),
		             "pmap_emulate_ad: address outside the EPT space va=0x1000000000000");
	else
		ad_assert_refused(&t->pm, bad, VM_PROT_READ);
}

/*
 * pmap_safe_to_clear_referenced under emulation, all 8 XWR values: A is
 * R, and clearing it leaves XWR & 110, which must not be 010 or 110
 * (misconfiguration) nor 100 without execute-only (SDM 3C 29.3.3.1).
 */
static void
test_pmap_ad_safe_to_clear_emul(void **state)
{
	static const struct {
		unsigned xwr;
		bool safe;    /* without execute-only */
		bool safe_xo; /* with execute-only */
	} cases[] = {
		{ 0, true, true },
		{ AD_R, true, true },
		{ AD_W, false, false },
		{ AD_W | AD_R, false, false },
		{ AD_X, false, true },
		{ AD_X | AD_R, false, true },
		{ AD_X | AD_W, false, false },
		{ AD_X | AD_W | AD_R, false, false },
	};
	struct tctx *t = *state;
	struct pmap emul, emul_xo;
	size_t i;

	assert_int_equal(
	    pmap_pinit(&emul, PMAP_TYPE_EPT, PMAP_PDE_SUPERPAGE | PMAP_EMULATE_AD_BITS, NULL),
	    PMAP_OK);
	assert_int_equal(
	    pmap_pinit(&emul_xo, PMAP_TYPE_EPT,
	               PMAP_PDE_SUPERPAGE | PMAP_EMULATE_AD_BITS | PMAP_SUPPORTS_EXEC_ONLY, NULL),
	    PMAP_OK);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pmap_pte_t pte = test_frame(0) | EPT_PG_EMUL_V | EPT_PG_IGNORE_PAT |
		                 (6ul << EPT_PG_MEMTYPE_SHIFT) | EPT_PG_AVAIL2 | cases[i].xwr;

		if (cases[i].xwr & AD_W)
			pte |= EPT_PG_EMUL_RW;
		assert_int_equal(pmap_safe_to_clear_referenced(&emul, pte), cases[i].safe);
		assert_int_equal(pmap_safe_to_clear_referenced(&emul_xo, pte), cases[i].safe_xo);
		if (test_is_emul())
			assert_int_equal(pmap_safe_to_clear_referenced(&t->pm, pte), cases[i].safe);
		/* A writable mapping not yet written (W withheld) is safe as its XWR says. */
		if ((cases[i].xwr & AD_W) == 0)
			assert_int_equal(pmap_safe_to_clear_referenced(&emul, pte | EPT_PG_EMUL_RW),
			                 cases[i].safe);
	}
	pmap_release(&emul);
	pmap_release(&emul_xo);
}

/* Without emulation A is a bit of its own: always safe to clear. */
static void
test_pmap_ad_safe_to_clear_no_emul(void **state)
{
	struct tctx *t = *state;
	struct pmap lx86, lept, lept_xo, *pms[4];
	size_t npm = 0, i;
	unsigned v;

	assert_int_equal(pmap_pinit(&lx86, PMAP_TYPE_X86, PMAP_PDE_SUPERPAGE, NULL), PMAP_OK);
	assert_int_equal(pmap_pinit(&lept, PMAP_TYPE_EPT, PMAP_PDE_SUPERPAGE, NULL), PMAP_OK);
	assert_int_equal(
	    pmap_pinit(&lept_xo, PMAP_TYPE_EPT, PMAP_PDE_SUPERPAGE | PMAP_SUPPORTS_EXEC_ONLY, NULL),
	    PMAP_OK);
	pms[npm++] = &lx86;
	pms[npm++] = &lept;
	pms[npm++] = &lept_xo;
	if (!test_is_emul())
		pms[npm++] = &t->pm;
	for (i = 0; i < npm; i++) {
		pmap_pte_t am =
		    pms[i]->pm_type == PMAP_TYPE_X86 ? X86_PG_A | X86_PG_M : EPT_PG_A | EPT_PG_M;

		for (v = 0; v < 8; v++) {
			assert_true(pmap_safe_to_clear_referenced(pms[i], test_frame(0) | am | v));
			assert_true(pmap_safe_to_clear_referenced(pms[i], v));
		}
		assert_true(pmap_safe_to_clear_referenced(pms[i], ~0ul));
	}
	pmap_release(&lx86);
	pmap_release(&lept);
	pmap_release(&lept_xo);
}

/*
 * pmap_ept_present() and pmap_ept_misconfigured_perm() over all 8 XWR
 * values (SDM 3C 29.3.2: present iff any of R, W, X; 29.3.3.1: W without
 * R always misconfigured, X alone unless execute-only); the other bits
 * of the entry do not matter.
 */
static void
test_pmap_ad_ept_perm_rules(void **state)
{
	static const struct {
		unsigned xwr;
		bool present, bad, bad_xo;
	} cases[] = {
		{ 0, false, false, false },        { AD_R, true, false, false },
		{ AD_W, true, true, true },        { AD_W | AD_R, true, false, false },
		{ AD_X, true, true, false },       { AD_X | AD_R, true, false, false },
		{ AD_X | AD_W, true, true, true }, { AD_X | AD_W | AD_R, true, false, false },
	};
	const pmap_pte_t others[] = {
		0,
		test_frame(3) | EPT_PG_MEMTYPE_MASK | EPT_PG_IGNORE_PAT | EPT_PG_PS | EPT_PG_A |
		    EPT_PG_M | EPT_PG_AVAIL1 | EPT_PG_AVAIL2 | EPT_PG_AVAIL3 | EPT_PG_EMUL_V |
		    EPT_PG_EMUL_RW,
		~(pmap_pte_t)EPT_PG_RWX,
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (j = 0; j < sizeof(others) / sizeof(others[0]); j++) {
			pmap_pte_t pte = others[j] | cases[i].xwr;

			assert_int_equal(pmap_ept_present(pte), cases[i].present);
			assert_int_equal(pmap_ept_misconfigured_perm(pte, false), cases[i].bad);
			assert_int_equal(pmap_ept_misconfigured_perm(pte, true), cases[i].bad_xo);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pmap_ad_no_emulation, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_ad_write, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_ad_write_after_clear, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_ad_read_after_clear, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_ad_refused, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_ad_exec, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_ad_2m, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_ad_bad_address, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_ad_safe_to_clear_emul, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_ad_safe_to_clear_no_emul, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_ad_ept_perm_rules, test_setup,
		                                test_teardown),
	};

	return TEST_RUN(tests);
}
