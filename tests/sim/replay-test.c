/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * replay-test.c - every checker of the replay fires, with its message
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
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/mmu.h"
#include "sim/replay.h"
#include "sim/report.h"
#include "sim/trace.h"
#include "sim/vm.h"
#include "verify/vfy_check.h"

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

/* A fresh, empty report buffer. */
static int
fx_open(struct fixture *fx)
{
	fx->buf = NULL;
	fx->len = 0;
	fx->out = open_memstream(&fx->buf, &fx->len);
	return (fx->out == NULL ? -1 : 0);
}

static int
test_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return (-1);
	if (fx_open(fx) != 0) {
		free(fx);
		return (-1);
	}
	*state = fx;
	return (0);
}

/*
 * Undo the pokes (last first), tear the machine down and free it.
 * Returns -1, with the report printed, when a frame is still in use
 * after sim_teardown() or the replay failed; 0 otherwise.
 */
static int
fx_finish(struct fixture *fx)
{
	uint64_t leaked;
	int rc = 0;

	while (fx->npokes > 0) {
		struct poke *p = &fx->pokes[--fx->npokes];

		memcpy(p->at, &p->old, p->n);
	}
	if (fx->s == NULL)
		return (0);
	leaked = sim_teardown(fx->s);
	if (leaked != 0 || fx->s->fatal[0] != '\0') {
		fflush(fx->out);
		fprintf(stderr, "teardown: %" PRIu64 " frames leaked, fatal \"%s\"\n%s", leaked,
		        fx->s->fatal, fx->buf ? fx->buf : "");
		rc = -1;
	}
	sim_destroy(fx->s);
	fx->s = NULL;
	fx->nev = 0;
	return (rc);
}

/* Finish this machine and empty the report, for the next case of a table. */
static int
fx_reset(struct fixture *fx)
{
	int rc = fx_finish(fx);

	fclose(fx->out);
	free(fx->buf);
	return (fx_open(fx) != 0 ? -1 : rc);
}

static int
test_teardown(void **state)
{
	struct fixture *fx = *state;
	int rc = fx_finish(fx);

	fclose(fx->out);
	free(fx->buf);
	free(fx);
	return (rc);
}

/* Create the machine of this test. */
static struct fixture *
fx_start(void **state, enum sim_mode mode, enum sim_ad ad, enum sim_check check, uint32_t inject)
{
	struct fixture *fx = *state;
	struct sim_config cfg = {
		.mode = mode,
		.ad = ad,
		.check = check,
		.ram_pages = RAM_PAGES,
		.seed = SEED,
		.inject = inject,
	};

	sim_report_init(&fx->report, fx->out, TRACE_NAME);
	fx->s = sim_create(&cfg, &fx->report);
	assert_non_null(fx->s);
	return (fx);
}

/* Pair mode, hardware A/D, incremental checks: what most tests use. */
static struct fixture *
fx_pair(void **state)
{
	return (fx_start(state, SIM_MODE_PAIR, SIM_AD_HW, SIM_CHECK_INCREMENTAL, 0));
}

static const char *
fx_output(struct fixture *fx)
{
	fflush(fx->out);
	return (fx->buf != NULL ? fx->buf : "");
}

/*
 * Replay @lines as the next lines of a trace whose header is line 1: the
 * k-th event of the test is line k + 1.  A line that does not parse or
 * replay fails the test.
 */
static void
replay(struct fixture *fx, const char *const *lines, size_t n)
{
	char err[TRACE_ERR_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		struct trace_event *ev = &fx->ev[fx->nev];

		assert_true(fx->nev < MAX_EVENTS);
		if (trace_parse_line(lines[i], fx->nev + 2, TRACE_NAME, ev, err) != 0)
			fail_msg("cannot parse \"%s\": %s", lines[i], err);
		ev->line = fx->nev + 2;
		fx->nev++;
		if (sim_replay_event(fx->s, ev) != 0)
			fail_msg("\"%s\" did not replay: %s", lines[i], fx->s->fatal);
	}
}

