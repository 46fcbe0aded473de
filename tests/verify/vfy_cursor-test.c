/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vfy_cursor-test.c - the walk cursors (vfy_walk.h) give, address by
 * address, what a plain walk with access 0 gives: same outcome, reason,
 * level, entries and their addresses, frame, size, rights, memory type
 * and A/D.  The tables are four levels of seeded random entries (present
 * or not, tables or leaves, reserved bits, bad table addresses), walked
 * in address order (the cursor resumes below a shared table) and in a
 * shuffled order (it resumes at any level, or starts over).
 */
#include <string.h>

#include "tests/verify/vfy_test.h"

/* Each level's table holds random entries at C_N indexes from C_FIRST. */
#define C_FIRST 0x1f9u
#define C_N     7u

static uint64_t c_rng;

static uint64_t
c_rand(void)
{
	c_rng = c_rng * 6364136223846793005ull + 1442695040888963407ull;
	return c_rng >> 11;
}

/*
 * A random entry of a table at @level: zero, a pointer to the next
 * table, the same with a bad address, or random flags and frame bits
 * (leaf or not, reserved bits or not); low 12 bits and bits 63, 52-62
 * and 47-50 random.
 */
static uint64_t
c_entry(int level)
{
	uint64_t flags = c_rand() & 0xfffu, r = c_rand() % 8;

	flags |= (c_rand() % 4 == 0) ? B(63) : 0;
	flags |= (c_rand() % 8 == 0) ? B(49) : 0; /* past T_MAXPHY */
	flags |= (c_rand() % 8 == 0) ? B(21) | B(14) : 0;
	if (r == 0)
		return 0;
	if (r == 1)
		return T_NOT_RAM | (flags & ~B(7));
	/* Mostly well-formed: present (P, R) and no bits 6:3 (EPT reserves them). */
	if (c_rand() % 4 != 0)
		flags = (flags & ~0x78ull) | 1;
	if (level > L_PTE && r < 6)
		return T_TABLE(level - 1) | (flags & ~B(7));
	return (c_rand() & 0x7fffc0000000ull) | flags;
}

static void
c_fill(uint64_t seed)
{
	int level;
	unsigned i;

	c_rng = seed;
	for (level = L_PML4E; level >= L_PTE; level--)
		for (i = 0; i < C_N; i++)
			t_set(T_TABLE(level) + 8 * (C_FIRST + i), c_entry(level));
}

/* The @n-th address of the cross product of the C_N indexes per level. */
static uint64_t
c_addr(unsigned n)
{
	uint64_t va = 0x123;
	int level;

	for (level = L_PTE; level <= L_PML4E; level++, n /= C_N)
		va |= (uint64_t)(C_FIRST + n % C_N) << (12 + 9 * level);
	return va;
}

#define C_ADDRS (C_N * C_N * C_N * C_N)

static void
c_order(unsigned *order, bool shuffled)
{
	unsigned i, j, t;

	for (i = 0; i < C_ADDRS; i++)
		order[i] = i;
	for (i = C_ADDRS - 1; shuffled && i > 0; i--) {
		j = (unsigned)(c_rand() % (i + 1));
		t = order[i], order[i] = order[j], order[j] = t;
	}
}

static void
c_same_x86(uint64_t va, const struct vfy_x86_result *a, const struct vfy_x86_result *b)
{
	int l;

	if (a->outcome != b->outcome || a->reason != b->reason || a->level != b->level ||
	    a->hpa != b->hpa || a->page_size != b->page_size || a->r != b->r || a->w != b->w ||
	    a->x != b->x || a->u != b->u || a->memtype != b->memtype || a->global != b->global ||
	    a->dirty != b->dirty || a->accessed != b->accessed || a->error_code != b->error_code)
		fail_msg("x86 %#lx: walk %s/%s level %d hpa %#lx rwxu %d%d%d%d, cursor %s/%s level "
		         "%d hpa %#lx rwxu %d%d%d%d",
		         va, vfy_x86_outcome_name(a->outcome), a->reason ? a->reason : "-",
		         a->level, a->hpa, a->r, a->w, a->x, a->u, vfy_x86_outcome_name(b->outcome),
		         b->reason ? b->reason : "-", b->level, b->hpa, b->r, b->w, b->x, b->u);
	for (l = 0; l < 4; l++)
		if (a->entries[l] != b->entries[l] || a->entry_hpa[l] != b->entry_hpa[l])
			fail_msg("x86 %#lx level %d: walk read %#lx at %#lx, cursor %#lx at %#lx",
			         va, l, a->entries[l], a->entry_hpa[l], b->entries[l],
			         b->entry_hpa[l]);
}

