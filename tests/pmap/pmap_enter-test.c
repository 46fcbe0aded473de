/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_enter-test.c - pmap_enter(): 4 KiB and 2 MiB leaves, every right
 * and memory type, replacement, demotion, and its refusals.
 */
#include "tests/pmap/pmap_test.h"

/* Every rights x memory type x size: what goes in comes back out. */
static void
test_pmap_enter_roundtrip(void **state)
{
	static const enum pmap_memattr mas[] = { PMAP_MA_UC, PMAP_MA_WC, PMAP_MA_WT,
		                                 PMAP_MA_WP, PMAP_MA_WB, PMAP_MA_UC_MINUS };
	struct tctx *t = *state;
	struct pmap_mapping m;
	vm_prot_t prot;
	unsigned i, n = 0;
	int lvl;

	for (lvl = PMAP_LEVEL_4K; lvl <= PMAP_LEVEL_2M; lvl++) {
		for (prot = 1; prot <= VM_PROT_ALL; prot++) {
			for (i = 0; i < sizeof(mas) / sizeof(mas[0]); i++, n++) {
				uint64_t va = test_va(n * T_2M);
				uint64_t hpa = lvl ? test_run2m(n % 4) : test_frame(n);
				vm_prot_t want = prot;

				assert_int_equal(pmap_enter(&t->pm, va, hpa, prot, 0, mas[i], lvl),
				                 PMAP_OK);
				assert_true(pmap_lookup(&t->pm, va + 0x123, &m));
				/*
				 * x86 cannot say W or X without R; EPT cannot say
				 * W without R, nor X without R unless execute-only.
				 */
				if (!test_is_ept() || (prot & VM_PROT_WRITE) ||
				    (prot == VM_PROT_EXECUTE &&
				     !(test_fmt()->flags & PMAP_SUPPORTS_EXEC_ONLY)))
					want |= VM_PROT_READ;
				assert_int_equal(m.prot, want);
				assert_int_equal(m.hpa, hpa);
				assert_int_equal(m.level, lvl);
				assert_int_equal(m.memattr,
				                 test_is_ept() && mas[i] == PMAP_MA_UC_MINUS
				                     ? PMAP_MA_UC
				                     : mas[i]);
				assert_true(m.accessed);
				assert_false(m.modified);
				assert_true(m.managed);
				assert_false(m.wired);
				assert_false(m.device);
				assert_int_equal(m.user, !test_is_ept());
			}
		}
	}
	assert_int_equal(t->pm.pm_stats.resident_count, 7 * 6 * (1 + 512));
}

/* r-- at 4 KiB: the raw entry, per format. */
static void
test_pmap_enter_raw_read_only(void **state)
{
	struct tctx *t = *state;
	uint64_t hpa = test_frame(1);
	pmap_pte_t pte, want;

	test_enter(&t->pm, test_va(0), hpa, VM_PROT_READ, VM_PROT_READ);
	pte = test_leaf(&t->pm, test_va(0), NULL);
	if (!test_is_ept())
		want = hpa | X86_PG_V | X86_PG_U | X86_PG_A | X86_PG_NX | X86_PG_AVAIL2;
	else if (!test_is_emul())
		want =
		    hpa | EPT_PG_READ | EPT_PG_IGNORE_PAT | (6ul << 3) | EPT_PG_A | EPT_PG_AVAIL2;
	else
		want = hpa | EPT_PG_EMUL_V | EPT_PG_READ | EPT_PG_IGNORE_PAT | (6ul << 3) |
		       EPT_PG_AVAIL2;
	assert_int_equal(pte, want);
}

/* rw- at 2 MiB entered by a write: PS, D, and the PDE's cache bits. */
static void
test_pmap_enter_raw_2m_dirty_wc(void **state)
{
	struct tctx *t = *state;
	uint64_t hpa = test_run2m(0);
	pmap_pte_t pte, want;
	int level;

	assert_int_equal(pmap_enter(&t->pm, test_va(0), hpa, VM_PROT_READ | VM_PROT_WRITE,
	                            VM_PROT_WRITE, PMAP_MA_WC, PMAP_LEVEL_2M),
	                 PMAP_OK);
	pte = test_leaf(&t->pm, test_va(0), &level);
	assert_int_equal(level, PMAP_LEVEL_2M);
	if (!test_is_ept())
		want = hpa | X86_PG_V | X86_PG_RW | X86_PG_U | X86_PG_A | X86_PG_M | X86_PG_PS |
		       X86_PG_PDE_PAT | X86_PG_PWT | X86_PG_NX | X86_PG_AVAIL2;
	else if (!test_is_emul())
		want = hpa | EPT_PG_READ | EPT_PG_WRITE | EPT_PG_IGNORE_PAT | (1ul << 3) |
		       EPT_PG_PS | EPT_PG_A | EPT_PG_M | EPT_PG_AVAIL2;
	else
		want = hpa | EPT_PG_EMUL_V | EPT_PG_EMUL_RW | EPT_PG_READ | EPT_PG_WRITE |
		       EPT_PG_IGNORE_PAT | (1ul << 3) | EPT_PG_PS | EPT_PG_AVAIL2;
	assert_int_equal(pte, want);
	assert_int_equal(t->pm.pm_stats.resident_count, 512);
	assert_non_null(test_page(hpa)->pv_list_2m);
}

