/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * replay.h - feeding a trace's events to the simulated machine.
 */
#ifndef EPTSIM_SIM_REPLAY_H
#define EPTSIM_SIM_REPLAY_H

#include <stdio.h>

#include "sim/report.h"
#include "sim/sim.h"

struct sim *sim_create(const struct sim_config *cfg, struct sim_report *report);
/* Destroy every vmspace and file; returns the frames still in use (a leak if not 0). */
uint64_t sim_teardown(struct sim *s);
void sim_destroy(struct sim *s);

/* Replay one event; returns 0, or -1 when the replay cannot go on (s->fatal). */
int sim_replay_event(struct sim *s, const struct trace_event *ev);

struct replay_summary {
	const char *trace;
	uint64_t events, checks, divergences;
	uint64_t leaked_frames;
	double seconds;
	struct sim_stats stats;
	char fatal[TRACE_ERR_MAX];
};

/*
 * Replay the trace at @path under @cfg, reporting divergences to @out.
 * Returns 0 when it ran to the end with no divergence, 1 on divergences,
 * 2 when the trace or the replay failed (summary.fatal says why).
 */
int sim_replay_file(const char *path, const struct sim_config *cfg, FILE *out,
                    struct replay_summary *sum);

#endif /* EPTSIM_SIM_REPLAY_H */
