/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * fuzz_replay.c - replay of arbitrary event sequences.
 *
 * The input is decoded into a small trace of valid shape (decode_*()
 * below): a few vmspaces with ids 1-8, two address windows (64 pages at
 * 0x400000, and two 2 MiB superpage slots at 0x40000000), threads 1-4 on
 * cpus 0-3, and a machine of 48 to 2048 pages.  The decoder keeps a model
 * of which vmspaces live and which of their pages are mapped, so that
 * every event is one a kernel could record: no event for a vmspace that
 * does not exist, no fork into a live id, no mprotect, madvise or wire of
 * a hole.  Faults and copies may still hit unmapped or forbidden pages
 * (SIGSEGV and EFAULT are part of the replay), and a machine too small
 * for its wired pages stops the replay with exit 2, which is not a
 * finding.
 *
 * The trace is replayed with sim_replay_file(), as `eptsim replay` does,
 * in every mode and A/D mode with full checks.  A divergence (exit 1),
 * a pmap panic or a sanitizer report is a finding: on such a legitimate
 * sequence it is a bug in pmap/, sim/ or verify/.  The decoded trace is
 * printed with the finding; EPTSIM_FUZZ_TRACE=FILE also writes it there
 * (for `eptsim replay`, `eptsim shrink` or a corpus entry),
 * EPTSIM_FUZZ_VERBOSE=1 prints how each replay ended, and
 * EPTSIM_FUZZ_INJECT=skip-inval makes the CPUs ignore invalidations (as
 * `eptsim replay --inject=skip-inval`), which the test of the finding
 * path uses.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/replay.h"
#include "tests/fuzz/fuzz.h"

#define MAX_EVENTS 200
#define NVM        8 /* vmspace ids 1..NVM */

/* The address windows, as one page index space of NPAGES. */
#define WIN_A_VA    0x400000UL /* pages 0..63 */
#define WIN_A_PAGES 64
#define WIN_B_VA    0x40000000UL /* pages 64..1087: two 2 MiB slots */
#define WIN_B_PAGES 1024
#define NPAGES      (WIN_A_PAGES + WIN_B_PAGES)
#define DEV_HPA     0x100000000UL /* device memory: page p is DEV_HPA + p * 4096 */

/* A page of the model: 0 unmapped, else PG_MAPPED | its rights. */
#define PG_MAPPED 0x8

struct vm_model {
	bool live, guest;
	uint32_t owner;
	uint8_t page[NPAGES];
};

struct decoder {
	const uint8_t *p;
	size_t n;
	struct vm_model vm[NVM + 1];
	struct trace_writer *w;
	unsigned events;
	uint64_t line;
};

static uint8_t
take(struct decoder *d)
{
	if (d->n == 0)
		return (0);
	d->n--;
	return (*d->p++);
}

static uint64_t
page_va(unsigned page)
{
	return (page < WIN_A_PAGES ? WIN_A_VA + page * 4096UL
	                           : WIN_B_VA + (page - WIN_A_PAGES) * 4096UL);
}

/*
 * A page range from two bytes: in window A 1-16 pages anywhere, in
 * window B 1, 64, 512 or 1024 pages from a 64-page boundary (so 2 MiB
 * aligned ranges come often).  *@first and *@count in page indexes.
 */
static void
take_range(struct decoder *d, unsigned *first, unsigned *count)
{
	static const unsigned b_len[4] = { 1, 64, 512, 1024 };
	uint8_t r = take(d), l = take(d);

	if ((r & 0x80) == 0) {
		*first = r % WIN_A_PAGES;
		*count = 1 + l % 16;
		if (*first + *count > WIN_A_PAGES)
			*count = WIN_A_PAGES - *first;
		return;
	}
	*first = (r % 16) * 64;
	*count = b_len[l % 4];
	if (*first + *count > WIN_B_PAGES)
		*count = WIN_B_PAGES - *first;
	*first += WIN_A_PAGES;
}