/* Wired, unmanaged and device mappings: counts, pv entries, bits. */
static void
test_pmap_enter_wired_unmanaged_device(void **state)
{
	struct tctx *t = *state;
	struct pmap_mapping m;

	test_enter(&t->pm, test_va(0), test_frame(0), VM_PROT_READ, PMAP_ENTER_WIRED);
	test_enter(&t->pm, test_va(T_PAGE), test_frame(1), VM_PROT_ALL, PMAP_ENTER_UNMANAGED);
	assert_int_equal(pmap_enter(&t->pm, test_va(2 * T_PAGE), T_DEVICE_HPA,
	                            VM_PROT_READ | VM_PROT_WRITE, PMAP_ENTER_DEVICE, PMAP_MA_UC,
	                            PMAP_LEVEL_4K),
	                 PMAP_OK);
	assert_int_equal(t->pm.pm_stats.wired_count, 1);
	assert_int_equal(t->pm.pm_stats.resident_count, 3);
	assert_int_equal(t->pm.pm_stats.pv_used, 1);
	assert_true(pmap_lookup(&t->pm, test_va(0), &m));
	assert_true(m.wired && m.managed && !m.device);
	assert_true(pmap_lookup(&t->pm, test_va(T_PAGE), &m));
	assert_true(!m.managed && !m.device && m.modified); /* unmanaged + writable */
	assert_null(test_page(test_frame(1))->pv_list);
	assert_true(pmap_lookup(&t->pm, test_va(2 * T_PAGE), &m));
	assert_true(m.device && !m.managed && m.memattr == PMAP_MA_UC && m.hpa == T_DEVICE_HPA);
}

/* Upgrading rights on the same frame needs no invalidation; a downgrade does. */
static void
test_pmap_enter_same_frame(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(0), hpa = test_frame(2);
	struct pmap_mapping m;

	test_enter(&t->pm, va, hpa, VM_PROT_READ, VM_PROT_READ);
	test_inval_reset();
	test_enter(&t->pm, va, hpa, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_WRITE);
	assert_int_equal(test_inval_total(), 0);
	assert_true(pmap_lookup(&t->pm, va, &m) && m.modified);
	test_enter(&t->pm, va, hpa, VM_PROT_READ, VM_PROT_READ | PMAP_ENTER_WIRED);
	assert_int_equal(test_inval_total(), 1);
	assert_true(pmap_lookup(&t->pm, va, &m));
	assert_true(!m.modified && m.wired &&
	            m.prot == (test_is_ept() ? VM_PROT_READ : VM_PROT_READ));
	assert_true(test_page(hpa)->flags & PMAP_PAGE_DIRTY);
	assert_int_equal(t->pm.pm_stats.wired_count, 1);
	assert_int_equal(t->pm.pm_stats.pv_used, 1);
	test_enter(&t->pm, va, hpa, VM_PROT_READ, VM_PROT_READ);
	assert_int_equal(t->pm.pm_stats.wired_count, 0);
}

/* Another frame at the same va: the old mapping goes, with its pv. */
static void
test_pmap_enter_replace(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(0);
	uint64_t ptp = t->pm.pm_stats.ptp_count;

	test_enter(&t->pm, va, test_frame(3), VM_PROT_ALL, VM_PROT_WRITE);
	test_inval_reset();
	test_enter(&t->pm, va, test_frame(4), VM_PROT_READ, VM_PROT_READ);
	assert_int_equal(test_inval_total(), 1);
	assert_null(test_page(test_frame(3))->pv_list);
	assert_non_null(test_page(test_frame(4))->pv_list);
	assert_true(test_page(test_frame(3))->flags & PMAP_PAGE_DIRTY);
	assert_int_equal(t->pm.pm_stats.resident_count, 1);
	assert_int_equal(t->pm.pm_stats.ptp_count, ptp + 3);
	/* Same frame, managed to unmanaged, is a replacement too. */
	test_enter(&t->pm, va, test_frame(4), VM_PROT_READ, PMAP_ENTER_UNMANAGED);
	assert_null(test_page(test_frame(4))->pv_list);
	assert_int_equal(t->pm.pm_stats.pv_used, 0);
}

