/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * pmap_bench.c - what the pmap costs, per format, measured in one run so
 * the formats compare as ratios.
 *
 *   pmap-bench [-n PAGES_4K] [-s PAGES_2M] [-r REPEATS]
 *
 * For each format: enter PAGES_4K managed 4 KiB pages (one call each),
 * protect them read-only (one call), remove them (one call); the same
 * with PAGES_2M 2 MiB pages.  Prints ns per page for each, the best of
 * REPEATS runs, the page-table and pv memory at the peak, and each EPT
 * format's time relative to x86.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "pmap/pmap.h"
#include "sim/sim_phys.h"

#define NFMT 3
#define NOPS 6

static const struct {
	const char *name;
	enum pmap_type type;
	uint32_t flags;
} fmts[NFMT] = {
	{ "x86", PMAP_TYPE_X86, PMAP_PDE_SUPERPAGE },
	{ "ept", PMAP_TYPE_EPT, PMAP_PDE_SUPERPAGE | PMAP_SUPPORTS_EXEC_ONLY },
	{ "ept-emul", PMAP_TYPE_EPT, PMAP_PDE_SUPERPAGE | PMAP_EMULATE_AD_BITS },
};

static const char *const op_names[NOPS] = { "enter 4K", "protect 4K", "remove 4K",
	                                    "enter 2M", "protect 2M", "remove 2M" };

struct bench {
	uint64_t n4k, n2m;
	int repeats;
	uint64_t alloc_pages, run_base;
	double ns[NFMT][NOPS];
	uint64_t peak_bytes[NFMT];
};

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
die(const char *what, int error)
{
	fprintf(stderr, "pmap-bench: %s failed: error %d\n", what, error);
	exit(1);
}

static void
check(int error, const char *what)
{
	if (error != PMAP_OK)
		die(what, error);
}

/* One format, one repeat: the six timings in ns per page. */
static void
bench_once(struct bench *b, int f, struct sim_phys *sp, double ns[NOPS])
{
	const uint64_t va4k = 0x10000000000ul, va2m = 0x20000000000ul;
	struct pmap pm;
	double t0;
	uint64_t i;

	check(pmap_pinit(&pm, fmts[f].type, fmts[f].flags, NULL), "pmap_pinit");
	t0 = now_ns();
	for (i = 0; i < b->n4k; i++)
		check(pmap_enter(&pm, va4k + (i << 12), (b->alloc_pages + i) << 12,
		                 VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ, PMAP_MA_WB,
		                 PMAP_LEVEL_4K),
		      "pmap_enter 4K");
	ns[0] = (now_ns() - t0) / b->n4k;
	t0 = now_ns();
	check(pmap_protect(&pm, va4k, va4k + (b->n4k << 12), VM_PROT_READ), "pmap_protect");
	ns[1] = (now_ns() - t0) / b->n4k;
	if (sp->stats.in_use * 4096 > b->peak_bytes[f])
		b->peak_bytes[f] = sp->stats.in_use * 4096;
	t0 = now_ns();
	check(pmap_remove(&pm, va4k, va4k + (b->n4k << 12)), "pmap_remove");
	ns[2] = (now_ns() - t0) / b->n4k;
	t0 = now_ns();
	for (i = 0; i < b->n2m; i++)
		check(pmap_enter(&pm, va2m + (i << 21), b->run_base + (i << 21),
		                 VM_PROT_READ | VM_PROT_WRITE, VM_PROT_READ, PMAP_MA_WB,
		                 PMAP_LEVEL_2M),
		      "pmap_enter 2M");
	ns[3] = (now_ns() - t0) / b->n2m;
	t0 = now_ns();
	check(pmap_protect(&pm, va2m, va2m + (b->n2m << 21), VM_PROT_READ), "pmap_protect");
	ns[4] = (now_ns() - t0) / b->n2m;
	t0 = now_ns();
	check(pmap_remove(&pm, va2m, va2m + (b->n2m << 21)), "pmap_remove");
	ns[5] = (now_ns() - t0) / b->n2m;
	pmap_release(&pm);
}

static void
bench_run(struct bench *b)
{
	uint64_t run_pages = (b->n2m + 1) << 9;
	uint64_t npages;
	struct sim_phys *sp;
	int f, r, op;

	/* Tables: ~n/512 per level; pv chunks: ~n/170.  Then data, then 2 MiB runs. */
	b->alloc_pages = 4096 + b->n4k / 100 + b->n2m * 4;
	b->run_base = ((b->alloc_pages + b->n4k) << 12) + (2ul << 20);
	b->run_base &= ~((2ul << 20) - 1);
	npages = (b->run_base >> 12) + run_pages;
	sp = sim_phys_create(npages, b->alloc_pages, 1);
	if (sp == NULL)
		die("sim_phys_create", PMAP_ENOMEM);
	for (f = 0; f < NFMT; f++) {
		for (r = 0; r < b->repeats; r++) {
			double ns[NOPS];

			bench_once(b, f, sp, ns);
			for (op = 0; op < NOPS; op++)
				if (r == 0 || ns[op] < b->ns[f][op])
					b->ns[f][op] = ns[op];
		}
	}
	sim_phys_destroy(sp);
}

static void
bench_print(const struct bench *b)
{
	struct rusage ru;
	int f, op;

	printf("pmap-bench: %lu 4K pages, %lu 2M pages, best of %d; ns per page\n", b->n4k, b->n2m,
	       b->repeats);
	printf("%-12s", "operation");
	for (f = 0; f < NFMT; f++)
		printf("%12s", fmts[f].name);
	for (f = 1; f < NFMT; f++)
		printf("%10s/x86", fmts[f].name);
	printf("\n");
	for (op = 0; op < NOPS; op++) {
		printf("%-12s", op_names[op]);
		for (f = 0; f < NFMT; f++)
			printf("%12.1f", b->ns[f][op]);
		for (f = 1; f < NFMT; f++)
			printf("%14.3f", b->ns[f][op] / b->ns[0][op]);
		printf("\n");
	}
	printf("%-12s", "peak MiB");
	for (f = 0; f < NFMT; f++)
		printf("%12.1f", b->peak_bytes[f] / 1048576.0);
	printf("   (page tables + pv chunks with %lu 4K pages mapped)\n", b->n4k);
	getrusage(RUSAGE_SELF, &ru);
	printf("process max RSS: %.1f MiB\n", ru.ru_maxrss / 1024.0);
}

int
main(int argc, char **argv)
{
	struct bench b;
	int c;

	memset(&b, 0, sizeof(b));
	b.n4k = 1000000;
	b.n2m = 1000;
	b.repeats = 3;
	while ((c = getopt(argc, argv, "n:s:r:")) != -1) {
		switch (c) {
		case 'n':
			b.n4k = strtoull(optarg, NULL, 0);
			break;
		case 's':
			b.n2m = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			b.repeats = atoi(optarg);
			break;
		default:
			fprintf(stderr,
			        "usage: pmap-bench [-n pages4k] [-s pages2m] [-r repeats]\n");
			return 2;
		}
	}
	if (b.n4k == 0 || b.n2m == 0 || b.repeats < 1) {
		fprintf(stderr, "pmap-bench: counts must be positive\n");
		return 2;
	}
	bench_run(&b);
	bench_print(&b);
	return 0;
}
