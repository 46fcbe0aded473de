/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * replay_walker-test.c - the shortcuts of the checks against the plain
 * ways, on the tables and VM a replay leaves: the check walker
 * (sim_walker_walk, with its region reuse) gives sim_mmu_walk()'s result
 * field by field in both formats, in address order and shuffled; the
 * VM's runs of device pages (sim_vm_resident_run) are what
 * sim_vm_resident() says page by page; a check that covers a run of
 * device pages at once counts and reports every page as the page-by-page
 * check does.  Fixture: replay_fixture.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tests/sim/replay_fixture.h"
#include "verify/vfy_check.h"

#define DEV_VA   0x40000000ul /* 4 MiB of device memory, the first 2 MiB faulted (a 2 MiB leaf) */
#define DEV_HPA  0xc0000000ul
#define DEV4K_VA 0x50000000ul /* device memory at an odd frame: 4 KiB leaves */

/*
 * Vmspace 1: anonymous pages at VA and VA + 0x2000 (VA2 not faulted), a
 * 2 MiB device leaf at DEV_VA, a 4 KiB device leaf at DEV4K_VA + 0x1000.
 */
static void
walker_scenario(struct fixture *fx)
{
	REPLAY(fx, "vmspace_create vm=1 kind=process",
	       "mmap vm=1 va=0x400000 len=0x3000 prot=rw- share=private backing=anon",
	       "mmap vm=1 va=0x40000000 len=0x400000 prot=rw- share=shared backing=device "
	       "hpa=0xc0000000 ma=UC",
	       "mmap vm=1 va=0x50000000 len=0x3000 prot=rw- share=shared backing=device "
	       "hpa=0xd0001000 ma=WC",
	       "sched tid=1 cpu=0", "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user",
	       "fault vm=1 tid=1 cpu=0 va=0x402000 access=r mode=user",
	       "fault vm=1 tid=1 cpu=0 va=0x40000000 access=w mode=user",
	       "fault vm=1 tid=1 cpu=0 va=0x50001000 access=r mode=user");
}

static void
same_walk(uint64_t va, const struct sim_walk *a, const struct sim_walk *b)
{
	int l;

	if (a->ok != b->ok || a->misconfig != b->misconfig || a->hpa != b->hpa ||
	    a->page_va != b->page_va || a->page_size != b->page_size || a->r != b->r ||
	    a->w != b->w || a->x != b->x || a->u != b->u || a->dirty != b->dirty ||
	    a->memtype != b->memtype || a->level != b->level || a->outcome != b->outcome ||
	    a->reason != b->reason)
		fail_msg("%#lx: walk %s level %d hpa %#lx page %#lx+%#lx rwxu %d%d%d%d type %u, "
		         "walker %s level %d hpa %#lx page %#lx+%#lx rwxu %d%d%d%d type %u",
		         va, a->outcome, a->level, a->hpa, a->page_va, a->page_size, a->r, a->w,
		         a->x, a->u, a->memtype, b->outcome, b->level, b->hpa, b->page_va,
		         b->page_size, b->r, b->w, b->x, b->u, b->memtype);
	for (l = 0; l < 4; l++)
		if (a->entries[l] != b->entries[l])
			fail_msg("%#lx level %d: walk read %#lx, walker %#lx", va, l, a->entries[l],
			         b->entries[l]);
}

/* The addresses walked: around each mapping, pages and odd offsets. */
#define NADDRS 1600

static size_t
walker_addrs(uint64_t *va)
{
	size_t n = 0;
	uint64_t a;

	for (a = 0x3fe000; a < 0x405000; a += 0x800)
		va[n++] = a + 0x10;
	for (a = DEV_VA - 0x2000; a < DEV_VA + 0x402000; a += 0x4000)
		va[n++] = a + 0x123;
	for (a = DEV4K_VA - 0x1000; a < DEV4K_VA + 0x4000; a += 0x1000)
		va[n++] = a + 0xfff;
	return n;
}

/*
 * sim_walker_walk() over @va[0 .. n) in that order against sim_mmu_walk();
 * returns the walks the walker gave from its last one.
 */
static uint64_t
walker_run(struct fixture *fx, struct pmap *pm, const uint64_t *va, size_t n)
{
	struct sim_walker wk;
	struct sim_walk a, b;
	size_t i;

	sim_walker_init(fx->s, &wk, pm);
	for (i = 0; i < n; i++) {
		sim_mmu_walk(fx->s, pm, va[i], &a);
		sim_walker_walk(&wk, va[i], &b);
		same_walk(va[i], &a, &b);
	}
	return sim_walker_reused(&wk);
}