#define REPLAY(fx, ...)                                                                            \
	replay((fx), (const char *const[]){ __VA_ARGS__ },                                         \
	       sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static struct sim_vmspace *
vmspace(struct fixture *fx, uint32_t id)
{
	struct sim_vmspace *vs = sim_vmspace_find(fx->s, id);

	if (vs == NULL)
		fail_msg("vmspace %u does not exist", id);
	return (vs);
}

/* The frame the VM holds for @va in @vs. */
static uint64_t
vm_frame(struct fixture *fx, struct sim_vmspace *vs, uint64_t va)
{
	enum pmap_memattr ma;
	vm_prot_t max;
	uint64_t hpa;

	if (!sim_vm_resident(fx->s, vs, va, &hpa, &max, &ma))
		fail_msg("vmspace %u holds no page at %#lx", vs->id, va);
	return (hpa);
}

/*
 * The level-0 entry for @va in @pm's tables, reached raw from the root
 * (it may be 0); the table holding it in *table when not NULL.  Fails
 * when a table above is missing or a large leaf stands in the way.
 */
static uint64_t *
pte_of(struct fixture *fx, struct pmap *pm, uint64_t va, uint64_t *table)
{
	uint64_t hpa = pm->pm_root_hpa, *t;
	unsigned idx;
	int level;

	for (level = 3;; level--) {
		t = sim_phys_ptr(fx->s->sp, hpa);
		assert_non_null(t);
		idx = (unsigned)(va >> (12 + 9 * level)) & 511;
		if (level == 0)
			break;
		if (t[idx] == 0 || (t[idx] & PTE_PS) != 0)
			fail_msg("va %#lx: level-%d entry %#lx is not a table", va, level, t[idx]);
		hpa = t[idx] & PTE_FRAME;
	}
	if (table != NULL)
		*table = hpa;
	return (&t[idx]);
}

/* Write @n bytes of @val at @at; the teardown puts the old bytes back. */
static void
poke(struct fixture *fx, void *at, const void *val, size_t n)
{
	struct poke *p = &fx->pokes[fx->npokes];

	assert_true(fx->npokes < MAX_POKES && n <= sizeof(p->old));
	p->at = at;
	p->n = n;
	p->old = 0;
	memcpy(&p->old, at, n);
	memcpy(at, val, n);
	fx->npokes++;
}

static void
poke64(struct fixture *fx, uint64_t *at, uint64_t val)
{
	poke(fx, at, &val, sizeof(val));
}

static void
poke32(struct fixture *fx, uint32_t *at, uint32_t val)
{
	poke(fx, at, &val, sizeof(val));
}

static void
poke_pv(struct fixture *fx, struct pmap_pv **at, struct pmap_pv *val)
{
	poke(fx, at, &val, sizeof(val));
}

/* Point the leaf of @va in @pm at @hpa, keeping every other bit. */
static void
poke_frame(struct fixture *fx, struct pmap *pm, uint64_t va, uint64_t hpa)
{
	uint64_t *pte = pte_of(fx, pm, va, NULL);

	poke64(fx, pte, (*pte & ~PTE_FRAME) | hpa);
}

/* Unlink (@pm, @va)'s pv entry from the 4 KiB pv list of frame @hpa. */
static struct pmap_pv *
pv_unlink(struct fixture *fx, uint64_t hpa, struct pmap *pm, uint64_t va)
{
	struct pmap_pv **pp, *pv;

	for (pp = &sim_phys_page(fx->s->sp, hpa)->md.pv_list; (pv = *pp) != NULL; pp = &pv->pv_next)
		if (pv->pv_pmap == pm && pv->pv_va == va) {
			poke_pv(fx, pp, pv->pv_next);
			return (pv);
		}
	fail_msg("frame %#lx has no pv entry for va %#lx", hpa, va);
	return (NULL);
}

/*
 * Move (@pm, @va)'s pv entry from frame @from to frame @to, as a pmap
 * that entered the wrong frame would have it: the structure stays
 * consistent and only the frame is wrong.
 */
static void
pv_move(struct fixture *fx, struct pmap *pm, uint64_t va, uint64_t from, uint64_t to)
{
	struct pmap_pv *pv = pv_unlink(fx, from, pm, va);
	struct pmap_page *md = &sim_phys_page(fx->s->sp, to)->md;

	poke_pv(fx, &pv->pv_next, md->pv_list);
	poke_pv(fx, &md->pv_list, pv);
}

/* Fail with @why, printing the whole report first (cmocka truncates messages). */
static void
fail_report(struct fixture *fx, const char *why)
{
	fprintf(stderr, "--- report:\n%s--- end of report\n", fx_output(fx));
	fail_msg("%s", why);
}

/*
 * The report holds exactly @n divergences, headed in order by @whats,
 * all found during event @event (trace line @event + 1).
 */
static void
assert_divergences(struct fixture *fx, uint64_t event, const char *const *whats, size_t n)
{
	const char *at = fx_output(fx);
	char want[256], why[768];
	size_t k = 0, len;

	while ((at = strstr(at, "eptsim: DIVERGENCE #")) != NULL) {
		len = strcspn(at, "\n");
		snprintf(want, sizeof(want),
		         "eptsim: DIVERGENCE #%zu at event %" PRIu64 " (%s:%" PRIu64 "): %s", k + 1,
		         event, TRACE_NAME, event + 1, k < n ? whats[k] : "(none expected)");
		if (k >= n || len != strlen(want) || strncmp(at, want, len) != 0) {
			snprintf(why, sizeof(why),
			         "divergence %zu is\n  \"%.*s\"\nexpected\n  \"%s\"", k + 1,
			         (int)len, at, want);
			fail_report(fx, why);
		}
		at += len;
		k++;
	}
	if (k != n || fx->report.divergences != n) {
		snprintf(why, sizeof(why),
		         "%zu divergence headers, %" PRIu64 " counted, expected %zu", k,
		         fx->report.divergences, n);
		fail_report(fx, why);
	}
}

#define ASSERT_DIVERGENCES(fx, event, ...)                                                         \
	assert_divergences((fx), (event), (const char *const[]){ __VA_ARGS__ },                    \
	                   sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static void
assert_no_divergence(struct fixture *fx)
{
	char why[128];

	if (fx->report.divergences != 0 || strstr(fx_output(fx), "DIVERGENCE") != NULL) {
		snprintf(why, sizeof(why), "%" PRIu64 " divergences in a clean scenario",
		         fx->report.divergences);
		fail_report(fx, why);
	}
}

/* The report contains the printf-formatted text. */
static void assert_report_has(struct fixture *fx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
assert_report_has(struct fixture *fx, const char *fmt, ...)
{
	char want[512], why[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	if (strstr(fx_output(fx), want) == NULL) {
		snprintf(why, sizeof(why), "the report lacks \"%s\"", want);
		fail_report(fx, why);
	}
}

/* Scenarios. */

/* Events 1-4: vmspace 1 with @mmap, thread 1 on cpu 0, then @touch. */
static void
scenario(struct fixture *fx, const char *mmap, const char *touch)
{
	REPLAY(fx, "vmspace_create vm=1 kind=process", mmap, "sched tid=1 cpu=0", touch);
}

/* One private anonymous page at VA, written by the user (EPT path in pair mode). */
static void
scenario_one_page(struct fixture *fx, uint64_t len)
{
	char mmap[128];

	snprintf(mmap, sizeof(mmap),
	         "mmap vm=1 va=0x400000 len=%#lx prot=rw- share=private backing=anon", len);
	scenario(fx, mmap, "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user");
}

/* VA and VA2 written by the user: events 1-5, the EPT TLB holds both. */
static void
scenario_two_pages_user(struct fixture *fx)
{
	scenario_one_page(fx, 0x2000);
	REPLAY(fx, "fault vm=1 tid=1 cpu=0 va=0x401000 access=w mode=user");
}

/*
 * VA and VA2 written by the kernel's copyout: the x86 path, so only the
 * x86 TLB holds them and the EPT tables can be corrupted without a stale
 * EPT TLB entry (events 1-4).
 */
static void
scenario_two_pages_kernel(struct fixture *fx)
{
	REPLAY(fx, "vmspace_create vm=1 kind=process",
	       "mmap vm=1 va=0x400000 len=0x2000 prot=rw- share=private backing=anon",
	       "sched tid=1 cpu=0", "copyout vm=1 cpu=0 va=0x400000 len=0x2000");
}

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

#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_replay_stale_tlb),
		T(test_replay_stale_tlb_control),
		T(test_replay_wrong_frame),
		T(test_replay_formats_disagree_frame),
		T(test_replay_formats_disagree_rights),
		T(test_replay_rights),
		T(test_replay_rights_none),
		T(test_replay_supervisor_page),
		T(test_replay_table_frame),
		T(test_replay_memory_type),
		T(test_replay_invalid_entry),
		T(test_replay_table_count),
		T(test_replay_pv_list),
		T(test_replay_non_vm_frame),
		T(test_replay_mapped_without_vm),
		T(test_replay_shared_writable),
		T(test_replay_lost_dirty),
		T(test_replay_lost_dirty_control),
		T(test_replay_lost_dirty_unmapped),
		T(test_replay_lost_reference),
		T(test_replay_lost_reference_control),
		T(test_replay_fault_loop),
		T(test_replay_leak_teardown),
		T(test_replay_leak_file),
		T(test_replay_copy_bytes),
		T(test_replay_clean_modes),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
