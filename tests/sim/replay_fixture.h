/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * replay_fixture.h - the fixture of the replay checker tests
 * (replay_*-test.c): every checker of the replay fires, with its message
 * pinned.  Each test replays a few trace lines through sim_replay_event(),
 * corrupts what the checker guards (a raw table entry, a table's count, a
 * pv list, the pmap's vocabulary, the TLB model's invalidations) and then
 * triggers the check: vfy_check_full(), or the next event.  The report
 * goes to a memory buffer; a test names every divergence header it must
 * hold, in order, and the key part of the detail.  Positive controls run
 * the same scenarios uncorrupted, and a clean scenario in every mode,
 * and find nothing.
 *
 * Entries are reached raw, as the hardware would (SDM 3A 4.5, 3C 29.3):
 *
 *   47    39 38    30 29    21 20    12 11     0
 *  +--------+--------+--------+--------+--------+
 *  | PML4   | PDPT   | PD     | PT     | offset |   frame: bits 51:12
 *  +--------+--------+--------+--------+--------+
 *
 * Every corruption a test makes through poke() is undone by the teardown,
 * which then tears the machine down and fails the test if a frame leaks.
 * Writes the pmap takes over afterwards (A/D bits it clears or re-sets,
 * entries a pageout removes) are made directly and not undone.
 */
#ifndef EPTSIM_TESTS_SIM_REPLAY_FIXTURE_H
#define EPTSIM_TESTS_SIM_REPLAY_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/mmu.h"
#include "sim/replay.h"
#include "sim/report.h"
#include "sim/trace.h"
#include "sim/vm.h"

#define TRACE_NAME "neg.trace"
#define RAM_PAGES  2048
#define SEED       1
#define MAX_EVENTS 64
#define MAX_POKES  16

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define VA       0x400000ul /* the page every scenario corrupts */
#define VA2      0x401000ul /* its neighbour, another frame */
#define EMPTY_VA 0x410000ul /* same page table, nothing mapped */

/* x86 leaf bits (SDM 3A table 4-19) and the pmap's software bits (pmap/README.md). */
#define X86_RW      (1ul << 1)
#define X86_US      (1ul << 2)
#define X86_PWT     (1ul << 3)
#define X86_PCD     (1ul << 4)
#define X86_A       (1ul << 5)
#define X86_D       (1ul << 6)
#define X86_MANAGED (1ul << 10)
#define X86_XD      (1ul << 63)

/* EPT leaf bits (SDM 3C table 29-6). */
#define EPT_XWR (7ul << 0)
#define EPT_R   (1ul << 0)
#define EPT_W   (1ul << 1)
#define EPT_X   (1ul << 2)
#define EPT_A   (1ul << 8)
#define EPT_D   (1ul << 9)

#define PTE_PS    (1ul << 7)
#define PTE_FRAME 0x000ffffffffff000ul

/* One write undone by the teardown: @n bytes at @at held @old. */
struct poke {
	void *at;
	size_t n;
	uint64_t old;
};

struct fixture {
	struct sim *s;
	struct sim_report report;
	FILE *out;
	char *buf;
	size_t len;
	struct trace_event ev[MAX_EVENTS]; /* s->ev points into this */
	size_t nev;
	struct poke pokes[MAX_POKES];
	size_t npokes;
};

/* The cmocka setup and teardown of every test: a fixture with an empty report, no machine. */
int test_setup(void **state);
int test_teardown(void **state);

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

/* Finish this machine and empty the report, for the next case of a table. */
int fx_reset(struct fixture *fx);

/* Create the machine of this test. */
struct fixture *fx_start(void **state, enum sim_mode mode, enum sim_ad ad, enum sim_check check,
                         uint32_t inject);

/* Pair mode, hardware A/D, incremental checks: what most tests use. */
struct fixture *fx_pair(void **state);

/* The report so far (flushed); "" when empty. */
const char *fx_output(struct fixture *fx);

/*
 * Replay @lines as the next lines of a trace whose header is line 1: the
 * k-th event of the test is line k + 1.  A line that does not parse or
 * replay fails the test.
 */
void replay(struct fixture *fx, const char *const *lines, size_t n);

#define REPLAY(fx, ...)                                                                            \
	replay((fx), (const char *const[]){ __VA_ARGS__ },                                         \
	       sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/* Vmspace @id; fails the test when it does not exist. */
struct sim_vmspace *vmspace(struct fixture *fx, uint32_t id);

/* The frame the VM holds for @va in @vs. */
uint64_t vm_frame(struct fixture *fx, struct sim_vmspace *vs, uint64_t va);

/*
 * The level-0 entry for @va in @pm's tables, reached raw from the root
 * (it may be 0); the table holding it in *table when not NULL.  Fails
 * when a table above is missing or a large leaf stands in the way.
 */
uint64_t *pte_of(struct fixture *fx, struct pmap *pm, uint64_t va, uint64_t *table);

/* Write @val at @at; the teardown puts the old value back. */
void poke64(struct fixture *fx, uint64_t *at, uint64_t val);
void poke32(struct fixture *fx, uint32_t *at, uint32_t val);

/* Point the leaf of @va in @pm at @hpa, keeping every other bit. */
void poke_frame(struct fixture *fx, struct pmap *pm, uint64_t va, uint64_t hpa);

/* Unlink (@pm, @va)'s pv entry from the 4 KiB pv list of frame @hpa. */
struct pmap_pv *pv_unlink(struct fixture *fx, uint64_t hpa, struct pmap *pm, uint64_t va);

/*
 * Move (@pm, @va)'s pv entry from frame @from to frame @to, as a pmap
 * that entered the wrong frame would have it: the structure stays
 * consistent and only the frame is wrong.
 */
void pv_move(struct fixture *fx, struct pmap *pm, uint64_t va, uint64_t from, uint64_t to);

/*
 * The report holds exactly @n divergences, headed in order by @whats,
 * all found during event @event (trace line @event + 1).
 */
void assert_divergences(struct fixture *fx, uint64_t event, const char *const *whats, size_t n);

#define ASSERT_DIVERGENCES(fx, event, ...)                                                         \
	assert_divergences((fx), (event), (const char *const[]){ __VA_ARGS__ },                    \
	                   sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/* The report holds no divergence. */
void assert_no_divergence(struct fixture *fx);

/* The report contains the printf-formatted text. */
void assert_report_has(struct fixture *fx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Scenarios. */

/* Events 1-4: vmspace 1 with @mmap, thread 1 on cpu 0, then @touch. */
void scenario(struct fixture *fx, const char *mmap, const char *touch);

/* One private anonymous page at VA, written by the user (EPT path in pair mode). */
void scenario_one_page(struct fixture *fx, uint64_t len);

/* VA and VA2 written by the user: events 1-5, the EPT TLB holds both. */
void scenario_two_pages_user(struct fixture *fx);

/*
 * VA and VA2 written by the kernel's copyout: the x86 path, so only the
 * x86 TLB holds them and the EPT tables can be corrupted without a stale
 * EPT TLB entry (events 1-4).
 */
void scenario_two_pages_kernel(struct fixture *fx);

#endif /* EPTSIM_TESTS_SIM_REPLAY_FIXTURE_H */
