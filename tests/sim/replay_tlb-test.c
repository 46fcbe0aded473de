/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * replay_tlb-test.c - the replay's checks of what the simulated MMUs do
 * at an access: a stale TLB entry, an invalid (misconfigured) entry, a
 * lost dirty bit or reference seen by the pageout, a fault that never
 * resolves; with the controls that find nothing.  Fixture and method:
 * replay_fixture.h.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/sim/replay_fixture.h"
#include "verify/vfy_check.h"

/*
 * 1. A translation cached by cpu 0 at event 4 outlives mprotect r-- at
 * event 5, which took W away: the user's write through EPT (INVEPT
 * needed), the kernel's copyout through x86 (INVLPG needed).
 */
struct stale_case {
	const char *touch;
	const char *format; /* the pmap whose TLB entry goes stale */
};

static const struct stale_case stale_cases[] = {
	{ "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user", "EPT" },
	{ "copyout vm=1 cpu=0 va=0x400000 len=0x10", "x86" },
};

static void
stale_tlb_scenario(struct fixture *fx, const struct stale_case *c)
{
	print_message("case %s\n", c->format);
	scenario(fx, "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
	         c->touch);
	REPLAY(fx, "mprotect vm=1 va=0x400000 len=0x1000 prot=r--");
}

/* 1. The CPUs ignore invalidations (--inject=skip-inval). */
static void
test_replay_stale_tlb(void **state)
{
	struct fixture *fx;
	uint64_t a;
	size_t i;

	for (i = 0; i < NELEM(stale_cases); i++) {
		if (i > 0)
			assert_int_equal(fx_reset(*state), 0);
		fx = fx_start(state, SIM_MODE_PAIR, SIM_AD_HW, SIM_CHECK_INCREMENTAL,
		              SIM_INJECT_SKIP_INVAL);
		stale_tlb_scenario(fx, &stale_cases[i]);
		a = vm_frame(fx, vmspace(fx, 1), VA);
		ASSERT_DIVERGENCES(fx, 5, "stale TLB");
		assert_report_has(fx,
		                  "cpu 0 caches 0x400000 -> hpa %#lx rw- (%s, filled at event 4); "
		                  "the tables now say: hpa %#lx r-- 4K",
		                  a, stale_cases[i].format, a);
	}
}

/*
 * 1b. The pageout daemon unmaps a page (event 6: a clean page, its
 * reference cleared by the pass at event 5) while the CPUs ignore the
 * invalidation: the incremental check after the pageout event, which
 * re-checks where the scanned pages were mapped, finds the TLB entry the
 * user's read left on cpu 0 (event 4).  Not a full check: no check event.
 */
static void
test_replay_stale_tlb_after_pageout(void **state)
{
	struct fixture *fx =
	    fx_start(state, SIM_MODE_PAIR, SIM_AD_HW, SIM_CHECK_INCREMENTAL, SIM_INJECT_SKIP_INVAL);
	uint64_t a;

	scenario(fx, "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
	         "fault vm=1 tid=1 cpu=0 va=0x400000 access=r mode=user");
	a = vm_frame(fx, vmspace(fx, 1), VA);
	REPLAY(fx, "pageout pages=1");
	assert_no_divergence(fx);
	REPLAY(fx, "pageout pages=1");
	ASSERT_DIVERGENCES(fx, 6, "stale TLB");
	assert_report_has(fx, "cpu 0 caches 0x400000 -> hpa %#lx rw- (EPT, filled at event 4)", a);
	assert_int_equal(fx->s->stats.full_checks, 0);
}

/* 1, the control: the same events with invalidations find nothing. */
static void
test_replay_stale_tlb_control(void **state)
{
	struct fixture *fx;
	size_t i;

	for (i = 0; i < NELEM(stale_cases); i++) {
		if (i > 0)
			assert_int_equal(fx_reset(*state), 0);
		fx = fx_pair(state);
		stale_tlb_scenario(fx, &stale_cases[i]);
		vfy_check_full(fx->s);
		assert_no_divergence(fx);
	}
}

