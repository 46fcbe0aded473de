/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * replay_oracle-test.c - the Unicorn oracle (`eptsim replay
 * --oracle=unicorn`, verify/vfy_unicorn_oracle.h) in a replay: it finds a
 * corrupted PTE with the reference walker, a pmap INVLPG lost in the seam
 * that only its real TLB still holds, and a simulated TLB that ignored an
 * INVLPG the engine obeyed; clean scenarios find nothing and every access
 * is executed.  Fixture and method: replay_fixture.h.  Convert mode: x86
 * tables only, so every access the oracle checks is the one the
 * simulator made through the same tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/sim/replay_fixture.h"
#include "verify/vfy_unicorn_oracle.h"

static struct vfy_uco *uco;

/* The machine of the test, with a fresh oracle attached. */
static struct fixture *
fx_oracle(void **state, enum sim_mode mode, enum sim_check check, uint32_t inject)
{
	struct fixture *fx = fx_start(state, mode, SIM_AD_HW, check, inject);

	vfy_uco_destroy(uco);
	uco = vfy_uco_create();
	assert_non_null(uco);
	fx->s->cfg.oracle = vfy_uco_hooks(uco);
	return fx;
}

/* Events 1-4: VA and VA2 written by copyout on cpu 0 (two accesses). */
static void
two_pages(struct fixture *fx)
{
	scenario_two_pages_kernel(fx);
	assert_int_equal(vfy_uco_stats(uco)->accesses, 2);
}

/*
 * 1. Clean, in both modes with x86 tables: two copyout pages, a user
 * read of each on cpu 1, a user write on cpu 0, a copyin: 2 + 2 + 1 + 1
 * accesses, one engine per cpu, no divergence.
 */
static void
test_oracle_clean(void **state)
{
	static const enum sim_mode modes[] = { SIM_MODE_CONVERT, SIM_MODE_PAIR };
	const struct vfy_uco_stats *st;
	size_t i;

	for (i = 0; i < NELEM(modes); i++) {
		if (i > 0)
			assert_int_equal(fx_reset(*state), 0);
		struct fixture *fx = fx_oracle(state, modes[i], SIM_CHECK_FULL, 0);

		two_pages(fx);
		REPLAY(fx, "sched tid=2 cpu=1",
		       "fault vm=1 tid=2 cpu=1 va=0x400008 access=r mode=user",
		       "fault vm=1 tid=2 cpu=1 va=0x401ff9 access=r mode=user",
		       "fault vm=1 tid=1 cpu=0 va=0x401000 access=w mode=user",
		       "copyin vm=1 cpu=0 va=0x400ff8 len=0x8");
		assert_no_divergence(fx);
		st = vfy_uco_stats(uco);
		assert_int_equal(st->accesses, 6);
		assert_int_equal(st->faults, 0);
		assert_int_equal(st->engines, 2);
		assert_int_equal(st->switches, 2); /* each cpu's first access: a fresh run */
		assert_int_equal(st->divergences, 0);
	}
}

/*
 * 2. A refused access: a user write to a read-only mapping faults in the
 * simulator (SIGSEGV) and in Unicorn alike (#PF, W|U and P known: a
 * fresh run on cpu 1 probes P).
 */
static void
test_oracle_fault_agrees(void **state)
{
	struct fixture *fx = fx_oracle(state, SIM_MODE_CONVERT, SIM_CHECK_FULL, 0);

	REPLAY(fx, "vmspace_create vm=1 kind=process",
	       "mmap vm=1 va=0x400000 len=0x1000 prot=r-- share=private backing=anon",
	       "sched tid=1 cpu=1", "fault vm=1 tid=1 cpu=1 va=0x400000 access=r mode=user",
	       "fault vm=1 tid=1 cpu=1 va=0x400000 access=w mode=user");
	assert_no_divergence(fx);
	assert_int_equal(fx->s->stats.segv, 1);
	assert_int_equal(vfy_uco_stats(uco)->accesses, 2);
	assert_int_equal(vfy_uco_stats(uco)->faults, 1);
}