/* A 4 KiB entry inside a 2 MiB leaf demotes it: 511 pages keep their mapping. */
static void
test_pmap_enter_demotes(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(0), hpa = test_run2m(1);
	struct pmap_mapping m;
	unsigned i;

	assert_int_equal(pmap_enter(&t->pm, va, hpa, VM_PROT_READ | VM_PROT_WRITE,
	                            VM_PROT_WRITE | PMAP_ENTER_WIRED, PMAP_MA_WT, PMAP_LEVEL_2M),
	                 PMAP_OK);
	test_enter(&t->pm, va + 5 * T_PAGE, test_frame(9), VM_PROT_READ, VM_PROT_READ);
	assert_int_equal(t->pm.pm_stats.resident_count, 512);
	assert_int_equal(t->pm.pm_stats.wired_count, 511);
	for (i = 0; i < 512; i++) {
		assert_true(pmap_lookup(&t->pm, va + i * T_PAGE, &m));
		assert_int_equal(m.level, PMAP_LEVEL_4K);
		if (i == 5) {
			assert_int_equal(m.hpa, test_frame(9));
			continue;
		}
		assert_int_equal(m.hpa, hpa + i * T_PAGE);
		assert_int_equal(m.memattr, PMAP_MA_WT);
		assert_true(m.modified && m.wired && m.managed);
		assert_non_null(test_page(hpa + i * T_PAGE)->pv_list);
	}
	assert_null(test_page(hpa)->pv_list_2m);
	assert_true(test_page(hpa + 5 * T_PAGE)->flags & PMAP_PAGE_DIRTY);
	assert_int_equal(t->pm.pm_stats.pv_used, 512);
}

/* A 2 MiB leaf over a table of 4 KiB leaves replaces them and frees the table. */
static void
test_pmap_enter_2m_over_table(void **state)
{
	struct tctx *t = *state;
	uint64_t va = test_va(0), ptp;

	test_enter(&t->pm, va + T_PAGE, test_frame(0), VM_PROT_READ, VM_PROT_READ);
	test_enter(&t->pm, va + 7 * T_PAGE, test_frame(1), VM_PROT_ALL, VM_PROT_WRITE);
	ptp = t->pm.pm_stats.ptp_count;
	test_enter_2m(&t->pm, va, test_run2m(0), VM_PROT_READ, VM_PROT_READ);
	assert_int_equal(t->pm.pm_stats.ptp_count, ptp - 1);
	assert_int_equal(t->pm.pm_stats.resident_count, 512);
	assert_int_equal(t->pm.pm_stats.pv_used, 1);
	assert_null(test_page(test_frame(1))->pv_list);
	assert_true(test_page(test_frame(1))->flags & PMAP_PAGE_DIRTY);
	assert_true(test_inval_total() > 0);
}

/* Kernel-half x86 addresses are mapped without U; EPT has no halves. */
static void
test_pmap_enter_kernel_half(void **state)
{
	struct tctx *t = *state;
	struct pmap_mapping m;
	uint64_t va = test_is_ept() ? 0x0000ffffffe00000ul : 0xffffffffffe00000ul;

	test_enter(&t->pm, va + 511 * T_PAGE, test_frame(0), VM_PROT_READ, 0);
	assert_true(pmap_lookup(&t->pm, va + 511 * T_PAGE, &m));
	assert_false(m.user);
	assert_int_equal(pmap_remove(&t->pm, va, va + T_2M), PMAP_OK);
	assert_int_equal(t->pm.pm_stats.resident_count, 0);
}

/* No superpages without PMAP_PDE_SUPERPAGE: EINVAL, nothing changed. */
static void
test_pmap_enter_2m_refused(void **state)
{
	struct tctx *t = *state;
	struct pmap pm;

	assert_int_equal(
	    pmap_pinit(&pm, test_fmt()->type, test_fmt()->flags & ~PMAP_PDE_SUPERPAGE, NULL),
	    PMAP_OK);
	assert_int_equal(
	    pmap_enter(&pm, 0, test_run2m(0), VM_PROT_READ, 0, PMAP_MA_WB, PMAP_LEVEL_2M),
	    PMAP_EINVAL);
	assert_int_equal(
	    pmap_enter(&pm, 0, test_run2m(0), VM_PROT_READ, 0, PMAP_MA_WB, PMAP_LEVEL_1G),
	    PMAP_EINVAL);
	assert_int_equal(pm.pm_stats.ptp_count, 1);
	pmap_release(&pm);
	(void)t;
}