/*
 * 6. The EPT leaf says XWR=010 (write without read, SDM 3C 29.3.3.1): the
 * user's read through EPT takes an EPT misconfiguration.  The page was
 * written by copyout, so the read walks the tables (no EPT TLB entry).
 */
static void
test_replay_invalid_entry(void **state)
{
	struct fixture *fx = fx_pair(state);
	uint64_t *pte;

	scenario_two_pages_kernel(fx);
	pte = pte_of(fx, &vmspace(fx, 1)->ept, VA, NULL);
	assert_int_equal(*pte & EPT_XWR, 3); /* rw-: R|W */
	poke64(fx, pte, (*pte & ~EPT_XWR) | EPT_W);
	REPLAY(fx, "fault vm=1 tid=1 cpu=0 va=0x400000 access=r mode=user");
	ASSERT_DIVERGENCES(fx, 5, "invalid entry");
	assert_report_has(fx, "read/fetch access by cpu 0: MISCONFIG: PTE XWR=010 (write "
	                      "without read)");
}

/*
 * 12. A page written by the user loses D in both leaves (x86 bit 6, EPT
 * bit 9).  The pageout clock passes it twice: referenced (A) the first
 * time, then pmap_is_modified calls it clean though it was written.
 */
static void
test_replay_lost_dirty(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;
	uint64_t a, *x, *e;

	scenario_one_page(fx, 0x1000);
	vs = vmspace(fx, 1);
	a = vm_frame(fx, vs, VA);
	x = pte_of(fx, &vs->x86, VA, NULL);
	e = pte_of(fx, &vs->ept, VA, NULL);
	assert_true((*x & X86_D) && (*e & EPT_D));
	*x &= ~X86_D; /* the pageout removes the entries: not undone */
	*e &= ~EPT_D;
	REPLAY(fx, "pageout pages=2");
	ASSERT_DIVERGENCES(fx, 5, "lost dirty bit");
	assert_report_has(fx,
	                  "the page was written through a simulated MMU since it was last "
	                  "clean, but pmap_is_modified says clean (page %#lx)",
	                  a);
	assert_int_equal(fx->s->stats.pageouts, 1); /* dropped, its bytes lost */
}

/* 12, the control: with its D bits the page is laundered, not lost. */
static void
test_replay_lost_dirty_control(void **state)
{
	struct fixture *fx = fx_pair(state);

	scenario_one_page(fx, 0x1000);
	REPLAY(fx, "pageout pages=2", "check");
	assert_no_divergence(fx);
	assert_int_equal(fx->s->stats.swap_outs, 1);
}

/*
 * 12, the page no longer mapped: a shared file page written by the user
 * and unmapped keeps its dirtiness only in the page's PMAP_PAGE_DIRTY
 * flag (the pmap noted it at the removal).  Cleared by hand, the second
 * pass finds the page clean with no mapping left to report it at.
 */
static void
test_replay_lost_dirty_unmapped(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_page *pg;
	uint64_t a;

	scenario(fx,
	         "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=shared backing=file file=8 "
	         "offset=0x0",
	         "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user");
	a = vm_frame(fx, vmspace(fx, 1), VA);
	REPLAY(fx, "munmap vm=1 va=0x400000 len=0x1000");
	pg = sim_phys_page(fx->s->sp, a);
	assert_ptr_equal(pg->obj, sim_hash_get(&fx->s->files, 8));
	assert_null(pg->md.pv_list);
	assert_true(pg->md.flags & PMAP_PAGE_DIRTY);
	pg->md.flags &= ~PMAP_PAGE_DIRTY; /* the page is freed: not undone */
	REPLAY(fx, "pageout pages=2");
	ASSERT_DIVERGENCES(fx, 6, "lost dirty bit");
	assert_report_has(fx,
	                  "the page was written through a simulated MMU since it was last "
	                  "clean, but pmap_is_modified says clean (page %#lx, no mapping left)",
	                  a);
}