/*
 * 2b. Pair mode: a user read of an execute-only mapping.  EPT can refuse
 * it (XWR=100), so the simulator's access faults (SIGSEGV); x86 cannot
 * (a present page is readable, SDM 3A 4.6), so Unicorn and the walker
 * read the VM's frame.  The oracle accepts it and counts it; in convert
 * mode the simulator reads through x86 as well and there is nothing to
 * accept.
 */
static void
test_oracle_exec_only_read(void **state)
{
	static const enum sim_mode modes[] = { SIM_MODE_PAIR, SIM_MODE_CONVERT };
	static const uint64_t segv[] = { 1, 0 }, accepted[] = { 1, 0 };
	struct fixture *fx;
	size_t i;

	for (i = 0; i < NELEM(modes); i++) {
		if (i > 0)
			assert_int_equal(fx_reset(*state), 0);
		fx = fx_oracle(state, modes[i], SIM_CHECK_FULL, 0);
		scenario(fx, "mmap vm=1 va=0x400000 len=0x1000 prot=--x share=private backing=anon",
		         "fault vm=1 tid=1 cpu=0 va=0x400000 access=x mode=user");
		REPLAY(fx, "fault vm=1 tid=1 cpu=0 va=0x400010 access=r mode=user");
		assert_no_divergence(fx);
		assert_int_equal(fx->s->stats.segv, segv[i]);
		assert_int_equal(vfy_uco_stats(uco)->exec_only_reads, accepted[i]);
		assert_int_equal(vfy_uco_stats(uco)->accesses, 2);
	}
}

/*
 * 3. A corrupted PTE: VA's leaf points at VA2's frame.  Cpu 1 has cached
 * nothing, so the simulator's walker, Unicorn and the SDM walker all
 * reach VA2's frame on the copyin of event 5; the VM holds VA's.  The
 * replay's own checks see the tables disagree with the VM as well.
 */
static void
test_oracle_corrupt_pte(void **state)
{
	struct fixture *fx = fx_oracle(state, SIM_MODE_CONVERT, SIM_CHECK_INCREMENTAL, 0);
	struct sim_vmspace *vs;
	uint64_t a, b;

	two_pages(fx);
	vs = vmspace(fx, 1);
	a = vm_frame(fx, vs, VA);
	b = vm_frame(fx, vs, VA2);
	poke_frame(fx, &vs->x86, VA, b);
	REPLAY(fx, "copyin vm=1 cpu=1 va=0x400000 len=0x8");
	assert_report_has(fx,
	                  "unicorn oracle: cpu 1 kernel read of 0x400000: Unicorn, the SDM walker "
	                  "and the simulator reach frame %#lx, but the VM holds frame %#lx there",
	                  b, a);
	assert_int_equal(vfy_uco_stats(uco)->divergences, 1);
	/* the copy check, the tables check, and cpu 0's TLB (the poke did not invalidate) */
	ASSERT_DIVERGENCES(fx, 5, "unicorn oracle", "copy bytes", "wrong frame", "stale TLB");
	assert_report_has(fx, "x86 maps 0x400000 to hpa %#lx, the VM has %#lx", b, a);
}

/*
 * 3b. The VM against tables all three read alike (cpu 1 has cached
 * nothing; --check=none, so the oracle is the only checker): a PTE given
 * RW on a read-only mapping, and a PTE made where the VM maps nothing
 * (pointing at VA2's frame).
 */
