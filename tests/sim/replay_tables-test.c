/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * replay_tables-test.c - the replay's checks of the tables and the pmap's
 * structures, each made to fire by corrupting them by hand: a leaf's
 * frame, rights, U/S or memory type, a table's frame or count, a pv list,
 * a leaf with no VM page, a shared writable anonymous page.  Fixture and
 * method: replay_fixture.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/sim/replay_fixture.h"
#include "verify/vfy_check.h"

/*
 * 2. The x86 leaf of VA names VA2's frame (its pv entry moved along, as a
 * pmap entering the wrong frame would leave it).  The VM check of the
 * x86 walk says "wrong frame", the pair check "formats disagree"; every
 * address is checked once per pmap whose tables map it, so both twice.
 */
static void
test_replay_wrong_frame(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;
	uint64_t a, b;

	scenario_two_pages_user(fx);
	vs = vmspace(fx, 1);
	a = vm_frame(fx, vs, VA);
	b = vm_frame(fx, vs, VA2);
	poke_frame(fx, &vs->x86, VA, b);
	pv_move(fx, &vs->x86, VA, a, b);
	vfy_check_full(fx->s);
	ASSERT_DIVERGENCES(fx, 5, "wrong frame", "formats disagree");
	assert_report_has(fx, "x86 maps 0x400000 to hpa %#lx, the VM has %#lx", b, a);
	assert_report_has(fx, "x86 maps hpa %#lx, EPT hpa %#lx", b, a);
}

/*
 * 3. Only the EPT leaf of VA names VA2's frame.  vfy_check_va() judges
 * each format against the VM first (vfy_check_walk: "wrong frame", about
 * EPT), then the formats against each other (vfy_check_pair: "formats
 * disagree"); each twice, once per pmap's leaf.  The pages were written
 * by copyout so no EPT TLB entry goes stale.
 */
static void
test_replay_formats_disagree_frame(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;
	uint64_t a, b;

	scenario_two_pages_kernel(fx);
	vs = vmspace(fx, 1);
	a = vm_frame(fx, vs, VA);
	b = vm_frame(fx, vs, VA2);
	poke_frame(fx, &vs->ept, VA, b);
	pv_move(fx, &vs->ept, VA, a, b);
	vfy_check_full(fx->s);
	ASSERT_DIVERGENCES(fx, 4, "wrong frame", "formats disagree");
	assert_report_has(fx, "EPT maps 0x400000 to hpa %#lx, the VM has %#lx", b, a);
	assert_report_has(fx, "x86 maps hpa %#lx, EPT hpa %#lx", a, b);
}

/*
 * A leaf of VA changed by hand: @clear then @set in the EPT leaf (else the
 * x86 one) after events 1-4 (@mmap, @touch) and @more; vfy_check_full()
 * must then report @whats with @detail.
 */
struct leaf_case {
	const char *name;
	const char *mmap, *touch, *more;
	bool ept;
	uint64_t clear, set;
	uint64_t event; /* the last event */
	const char *whats[4];
	size_t nwhats;
	const char *detail;
};

static void
run_leaf_case(void **state, const struct leaf_case *c)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;
	uint64_t *pte;

	print_message("case %s\n", c->name);
	scenario(fx, c->mmap, c->touch);
	if (c->more != NULL)
		replay(fx, &c->more, 1);
	vs = vmspace(fx, 1);
	pte = pte_of(fx, c->ept ? &vs->ept : &vs->x86, VA, NULL);
	if ((*pte & c->clear) != c->clear || (*pte & c->set) != 0)
		fail_msg("%s: leaf %#lx: bits %#lx not all set or %#lx not all clear", c->name,
		         *pte, c->clear, c->set);
	poke64(fx, pte, (*pte & ~c->clear) | c->set);
	vfy_check_full(fx->s);
	assert_divergences(fx, c->event, c->whats, c->nwhats);
	assert_report_has(fx, "%s", c->detail);
}

/* Each case of @cases on a fresh machine (the fixture torn down between). */
static void
run_leaf_cases(void **state, const struct leaf_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			assert_int_equal(fx_reset(*state), 0);
		run_leaf_case(state, &cases[i]);
	}
}

/*
 * 3, alone: the EPT leaf loses a right in hardware A/D mode.  EPT holding
 * less than the VM allows is no rights excess, so only the pair check
 * fires (with hardware A/D, EPT must say what x86 says), once per leaf.
 * The pages were entered by the kernel's copy routines (x86 path), so no
 * EPT TLB entry goes stale.
 */
