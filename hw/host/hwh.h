/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hwh.h - the host side of the hardware path: the runner (hw/runner) on
 * the simulator's model, which predicts the records the kernel prints.
 */
#ifndef EPTSIM_HW_HOST_HWH_H
#define EPTSIM_HW_HOST_HWH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hw/include/hwops.h"

#define HWH_RAM_PAGES 65536ul /* the host machine's RAM (256 MiB, reserved not committed) */

/* hwh_run() flags */
#define HWH_HONOUR_SKIP_INVAL 0x1 /* the host's CPU too ignores invalidations (negative tests) */

/*
 * Run the op list @list (@len bytes) through the runner against a fresh
 * simulated machine; each record goes to @out as one line.  The host
 * predicts a correct machine: it ignores the list's HWOPS_F_SKIP_INVAL
 * unless @flags has HWH_HONOUR_SKIP_INVAL, which shows what the TLB
 * model makes of a missing invalidation.  Returns the END status (enum
 * hwr_status), or -1 when the machine could not be made.
 */
int hwh_run(const void *list, size_t len, FILE *out, uint32_t flags);

struct pmap;

/* Called with each record line ("R ...") and the runner's pmap as that op left it. */
typedef void hwh_record_hook(void *arg, const char *line, struct pmap *pm);

/* hwh_run(), calling @hook (when not NULL) after each record line is written. */
int hwh_run_hook(const void *list, size_t len, FILE *out, uint32_t flags, hwh_record_hook *hook,
                 void *arg);

/*
 * From a hook only: @pm's walk of @va on the host model, to @out as the
 * replay's divergence report shows it (sim/sim_report.c): the outcome,
 * then each level's entry decoded by field name (verify/vfy_describe.c),
 * read without setting A/D.
 */
void hwh_describe_walk(struct pmap *pm, uint64_t va, FILE *out);

/* An op list being built: the header, then the ops (END appended by hwh_list_finish). */
struct hwh_list {
	struct hwops_header *buf; /* header then ops, contiguous */
	size_t nops, cap;
};

/* Start an empty list of @mode; false when memory is out. */
bool hwh_list_init(struct hwh_list *l, enum hwops_mode mode, uint32_t flags);
/* Append @op; false when memory is out. */
bool hwh_list_add(struct hwh_list *l, const struct hwops_op *op);
/* Append END and fill the header's count; returns the list and its size. */
const void *hwh_list_finish(struct hwh_list *l, size_t *len);
void hwh_list_free(struct hwh_list *l);

#endif /* EPTSIM_HW_HOST_HWH_H */
