/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_gen.c - `eptsim gen`: seeded synthetic workloads.
 *
 *   eptsim gen [--seed=N] [--events=N]
 *              [--shape=mixed|fork-tree|mmap-storm|superpage|copy|pageout] [-o OUT]
 *
 * Writes a trace of exactly N events (N >= 7; fewer gives the smallest
 * trace, 7 events: a process starts, maps its image and exits) through the trace writer, to
 * OUT ("-", the default, is standard output; a .zst name compresses).
 * The same seed and options give the same bytes.  The trace streams out:
 * only the model of the live vmspaces is kept (eptsim_gen.h), so any
 * length costs the same memory.
 *
 * Every event is legitimate: it replays without error in every mode.
 * Faults land on mapped pages with an allowed access, except a fixed
 * share (about 2 in 100 faults, shape `copy` also some copies) that a
 * kernel answers with SIGSEGV or EFAULT: accesses to the never-mapped
 * low 4 MiB and accesses the mapping's rights forbid.  The mapped RAM of
 * all live vmspaces stays under GEN_PAGE_BUDGET pages and the wired part
 * under GEN_WIRE_BUDGET, so the default machine (65536 frames) never
 * runs out.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/eptsim_cli.h"
#include "tools/eptsim_gen.h"

static const char *const gen_shape_names[GEN_SHAPES] = {
	"mixed", "fork-tree", "mmap-storm", "superpage", "copy", "pageout",
};

/*
 * How often each shape picks each step: relative weights in the order of
 * enum gen_op (fault segv copy mmap mprotect munmap madvise wire unwire
 * fork exit exec guest guest-destroy device pageout check sched).
 */
/* clang-format off */
static const unsigned gen_weights[GEN_SHAPES][OP_COUNT] = {
	[GEN_MIXED] =
	    { 600,  12,  60,  25,  20,  15,   8,   4,   4,   6,   4,   3,   2,   1,   4,   2,   1,  20 },
	[GEN_FORK_TREE] =
	    { 500,  10,  40,   5,   3,   3,   2,   1,   1,  40,  30,  10,   0,   0,   0,   1,   1,  30 },
	[GEN_MMAP_STORM] =
	    { 300,  10,  20, 120, 120, 100,  20,   5,   5,   2,   1,   1,   0,   0,  10,   1,   1,   5 },
	[GEN_SUPERPAGE] =
	    { 400,  10,  30,  10,  40,  30,   0,   0,   0,   1,   1,   1,   0,   0,  60,   0,   1,   5 },
	[GEN_COPY] =
	    { 200,   5, 500,  10,   5,   5,   0,   0,   0,   3,   2,   1,   0,   0,   0,   0,   1,   5 },
	[GEN_PAGEOUT] =
	    { 500,   5,  30,  20,   0,  10,  30,   5,   5,   3,   2,   1,   1,   1,   0,  40,   1,   5 },
};
/* clang-format on */

/* One step of the shape's mix; one that cannot be done becomes a fault. */
static void
gen_step(struct gen *g)
{
	const unsigned *w = gen_weights[g->shape];
	unsigned total = 0, op;
	uint64_t pick;

	for (op = 0; op < OP_COUNT; op++)
		total += w[op];
	pick = gen_below(&g->rng, total);
	for (op = 0; pick >= w[op]; op++)
		pick -= w[op];
	if (!gen_ops[op](g) && !op_fault(g))
		op_sched(g);
}

/* The first process, then the mix, then one-event steps, then the exits. */
static void
gen_run(struct gen *g)
{
	struct gen_vm *init = gen_vm_new(g, false, 0);
	struct trace_event ev = gen_ev(TRACE_VMSPACE_CREATE, init->id);

	ev.kind = TRACE_VM_PROCESS;
	gen_emit(g, &ev);
	gen_image(g, init);
	gen_emit_sched(g, init);
	while (g->events + g->nvm + GEN_MAX_STEP < g->target)
		gen_step(g);
	while (g->events + g->nvm < g->target)
		if (!op_fault(g))
			op_sched(g);
	while (g->nvm > 0) {
		struct gen_vm *vm = &g->vm[g->nvm - 1];

		if (!vm->guest)
			gen_destroy_guests(g, vm->id);
		vm = &g->vm[g->nvm - 1];
		ev = gen_ev(vm->guest ? TRACE_VMSPACE_DESTROY : TRACE_EXIT, vm->id);
		gen_emit(g, &ev);
		gen_vm_forget(g, vm);
	}
}

static void
gen_usage(FILE *f)
{
	fprintf(f, "usage: eptsim gen [--seed=N] [--events=N] "
	           "[--shape=mixed|fork-tree|mmap-storm|superpage|copy|pageout] [-o OUT]\n");
}

int
cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "events", required_argument, NULL, 'e' },
		{ "shape", required_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen *g = calloc(1, sizeof(*g));
	struct trace_writer *w;
	const char *out = "-";
	char source[128], err[TRACE_ERR_MAX];
	uint64_t seed = 1;
	int c;

	if (g == NULL) {
		fprintf(stderr, "eptsim: out of memory\n");
		return 2;
	}
	g->target = 10000;
	g->next_id = g->next_tid = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			seed = cli_number("--seed", optarg);
			break;
		case 'e':
			g->target = cli_number("--events", optarg);
			break;
		case 'S':
			g->shape = cli_pick("shape", optarg, gen_shape_names, GEN_SHAPES);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			gen_usage(stderr);
			free(g);
			return 2;
		}
	}
	if (optind != argc) {
		gen_usage(stderr);
		free(g);
		return 2;
	}
	g->rng.state = seed;
	snprintf(source, sizeof(source), "eptsim gen --seed=%lu --events=%lu --shape=%s", seed,
	         g->target, gen_shape_names[g->shape]);
	if ((g->w = trace_create(out, source, err)) == NULL) {
		fprintf(stderr, "eptsim: %s\n", err);
		free(g);
		return 2;
	}
	gen_run(g);
	w = g->w;
	free(g);
	if (trace_finish(w, err) != 0) {
		fprintf(stderr, "eptsim: %s\n", err);
		return 2;
	}
	return 0;
}