/* Pages [first, first+count) become @val (0: unmapped). */
static void
set_pages(struct vm_model *m, unsigned first, unsigned count, uint8_t val)
{
	memset(m->page + first, val, count);
}

/*
 * The length in pages of the prefix of [first, first+count) whose pages
 * are mapped and, with @access, readable or writable (wiring faults every
 * page in, which an exec-only or --- page refuses).
 */
static unsigned
usable_prefix(const struct vm_model *m, unsigned first, unsigned count, bool access)
{
	unsigned n = 0;

	while (n < count && m->page[first + n] != 0 &&
	       (!access || (m->page[first + n] & (VM_PROT_READ | VM_PROT_WRITE)) != 0))
		n++;
	return (n);
}

/* A live vmspace chosen by a byte (0 when none; @process: processes only). */
static uint32_t
take_live(struct decoder *d, bool process)
{
	uint8_t b = take(d);
	unsigned i, id;

	for (i = 0; i < NVM; i++) {
		id = 1 + (b + i) % NVM;
		if (d->vm[id].live && !(process && d->vm[id].guest))
			return (id);
	}
	return (0);
}

static uint32_t
free_id(const struct decoder *d)
{
	uint32_t id;

	for (id = 1; id <= NVM; id++)
		if (!d->vm[id].live)
			return (id);
	return (0);
}

static void
emit(struct decoder *d, struct trace_event *ev)
{
	char err[TRACE_ERR_MAX];

	if (trace_write(d->w, ev) != 0 && trace_finish(d->w, err) != 0)
		fuzz_finding("the decoder made an event the writer refuses: %s", err);
	d->events++;
}

static void
decode_create(struct decoder *d, bool guest)
{
	struct trace_event ev = { .op = TRACE_VMSPACE_CREATE };
	uint32_t owner = guest ? take_live(d, true) : 0;

	if ((ev.vm = free_id(d)) == 0 || (guest && owner == 0))
		return;
	ev.kind = guest ? TRACE_VM_GUEST : TRACE_VM_PROCESS;
	ev.owner = owner;
	memset(&d->vm[ev.vm], 0, sizeof(d->vm[ev.vm]));
	d->vm[ev.vm].live = true;
	d->vm[ev.vm].guest = guest;
	d->vm[ev.vm].owner = owner;
	emit(d, &ev);
}

/* exit of a process (its guests destroyed first) or destroy of a guest. */
static void
decode_exit(struct decoder *d)
{
	struct trace_event ev = { .op = TRACE_EXIT };
	uint32_t id = take_live(d, false), g;

	if (id == 0)
		return;
	if (d->vm[id].guest)
		ev.op = TRACE_VMSPACE_DESTROY;
	for (g = 1; g <= NVM && !d->vm[id].guest; g++)
		if (d->vm[g].live && d->vm[g].guest && d->vm[g].owner == id) {
			d->vm[g].live = false;
			emit(d, &(struct trace_event){ .op = TRACE_VMSPACE_DESTROY, .vm = g });
		}
	ev.vm = id;
	d->vm[id].live = false;
	emit(d, &ev);
}

static void
decode_fork(struct decoder *d)
{
	struct trace_event ev = { .op = TRACE_FORK };

	if ((ev.vm = take_live(d, true)) == 0 || (ev.child = free_id(d)) == 0)
		return;
	d->vm[ev.child] = d->vm[ev.vm];
	emit(d, &ev);
}