static const struct leaf_case disagree_cases[] = {
	{
	    .name = "W (bit 1) of a rw- page",
	    .mmap = "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
	    .touch = "copyout vm=1 cpu=0 va=0x400000 len=0x10",
	    .ept = true,
	    .clear = EPT_W,
	    .event = 4,
	    .whats = { "formats disagree" },
	    .nwhats = 1,
	    .detail = "x86 writable, EPT not writable",
	},
	{
	    .name = "X (bit 2) of a r-x page",
	    .mmap = "mmap vm=1 va=0x400000 len=0x1000 prot=r-x share=private backing=file "
	            "file=7 offset=0x0",
	    .touch = "copyin vm=1 cpu=0 va=0x400000 len=0x10",
	    .ept = true,
	    .clear = EPT_X,
	    .event = 4,
	    .whats = { "formats disagree" },
	    .nwhats = 1,
	    .detail = "x86 executable, EPT not executable",
	},
};

static void
test_replay_formats_disagree_rights(void **state)
{
	run_leaf_cases(state, disagree_cases, NELEM(disagree_cases));
}

/*
 * 3b. Only the EPT tables translate VA: its x86 leaf loses P (bit 0),
 * the rest of the entry kept, so the table counts and pv lists still
 * hold.  The x86 pass reaches the leaf (a non-zero entry) and its walk
 * does not translate: "formats disagree" for the EPT translation.  The
 * EPT pass skips only the pages the x86 walk translated, so it checks VA
 * again and reports it a second time.  The page was touched by a user
 * fault (EPT path), so no x86 TLB entry goes stale.
 */
static const struct leaf_case ept_only_cases[] = {
	{
	    .name = "P (bit 0) of the x86 leaf of a rw- page",
	    .mmap = "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
	    .touch = "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user",
	    .clear = 1ul << 0,
	    .event = 4,
	    .whats = { "formats disagree", "formats disagree" },
	    .nwhats = 2,
	    .detail = "x86 maps nothing",
	},
};

static void
test_replay_formats_disagree_ept_only(void **state)
{
	run_leaf_cases(state, ept_only_cases, NELEM(ept_only_cases));
}

/*
 * 4. A leaf grants a right the VM withholds: the rights check fires for
 * that format, and the pair check too where the other format stayed
 * right; each once per pmap whose tables map VA.
 *   cow:       after fork, the parent's x86 leaf of its copy-on-write
 *              page gets R/W (bit 1) back;
 *   nx:        the x86 leaf of a rw- page loses XD (bit 63);
 *   exec-only: the EPT leaf of a --x page (XWR=100, execute-only
 *              supported) gets R (bit 0); x86 cannot say execute-only
 *              and is readable by design, so the formats agree.
 */
static const struct leaf_case rights_cases[] = {
	{
	    .name = "cow",
	    .mmap = "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
	    .touch = "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user",
	    .more = "fork vm=1 child=2",
	    .set = X86_RW,
	    .event = 5,
	    .whats = { "rights", "formats disagree" },
	    .nwhats = 2,
	    .detail = "x86 grants rw-, the VM at most r--: writable where the VM forbids "
	              "writing (read-only or copy-on-write)",
	},
	{
	    .name = "nx",
	    .mmap = "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
	    .touch = "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user",
	    .clear = X86_XD,
	    .event = 4,
	    .whats = { "rights", "formats disagree" },
	    .nwhats = 2,
	    .detail = "x86 grants rwx, the VM at most rw-: executable where the VM forbids "
	              "execution",
	},
	{
	    .name = "exec-only",
	    .mmap = "mmap vm=1 va=0x400000 len=0x1000 prot=--x share=private backing=anon",
	    .touch = "fault vm=1 tid=1 cpu=0 va=0x400000 access=x mode=user",
	    .ept = true,
	    .set = EPT_R,
	    .event = 4,
	    .whats = { "rights" },
	    .nwhats = 1,
	    .detail = "EPT grants r-x, the VM at most --x: readable where the VM allows "
	              "execution only",
	},
};

static void
test_replay_rights(void **state)
{
	run_leaf_cases(state, rights_cases, NELEM(rights_cases));
}

/*
 * 4, the last rule: a page mprotect'ed --- keeps an x86 leaf (put back by
 * hand, unmanaged so no pv entry is owed; VA2 keeps the table alive).
 * EPT maps nothing there, so only the x86 leaf is checked.
 */