/*
 * 13. A page gets its second chance (pageout clears A), is read again by
 * the user, then loses A in both leaves (x86 bit 5, EPT bit 8): the next
 * pass finds it unreferenced though it was accessed.
 */
static void
test_replay_lost_reference(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;
	uint64_t *x, *e;

	scenario_one_page(fx, 0x1000);
	REPLAY(fx, "pageout pages=1", "fault vm=1 tid=1 cpu=0 va=0x400000 access=r mode=user");
	vs = vmspace(fx, 1);
	x = pte_of(fx, &vs->x86, VA, NULL);
	e = pte_of(fx, &vs->ept, VA, NULL);
	assert_true(*e & EPT_A);
	*x &= ~X86_A; /* a pageout may clear them too: not undone */
	*e &= ~EPT_A;
	REPLAY(fx, "pageout pages=1");
	ASSERT_DIVERGENCES(fx, 7, "lost reference");
	assert_report_has(fx,
	                  "the page was accessed through a simulated MMU since the last scan, "
	                  "but pmap_ts_referenced counts nothing (page %#lx)",
	                  vm_frame(fx, vs, VA));
}

/* 13, the control: the read after the first pass is seen by the second. */
static void
test_replay_lost_reference_control(void **state)
{
	struct fixture *fx = fx_pair(state);

	scenario_one_page(fx, 0x1000);
	REPLAY(fx, "pageout pages=1", "fault vm=1 tid=1 cpu=0 va=0x400000 access=r mode=user",
	       "pageout pages=1", "check");
	assert_no_divergence(fx);
}

/*
 * 14. The EPT pmap's vocabulary loses W for rw- (its protection code for
 * VM_PROT_READ|VM_PROT_WRITE becomes the one for VM_PROT_READ): every
 * fault the VM resolves enters a read-only EPT leaf, and the user's write
 * faults again, SIM_ACCESS_TRIES (4) times.  The check after the event
 * then finds EPT less writable than x86 (pair check, once per leaf).
 */
static void
test_replay_fault_loop(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;

	REPLAY(fx, "vmspace_create vm=1 kind=process",
	       "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
	       "sched tid=1 cpu=0");
	vs = vmspace(fx, 1);
	poke64(fx, &vs->ept.protection_codes[VM_PROT_READ | VM_PROT_WRITE],
	       vs->ept.protection_codes[VM_PROT_READ]);
	REPLAY(fx, "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user");
	ASSERT_DIVERGENCES(fx, 4, "fault loop", "formats disagree");
	assert_report_has(fx, "write by cpu 0 still faults after 4 resolved faults");
	assert_report_has(fx, "x86 writable, EPT not writable");
}

/*
 * 1c. Large TLB slots shared by two vmspaces, the CPUs ignoring
 * invalidations.  Vmspace 1 faults 33 2 MiB device leaves on cpu 0: the
 * 32 large slots fill round robin and leaf 32 takes slot 0 again; then
 * vmspace 2's leaf takes slot 1 from vmspace 1's leaf 1.  mprotect r-- of
 * one 4 KiB page (a demotion) leaves the 2 MiB rw- entry covering it
 * stale, where one is still cached (a range check of a few pages visits
 * the large slots of the vmspace it checks); leaf 1 of vmspace 1 is
 * cached nowhere any more.
 */
static const struct {
	unsigned vm, leaf;
	bool stale;
} large_cases[] = {
	{ 1, 2, true },
	{ 2, 0, true },
	{ 1, 32, true },
	{ 1, 1, false },
};