static void
c_same_ept(uint64_t va, const struct vfy_ept_result *a, const struct vfy_ept_result *b)
{
	int l;

	if (a->outcome != b->outcome || a->reason != b->reason || a->level != b->level ||
	    a->hpa != b->hpa || a->page_size != b->page_size || a->r != b->r || a->w != b->w ||
	    a->x != b->x || a->memtype != b->memtype || a->ipat != b->ipat ||
	    a->dirty != b->dirty || a->accessed != b->accessed || a->exit_qual != b->exit_qual)
		fail_msg("EPT %#lx: walk %s/%s level %d hpa %#lx rwx %d%d%d, cursor %s/%s level %d "
		         "hpa %#lx rwx %d%d%d",
		         va, vfy_ept_outcome_name(a->outcome), a->reason ? a->reason : "-",
		         a->level, a->hpa, a->r, a->w, a->x, vfy_ept_outcome_name(b->outcome),
		         b->reason ? b->reason : "-", b->level, b->hpa, b->r, b->w, b->x);
	for (l = 0; l < 4; l++)
		if (a->entries[l] != b->entries[l] || a->entry_hpa[l] != b->entry_hpa[l])
			fail_msg("EPT %#lx level %d: walk read %#lx at %#lx, cursor %#lx at %#lx",
			         va, l, a->entries[l], a->entry_hpa[l], b->entries[l],
			         b->entry_hpa[l]);
}

/*
 * Outcomes seen, so a table that never reaches a leaf cannot pass unseen,
 * and results the cursors gave from their last one (region reuse).
 */
struct c_seen {
	unsigned ok, fail;
	uint64_t hits, ok_hits; /* all, and translations (hpa moved) */
};

static void
c_run_x86(uint64_t seed, bool shuffled, bool user, struct c_seen *seen)
{
	static unsigned order[C_ADDRS];
	struct vfy_x86_ctl ctl = { true, true, false, (seed & 1) != 0, 0x0007010500070406ul };
	struct vfy_x86_result a, b;
	struct vfy_x86_cursor c;
	unsigned i;

	c_fill(seed);
	c_order(order, shuffled);
	vfy_x86_cursor_init(&c, t_mem(false), T_TABLE(L_PML4E), user, &ctl);
	for (i = 0; i < C_ADDRS; i++) {
		uint64_t va = c_addr(order[i]), hits = c.hits;

		vfy_walk_x86(t_mem(false), T_TABLE(L_PML4E), va, 0, user, &ctl, &a);
		assert_int_equal(vfy_walk_x86_cursor(&c, va, &b), a.outcome);
		c_same_x86(va, &a, &b);
		if (a.outcome == VFY_X86_OK && c.hits != hits)
			seen->ok_hits++;
		if (a.outcome == VFY_X86_OK)
			seen->ok++;
		else
			seen->fail++;
	}
	seen->hits += c.hits;
}

static void
c_run_ept(uint64_t seed, bool shuffled, bool exec_only, struct c_seen *seen)
{
	static unsigned order[C_ADDRS];
	struct vfy_ept_caps caps = { exec_only, (seed & 1) != 0 };
	uint64_t eptp = T_TABLE(L_PML4E) | 0x5e;
	struct vfy_ept_result a, b;
	struct vfy_ept_cursor c;
	unsigned i;

	c_fill(seed);
	c_order(order, shuffled);
	vfy_ept_cursor_init(&c, t_mem(false), eptp, &caps);
	for (i = 0; i < C_ADDRS; i++) {
		uint64_t va = c_addr(order[i]), hits = c.hits;

		vfy_walk_ept(t_mem(false), eptp, va, 0, &caps, &a);
		assert_int_equal(vfy_walk_ept_cursor(&c, va, &b), a.outcome);
		c_same_ept(va, &a, &b);
		if (a.outcome == VFY_EPT_OK && c.hits != hits)
			seen->ok_hits++;
		if (a.outcome == VFY_EPT_OK)
			seen->ok++;
		else
			seen->fail++;
	}
	seen->hits += c.hits;
}