static void
decode_mmap(struct decoder *d)
{
	static const enum pmap_memattr ma[6] = { PMAP_MA_WB, PMAP_MA_UC, PMAP_MA_WC,
		                                 PMAP_MA_WT, PMAP_MA_WP, PMAP_MA_UC_MINUS };
	struct trace_event ev = { .op = TRACE_MMAP };
	unsigned first, count;
	uint8_t b;

	if ((ev.vm = take_live(d, false)) == 0)
		return;
	take_range(d, &first, &count);
	b = take(d);
	ev.va = page_va(first);
	ev.len = count * 4096UL;
	ev.prot = 1 + b % 7; /* never --- */
	ev.shared = (b & 0x08) != 0;
	switch ((b >> 4) % 4) {
	case 0:
	case 1:
		ev.backing = TRACE_BACKING_ANON;
		break;
	case 2:
		ev.backing = TRACE_BACKING_FILE;
		ev.file = 1 + (b >> 6) % 3;
		ev.offset = first < WIN_A_PAGES ? first * 4096UL : 0;
		break;
	default:
		ev.backing = TRACE_BACKING_DEVICE;
		ev.hpa = DEV_HPA + first * 4096UL;
		ev.memattr = ma[take(d) % 6];
		break;
	}
	set_pages(&d->vm[ev.vm], first, count, PG_MAPPED | ev.prot);
	emit(d, &ev);
}

/*
 * munmap, mprotect, madvise, wire, unwire: the last four on mapped pages
 * only, wire on pages it can fault in.
 */
static void
decode_range_op(struct decoder *d, enum trace_op op)
{
	struct trace_event ev = { .op = op };
	struct vm_model *m;
	unsigned first, count;

	if ((ev.vm = take_live(d, false)) == 0)
		return;
	m = &d->vm[ev.vm];
	take_range(d, &first, &count);
	if (op == TRACE_MPROTECT)
		ev.prot = take(d) % 8;
	if (op != TRACE_MUNMAP && (count = usable_prefix(m, first, count, op == TRACE_WIRE)) == 0)
		return;
	if (op == TRACE_MUNMAP || op == TRACE_MPROTECT)
		set_pages(m, first, count, op == TRACE_MUNMAP ? 0 : PG_MAPPED | ev.prot);
	ev.va = page_va(first);
	ev.len = count * 4096UL;
	emit(d, &ev);
}

static void
decode_access(struct decoder *d, enum trace_op op)
{
	struct trace_event ev = { .op = op };
	uint8_t a = take(d), b = take(d), c = take(d);

	if ((ev.vm = take_live(d, false)) == 0)
		return;
	ev.cpu = a % 4;
	ev.va = page_va(((unsigned)b << 8 | c) % NPAGES) + (a >> 2) * 64;
	if (op == TRACE_FAULT) {
		ev.tid = 1 + ev.cpu;
		ev.prot = (vm_prot_t[]){ VM_PROT_READ, VM_PROT_WRITE, VM_PROT_EXECUTE,
			                 VM_PROT_WRITE }[b >> 6];
		ev.user = (c & 1) == 0;
	} else
		ev.len = 1 + (uint64_t)take(d) * 48;
	emit(d, &ev);
}

static void
decode_event(struct decoder *d)
{
	uint8_t op = take(d);

	switch (op % 20) {
	case 0:
		decode_create(d, false);
		break;
	case 1:
		decode_create(d, (op & 0x20) != 0);
		break;
	case 2:
		decode_exit(d);
		break;
	case 3:
		decode_fork(d);
		break;
	case 4:
		if ((op = (uint8_t)take_live(d, true)) != 0) {
			memset(d->vm[op].page, 0, sizeof(d->vm[op].page));
			emit(d, &(struct trace_event){ .op = TRACE_EXEC, .vm = op });
		}
		break;
	case 5:
	case 6:
		decode_mmap(d);
		break;
	case 7:
		decode_range_op(d, TRACE_MPROTECT);
		break;
	case 8:
		decode_range_op(d, TRACE_MUNMAP);
		break;
	case 9:
		decode_range_op(d, TRACE_MADVISE);
		break;
	case 10:
		decode_range_op(d, (op & 0x20) != 0 ? TRACE_WIRE : TRACE_UNWIRE);
		break;
	case 11:
		decode_access(d, (op & 0x20) != 0 ? TRACE_COPYIN : TRACE_COPYOUT);
		break;
	case 12:
		emit(d, &(struct trace_event){ .op = TRACE_PAGEOUT, .pages = 1 + take(d) % 64 });
		break;
	case 13:
		emit(d, &(struct trace_event){ .op = TRACE_CHECK });
		break;
	case 14:
		op = take(d);
		emit(d, &(struct trace_event){
		            .op = TRACE_SCHED, .tid = 1 + op % 4, .cpu = (op >> 2) % 4 });
		break;
	default:
		decode_access(d, TRACE_FAULT);
		break;
	}
}