static void
test_replay_rights_none(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;
	struct sim_page *pt;
	uint64_t table, old, *pte;

	scenario(fx, "mmap vm=1 va=0x400000 len=0x2000 prot=r-- share=private backing=anon",
	         "fault vm=1 tid=1 cpu=0 va=0x400000 access=r mode=user");
	REPLAY(fx, "fault vm=1 tid=1 cpu=0 va=0x401000 access=r mode=user");
	vs = vmspace(fx, 1);
	old = *pte_of(fx, &vs->x86, VA, NULL);
	REPLAY(fx, "mprotect vm=1 va=0x400000 len=0x1000 prot=---");
	pte = pte_of(fx, &vs->x86, VA, &table);
	assert_int_equal(*pte, 0);
	pt = sim_phys_page(fx->s->sp, table);
	poke64(fx, pte, old & ~X86_MANAGED);
	poke32(fx, &pt->md.ptp_refs, pt->md.ptp_refs + 1);
	vfy_check_full(fx->s);
	ASSERT_DIVERGENCES(fx, 6, "rights");
	assert_report_has(fx, "x86 grants r--, the VM at most ---: readable where the VM allows "
	                      "nothing");
}

/*
 * The x86 leaf loses U/S (bit 2).  The reference walk is a user walk, so
 * x86 now grants the user nothing: "supervisor page" from the x86 check,
 * and EPT, still writable, says more than x86 (pair check); per leaf.
 */
static void
test_replay_supervisor_page(void **state)
{
	struct fixture *fx = fx_pair(state);
	uint64_t *pte;

	scenario_one_page(fx, 0x1000);
	pte = pte_of(fx, &vmspace(fx, 1)->x86, VA, NULL);
	assert_true(*pte & X86_US);
	poke64(fx, pte, *pte & ~X86_US);
	vfy_check_full(fx->s);
	ASSERT_DIVERGENCES(fx, 4, "supervisor page", "formats disagree");
	assert_report_has(fx, "x86 maps user 0x400000 without U/S");
	assert_report_has(fx, "x86 not writable, EPT writable");
}

/*
 * The x86 PDE above VA points at VA2's frame, a VM page (all zero: no
 * entries), instead of the page table.  The table check says so; the x86
 * pmap's two managed leaves are out of view ("pv list": 0 leaves, 2 pv
 * entries); and EPT maps VA and VA2 where x86 now maps nothing (pair
 * check, from the EPT leaves).
 */
static void
test_replay_table_frame(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;
	uint64_t table, b, *t;
	int level;

	scenario_two_pages_user(fx);
	vs = vmspace(fx, 1);
	b = vm_frame(fx, vs, VA2);
	(void)pte_of(fx, &vs->x86, VA, &table);
	t = sim_phys_ptr(fx->s->sp, vs->x86.pm_root_hpa);
	for (level = 3; level > 1; level--)
		t = sim_phys_ptr(fx->s->sp, t[(VA >> (12 + 9 * level)) & 511] & PTE_FRAME);
	t += (VA >> 21) & 511; /* the PDE */
	assert_int_equal(*t & PTE_FRAME, table);
	poke64(fx, t, (*t & ~PTE_FRAME) | b);
	vfy_check_full(fx->s);
	ASSERT_DIVERGENCES(fx, 5, "table frame", "pv list", "formats disagree", "formats disagree");
	assert_report_has(fx, "level-0 table at hpa %#lx is a VM page", b);
	assert_report_has(fx, "0 managed leaves, 2 pv entries in the pmap");
	assert_report_has(fx, "EPT maps 0x400000 to hpa %#lx, x86 maps nothing",
	                  vm_frame(fx, vs, VA));
	assert_report_has(fx, "EPT maps 0x401000 to hpa %#lx, x86 maps nothing", b);
}

/*
 * 5. The x86 leaf gets PCD|PWT: PAT entry 3, UC (0), where the VM maps WB
 * (6).  The memory-type check fires, then the pair check; twice.
 */
static void
test_replay_memory_type(void **state)
{
	struct fixture *fx = fx_pair(state);
	uint64_t *pte;

	scenario_one_page(fx, 0x1000);
	pte = pte_of(fx, &vmspace(fx, 1)->x86, VA, NULL);
	assert_int_equal(*pte & (X86_PCD | X86_PWT | PTE_PS), 0);
	poke64(fx, pte, *pte | X86_PCD | X86_PWT);
	vfy_check_full(fx->s);
	ASSERT_DIVERGENCES(fx, 4, "memory type", "formats disagree");
	assert_report_has(fx, "x86 says type 0, the VM's mapping 6");
	assert_report_has(fx, "x86 memory type 0, EPT 6");
}

