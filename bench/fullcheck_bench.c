/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * fullcheck_bench.c - what one full check costs per mapped page.
 *
 * For each layout, mode and size: a vmspace with that many 4 KiB pages
 * mapped (built with the checks off), then vfy_check_full(), the check a
 * trace's `check` event runs, timed alone (best of -r runs).  Prints the
 * seconds of one check, ns per mapped page, the seconds it would take for
 * 10^6 pages, and the ns per page relative to the smallest size (1.00:
 * linear growth).  Layouts:
 *   anon-4K    private anonymous memory, every page written: 4 KiB leaves;
 *   device-2M  device memory mapped with 2 MiB leaves (each leaf's 512
 *              pages are checked one by one; sizes round down to whole
 *              leaves).
 * Every check must find the tables clean and check every page; anything
 * else is an error (exit 1).  Figures are printed, never asserted.
 *
 *   fullcheck-bench [-n 10000,100000,1000000] [-r REPEATS] [-l anon-4K|device-2M]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/replay.h"
#include "sim/trace.h"
#include "verify/vfy_check.h"

#define BENCH_VA     0x10000000000ul /* 1 TiB: 2 MiB aligned, far from anything */
#define BENCH_DEV    0x40000000000ul /* device hpa: 4 TiB, above any simulated RAM */
#define BENCH_MAXSZ  8
#define BENCH_NMODES 3

struct layout {
	const char *name;
	bool device;
};

static const struct layout layouts[] = {
	{ "anon-4K", false },
	{ "device-2M", true },
};

static const struct {
	const char *name;
	enum sim_mode mode;
} modes[BENCH_NMODES] = {
	{ "pair", SIM_MODE_PAIR },
	{ "ept", SIM_MODE_EPT },
	{ "convert", SIM_MODE_CONVERT },
};

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
bench_event(struct sim *s, const char *line, uint64_t lineno)
{
	struct trace_event ev;
	char err[TRACE_ERR_MAX];

	if (trace_parse_line(line, lineno, "fullcheck-bench", &ev, err) != 0) {
		fprintf(stderr, "fullcheck-bench: %s\n", err);
		exit(2);
	}
	if (sim_replay_event(s, &ev) != 0) {
		fprintf(stderr, "fullcheck-bench: %s: %s\n", line, s->fatal);
		exit(2);
	}
}

/* A vmspace with @pages 4 KiB pages mapped as @l says, in @mode. */
static struct sim *
bench_setup(const struct layout *l, enum sim_mode mode, uint64_t pages, struct sim_report *rep)
{
	struct sim_config cfg = { .mode = mode, .check = SIM_CHECK_NONE, .seed = 1 };
	uint64_t step = l->device ? 512 : 1, i, lineno = 2;
	char line[192];
	struct sim *s;

	/* Data pages (anon), and the tables and pv chunks of two pmaps. */
	cfg.ram_pages = (l->device ? 0 : pages) + pages / 64 + 4096;
	sim_report_init(rep, stderr, "fullcheck-bench");
	rep->quiet = true;
	if ((s = sim_create(&cfg, rep)) == NULL) {
		fprintf(stderr, "fullcheck-bench: cannot create a machine of %lu pages\n",
		        cfg.ram_pages);
		exit(2);
	}
	bench_event(s, "vmspace_create vm=1 kind=process", lineno++);
	if (l->device)
		snprintf(line, sizeof(line),
		         "mmap vm=1 va=%#lx len=%#lx prot=rw- share=shared backing=device "
		         "hpa=%#lx ma=WB",
		         BENCH_VA, pages * PMAP_PAGE_SIZE, BENCH_DEV);
	else
		snprintf(line, sizeof(line),
		         "mmap vm=1 va=%#lx len=%#lx prot=rw- share=private backing=anon", BENCH_VA,
		         pages * PMAP_PAGE_SIZE);
	bench_event(s, line, lineno++);
	for (i = 0; i < pages; i += step) {
		snprintf(line, sizeof(line), "fault vm=1 tid=1 cpu=0 va=%#lx access=w mode=user",
		         BENCH_VA + i * PMAP_PAGE_SIZE);
		bench_event(s, line, lineno++);
	}
	s->cfg.check = SIM_CHECK_FULL;
	return s;
}