/* The input as a trace at @path; returns the machine's size in pages. */
static uint64_t
decode(const uint8_t *data, size_t size, const char *path, uint64_t *seed)
{
	static const uint64_t ram[4] = { 48, 128, 512, 2048 };
	struct decoder *d = calloc(1, sizeof(*d));
	char err[TRACE_ERR_MAX];
	uint64_t pages;
	uint8_t b;

	if (d == NULL)
		abort();
	d->p = data;
	d->n = size;
	b = take(d);
	pages = ram[b % 4];
	*seed = b >> 2;
	if ((d->w = trace_create(path, "fuzz_replay", err)) == NULL)
		fuzz_finding("cannot create %s: %s", path, err);
	decode_create(d, false);
	emit(d, &(struct trace_event){ .op = TRACE_SCHED, .tid = 1, .cpu = 0 });
	while (d->n > 0 && d->events < MAX_EVENTS)
		decode_event(d);
	if (trace_finish(d->w, err) != 0)
		fuzz_finding("writing the decoded trace: %s", err);
	free(d);
	return (pages);
}

static void
print_file(const char *path, FILE *out)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (f == NULL)
		return;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, out);
	fclose(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const modes[3] = { "pair", "convert", "ept" };
	const char *keep = getenv("EPTSIM_FUZZ_TRACE"), *verbose = getenv("EPTSIM_FUZZ_VERBOSE");
	const char *inject = getenv("EPTSIM_FUZZ_INJECT");
	struct sim_config cfg = { .check = SIM_CHECK_FULL };
	struct replay_summary sum;
	char path[512];
	int mode, ad, rc;

	if (inject != NULL && strcmp(inject, "skip-inval") == 0)
		cfg.inject = SIM_INJECT_SKIP_INVAL;
	if (keep != NULL && keep[0] != '\0')
		snprintf(path, sizeof(path), "%s", keep);
	else
		fuzz_path("replay.trace", path, sizeof(path));
	cfg.ram_pages = decode(data, size, path, &cfg.seed);
	for (mode = SIM_MODE_PAIR; mode <= SIM_MODE_EPT; mode++)
		for (ad = SIM_AD_HW; ad <= SIM_AD_EMULATED; ad++) {
			cfg.mode = mode;
			cfg.ad = ad;
			rc = sim_replay_file(path, &cfg, stderr, &sum);
			if (verbose != NULL)
				fprintf(stderr,
				        "fuzz_replay: %s/%s: exit %d, %lu events, ram %lu%s%s\n",
				        modes[mode], ad == SIM_AD_HW ? "hw" : "emulated", rc,
				        sum.events, cfg.ram_pages, sum.fatal[0] ? ": " : "",
				        sum.fatal);
			if (rc == 2 && strncmp(sum.fatal, path, strlen(path)) != 0)
				fuzz_finding("replay error without the trace's name: %s",
				             sum.fatal);
			if (rc != 1)
				continue;
			fprintf(stderr, "--- the decoded trace (%s):\n", path);
			print_file(path, stderr);
			fuzz_finding("divergence in mode %s, ad %s, --ram=%lu --seed=%lu",
			             modes[mode], ad == SIM_AD_HW ? "hw" : "emulated",
			             cfg.ram_pages, cfg.seed);
		}
	return (0);
}