/*
 * 64 random table sets through @run, each in order and shuffled, both
 * settings of its flag (user / exec-only).
 */
static void
c_equals_walk(void (*run)(uint64_t, bool, bool, struct c_seen *))
{
	struct c_seen seen = { 0, 0, 0, 0 };
	uint64_t seed;

	for (seed = 1; seed <= 64; seed++) {
		run(seed, false, true, &seen);
		run(seed, true, seed % 3 != 0, &seen);
	}
	print_message("%u translations, %u faults; from the last result %lu, %lu translations\n",
	              seen.ok, seen.fail, seen.hits, seen.ok_hits);
	assert_true(seen.ok > 1000);
	assert_true(seen.fail > 1000);
	/*
	 * In address order the PTE index moves fastest: after a walk that
	 * ends above the PTE level (a large leaf, or a fault at a PDE or
	 * above), the next C_N - 1 addresses are in its region.
	 */
	assert_true(seen.hits > 1000);
	assert_true(seen.ok_hits > 100); /* large leaves: the frame's offset moved */
}

static void
test_vfy_cursor_x86_equals_walk(void **state)
{
	(void)state;
	c_equals_walk(c_run_x86);
}

static void
test_vfy_cursor_ept_equals_walk(void **state)
{
	(void)state;
	c_equals_walk(c_run_ept);
}

/*
 * The cursor holds the path it read: a table changed under it is not
 * seen (the contract: a caller that changes the tables starts a new
 * cursor), and a new cursor sees it.
 */
static void
test_vfy_cursor_keeps_its_path(void **state)
{
	struct vfy_x86_ctl ctl = { true, true, false, false, 0x0007010500070406ul };
	struct vfy_x86_result r;
	struct vfy_x86_cursor c;
	const uint64_t e[4] = { 0x7654000ul | 0x7, 0x7, 0x7, 0x7 };

	(void)state;
	t_build(e, L_PTE);
	vfy_x86_cursor_init(&c, t_mem(false), T_TABLE(L_PML4E), true, &ctl);
	assert_int_equal(vfy_walk_x86_cursor(&c, T_ADDR, &r), VFY_X86_OK);
	t_set(t_entry_hpa(L_PDE), 0);
	assert_int_equal(vfy_walk_x86_cursor(&c, T_ADDR, &r), VFY_X86_OK);
	assert_int_equal(r.hpa, 0x7654567ul);
	vfy_x86_cursor_init(&c, t_mem(false), T_TABLE(L_PML4E), true, &ctl);
	assert_int_equal(vfy_walk_x86_cursor(&c, T_ADDR, &r), VFY_X86_NOT_PRESENT);
	assert_int_equal(r.level, L_PDE);
}

/*
 * The cursor's last result stands for its region: a 2 MiB leaf for
 * every address in its 2 MiB (the frame's offset moved), a zero PDE for
 * every address under it; the next region walks again.  Like the cached
 * tables, the result is kept when the tables change under the cursor.
 */