static void
test_walker_equals_mmu_walk(void **state)
{
	struct fixture *fx = fx_pair(state);
	static uint64_t va[NADDRS];
	uint64_t rng = 1, t;
	struct sim_vmspace *vs;
	size_t n, i, j;
	int f;

	walker_scenario(fx);
	vs = vmspace(fx, 1);
	n = walker_addrs(va);
	assert_true(n <= NADDRS);
	for (f = 0; f < 2; f++) {
		struct pmap *pm = f ? &vs->ept : &vs->x86;
		uint64_t in_order = walker_run(fx, pm, va, n), shuffled;

		for (i = n - 1; i > 0; i--) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			j = (size_t)((rng >> 33) % (i + 1));
			t = va[i], va[i] = va[j], va[j] = t;
		}
		shuffled = walker_run(fx, pm, va, n);
		print_message("%s: %zu walks, %lu reused in order, %lu shuffled\n",
		              f ? "EPT" : "x86", n, in_order, shuffled);
		/*
		 * In order, the 2 MiB leaf's 128 addresses after its first,
		 * and the 2 MiB past DEV_VA + 4 MiB (nothing mapped at the
		 * PDE) after the first, come from the last walk at least.
		 */
		assert_true(in_order >= 127 + 127);
		n = walker_addrs(va);
	}
	assert_no_divergence(fx);
}

/* The VM's runs of pages: device pages in order up to the entry's end, 1 elsewhere. */
static void
test_vm_resident_run(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;
	enum pmap_memattr ma, ma1;
	vm_prot_t max, max1;
	uint64_t hpa, hpa1, n, i;

	walker_scenario(fx);
	vs = vmspace(fx, 1);
	/* the whole rest of the entry, however far @eva goes */
	assert_true(sim_vm_resident_run(fx->s, vs, DEV_VA + 0x1000, DEV4K_VA, &hpa, &max, &ma, &n));
	assert_int_equal(hpa, DEV_HPA + 0x1000);
	assert_int_equal(n, 0x3ff);
	assert_int_equal(max, VM_PROT_READ | VM_PROT_WRITE);
	assert_int_equal(ma, PMAP_MA_UC);
	for (i = 0; i < n; i++) {
		assert_true(sim_vm_resident(fx->s, vs, DEV_VA + 0x1000 + i * PMAP_PAGE_SIZE, &hpa1,
		                            &max1, &ma1));
		assert_int_equal(hpa1, hpa + i * PMAP_PAGE_SIZE);
		assert_int_equal(max1, max);
		assert_int_equal(ma1, ma);
	}
	/* up to @eva */
	assert_true(
	    sim_vm_resident_run(fx->s, vs, DEV_VA + 0x1000, DEV_VA + 0x3000, &hpa, &max, &ma, &n));
	assert_int_equal(n, 2);
	/* the last page of the entry */
	assert_true(
	    sim_vm_resident_run(fx->s, vs, DEV_VA + 0x3ff000, DEV4K_VA, &hpa, &max, &ma, &n));
	assert_int_equal(hpa, DEV_HPA + 0x3ff000);
	assert_int_equal(n, 1);
	/* anonymous memory: one page, its own frame */
	assert_true(sim_vm_resident_run(fx->s, vs, VA, DEV_VA, &hpa, &max, &ma, &n));
	assert_int_equal(hpa, vm_frame(fx, vs, VA));
	assert_int_equal(n, 1);
	/* not resident (never faulted), and nothing mapped */
	assert_false(sim_vm_resident_run(fx->s, vs, VA2, DEV_VA, &hpa, &max, &ma, &n));
	assert_false(sim_vm_resident_run(fx->s, vs, 0x403000, DEV_VA, &hpa, &max, &ma, &n));
}

/*
 * A full check counts every translated page once (515: the 2 MiB leaf's
 * 512, two anonymous pages, one 4 KiB device page), runs of device pages
 * included.  With the EPT 2 MiB leaf's memory type made WB (6; the VM's
 * is UC, 0), every one of its 512 pages is reported twice: by the VM
 * check of the EPT walk ("memory type") and by the pair check ("formats
 * disagree"), as a page-by-page check reports them.
 */
