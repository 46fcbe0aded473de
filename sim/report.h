/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * report.h - divergence reports.
 *
 * A divergence is the simulator finding the pmap wrong: the formats
 * disagree, the tables disagree with the VM, a TLB holds more than the
 * tables allow, an invariant broke.  Each report names the event number
 * and trace line, the vmspace and address, each level's entry in both
 * formats decoded by field name, what the VM expected, and the last events
 * that touched the page.
 */
#ifndef EPTSIM_SIM_REPORT_H
#define EPTSIM_SIM_REPORT_H

#include <stdio.h>

#include "sim/sim.h"

#define SIM_HISTORY 256

struct sim_report {
	FILE *out;
	const char *trace_path;
	uint64_t divergences;
	uint64_t event_no; /* events replayed so far (the current one included) */
	struct trace_event history[SIM_HISTORY];
	uint64_t history_no[SIM_HISTORY];
	bool quiet; /* count only (benchmarks) */
};

void sim_report_init(struct sim_report *r, FILE *out, const char *trace_path);
void sim_report_event(struct sim_report *r, const struct trace_event *ev);

/*
 * Report a divergence about @va in @vs (NULL: none in particular), with
 * a one-line @what and a printf detail.  Prints both formats' walks of
 * @va and the VM's view.
 */
void sim_diverge(struct sim *s, struct sim_vmspace *vs, uint64_t va, const char *what,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A divergence about a physical page: reported at each address mapping it. */
void sim_diverge_page(struct sim *s, struct sim_page *pg, const char *what, const char *detail);

#endif /* EPTSIM_SIM_REPORT_H */