static void
test_vfy_cursor_region(void **state)
{
	struct vfy_x86_ctl ctl = { true, true, false, false, 0x0007010500070406ul };
	const uint64_t e[4] = { 0, T_FRAME_2M | B(7) | 0x7, 0x7, 0x7 };
	const uint64_t next_pde = (T_ADDR & ~0x1ffffful) + 0x200000;
	struct vfy_ept_caps caps = { false, false };
	struct vfy_x86_result r;
	struct vfy_ept_result er;
	struct vfy_x86_cursor c;
	struct vfy_ept_cursor ec;

	(void)state;
	t_build(e, L_PDE);
	vfy_x86_cursor_init(&c, t_mem(false), T_TABLE(L_PML4E), true, &ctl);
	assert_int_equal(vfy_walk_x86_cursor(&c, T_ADDR, &r), VFY_X86_OK);
	assert_int_equal(c.hits, 0);
	assert_int_equal(vfy_walk_x86_cursor(&c, T_ADDR + 0x3000, &r), VFY_X86_OK);
	assert_int_equal(c.hits, 1);
	assert_int_equal(r.hpa, T_FRAME_2M + (T_ADDR & 0x1fffff) + 0x3000);
	assert_int_equal(r.level, L_PDE);
	assert_int_equal(r.page_size, 0x200000);
	/* the next PDE is zero: a walk, then its result for the 2 MiB under it */
	assert_int_equal(vfy_walk_x86_cursor(&c, next_pde, &r), VFY_X86_NOT_PRESENT);
	assert_int_equal(c.hits, 1);
	assert_int_equal(vfy_walk_x86_cursor(&c, next_pde + 0x1ff123, &r), VFY_X86_NOT_PRESENT);
	assert_int_equal(c.hits, 2);
	assert_int_equal(r.level, L_PDE);
	assert_int_equal(r.entry_hpa[L_PDE], t_entry_hpa(L_PDE) + 8);
	assert_int_equal(r.hpa, 0);
	/* back to the leaf: another region, a walk */
	assert_int_equal(vfy_walk_x86_cursor(&c, T_ADDR, &r), VFY_X86_OK);
	assert_int_equal(c.hits, 2);
	/* the leaf cleared under the cursor: still its result, a new cursor sees it */
	t_set(t_entry_hpa(L_PDE), 0);
	assert_int_equal(vfy_walk_x86_cursor(&c, T_ADDR + 0x1000, &r), VFY_X86_OK);
	vfy_x86_cursor_init(&c, t_mem(false), T_TABLE(L_PML4E), true, &ctl);
	assert_int_equal(vfy_walk_x86_cursor(&c, T_ADDR + 0x1000, &r), VFY_X86_NOT_PRESENT);

	/* EPT: the same leaf bits read R W X, PS, memory type 0 */
	t_build(e, L_PDE);
	vfy_ept_cursor_init(&ec, t_mem(false), T_TABLE(L_PML4E), &caps);
	assert_int_equal(vfy_walk_ept_cursor(&ec, T_ADDR, &er), VFY_EPT_OK);
	assert_int_equal(vfy_walk_ept_cursor(&ec, T_ADDR + 0x5000, &er), VFY_EPT_OK);
	assert_int_equal(ec.hits, 1);
	assert_int_equal(er.hpa, T_FRAME_2M + (T_ADDR & 0x1fffff) + 0x5000);
	assert_int_equal(vfy_walk_ept_cursor(&ec, next_pde, &er), VFY_EPT_VIOLATION);
	assert_int_equal(vfy_walk_ept_cursor(&ec, next_pde + 0x1000, &er), VFY_EPT_VIOLATION);
	assert_int_equal(ec.hits, 2);
	assert_int_equal(er.level, L_PDE);
}

/*
 * The path a table scan takes to @va's leaf from the table at @root: each
 * non-zero entry down to a PTE or an entry with bit 7 (PS) below the
 * PML4E.  False when the scan finds no leaf (a zero entry, or a table
 * past the RAM it cannot read).
 */
static bool
c_scan_path(uint64_t root, uint64_t va, struct vfy_path *p)
{
	const struct vfy_mem *mem = t_mem(false);
	uint64_t table = root, e;
	int level;

	p->mem = mem;
	for (level = L_PML4E;; level--) {
		p->level = level;
		p->entry_hpa[level] = table + 8 * ((va >> (12 + 9 * level)) & 0x1ff);
		if (!mem->read64(mem->ctx, p->entry_hpa[level], &e) || e == 0)
			return false;
		p->entries[level] = e;
		if (level == L_PTE || (level < L_PML4E && (e & B(7))))
			return true;
		table = e & 0x000ffffffffff000ul;
	}
}

/* The first byte of the scan's leaf that holds @va. */
static uint64_t
c_leaf_va(uint64_t va, int level)
{
	return va & ~((UINT64_C(1) << (12 + 9 * level)) - 1);
}

/*
 * Every address a scan reaches: the path walk equals the plain walk with
 * access 0, and the path walk of the leaf's first byte differs from it
 * only by the frame's offset (what a check hands each 4 KiB page).
 */
static void
c_path_x86(uint64_t seed, bool user, struct c_seen *seen)
{
	struct vfy_x86_ctl ctl = { true, true, false, (seed & 1) != 0, 0x0007010500070406ul };
	struct vfy_x86_result a, b, first;
	struct vfy_path p;
	uint64_t va, va0;
	unsigned n;

	c_fill(seed);
	for (n = 0; n < C_ADDRS; n++) {
		va = c_addr(n);
		if (!c_scan_path(T_TABLE(L_PML4E), va, &p))
			continue;
		vfy_walk_x86(t_mem(false), T_TABLE(L_PML4E), va, 0, user, &ctl, &a);
		assert_int_equal(vfy_walk_x86_path(&p, T_TABLE(L_PML4E), va, user, &ctl, &b),
		                 a.outcome);
		c_same_x86(va, &a, &b);
		va0 = c_leaf_va(va, p.level);
		vfy_walk_x86_path(&p, T_TABLE(L_PML4E), va0, user, &ctl, &first);
		if (first.outcome == VFY_X86_OK)
			first.hpa += va - va0;
		c_same_x86(va, &a, &first);
		if (a.outcome == VFY_X86_OK)
			seen->ok++;
		else
			seen->fail++;
	}
}