static void
large_slots_scenario(struct fixture *fx)
{
	char buf[33][96];
	const char *lines[33];
	unsigned k;

	REPLAY(fx, "vmspace_create vm=1 kind=process", "vmspace_create vm=2 kind=process",
	       "mmap vm=1 va=0x40000000 len=0x4200000 prot=rw- share=shared backing=device "
	       "hpa=0xc0000000 ma=UC",
	       "mmap vm=2 va=0x40000000 len=0x200000 prot=rw- share=shared backing=device "
	       "hpa=0xd0000000 ma=UC",
	       "sched tid=1 cpu=0");
	for (k = 0; k < 33; k++) {
		snprintf(buf[k], sizeof(buf[k]),
		         "fault vm=1 tid=1 cpu=0 va=%#lx access=w mode=user",
		         0x40000000ul + k * 0x200000ul);
		lines[k] = buf[k];
	}
	replay(fx, lines, 33);
	REPLAY(fx, "fault vm=2 tid=1 cpu=0 va=0x40000000 access=w mode=user");
}

static void
test_replay_stale_tlb_large_slots(void **state)
{
	struct fixture *fx;
	char line[96];
	size_t i;

	for (i = 0; i < NELEM(large_cases); i++) {
		uint64_t va = 0x40000000ul + large_cases[i].leaf * 0x200000ul;
		uint64_t hpa = (large_cases[i].vm == 1 ? 0xc0000000ul : 0xd0000000ul) +
		               large_cases[i].leaf * 0x200000ul;
		const char *one[1] = { line };

		if (i > 0)
			assert_int_equal(fx_reset(*state), 0);
		fx = fx_start(state, SIM_MODE_PAIR, SIM_AD_HW, SIM_CHECK_INCREMENTAL,
		              SIM_INJECT_SKIP_INVAL);
		print_message("case vm %u leaf %u\n", large_cases[i].vm, large_cases[i].leaf);
		large_slots_scenario(fx);
		assert_no_divergence(fx);
		snprintf(line, sizeof(line), "mprotect vm=%u va=%#lx len=0x1000 prot=r--",
		         large_cases[i].vm, va + 0x5000);
		replay(fx, one, 1);
		if (!large_cases[i].stale) {
			assert_no_divergence(fx);
			continue;
		}
		/* events: 5 set-up, 33 + 1 faults, the mprotect */
		ASSERT_DIVERGENCES(fx, 40, "stale TLB");
		assert_report_has(fx, "cpu 0 caches %#lx -> hpa %#lx rw- (EPT, filled at event", va,
		                  hpa);
	}
}

/*
 * 8. The TLB's slot masks (sim.h) follow the tags exactly: a CPU's used
 * mask has slot i while tag[i] is set, a vmspace's pmap's mask while
 * tag[i] is that pmap, and tag[i] is the entry's pmap.  Checked after
 * every event of a run that fills 4 KiB and 2 MiB slots on two CPUs for
 * two vmspaces, replaces ways round robin, moves slots from one vmspace
 * to the other, and empties them by INVLPG, INVEPT, a fault, a pageout
 * and an exit.
 */
struct mask_walk {
	struct sim *s;
	uint64_t owned[SIM_MAX_CPUS][SIM_TLB_MASK_WORDS]; /* the union of the pmaps' masks */
};

static void
assert_vmspace_masks(uint64_t key, void *val, void *arg)
{
	struct sim_vmspace *vs = val;
	struct mask_walk *mw = arg;
	struct pmap *pms[2] = { &vs->x86, &vs->ept };
	unsigned cpu, i, k;
	bool want, have;

	(void)key;
	for (k = 0; k < 2; k++) {
		for (cpu = 0; cpu < SIM_MAX_CPUS; cpu++) {
			for (i = 0; i < SIM_TLB_ALL; i++) {
				struct pmap *tag = mw->s->cpu[cpu].tag[i];

				want = tag == pms[k];
				have = (vs->tlb_slots[k][cpu].w[i / 64] >> (i % 64) & 1) != 0;
				if (want != have)
					fail_msg(
					    "vmspace %u pmap %u cpu %u slot %u: mask %d, tag %p",
					    vs->id, k, cpu, i, have, (void *)tag);
				if (have && !(vs->tlb_cpus >> cpu & 1))
					fail_msg("vmspace %u pmap %u cpu %u slot %u: tagged, the "
					         "cpu not in tlb_cpus %#lx",
					         vs->id, k, cpu, i, vs->tlb_cpus);
				if (have && (mw->owned[cpu][i / 64] >> (i % 64) & 1))
					fail_msg("cpu %u slot %u in two pmaps' masks", cpu, i);
				if (have)
					mw->owned[cpu][i / 64] |= 1ul << (i % 64);
			}
		}
	}
}