static void
test_device_run_checks_every_page(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;
	uint64_t checks, *pde;
	const uint64_t *pdpt;

	walker_scenario(fx);
	vs = vmspace(fx, 1);
	checks = fx->s->stats.checks;
	vfy_check_full(fx->s);
	assert_no_divergence(fx);
	assert_int_equal(fx->s->stats.checks - checks, 515);

	/* the EPT PDE of DEV_VA: PML4[0] -> PDPT[1] -> PD[0], a 2 MiB leaf */
	pdpt = sim_phys_ptr(fx->s->sp,
	                    *(uint64_t *)sim_phys_ptr(fx->s->sp, vs->ept.pm_root_hpa) & PTE_FRAME);
	pde = sim_phys_ptr(fx->s->sp, pdpt[1] & PTE_FRAME);
	assert_non_null(pde);
	assert_true((*pde & PTE_PS) != 0);
	assert_int_equal(*pde & PTE_FRAME, DEV_HPA);
	assert_int_equal((*pde >> 3) & 7, 0);
	poke64(fx, pde, *pde | (6ul << 3));
	checks = fx->s->stats.checks;
	vfy_check_full(fx->s);
	assert_int_equal(fx->s->stats.checks - checks, 515);
	assert_int_equal(fx->report.divergences, 2 * 512);
	assert_report_has(fx, "EPT says type 6, the VM's mapping 0\n  vmspace 1, va 0x40000000\n");
	assert_report_has(fx, "x86 memory type 0, EPT 6\n  vmspace 1, va 0x40000000\n");
	assert_report_has(fx, "EPT says type 6, the VM's mapping 0\n  vmspace 1, va 0x401ff000\n");
	assert_report_has(fx, "x86 memory type 0, EPT 6\n  vmspace 1, va 0x401ff000\n");
}

/*
 * vfy_check_run() at DEV_VA, up to DEV_VA + 2 MiB: the two 2 MiB leaves
 * and the device entry go on, so one check stands for 512 pages; a walk
 * made to look like a 4 KiB leaf in either format ends the run at the
 * page; a page that is not clean (the x86 frame moved) stands for itself.
 */
static void
test_check_run_bounds(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_walk x, e, small;
	struct sim_vmspace *vs;
	uint64_t checks;

	walker_scenario(fx);
	vs = vmspace(fx, 1);
	sim_mmu_walk(fx->s, &vs->x86, DEV_VA, &x);
	sim_mmu_walk(fx->s, &vs->ept, DEV_VA, &e);
	assert_true(x.ok && e.ok);
	assert_int_equal(x.page_size, 0x200000);
	assert_int_equal(e.page_size, 0x200000);
	checks = fx->s->stats.checks;
	assert_int_equal(vfy_check_run(fx->s, vs, DEV_VA, DEV_VA + 0x200000, &x, &e), 512);
	assert_int_equal(vfy_check_run(fx->s, vs, DEV_VA, DEV_VA + 0x3000, &x, &e), 3);
	small = e;
	small.page_size = PMAP_PAGE_SIZE;
	assert_int_equal(vfy_check_run(fx->s, vs, DEV_VA, DEV_VA + 0x200000, &x, &small), 1);
	small = x;
	small.page_size = PMAP_PAGE_SIZE;
	assert_int_equal(vfy_check_run(fx->s, vs, DEV_VA, DEV_VA + 0x200000, &small, &e), 1);
	assert_int_equal(fx->s->stats.checks - checks, 512 + 3 + 1 + 1);
	assert_no_divergence(fx);
	small = x;
	small.hpa += PMAP_PAGE_SIZE;
	assert_int_equal(vfy_check_run(fx->s, vs, DEV_VA, DEV_VA + 0x200000, &small, &e), 1);
	assert_int_equal(fx->report.divergences, 2); /* wrong frame, formats disagree */
}

/*
 * An incremental check skips the EPT pass only when the x86 pass found
 * every page translated in both formats.  VA's x86 leaf loses P (the
 * rest kept) and a user read of VA (a TLB hit on the EPT path, no table
 * changed) checks its page: the x86 pass reports the EPT translation x86
 * lacks, and the EPT pass, still made, reports it again, as a full check
 * does (replay_tables-test, ept_only_cases).
 */
static void
test_ept_pass_after_x86_miss(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;
	uint64_t *pte;

	scenario_two_pages_user(fx);
	vs = vmspace(fx, 1);
	pte = pte_of(fx, &vs->x86, VA, NULL);
	poke64(fx, pte, *pte & ~1ul);
	REPLAY(fx, "fault vm=1 tid=1 cpu=0 va=0x400000 access=r mode=user");
	ASSERT_DIVERGENCES(fx, 6, "formats disagree", "formats disagree");
	assert_report_has(fx, "EPT maps 0x400000 to hpa %#lx, x86 maps nothing",
	                  vm_frame(fx, vs, VA));
}