/* 7. The x86 page table holding VA and VA2 counts one entry less. */
static void
test_replay_table_count(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_page *pt;
	uint64_t table;

	scenario_two_pages_user(fx);
	(void)pte_of(fx, &vmspace(fx, 1)->x86, VA, &table);
	pt = sim_phys_page(fx->s->sp, table);
	assert_int_equal(pt->md.ptp_refs, 2);
	poke32(fx, &pt->md.ptp_refs, 1);
	vfy_check_full(fx->s);
	ASSERT_DIVERGENCES(fx, 5, "table count");
	assert_report_has(fx, "level-0 table at hpa %#lx holds 2 entries, its count says 1", table);
}

/* 8. The x86 mapping's pv entry is unlinked from its page's pv list. */
static void
test_replay_pv_list(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;
	uint64_t a, *pte;

	scenario_one_page(fx, 0x1000);
	vs = vmspace(fx, 1);
	a = vm_frame(fx, vs, VA);
	pte = pte_of(fx, &vs->x86, VA, NULL);
	assert_true(*pte & X86_MANAGED);
	(void)pv_unlink(fx, a, &vs->x86, VA);
	vfy_check_full(fx->s);
	ASSERT_DIVERGENCES(fx, 4, "pv list");
	assert_report_has(fx, "managed leaf %#lx has no pv entry on hpa %#lx", *pte, a);
}

/* A frame the allocator has not handed out. */
static uint64_t
free_frame(struct fixture *fx)
{
	uint64_t f;

	for (f = 1; f < fx->s->sp->nalloc; f++)
		if (!fx->s->sp->pages[f].allocated)
			return (f << PMAP_PAGE_SHIFT);
	fail_msg("no free frame in %lu", fx->s->sp->nalloc);
	return (0);
}

/*
 * 9. The x86 leaf of VA points at a free frame.  The structure check says
 * so first, and skips the pv lookup, so the x86 pmap's managed leaves
 * fall one short of its pv entries ("pv list"); the walk checks see a
 * wrong frame and the formats disagreeing (x86 leaf, then EPT leaf).
 */
static void
test_replay_non_vm_frame(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;
	uint64_t f, a, *pte;

	scenario_one_page(fx, 0x1000);
	vs = vmspace(fx, 1);
	a = vm_frame(fx, vs, VA);
	f = free_frame(fx);
	pte = pte_of(fx, &vs->x86, VA, NULL);
	poke64(fx, pte, (*pte & ~PTE_FRAME) | f);
	vfy_check_full(fx->s);
	ASSERT_DIVERGENCES(fx, 4, "leaf reaches a non-VM frame", "wrong frame", "formats disagree",
	                   "pv list");
	assert_report_has(fx, "leaf %#lx maps hpa %#lx, which is free", *pte, f);
	assert_report_has(fx, "x86 maps 0x400000 to hpa %#lx, the VM has %#lx", f, a);
	assert_report_has(fx, "0 managed leaves, 1 pv entries in the pmap");
}

/*
 * 10. VA's x86 leaf is copied into EMPTY_VA's slot of the same table
 * (count raised to match, managed bit dropped so no pv entry is owed):
 * x86 maps an address the VM has nothing at.
 */
static void
test_replay_mapped_without_vm(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;
	struct sim_page *pt;
	uint64_t table, a, *pte, *slot;

	scenario_one_page(fx, 0x1000);
	vs = vmspace(fx, 1);
	a = vm_frame(fx, vs, VA);
	pte = pte_of(fx, &vs->x86, VA, &table);
	slot = pte_of(fx, &vs->x86, EMPTY_VA, NULL);
	assert_int_equal(*slot, 0);
	assert_null(sim_entry_find(vs, EMPTY_VA));
	pt = sim_phys_page(fx->s->sp, table);
	poke64(fx, slot, *pte & ~X86_MANAGED);
	poke32(fx, &pt->md.ptp_refs, pt->md.ptp_refs + 1);
	vfy_check_full(fx->s);
	ASSERT_DIVERGENCES(fx, 4, "mapped without the VM");
	assert_report_has(fx, "x86 maps 0x410000 to hpa %#lx, but the VM holds no page there", a);
}

/*
 * 11. After fork and a copy-on-write in the parent (its own frame P), the
 * child's x86 leaf is made writable and pointed at P (pv entry moved).
 * vfy_check_full() visits the vmspaces in hash-slot order: with 64 slots
 * vmspace 2 hashes to slot 13 and vmspace 1 to slot 38 (sim_hash_slot),
 * so the child comes first.  Its leaves (x86, then EPT) give the wrong
 * frame and the formats disagreeing; its x86 leaf records P as written
 * from vmspace 2.  Then each of the parent's leaves (x86, EPT) finds P
 * writable from vmspace 1 too.
 */