/* Every mask of @s against the tags; returns the number of slots tagged. */
static unsigned
assert_tlb_masks(struct sim *s)
{
	struct mask_walk mw = { s, { { 0 } } };
	unsigned cpu, i, tagged = 0;
	bool used;

	sim_hash_each(&s->vmspaces, assert_vmspace_masks, &mw);
	for (cpu = 0; cpu < SIM_MAX_CPUS; cpu++) {
		for (i = 0; i < SIM_TLB_ALL; i++) {
			struct sim_cpu *c = &s->cpu[cpu];

			used = (c->used[i / 64] >> (i % 64) & 1) != 0;
			if (used != (c->tag[i] != NULL) || c->tag[i] != c->tlb[i].pm)
				fail_msg("cpu %u slot %u: used %d, tag %p, entry's pmap %p", cpu, i,
				         used, (void *)c->tag[i], (void *)c->tlb[i].pm);
			if (used != ((mw.owned[cpu][i / 64] >> (i % 64) & 1) != 0))
				fail_msg("cpu %u slot %u: used %d, in no vmspace's mask", cpu, i,
				         used);
			tagged += used;
		}
	}
	return tagged;
}

static const char *const mask_events[] = {
	"vmspace_create vm=1 kind=process",
	"mmap vm=1 va=0x400000 len=0x200000 prot=rw- share=private backing=anon",
	"mmap vm=1 va=0x40000000 len=0x400000 prot=rw- share=shared backing=device "
	"hpa=0xc0000000 ma=UC",
	"sched tid=1 cpu=0",
	"sched tid=2 cpu=1",
	/* set 0 of cpu 0: five pages 64 pages apart, the fifth replaces way 0 */
	"fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user",
	"fault vm=1 tid=1 cpu=0 va=0x440000 access=w mode=user",
	"fault vm=1 tid=1 cpu=0 va=0x480000 access=r mode=user",
	"copyout vm=1 cpu=0 va=0x4c0000 len=0x10",
	"fault vm=1 tid=1 cpu=0 va=0x500000 access=w mode=user",
	"fault vm=1 tid=1 cpu=0 va=0x40000000 access=w mode=user",
	"fault vm=1 tid=2 cpu=1 va=0x40200000 access=r mode=user",
	"fault vm=1 tid=2 cpu=1 va=0x43f000 access=w mode=user",
	/* a read-only fault: the write then faults on the TLB entry and drops it */
	"fault vm=1 tid=2 cpu=1 va=0x441000 access=r mode=user",
	"fault vm=1 tid=2 cpu=1 va=0x441000 access=w mode=user",
	"fork vm=1 child=2",
	/* vmspace 2 takes over slots of set 0 on cpu 0 */
	"fault vm=2 tid=1 cpu=0 va=0x400000 access=r mode=user",
	"fault vm=2 tid=1 cpu=0 va=0x440000 access=w mode=user",
	"fault vm=2 tid=1 cpu=0 va=0x40000000 access=r mode=user",
	"mprotect vm=1 va=0x400000 len=0x1000 prot=r--",
	"munmap vm=1 va=0x43f000 len=0x3000",
	"pageout pages=64",
	"exit vm=2",
	"munmap vm=1 va=0x40000000 len=0x200000",
	"check",
};