static void
c_path_ept(uint64_t seed, bool exec_only, struct c_seen *seen)
{
	struct vfy_ept_caps caps = { exec_only, (seed & 1) != 0 };
	uint64_t eptp = T_TABLE(L_PML4E) | 0x5e, va, va0;
	struct vfy_ept_result a, b, first;
	struct vfy_path p;
	unsigned n;

	c_fill(seed);
	for (n = 0; n < C_ADDRS; n++) {
		va = c_addr(n);
		if (!c_scan_path(T_TABLE(L_PML4E), va, &p))
			continue;
		vfy_walk_ept(t_mem(false), eptp, va, 0, &caps, &a);
		assert_int_equal(vfy_walk_ept_path(&p, eptp, va, &caps, &b), a.outcome);
		c_same_ept(va, &a, &b);
		va0 = c_leaf_va(va, p.level);
		vfy_walk_ept_path(&p, eptp, va0, &caps, &first);
		if (first.outcome == VFY_EPT_OK)
			first.hpa += va - va0;
		c_same_ept(va, &a, &first);
		if (a.outcome == VFY_EPT_OK)
			seen->ok++;
		else if (a.outcome == VFY_EPT_MISCONFIG)
			seen->fail++;
	}
}

/* 64 random table sets: translations and faults (EPT: misconfigurations) both seen. */
static void
test_vfy_path_equals_walk(void **state)
{
	struct c_seen x86 = { 0, 0, 0, 0 }, ept = { 0, 0, 0, 0 };
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 64; seed++) {
		c_path_x86(seed, seed % 3 != 0, &x86);
		c_path_ept(seed, seed % 3 != 0, &ept);
	}
	print_message("x86 %u translations, %u faults; EPT %u translations, %u misconfigs\n",
	              x86.ok, x86.fail, ept.ok, ept.fail);
	assert_true(x86.ok > 100 && x86.fail > 100);
	assert_true(ept.ok > 100 && ept.fail > 100);
}

/*
 * A path walk reads the path's entries, not memory's: a PTE cleared in
 * memory after the scan read it still translates.
 */
static void
test_vfy_path_reads_the_path(void **state)
{
	struct vfy_x86_ctl ctl = { true, true, false, false, 0x0007010500070406ul };
	const uint64_t e[4] = { 0x7654000ul | 0x7, 0x7, 0x7, 0x7 };
	struct vfy_x86_result r;
	struct vfy_path p;

	(void)state;
	t_build(e, L_PTE);
	assert_true(c_scan_path(T_TABLE(L_PML4E), T_ADDR, &p));
	assert_int_equal(p.level, L_PTE);
	t_set(t_entry_hpa(L_PTE), 0);
	assert_int_equal(vfy_walk_x86_path(&p, T_TABLE(L_PML4E), T_ADDR, true, &ctl, &r),
	                 VFY_X86_OK);
	assert_int_equal(r.hpa, 0x7654567ul);
	assert_int_equal(vfy_walk_x86(t_mem(false), T_TABLE(L_PML4E), T_ADDR, 0, true, &ctl, &r),
	                 VFY_X86_NOT_PRESENT);
}

const struct CMUnitTest vfy_cursor_tests[] = {
	cmocka_unit_test_setup(test_vfy_cursor_x86_equals_walk, t_setup),
	cmocka_unit_test_setup(test_vfy_cursor_ept_equals_walk, t_setup),
	cmocka_unit_test_setup(test_vfy_cursor_keeps_its_path, t_setup),
	cmocka_unit_test_setup(test_vfy_cursor_region, t_setup),
	cmocka_unit_test_setup(test_vfy_path_equals_walk, t_setup),
	cmocka_unit_test_setup(test_vfy_path_reads_the_path, t_setup),
};
const size_t vfy_cursor_ntests = NELEM(vfy_cursor_tests);