static void
test_oracle_vm_disagrees(void **state)
{
	struct fixture *fx;
	struct sim_vmspace *vs;
	uint64_t *pte, b;

	fx = fx_oracle(state, SIM_MODE_CONVERT, SIM_CHECK_NONE, 0);
	scenario(fx, "mmap vm=1 va=0x400000 len=0x1000 prot=r-- share=private backing=anon",
	         "copyin vm=1 cpu=0 va=0x400000 len=0x8");
	vs = vmspace(fx, 1);
	pte = pte_of(fx, &vs->x86, VA, NULL);
	poke64(fx, pte, *pte | X86_RW);
	REPLAY(fx, "copyout vm=1 cpu=1 va=0x400000 len=0x8");
	ASSERT_DIVERGENCES(fx, 5, "unicorn oracle");
	assert_report_has(fx,
	                  "unicorn oracle: cpu 1 kernel write of 0x400000: Unicorn, the SDM walker "
	                  "and the simulator write frame %#lx, but the VM does not allow writes "
	                  "there",
	                  vm_frame(fx, vs, VA));

	assert_int_equal(fx_reset(*state), 0);
	fx = fx_oracle(state, SIM_MODE_CONVERT, SIM_CHECK_NONE, 0);
	two_pages(fx);
	vs = vmspace(fx, 1);
	b = vm_frame(fx, vs, VA2);
	poke64(fx, pte_of(fx, &vs->x86, EMPTY_VA, NULL), b | 0x67); /* P RW US A D */
	REPLAY(fx, "copyin vm=1 cpu=1 va=0x410000 len=0x8");
	ASSERT_DIVERGENCES(fx, 5, "unicorn oracle");
	assert_report_has(fx,
	                  "unicorn oracle: cpu 1 kernel read of 0x410000: Unicorn, the SDM walker "
	                  "and the simulator reach frame %#lx, but the VM holds no page there",
	                  b);
}

/*
 * 4b. A lost INVLPG and a new frame: cpu 0's engine caches VA -> A
 * (event 4); munmap and mmap again at events 5-6 lose their INVLPGs;
 * cpu 1 faults a new frame B in (event 7: its TLBs hold nothing); cpu 0's
 * copyout of event 8 still reaches A, in Unicorn as in the simulator's
 * TLB, while the tables map B.  B is not A: A went back to the allocator
 * at event 5, and the page cpu 1 writes first (VA2) takes it.
 */
static void
test_oracle_skip_invlpg_frame(void **state)
{
	struct fixture *fx =
	    fx_oracle(state, SIM_MODE_CONVERT, SIM_CHECK_NONE, SIM_INJECT_SKIP_INVLPG);
	uint64_t a, b;

	scenario(fx, "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
	         "copyout vm=1 cpu=0 va=0x400000 len=0x10");
	a = vm_frame(fx, vmspace(fx, 1), VA);
	REPLAY(fx, "munmap vm=1 va=0x400000 len=0x1000",
	       "mmap vm=1 va=0x400000 len=0x2000 prot=rw- share=private backing=anon",
	       "copyout vm=1 cpu=1 va=0x401000 len=0x10", "copyout vm=1 cpu=1 va=0x400000 len=0x10",
	       "copyout vm=1 cpu=0 va=0x400000 len=0x10");
	b = vm_frame(fx, vmspace(fx, 1), VA);
	assert_true(a != b);
	ASSERT_DIVERGENCES(fx, 9, "unicorn oracle");
	assert_report_has(fx,
	                  "unicorn oracle: cpu 0 kernel write of 0x400000: stale TLB: Unicorn "
	                  "reaches frame %#lx, but the tables map frame %#lx: an invalidation is "
	                  "missing",
	                  a, b);
}

/*
 * 4. The pmap's INVLPG lost in the seam (--inject=skip-invlpg): after
 * mprotect r-- at event 5, cpu 0's engine still holds VA writable (D
 * set, from the copyout of event 4), and the copyout of event 6 goes
 * through it.  No check runs (--check=none): only the engine's TLB tells.
 * The walker's error code 0x3 is P | W at CPL 0 (SDM 3A 4.7).
 * The control without the injection: the INVLPG reaches the engine, the
 * copyout faults everywhere (EFAULT), nothing diverges.
 */
static void
test_oracle_skip_invlpg(void **state)
{
	struct fixture *fx;
	uint64_t a;
	int inject;

	for (inject = 1; inject >= 0; inject--) {
		if (inject == 0)
			assert_int_equal(fx_reset(*state), 0);
		fx = fx_oracle(state, SIM_MODE_CONVERT, SIM_CHECK_NONE,
		               inject ? SIM_INJECT_SKIP_INVLPG : 0);
		scenario(fx, "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
		         "copyout vm=1 cpu=0 va=0x400000 len=0x10");
		a = vm_frame(fx, vmspace(fx, 1), VA);
		REPLAY(fx, "mprotect vm=1 va=0x400000 len=0x1000 prot=r--",
		       "copyout vm=1 cpu=0 va=0x400000 len=0x10");
		if (!inject) {
			assert_no_divergence(fx);
			assert_int_equal(fx->s->stats.efault, 1);
			assert_int_equal(vfy_uco_stats(uco)->invlpg, 1);
			continue;
		}
		ASSERT_DIVERGENCES(fx, 6, "unicorn oracle");
		assert_report_has(
		    fx,
		    "unicorn oracle: cpu 0 kernel write of 0x400000: stale TLB: Unicorn "
		    "reaches frame %#lx, but the tables deny it (PROTECTION ec=0x3: write "
		    "to a read-only page (R/W=0)): an invalidation is missing",
		    a);
		assert_int_equal(vfy_uco_stats(uco)->invlpg, 0);
	}
}