static void
test_tlb_masks_follow_tags(void **state)
{
	struct fixture *fx = fx_pair(state);
	unsigned most = 0, tagged;
	size_t i;

	for (i = 0; i < NELEM(mask_events); i++) {
		replay(fx, &mask_events[i], 1);
		tagged = assert_tlb_masks(fx->s);
		most = tagged > most ? tagged : most;
	}
	assert_no_divergence(fx);
	/* The run filled slots (the masks were not trivially empty). */
	assert_true(most >= 8);
}

/*
 * 8b. A vmspace's tlb_cpus keeps every cpu holding one of its entries
 * (assert_tlb_masks) and loses a cpu a range check finds holding none.
 * The kernel's copyouts (x86 entries: the munmap's INVLPG drops one
 * page, where an INVEPT would empty the EPT pmap everywhere) leave VA on
 * cpu 0 and VA2 on cpu 1; the munmap of VA2 empties cpu 1, and the
 * munmap's check drops it; its next fill takes it back.
 */
static void
test_tlb_cpus_follow_fills(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;

	REPLAY(fx, "vmspace_create vm=1 kind=process",
	       "mmap vm=1 va=0x400000 len=0x2000 prot=rw- share=private backing=anon",
	       "sched tid=1 cpu=0", "sched tid=2 cpu=1", "copyout vm=1 cpu=0 va=0x400000 len=0x10",
	       "copyout vm=1 cpu=1 va=0x401000 len=0x10");
	vs = vmspace(fx, 1);
	assert_int_equal(assert_tlb_masks(fx->s), 2);
	assert_int_equal(vs->tlb_cpus, 3);
	REPLAY(fx, "munmap vm=1 va=0x401000 len=0x1000");
	assert_int_equal(assert_tlb_masks(fx->s), 1);
	assert_int_equal(vs->tlb_cpus, 1);
	REPLAY(fx, "copyin vm=1 cpu=1 va=0x400000 len=0x10");
	assert_int_equal(assert_tlb_masks(fx->s), 2);
	assert_int_equal(vs->tlb_cpus, 3);
	assert_no_divergence(fx);
}

/*
 * 9. A range check reports stale entries in address order, also when the
 * range's sets wrap from set 63 round to set 0: pages 0x43f000 (set 63,
 * the kernel's copyout: an x86 entry) and 0x440000 (set 0, the user's
 * write: an EPT entry) of a 16-page mprotect, with the CPUs ignoring
 * invalidations.
 */
static void
test_replay_stale_tlb_set_wrap(void **state)
{
	struct fixture *fx =
	    fx_start(state, SIM_MODE_PAIR, SIM_AD_HW, SIM_CHECK_INCREMENTAL, SIM_INJECT_SKIP_INVAL);
	const char *out, *first, *second;

	REPLAY(fx, "vmspace_create vm=1 kind=process",
	       "mmap vm=1 va=0x438000 len=0x10000 prot=rw- share=private backing=anon",
	       "sched tid=1 cpu=0", "fault vm=1 tid=1 cpu=0 va=0x440000 access=w mode=user",
	       "copyout vm=1 cpu=0 va=0x43f000 len=0x10");
	assert_no_divergence(fx);
	REPLAY(fx, "mprotect vm=1 va=0x438000 len=0x10000 prot=r--");
	ASSERT_DIVERGENCES(fx, 6, "stale TLB", "stale TLB");
	out = fx_output(fx);
	first = strstr(out, "cpu 0 caches 0x43f000 -> hpa");
	second = strstr(out, "cpu 0 caches 0x440000 -> hpa");
	assert_report_has(fx, "cpu 0 caches 0x43f000 -> hpa %#lx rw- (x86, filled at event 5)",
	                  vm_frame(fx, vmspace(fx, 1), 0x43f000));
	assert_report_has(fx, "cpu 0 caches 0x440000 -> hpa %#lx rw- (EPT, filled at event 4)",
	                  vm_frame(fx, vmspace(fx, 1), 0x440000));
	assert_non_null(first);
	assert_non_null(second);
	assert_true(first < second);
}

