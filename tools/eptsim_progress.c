/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * eptsim_progress.c - option helpers and the replay's progress line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/eptsim_cli.h"

#define PROGRESS_DELAY    1.0 /* seconds before the line appears */
#define PROGRESS_INTERVAL 0.1 /* seconds between updates */

int
cli_pick(const char *what, const char *val, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(val, names[i]) == 0)
			return i;
	fprintf(stderr, "eptsim: unknown %s '%s'\n", what, val);
	exit(2);
}

uint64_t
cli_number(const char *what, const char *val)
{
	char *end;
	uint64_t n = strtoull(val, &end, 0);

	if (*val == '\0' || *end != '\0' || *val == '-') {
		fprintf(stderr, "eptsim: %s must be a number, not '%s'\n", what, val);
		exit(2);
	}
	return n;
}

static double
progress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The replay's callback, every 65536 events. */
static void
progress_update(uint64_t events, void *arg)
{
	struct cli_progress *p = arg;
	double now = progress_now();

	if (now - p->start < PROGRESS_DELAY || now - p->last < PROGRESS_INTERVAL)
		return;
	p->last = now;
	p->shown = true;
	fprintf(stderr, "\r\033[Keptsim: %s: %lu events, %.0f events/s", p->trace, events,
	        events / (now - p->start));
	fflush(stderr);
}

void
cli_progress_attach(struct cli_progress *p, struct sim_config *cfg, const char *trace)
{
	memset(p, 0, sizeof(*p));
	cfg->progress = NULL;
	cfg->progress_arg = NULL;
	if (!isatty(STDERR_FILENO))
		return;
	p->trace = trace;
	p->start = progress_now();
	cfg->progress = progress_update;
	cfg->progress_arg = p;
}

void
cli_progress_end(struct cli_progress *p)
{
	if (!p->shown)
		return;
	fprintf(stderr, "\r\033[K");
	fflush(stderr);
	p->shown = false;
}
