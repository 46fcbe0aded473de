/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_test.h - the fixture every pmap unit test shares.
 *
 * Each test file is built once per format (EPTSIM_TEST_FMT, see
 * tests/CMakeLists.txt): "x86", "ept" (hardware A/D, execute-only) and
 * "ept_emul" (emulated A/D, no execute-only).  The fixture gives a fresh
 * simulated machine and a pmap of that format; teardown releases the pmap
 * and requires that every frame came back.
 *
 *   frame 0        T_NALLOC                     T_NPAGES
 *   +-+--------------+----------------------------+
 *   |0| tables, pv   | data frames (by hand, 2 MiB |
 *   | | (allocator)  | aligned runs for superpages)|
 *   +-+--------------+----------------------------+   beyond: device memory
 */
#ifndef EPTSIM_TESTS_PMAP_TEST_H
#define EPTSIM_TESTS_PMAP_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pmap/pmap_var.h"
#include "sim/sim_phys.h"
#include "tests/stubs/panic_cmocka.h"

#define T_NPAGES     16384ul /* 64 MiB of RAM */
#define T_NALLOC     4096ul  /* the allocator's first 16 MiB */
#define T_PAGE       PMAP_PAGE_SIZE
#define T_2M         PMAP_PDE_SIZE
#define T_DEVICE_HPA (T_NPAGES * T_PAGE + 0x10000000ul) /* past RAM */

struct test_fmt {
	const char *name;
	enum pmap_type type;
	uint32_t flags;
};

struct tctx {
	struct sim_phys *sp;
	struct pmap pm;           /* the pmap under test */
	struct pmap other;        /* a pmap of the other format, when a test makes one */
	bool pm_live, other_live; /* false: abandoned (corrupted), not released */
	bool other_made;
};

/* The format this binary tests, and the other one. */
const struct test_fmt *test_fmt(void);
const struct test_fmt *test_fmt_other(void);
bool test_is_ept(void);
bool test_is_emul(void);

int test_setup(void **state);
int test_teardown(void **state);
void test_make_other(struct tctx *t);

/* Hand-placed data frames: the @n'th 4 KiB frame, the @n'th 2 MiB run. */
uint64_t test_frame(uint64_t n);
uint64_t test_run2m(uint64_t n);
struct pmap_page *test_page(uint64_t hpa);

/* Addresses valid in the format under test (user half for x86). */
uint64_t test_va(uint64_t n);

/* pmap_enter that must succeed. */
void test_enter(struct pmap *pm, uint64_t va, uint64_t hpa, vm_prot_t prot, uint32_t flags);
void test_enter_2m(struct pmap *pm, uint64_t va, uint64_t hpa, vm_prot_t prot, uint32_t flags);

/* The raw leaf entry of @va (0 when none) and its level. */
pmap_pte_t test_leaf(struct pmap *pm, uint64_t va, int *level);

/* The raw leaf of @va, which must exist at @level and be legal (EPT: SDM 3C 29.3.3.1). */
pmap_pte_t test_leaf_at(struct pmap *pm, uint64_t va, int level);
void test_assert_legal(const struct pmap *pm, pmap_pte_t pte);

/* The raw "accessed" bit: x86 A, EPT A, or R where A/D is emulated. */
pmap_pte_t test_a_bit(const struct pmap *pm);

/* Everything a failed call must leave as it was. */
struct test_snapshot {
	uint64_t tables_hash, pages_hash;
	struct pmap_stats stats;
	uint64_t frames_in_use;
};
void test_snapshot(struct pmap *pm, struct test_snapshot *s);
void test_assert_snapshot(const struct test_snapshot *a, const struct test_snapshot *b);

/* Invalidations seen through the seam since test_inval_reset(). */
struct test_inval_log {
	unsigned invlpg, invltlb, invept;
	uint64_t last_va, last_eptp;
	struct pmap *last_pm;
};
extern struct test_inval_log test_inval;
void test_inval_reset(void);
unsigned test_inval_total(void);

int test_run(const char *group, const struct CMUnitTest *tests, size_t n);
#define TEST_RUN(tests) test_run(__FILE__, tests, sizeof(tests) / sizeof((tests)[0]))

#endif /* EPTSIM_TESTS_PMAP_TEST_H */