/*
 * 10. A spurious fault (SDM 3A 4.10.4.3): cpu 0 caches the page r-- (the
 * pmap kept r-- after mprotect r-- then rw-); cpu 1's write fault makes
 * the tables rw-, an upgrade that owes no invalidation.  cpu 0's write
 * faults on its TLB entry, the handler finds the tables allow it (no VM
 * fault), and the retry walks.  The control: cpu 0's own write fault at
 * the same point goes to the VM, as the tables refuse it.
 */
static void
test_replay_spurious_fault(void **state)
{
	static const char *const upgrade[] = {
		"fault vm=1 tid=2 cpu=1 va=0x400000 access=w mode=user",
		"fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user",
	};
	struct fixture *fx;
	uint64_t faults, spurious;
	unsigned k;

	for (k = 0; k < 2; k++) {
		if (k > 0)
			assert_int_equal(fx_reset(*state), 0);
		fx = fx_pair(state);
		REPLAY(fx, "vmspace_create vm=1 kind=process",
		       "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
		       "sched tid=1 cpu=0", "sched tid=2 cpu=1",
		       "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user",
		       "mprotect vm=1 va=0x400000 len=0x1000 prot=r--",
		       "mprotect vm=1 va=0x400000 len=0x1000 prot=rw-",
		       "fault vm=1 tid=1 cpu=0 va=0x400000 access=r mode=user");
		faults = fx->s->stats.faults;
		spurious = fx->s->stats.spurious_faults;
		replay(fx, &upgrade[k], 2 - k);
		assert_no_divergence(fx);
		/* k = 0: cpu 1's VM fault, then cpu 0's spurious one; k = 1: one VM fault */
		assert_int_equal(fx->s->stats.faults - faults, 1);
		assert_int_equal(fx->s->stats.spurious_faults - spurious, k == 0 ? 1 : 0);
	}
}

/*
 * 11. A 2 MiB x86 entry (the kernel's copyout into device memory mapped
 * with a 2 MiB leaf) goes stale when a 4 KiB piece of it is made r--
 * while the CPUs ignore invalidations: the range check visits the large
 * slots of the x86 pmap too.
 */
static void
test_replay_stale_tlb_large_x86(void **state)
{
	struct fixture *fx =
	    fx_start(state, SIM_MODE_PAIR, SIM_AD_HW, SIM_CHECK_INCREMENTAL, SIM_INJECT_SKIP_INVAL);

	REPLAY(fx, "vmspace_create vm=1 kind=process",
	       "mmap vm=1 va=0x40000000 len=0x200000 prot=rw- share=shared backing=device "
	       "hpa=0xc0000000 ma=UC",
	       "sched tid=1 cpu=0", "copyout vm=1 cpu=0 va=0x40001000 len=0x10");
	assert_no_divergence(fx);
	REPLAY(fx, "mprotect vm=1 va=0x40005000 len=0x1000 prot=r--");
	ASSERT_DIVERGENCES(fx, 5, "stale TLB");
	assert_report_has(fx,
	                  "cpu 0 caches 0x40000000 -> hpa 0xc0000000 rw- (x86, filled at event 4)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_replay_stale_tlb),
		T(test_replay_stale_tlb_control),
		T(test_replay_invalid_entry),
		T(test_replay_lost_dirty),
		T(test_replay_lost_dirty_control),
		T(test_replay_lost_dirty_unmapped),
		T(test_replay_lost_reference),
		T(test_replay_lost_reference_control),
		T(test_replay_fault_loop),
		T(test_replay_stale_tlb_after_pageout),
		T(test_replay_stale_tlb_large_slots),
		T(test_tlb_masks_follow_tags),
		T(test_tlb_cpus_follow_fills),
		T(test_replay_stale_tlb_set_wrap),
		T(test_replay_spurious_fault),
		T(test_replay_stale_tlb_large_x86),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