/* Seconds of the best of @repeats full checks of @pages pages. */
static double
bench_one(const struct layout *l, enum sim_mode mode, uint64_t pages, unsigned repeats)
{
	struct sim_report rep;
	struct sim *s = bench_setup(l, mode, pages, &rep);
	double best = 0, t;
	uint64_t checks;
	unsigned r;

	for (r = 0; r < repeats; r++) {
		checks = s->stats.checks;
		t = bench_now();
		vfy_check_full(s);
		t = bench_now() - t;
		if (rep.divergences != 0 || s->stats.checks - checks < pages) {
			fprintf(stderr,
			        "fullcheck-bench: %s %s %lu pages: %lu divergences, %lu pages "
			        "checked\n",
			        l->name, modes[mode].name, pages, rep.divergences,
			        s->stats.checks - checks);
			exit(1);
		}
		if (r == 0 || t < best)
			best = t;
	}
	s->cfg.check = SIM_CHECK_NONE;
	sim_teardown(s);
	sim_destroy(s);
	return best;
}

static unsigned
bench_sizes(const char *arg, uint64_t sizes[BENCH_MAXSZ])
{
	unsigned n = 0;
	char *end;

	while (n < BENCH_MAXSZ) {
		sizes[n] = strtoull(arg, &end, 0);
		if (end == arg || sizes[n] < 512 || (*end != ',' && *end != '\0')) {
			fprintf(stderr,
			        "fullcheck-bench: -n wants page counts >= 512, "
			        "comma-separated: %s\n",
			        arg);
			exit(2);
		}
		n++;
		if (*end == '\0')
			return n;
		arg = end + 1;
	}
	fprintf(stderr, "fullcheck-bench: at most %d sizes\n", BENCH_MAXSZ);
	exit(2);
}

static void
bench_layout(const struct layout *l, const uint64_t *sizes, unsigned nsizes, unsigned repeats)
{
	double t, base[BENCH_NMODES] = { 0 };
	uint64_t pages;
	unsigned z, m;

	for (z = 0; z < nsizes; z++) {
		/* 2 MiB leaves only: whole leaves. */
		pages = l->device ? sizes[z] & ~511ul : sizes[z];
		for (m = 0; m < BENCH_NMODES; m++) {
			t = bench_one(l, modes[m].mode, pages, repeats);
			if (z == 0)
				base[m] = t / pages;
			printf("%-10s %-8s %9lu %10.4f %10.1f %10.3f %8.2f\n", l->name,
			       modes[m].name, pages, t, t / pages * 1e9, t / pages * 1e6,
			       t / pages / base[m]);
			fflush(stdout);
		}
	}
}

int
main(int argc, char **argv)
{
	uint64_t sizes[BENCH_MAXSZ] = { 10000, 100000, 1000000 };
	unsigned nsizes = 3, repeats = 3, i;
	const char *only = NULL;
	int c;

	while ((c = getopt(argc, argv, "n:r:l:")) != -1) {
		switch (c) {
		case 'n':
			nsizes = bench_sizes(optarg, sizes);
			break;
		case 'r':
			repeats = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'l':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: fullcheck-bench [-n N,N,...] [-r REPEATS] "
			                "[-l anon-4K|device-2M]\n");
			return 2;
		}
	}
	if (repeats == 0)
		repeats = 1;
	printf("one full check (vfy_check_full), best of %u, pages are 4 KiB pages mapped\n",
	       repeats);
	printf("%-10s %-8s %9s %10s %10s %10s %8s\n", "layout", "mode", "pages", "check s",
	       "ns/page", "s/10^6 p", "growth");
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (only == NULL || strcmp(only, layouts[i].name) == 0)
			bench_layout(&layouts[i], sizes, nsizes, repeats);
	return 0;
}
