/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * replay_misc-test.c - the replay's leak check (a frame still in use at
 * sim_teardown(), directly and through sim_replay_file(), which needs
 * -Wl,--wrap=sim_teardown), its check of the bytes a copy routine
 * reaches, and the positive control: a clean scenario in every mode.
 * Fixture and method: replay_fixture.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/sim/replay_fixture.h"
#include "verify/vfy_check.h"

/* 15. A frame nobody frees is counted by sim_teardown(). */
static void
test_replay_leak_teardown(void **state)
{
	struct fixture *fx = fx_pair(state);
	uint64_t hpa;

	scenario_one_page(fx, 0x1000);
	hpa = sim_phys_alloc(fx->s->sp);
	assert_true(hpa != 0);
	assert_int_equal(sim_teardown(fx->s), 1);
	sim_phys_free(fx->s->sp, hpa);
	assert_int_equal(sim_teardown(fx->s), 0);
}

/*
 * 15, through sim_replay_file(): sim_teardown is wrapped at link time
 * (-Wl,--wrap=sim_teardown) so a test can leak one frame just before the
 * replay's own teardown.
 */
uint64_t __real_sim_teardown(struct sim *s);
uint64_t __wrap_sim_teardown(struct sim *s);

static bool leak_at_teardown;

uint64_t
__wrap_sim_teardown(struct sim *s)
{
	if (leak_at_teardown) {
		leak_at_teardown = false;
		assert_true(sim_phys_alloc(s->sp) != 0);
	}
	return (__real_sim_teardown(s));
}

