/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * unicorn_bench.c - checked accesses per second through the Unicorn
 * oracle (`eptsim replay --oracle=unicorn`, verify/vfy_unicorn_oracle.h).
 *
 *   unicorn-bench [-n ACCESSES] [-p PAGES] [-c CPUS] [-r REPEAT] [-t TYPES,...]
 *
 * One vmspace (convert mode: x86 tables only, --check=none) maps PAGES
 * private anonymous rwx pages, each faulted in once by a user write on
 * each CPU.  Then, for each row, ACCESSES fault events replay user
 * accesses of TYPES (letters r, w, x: read, write, fetch, taken round
 * robin; rows r,w,x,rw,rwx by default) over the pages and the CPUs, at
 * offsets that vary: each is an access of
 * the simulated MMU and, with the oracle, one run in the CPU's engine
 * (its TLB kept) with the full check (the SDM walker, the simulator's
 * outcome, the VM's page, the A/D bits).  Prints, per row, the rate
 * without and with the oracle (best of REPEAT runs), the oracle's own
 * rate (checked accesses per second of time spent in its hooks) and the
 * slowdown.  A fetch at an offset not fetched before makes Unicorn
 * translate the code there: fetches cost more than loads and stores.  Figures are printed, never
 * asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/replay.h"
#include "sim/trace.h"
#include "verify/vfy_unicorn_oracle.h"

#define BENCH_VA 0x10000000ul

struct bench_opts {
	unsigned long accesses, pages, cpus, repeat;
	const char *types; /* access letters, used round robin: r, w, x */
};

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Replay the trace line @line; exits on any error. */
static void
bench_event(struct sim *s, const char *line, uint64_t lineno)
{
	static struct trace_event ev; /* s->ev points here */
	char err[TRACE_ERR_MAX];

	if (trace_parse_line(line, lineno, "unicorn-bench", &ev, err) != 0) {
		fprintf(stderr, "unicorn-bench: %s\n", err);
		exit(2);
	}
	if (sim_replay_event(s, &ev) != 0) {
		fprintf(stderr, "unicorn-bench: %s\n", s->fatal);
		exit(2);
	}
}

/* Parse the timed fault events up front (the parse is not what is measured). */
static struct trace_event *
bench_events(const struct bench_opts *o)
{
	size_t ntypes = strlen(o->types);
	struct trace_event *evs = calloc(o->accesses, sizeof(*evs));
	char line[160], err[TRACE_ERR_MAX];
	unsigned long i;

	for (i = 0; evs != NULL && i < o->accesses; i++) {
		snprintf(line, sizeof(line),
		         "fault vm=1 tid=%lu cpu=%lu va=%#lx access=%c mode=user", i % o->cpus + 1,
		         i % o->cpus, BENCH_VA + (i / o->cpus % o->pages) * 4096 + (i * 72) % 4000,
		         o->types[i % ntypes]);
		if (trace_parse_line(line, i + 100, "unicorn-bench", &evs[i], err) != 0) {
			fprintf(stderr, "unicorn-bench: %s\n", err);
			exit(2);
		}
	}
	return evs;
}

/* One run; returns the seconds of the timed loop, *@oracle_s those of the oracle. */
static double
bench_run(const struct bench_opts *o, const struct trace_event *evs, bool oracle, double *oracle_s)
{
	struct sim_config cfg = {
		.mode = SIM_MODE_CONVERT, .check = SIM_CHECK_NONE, .ram_pages = 65536, .seed = 1
	};
	struct vfy_uco *uco = oracle ? vfy_uco_create() : NULL;
	struct sim_report report;
	struct trace_event ev;
	char line[160];
	unsigned long i, c;
	double t0, t;
	struct sim *s;

	cfg.oracle = uco != NULL ? vfy_uco_hooks(uco) : NULL;
	sim_report_init(&report, stderr, "unicorn-bench");
	if ((s = sim_create(&cfg, &report)) == NULL || (oracle && uco == NULL))
		exit(2);
	bench_event(s, "vmspace_create vm=1 kind=process", 2);
	snprintf(line, sizeof(line),
	         "mmap vm=1 va=%#lx len=%#lx prot=rwx share=private backing=anon", BENCH_VA,
	         o->pages * 4096);
	bench_event(s, line, 3);
	for (c = 0; c < o->cpus; c++) {
		for (i = 0; i < o->pages; i++) {
			snprintf(line, sizeof(line),
			         "fault vm=1 tid=%lu cpu=%lu va=%#lx access=w mode=user", c + 1, c,
			         BENCH_VA + i * 4096);
			bench_event(s, line, 4);
		}
	}
	t = uco != NULL ? vfy_uco_stats(uco)->seconds : 0;
	t0 = bench_now();
	for (i = 0; i < o->accesses; i++) {
		ev = evs[i];
		if (sim_replay_event(s, &ev) != 0) {
			fprintf(stderr, "unicorn-bench: %s\n", s->fatal);
			exit(2);
		}
	}
	t0 = bench_now() - t0;
	*oracle_s = uco != NULL ? vfy_uco_stats(uco)->seconds - t : 0;
	if (report.divergences != 0 || (uco != NULL && vfy_uco_stats(uco)->divergences != 0)) {
		fprintf(stderr, "unicorn-bench: %lu divergences\n", report.divergences);
		exit(1);
	}
	sim_teardown(s);
	sim_destroy(s);
	vfy_uco_destroy(uco);
	return t0;
}

static unsigned long
bench_arg(const char *opt, const char *v)
{
	char *end;
	unsigned long n = strtoul(v, &end, 0);

	if (*v == '\0' || *end != '\0' || n == 0) {
		fprintf(stderr, "unicorn-bench: %s wants a positive number, not '%s'\n", opt, v);
		exit(2);
	}
	return n;
}

/* One row of the table: the accesses of @o->types. */
static void
bench_row(const struct bench_opts *o)
{
	double best[2] = { 1e9, 1e9 }, oracle_best = 1e9, t, os;
	struct trace_event *evs = bench_events(o);
	unsigned long r;

	if (evs == NULL)
		exit(2);
	for (r = 0; r < o->repeat; r++) {
		t = bench_run(o, evs, false, &os);
		best[0] = t < best[0] ? t : best[0];
		t = bench_run(o, evs, true, &os);
		best[1] = t < best[1] ? t : best[1];
		oracle_best = os < oracle_best ? os : oracle_best;
	}
	printf("  %-6s %14.0f %14.0f %14.0f %10.1f\n", o->types, o->accesses / best[0],
	       o->accesses / best[1], o->accesses / oracle_best, best[1] / best[0]);
	free(evs);
}

int
main(int argc, char **argv)
{
	struct bench_opts o = { 300000, 64, 2, 3, NULL };
	char *types = NULL, *save = NULL, *tok;
	unsigned long n;
	int c;

	while ((c = getopt(argc, argv, "n:p:c:r:t:")) != -1) {
		if (c == 'n')
			o.accesses = bench_arg("-n", optarg);
		else if (c == 'p')
			o.pages = bench_arg("-p", optarg);
		else if (c == 'c')
			o.cpus = (n = bench_arg("-c", optarg)) > SIM_MAX_CPUS ? SIM_MAX_CPUS : n;
		else if (c == 'r')
			o.repeat = bench_arg("-r", optarg);
		else if (c == 't' && optarg[strspn(optarg, "rwx,")] == '\0')
			types = optarg;
		else {
			fprintf(stderr, "usage: unicorn-bench [-n ACCESSES] [-p PAGES] [-c CPUS] "
			                "[-r REPEAT] [-t TYPES,...]\n");
			return 2;
		}
	}
	types = strdup(types != NULL ? types : "r,w,x,rw,rwx");
	printf("unicorn-bench: %lu user accesses per row over %lu pages on %lu cpus, best of "
	       "%lu\n",
	       o.accesses, o.pages, o.cpus, o.repeat);
	printf("  %-6s %14s %14s %14s %10s\n", "types", "simulator/s", "+oracle/s", "checked/s",
	       "slowdown");
	for (tok = strtok_r(types, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		o.types = tok;
		bench_row(&o);
	}
	free(types);
	return 0;
}