/*
 * The TLB check through the check's cursors (sim_tlb_check_walkers)
 * reports what the plain walks report, in the same order, with the same
 * text.  No check runs during the replay (--check=none) and the CPUs
 * ignore invalidations, so the entries stay.  Cpu 0 caches VA .. VA +
 * 0x3000 and DEV_VA (2 MiB) through EPT (user writes), cpu 1 the same
 * through x86 (copyout).  Then: mprotect r-- of VA and VA2 (4 entries
 * grant w the tables withhold), munmap of VA + 0x3000 (2 entries the
 * tables no longer give), mprotect r-- of DEV_VA + 0x5000 (a demotion:
 * both 2 MiB entries hold at their first page, not at page 5), and the
 * EPT leaf of VA + 0x2000 pointed at another frame (its EPT entry only,
 * which a cursor of the wrong pmap would miss): 9 stale entries.
 */
struct tlb_range {
	uint64_t sva, eva, stale;
};

static const struct tlb_range tlb_ranges[] = {
	{ 0, 0x800000000000ul, 9 },
	{ VA, VA + 0x1000, 2 },
	{ VA + 0x2000, VA + 0x3000, 1 },
	{ VA + 0x3000, VA + 0x4000, 2 },
	{ DEV_VA + 0x5000, DEV_VA + 0x6000, 2 },
	{ DEV_VA + 0x200000, DEV_VA + 0x201000, 0 },
};

static void
tlb_walker_scenario(struct fixture *fx)
{
	REPLAY(fx, "vmspace_create vm=1 kind=process",
	       "mmap vm=1 va=0x400000 len=0x4000 prot=rw- share=private backing=anon",
	       "mmap vm=1 va=0x40000000 len=0x200000 prot=rw- share=shared backing=device "
	       "hpa=0xc0000000 ma=UC",
	       "sched tid=1 cpu=0", "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user",
	       "fault vm=1 tid=1 cpu=0 va=0x401000 access=w mode=user",
	       "fault vm=1 tid=1 cpu=0 va=0x402000 access=w mode=user",
	       "fault vm=1 tid=1 cpu=0 va=0x403000 access=w mode=user",
	       "fault vm=1 tid=1 cpu=0 va=0x40000000 access=w mode=user",
	       "copyout vm=1 cpu=1 va=0x400000 len=0x4000",
	       "copyout vm=1 cpu=1 va=0x40000000 len=0x10",
	       "mprotect vm=1 va=0x400000 len=0x2000 prot=r--",
	       "munmap vm=1 va=0x403000 len=0x1000",
	       "mprotect vm=1 va=0x40005000 len=0x1000 prot=r--");
}

/* The TLB state a check changes (it empties what it reports). */
struct tlb_saved {
	struct sim_cpu cpu[2];
	struct sim_tlb_mask slots[2][2];
	uint64_t divergences;
};

static void
tlb_save(struct fixture *fx, struct sim_vmspace *vs, struct tlb_saved *sv)
{
	memcpy(sv->cpu, fx->s->cpu, sizeof(sv->cpu));
	memcpy(sv->slots[0], vs->tlb_slots[0], sizeof(sv->slots[0]));
	memcpy(sv->slots[1], vs->tlb_slots[1], sizeof(sv->slots[1]));
	sv->divergences = fx->report.divergences;
}

static void
tlb_restore(struct fixture *fx, struct sim_vmspace *vs, const struct tlb_saved *sv)
{
	memcpy(fx->s->cpu, sv->cpu, sizeof(sv->cpu));
	memcpy(vs->tlb_slots[0], sv->slots[0], sizeof(sv->slots[0]));
	memcpy(vs->tlb_slots[1], sv->slots[1], sizeof(sv->slots[1]));
	fx->report.divergences = sv->divergences; /* the same numbers again */
}