static void
write_trace(char path[64])
{
	static const char text[] =
	    "eptsim-trace 1 source=replay-test leak\n"
	    "vmspace_create vm=1 kind=process\n"
	    "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon\n"
	    "sched tid=1 cpu=0\n"
	    "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user\n"
	    "exit vm=1\n";
	int fd;

	snprintf(path, 64, "/tmp/eptsim-replay-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	assert_int_equal(close(fd), 0);
}

static void
test_replay_leak_file(void **state)
{
	struct fixture *fx = *state;
	struct sim_config cfg = {
		.mode = SIM_MODE_PAIR, .check = SIM_CHECK_FULL, .ram_pages = RAM_PAGES, .seed = SEED
	};
	struct replay_summary sum;
	char path[64];
	int rc[2];

	write_trace(path);
	rc[0] = sim_replay_file(path, &cfg, fx->out, &sum);
	assert_int_equal(sum.leaked_frames, 0);
	assert_int_equal(sum.divergences, 0);
	leak_at_teardown = true;
	rc[1] = sim_replay_file(path, &cfg, fx->out, &sum);
	unlink(path);
	assert_int_equal(rc[0], 0);
	assert_int_equal(rc[1], 1);
	assert_int_equal(sum.leaked_frames, 1);
	assert_int_equal(sum.divergences, 1);
	assert_string_equal(fx_output(fx),
	                    "eptsim: DIVERGENCE: 1 frames still in use after every vmspace "
	                    "exited (page tables or pv chunks leaked)\n");
}

/*
 * 16. The x86 leaf of VA (file page 0) names VA2's frame (file page 1,
 * other bytes); both were read by the user, so the x86 TLB is empty.
 * copyin reads through x86: the bytes it reached are not the VM's page,
 * nor what EPT reaches; then the check after the event sees the wrong
 * frame and the formats disagreeing, once per leaf.
 */
static void
test_replay_copy_bytes(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_vmspace *vs;
	uint64_t a, b;

	REPLAY(fx, "vmspace_create vm=1 kind=process",
	       "mmap vm=1 va=0x400000 len=0x2000 prot=r-- share=private backing=file file=7 "
	       "offset=0x0",
	       "sched tid=1 cpu=0", "fault vm=1 tid=1 cpu=0 va=0x400000 access=r mode=user",
	       "fault vm=1 tid=1 cpu=0 va=0x401000 access=r mode=user");
	vs = vmspace(fx, 1);
	a = vm_frame(fx, vs, VA);
	b = vm_frame(fx, vs, VA2);
	assert_true(memcmp(sim_phys_ptr(fx->s->sp, a), sim_phys_ptr(fx->s->sp, b), 0x100) != 0);
	poke_frame(fx, &vs->x86, VA, b);
	REPLAY(fx, "copyin vm=1 cpu=0 va=0x400000 len=0x100");
	ASSERT_DIVERGENCES(fx, 6, "copy bytes", "copy bytes", "wrong frame", "formats disagree");
	assert_report_has(fx, "the copy routine reached hpa %#lx; the VM's page is not there", b);
	assert_report_has(fx,
	                  "256 bytes at 0x400000 differ between the x86 path (hpa %#lx) and the "
	                  "EPT path (hpa %#lx)",
	                  b, a);
}

/*
 * 17. The bytes copyout writes: at address a of event E, the low byte of
 * (E * 131) ^ (a * 7) ^ (a >> 12) (sim/replay.c).  The copy starts
 * unaligned, crosses a page and ends unaligned, so the pattern's 16-byte
 * steps, its byte tail and its restart at the page are all in it; the
 * bytes around the copy stay zero (anonymous pages).
 */
static void
test_replay_copyout_pattern(void **state)
{
	struct fixture *fx = fx_pair(state);
	const uint64_t start = 0x600fc3, end = 0x600fc3 + 0x5d; /* 61 + 32 bytes */
	struct sim_vmspace *vs;
	uint64_t a, event;
	const uint8_t *page;
	uint8_t got, want;

	REPLAY(fx, "vmspace_create vm=1 kind=process",
	       "mmap vm=1 va=0x600000 len=0x2000 prot=rw- share=private backing=anon",
	       "sched tid=1 cpu=0", "fault vm=1 tid=1 cpu=0 va=0x600000 access=w mode=user",
	       "fault vm=1 tid=1 cpu=0 va=0x601000 access=w mode=user",
	       "copyout vm=1 cpu=0 va=0x600fc3 len=0x5d");
	assert_no_divergence(fx);
	event = fx->report.event_no;
	assert_int_equal(event, 6);
	vs = vmspace(fx, 1);
	for (a = start - 0x20; a < end + 0x20; a++) {
		page = sim_phys_ptr(fx->s->sp, vm_frame(fx, vs, a & ~0xffful));
		got = page[a & 0xfff];
		want = a < start || a >= end ? 0 : (uint8_t)((event * 131) ^ (a * 7) ^ (a >> 12));
		if (got != want)
			fail_msg("byte at %#lx: %#x, want %#x", a, got, want);
	}
}

/*
 * 18. A file page is brought in whole (sim_file_page) with the words
 * sim_file_word() defines, for files and page indices that reach every
 * bit the two shift into the word's input (file from bit 40, pindex from
 * bit 9, both past bit 63), and through a fault: the frame the VM holds
 * for page 3 of file 9.
 */
static const struct {
	uint64_t file, pindex;
} file_cases[] = {
	{ 0, 0 },
	{ 1, 0 },
	{ 0, 1 },
	{ 8, 0x40 },
	{ 0xffffff, 0x7fffffffffffff },
	{ ~0ul, ~0ul },
	{ 0x123456789abcdefull, 0xfedcba9876543210ull },
	{ 0x5a5a5a, 0x3ff },
};

static void
test_file_page_words(void **state)
{
	static uint64_t page[PMAP_PAGE_SIZE / 8];
	struct fixture *fx = fx_pair(state);
	const uint64_t *frame;
	size_t i;
	unsigned w;

	for (i = 0; i < NELEM(file_cases); i++) {
		memset(page, 0, sizeof(page));
		sim_file_page(file_cases[i].file, file_cases[i].pindex, page);
		for (w = 0; w < PMAP_PAGE_SIZE / 8; w++)
			if (page[w] != sim_file_word(file_cases[i].file, file_cases[i].pindex, w))
				fail_msg(
				    "file %#lx page %#lx word %u: %#lx, sim_file_word %#lx",
				    file_cases[i].file, file_cases[i].pindex, w, page[w],
				    sim_file_word(file_cases[i].file, file_cases[i].pindex, w));
	}
	REPLAY(fx, "vmspace_create vm=1 kind=process",
	       "mmap vm=1 va=0x400000 len=0x1000 prot=r-- share=private backing=file file=9 "
	       "offset=0x3000",
	       "sched tid=1 cpu=0", "fault vm=1 tid=1 cpu=0 va=0x400000 access=r mode=user");
	frame = sim_phys_ptr(fx->s->sp, vm_frame(fx, vmspace(fx, 1), VA));
	for (w = 0; w < PMAP_PAGE_SIZE / 8; w++)
		if (frame[w] != sim_file_word(9, 3, w))
			fail_msg("file 9 page 3 word %u: frame %#lx, sim_file_word %#lx", w,
			         frame[w], sim_file_word(9, 3, w));
}

/*
 * 19. A freed frame holds the poison; the next allocation takes it back
 * (the free stack is last in, first out): sim_phys_alloc_raw leaves the
 * poison for its caller to overwrite, sim_phys_alloc zeroes it.
 */
static void
test_phys_alloc_raw_poison(void **state)
{
	struct fixture *fx = fx_pair(state);
	struct sim_phys *sp = fx->s->sp;
	uint64_t hpa = sim_phys_alloc(sp), again;
	uint8_t *p = sim_phys_ptr(sp, hpa);
	size_t i;

	assert_true(hpa != 0);
	for (i = 0; i < PMAP_PAGE_SIZE; i++)
		if (p[i] != 0)
			fail_msg("new frame %#lx byte %zu: %#x, not zero", hpa, i, p[i]);
	memset(p, 0x3c, PMAP_PAGE_SIZE);
	sim_phys_free(sp, hpa);
	again = sim_phys_alloc_raw(sp);
	assert_int_equal(again, hpa);
	for (i = 0; i < PMAP_PAGE_SIZE; i++)
		if (p[i] != SIM_POISON)
			fail_msg("raw frame %#lx byte %zu: %#x, not the poison", hpa, i, p[i]);
	sim_phys_free(sp, again);
	again = sim_phys_alloc(sp);
	assert_int_equal(again, hpa);
	for (i = 0; i < PMAP_PAGE_SIZE; i++)
		if (p[i] != 0)
			fail_msg("reused frame %#lx byte %zu: %#x, not zero", hpa, i, p[i]);
	sim_phys_free(sp, again);
}

/*
 * 19b. Anonymous memory is zero filled from a recycled frame: the page
 * written at event 4 is unmapped (its frame poisoned) and mapped again;
 * the read fault takes the same frame back (last in, first out; the page
 * tables stay) and finds it zero.
 */
static void
test_anon_zero_fill_recycled(void **state)
{
	struct fixture *fx = fx_pair(state);
	const uint8_t *p;
	uint64_t a, b;
	size_t i;

	REPLAY(fx, "vmspace_create vm=1 kind=process",
	       "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
	       "sched tid=1 cpu=0", "copyout vm=1 cpu=0 va=0x400000 len=0x1000");
	a = vm_frame(fx, vmspace(fx, 1), VA);
	p = sim_phys_ptr(fx->s->sp, a);
	REPLAY(fx, "munmap vm=1 va=0x400000 len=0x1000");
	for (i = 0; i < PMAP_PAGE_SIZE; i++)
		if (p[i] != SIM_POISON)
			fail_msg("freed frame %#lx byte %zu: %#x, not the poison", a, i, p[i]);
	REPLAY(fx, "mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=private backing=anon",
	       "fault vm=1 tid=1 cpu=0 va=0x400000 access=r mode=user");
	b = vm_frame(fx, vmspace(fx, 1), VA);
	assert_int_equal(b, a);
	for (i = 0; i < PMAP_PAGE_SIZE; i++)
		if (p[i] != 0)
			fail_msg("zero-filled frame %#lx byte %zu: %#x", b, i, p[i]);
	assert_no_divergence(fx);
}

/* Positive controls: a clean scenario in every mode and A/D flavour. */
static const char *const clean_lines[] = {
	"vmspace_create vm=1 kind=process",
	"mmap vm=1 va=0x400000 len=0x4000 prot=r-x share=private backing=file file=7 offset=0x0",
	"mmap vm=1 va=0x600000 len=0x8000 prot=rw- share=private backing=anon",
	"mmap vm=1 va=0x800000 len=0x2000 prot=rw- share=shared backing=file file=8 offset=0x0",
	"sched tid=1 cpu=0",
	"fault vm=1 tid=1 cpu=0 va=0x400010 access=x mode=user",
	"fault vm=1 tid=1 cpu=0 va=0x600000 access=w mode=user",
	"fault vm=1 tid=1 cpu=0 va=0x601000 access=r mode=user",
	"fault vm=1 tid=1 cpu=0 va=0x800000 access=w mode=user",
	"copyout vm=1 cpu=0 va=0x601ff0 len=0x20",
	"copyin vm=1 cpu=0 va=0x400000 len=0x100",
	"fork vm=1 child=2",
	"sched tid=2 cpu=1",
	"fault vm=2 tid=2 cpu=1 va=0x600000 access=w mode=user",
	"fault vm=2 tid=2 cpu=1 va=0x800000 access=r mode=user",
	"fault vm=1 tid=1 cpu=0 va=0x601000 access=w mode=user",
	"mprotect vm=1 va=0x600000 len=0x2000 prot=r--",
	"pageout pages=8",
	"fault vm=1 tid=1 cpu=0 va=0x600000 access=r mode=user",
	"copyout vm=2 cpu=1 va=0x602000 len=0x10",
	"munmap vm=2 va=0x600000 len=0x1000",
	"madvise vm=1 va=0x601000 len=0x1000 advice=dontneed",
	"pageout pages=8",
	"check",
	"vmspace_create vm=3 kind=guest owner=1",
	"mmap vm=3 va=0x100000 len=0x2000 prot=rwx share=private backing=anon",
	"fault vm=3 tid=1 cpu=0 va=0x100000 access=w mode=user",
	"fault vm=3 tid=1 cpu=0 va=0x101000 access=x mode=user",
	"check",
	"vmspace_destroy vm=3",
	"exit vm=2",
	"exit vm=1",
};

struct mode_case {
	enum sim_mode mode;
	enum sim_ad ad;
};

static const struct mode_case mode_cases[] = {
	{ SIM_MODE_PAIR, SIM_AD_HW },    { SIM_MODE_PAIR, SIM_AD_EMULATED },
	{ SIM_MODE_CONVERT, SIM_AD_HW }, { SIM_MODE_CONVERT, SIM_AD_EMULATED },
	{ SIM_MODE_EPT, SIM_AD_HW },     { SIM_MODE_EPT, SIM_AD_EMULATED },
};

static void
test_replay_clean_modes(void **state)
{
	size_t i;

	for (i = 0; i < NELEM(mode_cases); i++) {
		struct fixture *fx =
		    fx_start(state, mode_cases[i].mode, mode_cases[i].ad, SIM_CHECK_FULL, 0);

		replay(fx, clean_lines, NELEM(clean_lines));
		vfy_check_full(fx->s);
		if (fx->report.divergences != 0)
			fprintf(stderr, "mode %d ad %d:\n", mode_cases[i].mode, mode_cases[i].ad);
		assert_no_divergence(fx);
		assert_int_equal(fx->s->stats.full_checks, fx->nev + 1);
		assert_int_equal(fx_reset(fx), 0); /* sim_teardown() finds no frame in use */
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_replay_leak_teardown),    T(test_replay_leak_file),
		T(test_replay_copy_bytes),       T(test_replay_copyout_pattern),
		T(test_file_page_words),         T(test_phys_alloc_raw_poison),
		T(test_anon_zero_fill_recycled), T(test_replay_clean_modes),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
