/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * replay_fixture.c - the fixture of the replay checker tests: the machine
 * and its report in a memory stream, replay of trace lines, raw access
 * to table entries, pokes the teardown undoes, the report assertions and
 * the scenarios the tests share.  See replay_fixture.h.
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

#include "tests/sim/replay_fixture.h"

/* A fresh, empty report buffer. */
static int
fx_open(struct fixture *fx)
{
	fx->buf = NULL;
	fx->len = 0;
	fx->out = open_memstream(&fx->buf, &fx->len);
	return (fx->out == NULL ? -1 : 0);
}

int
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
int
fx_reset(struct fixture *fx)
{
	int rc = fx_finish(fx);

	fclose(fx->out);
	free(fx->buf);
	return (fx_open(fx) != 0 ? -1 : rc);
}

int
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
struct fixture *
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
struct fixture *
fx_pair(void **state)
{
	return (fx_start(state, SIM_MODE_PAIR, SIM_AD_HW, SIM_CHECK_INCREMENTAL, 0));
}

const char *
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
void
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

struct sim_vmspace *
vmspace(struct fixture *fx, uint32_t id)
{
	struct sim_vmspace *vs = sim_vmspace_find(fx->s, id);

	if (vs == NULL)
		fail_msg("vmspace %u does not exist", id);
	return (vs);
}

/* The frame the VM holds for @va in @vs. */
uint64_t
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
uint64_t *
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

void
poke64(struct fixture *fx, uint64_t *at, uint64_t val)
{
	poke(fx, at, &val, sizeof(val));
}

void
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
void
poke_frame(struct fixture *fx, struct pmap *pm, uint64_t va, uint64_t hpa)
{
	uint64_t *pte = pte_of(fx, pm, va, NULL);

	poke64(fx, pte, (*pte & ~PTE_FRAME) | hpa);
}

/* Unlink (@pm, @va)'s pv entry from the 4 KiB pv list of frame @hpa. */
struct pmap_pv *
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
void
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
void
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

void
assert_no_divergence(struct fixture *fx)
{
	char why[128];

	if (fx->report.divergences != 0 || strstr(fx_output(fx), "DIVERGENCE") != NULL) {
		snprintf(why, sizeof(why), "%" PRIu64 " divergences in a clean scenario",
		         fx->report.divergences);
		fail_report(fx, why);
	}
}

void
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
void
scenario(struct fixture *fx, const char *mmap, const char *touch)
{
	REPLAY(fx, "vmspace_create vm=1 kind=process", mmap, "sched tid=1 cpu=0", touch);
}

/* One private anonymous page at VA, written by the user (EPT path in pair mode). */
void
scenario_one_page(struct fixture *fx, uint64_t len)
{
	char mmap[128];

	snprintf(mmap, sizeof(mmap),
	         "mmap vm=1 va=0x400000 len=%#lx prot=rw- share=private backing=anon", len);
	scenario(fx, mmap, "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user");
}

/* VA and VA2 written by the user: events 1-5, the EPT TLB holds both. */
void
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
void
scenario_two_pages_kernel(struct fixture *fx)
{
	REPLAY(fx, "vmspace_create vm=1 kind=process",
	       "mmap vm=1 va=0x400000 len=0x2000 prot=rw- share=private backing=anon",
	       "sched tid=1 cpu=0", "copyout vm=1 cpu=0 va=0x400000 len=0x2000");
}