/*
 * 4c. A CPU that switched vmspace has no stale entry left in its engine
 * (one engine per CPU; the switch writes CR3, no PCID), while the
 * simulator's TLB, tagged by pmap, keeps it: after mprotect r-- lost its
 * INVLPG (event 6), cpu 0 copies out of vmspace 2 (event 7), then into
 * vmspace 1 again (event 8) through the simulator's stale entry, while
 * the engine walks the tables and faults.
 */
static void
test_oracle_switch_flushes(void **state)
{
	struct fixture *fx =
	    fx_oracle(state, SIM_MODE_CONVERT, SIM_CHECK_NONE, SIM_INJECT_SKIP_INVLPG);
	uint64_t a;

	REPLAY(fx, "vmspace_create vm=1 kind=process", "vmspace_create vm=2 kind=process",
	       "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
	       "mmap vm=2 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
	       "copyout vm=1 cpu=0 va=0x400000 len=0x10",
	       "mprotect vm=1 va=0x400000 len=0x1000 prot=r--",
	       "copyout vm=2 cpu=0 va=0x400000 len=0x10",
	       "copyout vm=1 cpu=0 va=0x400000 len=0x10");
	a = vm_frame(fx, vmspace(fx, 1), VA);
	ASSERT_DIVERGENCES(fx, 8, "unicorn oracle");
	assert_report_has(fx,
	                  "unicorn oracle: cpu 0 kernel write of 0x400000: Unicorn and the SDM "
	                  "walker fault (PROTECTION ec=0x3: write to a read-only page (R/W=0)) "
	                  "but the simulator reached hpa %#lx",
	                  a);
	assert_int_equal(vfy_uco_stats(uco)->switches, 3);
}

/*
 * 5. The simulated CPUs ignore invalidations (--inject=skip-inval) while
 * the engine obeys them: the simulator's stale TLB entry lets the
 * copyout of event 6 write VA, Unicorn and the SDM walker fault.
 */
static void
test_oracle_sim_tlb_stale(void **state)
{
	struct fixture *fx =
	    fx_oracle(state, SIM_MODE_CONVERT, SIM_CHECK_NONE, SIM_INJECT_SKIP_INVAL);
	uint64_t a;

	scenario(fx, "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
	         "copyout vm=1 cpu=0 va=0x400000 len=0x10");
	a = vm_frame(fx, vmspace(fx, 1), VA);
	REPLAY(fx, "mprotect vm=1 va=0x400000 len=0x1000 prot=r--",
	       "copyout vm=1 cpu=0 va=0x400000 len=0x10");
	ASSERT_DIVERGENCES(fx, 6, "unicorn oracle");
	assert_report_has(fx,
	                  "unicorn oracle: cpu 0 kernel write of 0x400000: Unicorn and the SDM "
	                  "walker fault (PROTECTION ec=0x3: write to a read-only page (R/W=0)) "
	                  "but the simulator reached hpa %#lx",
	                  a);
}

static int
group_teardown(void **state)
{
	(void)state;
	vfy_uco_destroy(uco);
	uco = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_oracle_clean),
		T(test_oracle_fault_agrees),
		T(test_oracle_exec_only_read),
		T(test_oracle_corrupt_pte),
		T(test_oracle_vm_disagrees),
		T(test_oracle_skip_invlpg),
		T(test_oracle_skip_invlpg_frame),
		T(test_oracle_switch_flushes),
		T(test_oracle_sim_tlb_stale),
	};

	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