/* pinit: the EPTP or CR3, and the flags each type refuses. */
static void
test_pmap_enter_pinit(void **state)
{
	struct tctx *t = *state;
	struct pmap pm;

	if (test_is_ept())
		assert_int_equal(t->pm.pm_hw_root,
		                 t->pm.pm_root_hpa | 0x1e | (test_is_emul() ? 0 : 0x40));
	else
		assert_int_equal(t->pm.pm_hw_root, t->pm.pm_root_hpa);
	assert_int_equal(pmap_pinit(&pm, PMAP_TYPE_X86, PMAP_EMULATE_AD_BITS, NULL), PMAP_EINVAL);
	assert_int_equal(pmap_pinit(&pm, (enum pmap_type)7, 0, NULL), PMAP_EINVAL);
	assert_int_equal(pmap_pinit(&pm, test_fmt()->type, 0x8000, NULL), PMAP_EINVAL);
	sim_phys_fail_nth(t->sp, 1);
	assert_int_equal(pmap_pinit(&pm, test_fmt()->type, test_fmt()->flags, NULL), PMAP_ENOMEM);
}

/* extract() adds the offset inside the page, 4 KiB and 2 MiB. */
static void
test_pmap_enter_extract(void **state)
{
	struct tctx *t = *state;
	uint64_t hpa;

	test_enter(&t->pm, test_va(0), test_frame(6), VM_PROT_READ, 0);
	test_enter_2m(&t->pm, test_va(T_2M), test_run2m(2), VM_PROT_READ, 0);
	assert_true(pmap_extract(&t->pm, test_va(0xabc), &hpa));
	assert_int_equal(hpa, test_frame(6) + 0xabc);
	assert_true(pmap_extract(&t->pm, test_va(T_2M + 0x12345), &hpa));
	assert_int_equal(hpa, test_run2m(2) + 0x12345);
	assert_false(pmap_extract(&t->pm, test_va(T_PAGE), &hpa));
	assert_false(pmap_extract(&t->pm, test_va(4 * T_2M), &hpa));
}

/* Caller bugs panic with the values that show them. */
static void
test_pmap_enter_panics(void **state)
{
	struct tctx *t = *state;
	uint64_t bad_va = test_is_ept() ? PMAP_GPA_LIMIT : PMAP_USER_MAX;

	expect_panic(
	    pmap_enter(&t->pm, bad_va, test_frame(0), VM_PROT_READ, 0, PMAP_MA_WB, PMAP_LEVEL_4K),
	    "pmap_enter: address outside the");
	expect_panic(pmap_enter(&t->pm, test_va(0x10), test_frame(0), VM_PROT_READ, 0, PMAP_MA_WB,
	                        PMAP_LEVEL_4K),
	             "pmap_enter: misaligned va=0x4000000010");
	expect_panic(pmap_enter(&t->pm, test_va(T_PAGE), test_frame(1), VM_PROT_READ, 0, PMAP_MA_WB,
	                        PMAP_LEVEL_2M),
	             "pmap_enter: misaligned");
	expect_panic(pmap_enter(&t->pm, test_va(0), test_frame(0), VM_PROT_NONE, 0, PMAP_MA_WB,
	                        PMAP_LEVEL_4K),
	             "pmap_enter: bad prot=0");
	expect_panic(pmap_enter(&t->pm, test_va(0), test_frame(0), VM_PROT_READ, 0,
	                        (enum pmap_memattr)2, PMAP_LEVEL_4K),
	             "pmap_enter: bad memattr=2");
	expect_panic(pmap_enter(&t->pm, test_va(0), T_DEVICE_HPA, VM_PROT_READ, 0, PMAP_MA_WB,
	                        PMAP_LEVEL_4K),
	             "pmap_enter: no page for hpa=");
	assert_int_equal(t->pm.pm_stats.resident_count, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pmap_enter_roundtrip, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_enter_raw_read_only, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_enter_raw_2m_dirty_wc, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_enter_wired_unmanaged_device, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_enter_same_frame, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_enter_replace, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_enter_demotes, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_enter_2m_over_table, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_enter_kernel_half, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_enter_2m_refused, test_setup,
		                                test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_enter_pinit, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_enter_extract, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_pmap_enter_panics, test_setup, test_teardown),
	};

	return TEST_RUN(tests);
}