/* What one check of @r adds to the report, into @out (malloc'd); returns the stale count. */
static uint64_t
tlb_check_text(struct fixture *fx, struct sim_vmspace *vs, const struct tlb_range *r, bool cursors,
               char **out)
{
	size_t before = strlen(fx_output(fx));
	struct sim_walker x86, ept;
	uint64_t n;

	if (cursors) {
		/* the cursors start where a check left them: elsewhere */
		sim_walker_init(fx->s, &x86, &vs->x86);
		sim_walker_init(fx->s, &ept, &vs->ept);
		sim_walker_walk(&x86, VA + 0x3000, &(struct sim_walk){ 0 });
		sim_walker_walk(&ept, DEV_VA + 0x5000, &(struct sim_walk){ 0 });
		n = sim_tlb_check_walkers(fx->s, vs, r->sva, r->eva, &x86, &ept);
	} else {
		n = sim_tlb_check(fx->s, vs, r->sva, r->eva);
	}
	*out = strdup(fx_output(fx) + before);
	assert_non_null(*out);
	return n;
}

static void
test_tlb_check_walkers(void **state)
{
	struct fixture *fx =
	    fx_start(state, SIM_MODE_PAIR, SIM_AD_HW, SIM_CHECK_NONE, SIM_INJECT_SKIP_INVAL);
	static struct tlb_saved sv;
	struct sim_vmspace *vs;
	char *plain, *cursor;
	uint64_t n;
	size_t i;

	tlb_walker_scenario(fx);
	vs = vmspace(fx, 1);
	poke_frame(fx, &vs->ept, VA + 0x2000, vm_frame(fx, vs, VA));
	assert_no_divergence(fx);
	tlb_save(fx, vs, &sv);
	for (i = 0; i < NELEM(tlb_ranges); i++) {
		print_message("range %#lx-%#lx\n", tlb_ranges[i].sva, tlb_ranges[i].eva);
		tlb_restore(fx, vs, &sv);
		n = tlb_check_text(fx, vs, &tlb_ranges[i], false, &plain);
		assert_int_equal(n, tlb_ranges[i].stale);
		tlb_restore(fx, vs, &sv);
		n = tlb_check_text(fx, vs, &tlb_ranges[i], true, &cursor);
		assert_int_equal(n, tlb_ranges[i].stale);
		assert_string_equal(cursor, plain);
		free(plain);
		free(cursor);
	}
	assert_report_has(fx,
	                  "cpu 0 caches 0x402000 -> hpa %#lx rw- (EPT, filled at event 7); the "
	                  "tables now say: hpa %#lx rw- 4K",
	                  vm_frame(fx, vs, VA + 0x2000), vm_frame(fx, vs, VA));
	assert_report_has(fx, "cpu 1 caches 0x40000000 -> hpa 0xc0000000 rw- (x86, filled at event "
	                      "11); the tables now say: hpa 0xc0005000 r-- 4K");
	tlb_restore(fx, vs, &sv);
}

/*
 * The checks after one event share the walkers of a vmspace from range
 * to range, each range with its own pass state.  The pageout touched VA
 * (clean: the x86 pass finds it translated in both formats, the EPT pass
 * is skipped) and then VA2, whose x86 leaf lost P: its range, like a
 * range checked alone (test_ept_pass_after_x86_miss), is reported by the
 * x86 pass and again by the EPT pass, which a count of both-translated
 * pages carried over from VA's range would skip.
 */
static void
test_event_ranges_share_walkers(void **state)
{
	struct fixture *fx = fx_pair(state);
	const struct trace_event ev = { .op = TRACE_SCHED, .vm = 1 };
	struct sim_vmspace *vs;
	struct sim *s = fx->s;
	uint64_t *pte;

	scenario_two_pages_user(fx);
	vs = vmspace(fx, 1);
	pte = pte_of(fx, &vs->x86, VA2, NULL);
	poke64(fx, pte, *pte & ~1ul);
	if (s->touched_cap < 2) {
		s->touched = realloc(s->touched, 2 * sizeof(*s->touched));
		assert_non_null(s->touched);
		s->touched_cap = 2;
	}
	s->touched[0] = (struct sim_touched){ vs, VA };
	s->touched[1] = (struct sim_touched){ vs, VA2 };
	s->ntouched = 2;
	vfy_check_event(s, &ev);
	s->ntouched = 0;
	ASSERT_DIVERGENCES(fx, 5, "formats disagree", "formats disagree");
	assert_report_has(fx, "EPT maps 0x401000 to hpa %#lx, x86 maps nothing",
	                  vm_frame(fx, vs, VA2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_walker_equals_mmu_walk),       T(test_vm_resident_run),
		T(test_device_run_checks_every_page), T(test_check_run_bounds),
		T(test_ept_pass_after_x86_miss),      T(test_tlb_check_walkers),
		T(test_event_ranges_share_walkers),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