static void
test_replay_shared_writable(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *parent, *child;
	uint64_t p, c, *pte;

	scenario_one_page(fx, 0x1000);
	REPLAY(fx, "fork vm=1 child=2", "sched tid=2 cpu=1",
	       "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user", /* parent's copy */
	       "fault vm=2 tid=2 cpu=1 va=0x400000 access=r mode=user");
	parent = vmspace(fx, 1);
	child = vmspace(fx, 2);
	p = vm_frame(fx, parent, VA);
	c = vm_frame(fx, child, VA);
	assert_true(p != c);
	pte = pte_of(fx, &child->x86, VA, NULL);
	poke64(fx, pte, (*pte & ~PTE_FRAME) | p | X86_RW);
	pv_move(fx, &child->x86, VA, c, p);
	vfy_check_full(fx->s);
	ASSERT_DIVERGENCES(fx, 8, "wrong frame", "formats disagree",
	                   "shared writable anonymous page", "shared writable anonymous page");
	assert_report_has(fx, "x86 maps 0x400000 to hpa %#lx, the VM has %#lx", p, c);
	assert_report_has(fx, "hpa %#lx is writable from vmspace 1 and vmspace 2", p);
}

/*
 * 12. A frame changes hands between two full checks: vmspace 1 writes VA
 * (frame F, its own object) and a check notes F as writable from it;
 * vmspace 1 unmaps VA (its tables stay, for VA2), F goes back on top of
 * the free stack, and vmspace 2, whose tables for VA are there already
 * (VA2), writes VA and gets F.  The second check must
 * find nothing: vmspace 1's note is the first check's.  The note's epoch
 * is tried as it runs on and as it wraps (the epoch before the second
 * check set to 2^32 - 1: every note is cleared and the count restarts at
 * 1, the first check's epoch).
 */
struct epoch_case {
	const char *name;
	bool wrap;
};

static const struct epoch_case epoch_cases[] = {
	{ "next check", false },
	{ "epoch wraps", true },
};

static void
test_replay_writer_epoch(void **state)
{
	struct fixture *fx;
	uint64_t f;
	size_t i;

	for (i = 0; i < NELEM(epoch_cases); i++) {
		fx = fx_pair(state);
		REPLAY(fx, "vmspace_create vm=1 kind=process", "vmspace_create vm=2 kind=process",
		       "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
		       "mmap vm=1 va=0x401000 len=0x1000 prot=rw- share=private backing=anon",
		       "mmap vm=2 va=0x400000 len=0x2000 prot=rw- share=private backing=anon",
		       "sched tid=1 cpu=0", "sched tid=2 cpu=1",
		       "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user",
		       "fault vm=1 tid=1 cpu=0 va=0x401000 access=w mode=user",
		       "fault vm=2 tid=2 cpu=1 va=0x401000 access=w mode=user", "check");
		f = vm_frame(fx, vmspace(fx, 1), VA);
		assert_int_equal(fx->s->sp->writer_epoch, 1);
		assert_int_equal(sim_phys_page(fx->s->sp, f)->writer_vm, 1 + 1);
		REPLAY(fx, "munmap vm=1 va=0x400000 len=0x1000",
		       "fault vm=2 tid=2 cpu=1 va=0x400000 access=w mode=user");
		if (vm_frame(fx, vmspace(fx, 2), VA) != f)
			fail_msg("%s: vmspace 2 got frame %#lx, not vmspace 1's %#lx",
			         epoch_cases[i].name, vm_frame(fx, vmspace(fx, 2), VA), f);
		if (epoch_cases[i].wrap)
			fx->s->sp->writer_epoch = UINT32_MAX;
		REPLAY(fx, "check");
		assert_no_divergence(fx);
		assert_int_equal(fx->s->sp->writer_epoch, epoch_cases[i].wrap ? 1 : 2);
		assert_int_equal(sim_phys_page(fx->s->sp, f)->writer_vm, 2 + 1);
		assert_int_equal(fx_reset(fx), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_replay_wrong_frame),
		T(test_replay_formats_disagree_frame),
		T(test_replay_formats_disagree_rights),
		T(test_replay_formats_disagree_ept_only),
		T(test_replay_rights),
		T(test_replay_rights_none),
		T(test_replay_supervisor_page),
		T(test_replay_table_frame),
		T(test_replay_memory_type),
		T(test_replay_table_count),
		T(test_replay_pv_list),
		T(test_replay_non_vm_frame),
		T(test_replay_mapped_without_vm),
		T(test_replay_shared_writable),
		T(test_replay_writer_epoch),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
